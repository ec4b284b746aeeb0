import fs from 'node:fs';
import http from 'node:http';
import { connect as netConnect } from 'node:net';
import path from 'node:path';
import { startEmulator } from '../../src/emulator';
import {
  listFiles,
  signedRaw,
  startTestEmulator,
  uniqueBucket,
  type RawResponse,
  type TestEmulator,
} from './helpers';

let emu: TestEmulator;
let bucket: string;
beforeAll(async () => {
  emu = await startTestEmulator();
  bucket = uniqueBucket('robust');
  const c = emu.client();
  await c.putBucket(bucket);
  c.useBucket(bucket);
  await c.put('exists', Buffer.from('x'));
});
afterAll(async () => {
  await emu.stop();
});

function raw(
  method: string,
  key: string,
  options: Parameters<typeof signedRaw>[6] = {},
): Promise<RawResponse> {
  return signedRaw(emu.handle.url, emu.accessKeyId, emu.accessKeySecret, method, bucket, key, options);
}

function code(r: RawResponse): string {
  return /<Code>([^<]*)<\/Code>/.exec(r.body.toString())?.[1] ?? '';
}

const xml = (s: string): Buffer => Buffer.from(s, 'utf8');

test('bad input is answered with a 4xx OSS error, never a 500', async () => {
  const cases: Array<[string, () => Promise<RawResponse>, number, string]> = [
    [
      'non-numeric partNumber',
      () => raw('PUT', 'k', { subresource: 'partNumber=abc&uploadId=X', body: xml('x') }),
      400,
      'InvalidArgument',
    ],
    ['negative max-keys', () => raw('GET', '', { query: 'max-keys=-1' }), 400, 'InvalidArgument'],
    [
      'garbage continuation token',
      () => raw('GET', '', { subresource: 'continuation-token=!!!', query: 'list-type=2' }),
      400,
      'InvalidArgument',
    ],
    [
      'unknown encoding-type',
      () => raw('GET', '', { query: 'encoding-type=base64' }),
      400,
      'InvalidArgument',
    ],
    [
      'delete body not XML',
      () => raw('POST', '', { subresource: 'delete', body: xml('not xml at all') }),
      400,
      'MalformedXML',
    ],
    [
      'delete body with a DTD',
      () =>
        raw('POST', '', {
          subresource: 'delete',
          body: xml('<!DOCTYPE d [<!ENTITY a "b">]><Delete><Object><Key>&a;</Key></Object></Delete>'),
        }),
      400,
      'MalformedXML',
    ],
    [
      'delete of 1001 keys',
      () =>
        raw('POST', '', {
          subresource: 'delete',
          body: xml(`<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`),
        }),
      400,
      'MalformedXML',
    ],
    [
      'delete with the wrong root',
      () =>
        raw('POST', '', {
          subresource: 'delete',
          body: xml('<Remove><Object><Key>k</Key></Object></Remove>'),
        }),
      400,
      'MalformedXML',
    ],
    [
      'tagging XML unclosed',
      () => raw('PUT', 'exists', { subresource: 'tagging', body: xml('<Tagging><TagSet>') }),
      400,
      'MalformedXML',
    ],
    [
      'worm days not a number',
      () =>
        raw('POST', '', {
          subresource: 'worm',
          body: xml(
            '<InitiateWormConfiguration><RetentionPeriodInDays>ten</RetentionPeriodInDays></InitiateWormConfiguration>',
          ),
        }),
      400,
      'InvalidArgument',
    ],
    [
      'worm without days',
      () => raw('POST', '', { subresource: 'worm', body: xml('<InitiateWormConfiguration/>') }),
      400,
      'MalformedXML',
    ],
    [
      'logging with the wrong root',
      () => raw('PUT', '', { subresource: 'logging', body: xml('<Logging/>') }),
      400,
      'MalformedXML',
    ],
    [
      'copy source "/"',
      () => raw('PUT', 'k', { headers: { 'x-oss-copy-source': '/' } }),
      400,
      'InvalidArgument',
    ],
    [
      'copy source in an invalid bucket',
      () => raw('PUT', 'k', { headers: { 'x-oss-copy-source': '/Bad_Bucket/x' } }),
      400,
      'InvalidBucketName',
    ],
    [
      'copy source badly encoded',
      () => raw('PUT', 'k', { headers: { 'x-oss-copy-source': `/${bucket}/%zz` } }),
      400,
      'InvalidArgument',
    ],
    [
      'tagging header badly encoded',
      () => raw('PUT', 'k', { headers: { 'x-oss-tagging': 'a=%zz' }, body: xml('x') }),
      400,
      'InvalidTag',
    ],
    [
      'Content-MD5 not base64 of 16 bytes',
      () => raw('PUT', 'k', { headers: { 'content-md5': 'nope' }, body: undefined }),
      400,
      'InvalidDigest',
    ],
    [
      'complete of an unknown upload',
      () =>
        raw('POST', 'k', {
          subresource: 'uploadId=NOPE',
          body: xml(
            '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"A"</ETag></Part></CompleteMultipartUpload>',
          ),
        }),
      404,
      'NoSuchUpload',
    ],
    [
      'complete with a non-numeric part number',
      () =>
        raw('POST', 'k', {
          subresource: 'uploadId=NOPE',
          body: xml(
            '<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>"A"</ETag></Part></CompleteMultipartUpload>',
          ),
        }),
      404,
      'NoSuchUpload',
    ],
    ['an unsupported method', () => raw('PATCH', 'k'), 405, 'MethodNotAllowed'],
    ['a missing key', () => raw('GET', 'nope'), 404, 'NoSuchKey'],
    [
      'a response header override with CR LF',
      () => raw('GET', 'exists', { subresource: 'response-content-disposition=a%0D%0AX-Injected:%201' }),
      400,
      'InvalidArgument',
    ],
  ];
  for (const [what, send, status, expected] of cases) {
    const r = await send();
    expect([what, r.status, code(r)]).toEqual([what, status, expected]);
    expect(r.headers['x-oss-request-id']).toBeDefined();
  }
  // A request target that does not percent-decode.
  const bad = await new Promise<number>((resolve, reject) => {
    const u = new URL(emu.handle.url);
    const req = http.request(
      { hostname: u.hostname, port: u.port, path: `/${bucket}/%E0%A4%A`, method: 'GET' },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
  expect(bad).toBe(400);
});

test('an unexpected failure is a generic 500 InternalError: no stack, no path, no detail', async () => {
  const c = emu.client({ bucket });
  await c.put('victim', Buffer.alloc(200 * 1024, 1));
  const blobsDir = path.join(emu.dataDir, 'blobs');
  const body = Buffer.alloc(200 * 1024, 2);
  await c.put('victim2', body);
  // Its blob file: the one holding exactly these bytes.
  const holding = listFiles(blobsDir).filter(
    (f) => fs.statSync(f).size === body.length && fs.readFileSync(f).equals(body),
  );
  expect(holding).toHaveLength(1);
  fs.rmSync(holding[0] as string);
  const r = await raw('GET', 'victim2');
  expect(r.status).toBe(500);
  expect(code(r)).toBe('InternalError');
  const answer = r.body.toString();
  expect(answer).not.toMatch(/ENOENT|\/blobs\/|at [A-Za-z]+ \(|\.js:\d+/);
  // The server is still serving.
  expect((await c.get('victim')).content.length).toBe(200 * 1024);
});

test('a second emulator on the same data directory is refused, and the first keeps working', async () => {
  await expect(
    startEmulator({ dataDir: emu.dataDir, credentials: [{ accessKeyId: 'x', accessKeySecret: 'y' }] }),
  ).rejects.toThrow(/in use by another emulator/);
  expect((await emu.client({ bucket }).get('exists')).content.toString()).toBe('x');
}, 30_000);

test('requests Node cannot parse still get an OSS error with a request id', async () => {
  const u = new URL(emu.handle.url);
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = netConnect(Number(u.port), u.hostname, () =>
      socket.write('GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n'),
    );
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
  expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  expect(answer).toMatch(/x-oss-request-id: [0-9A-F]{24}/);
  expect(answer).toContain('<Code>InvalidRequest</Code>');
});
