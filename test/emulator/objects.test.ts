import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { crc64 } from '../../src/util/crc64';
import { expectOssError, startTestEmulator, uniqueBucket, type Client, type TestEmulator } from './helpers';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.stop();
});

function md5Hex(b: Buffer): string {
  return createHash('md5').update(b).digest('hex').toUpperCase();
}

async function bucketClient(label: string, v4 = false): Promise<{ c: Client; bucket: string }> {
  const bucket = uniqueBucket(label);
  const c = emu.client({ v4 });
  await c.putBucket(bucket);
  c.useBucket(bucket);
  return { c, bucket };
}

/** A raw request through Node's http (for what ali-oss cannot send or does not expose). */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${emu.handle.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe.each([
  ['V1', false],
  ['V4', true],
])('objects with %s signatures', (_name, v4) => {
  test('put, get, head, getObjectMeta and delete round-trip bytes, metadata, ETag and CRC-64', async () => {
    const { c } = await bucketClient('obj', v4);
    const body = Buffer.from('regulatory record \u00e9\u4e2d\n'.repeat(10));
    const put = await c.put('dir/rec.json', body, {
      meta: { sha256: 'abc', recordid: 'r-1' },
      mime: 'application/json',
    });
    expect(put.res.status).toBe(200);
    expect(put.res.headers.etag).toBe(`"${md5Hex(body)}"`);
    expect(put.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(body));
    expect(put.res.headers['x-oss-request-id']).toMatch(/^[0-9A-F]{24}$/);

    const got = await c.get('dir/rec.json');
    expect(got.content.equals(body)).toBe(true);
    expect(got.res.headers['content-type']).toBe('application/json');
    expect(got.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(body));
    expect(got.res.headers['x-oss-meta-sha256']).toBe('abc');
    expect(got.res.headers.etag).toBe(`"${md5Hex(body)}"`);

    const head = await c.head('dir/rec.json');
    expect(head.status).toBe(200);
    expect(head.meta).toEqual({ sha256: 'abc', recordid: 'r-1' });
    expect(head.res.headers['content-length']).toBe(String(body.length));
    expect(head.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(body));
    expect(head.res.headers['content-md5']).toBe(createHash('md5').update(body).digest('base64'));
    expect(head.res.headers['x-oss-object-type']).toBe('Normal');

    const meta = await c.getObjectMeta('dir/rec.json');
    expect(meta.status).toBe(200);
    expect(meta.res.headers['content-length']).toBe(String(body.length));
    expect(meta.res.headers.etag).toBe(`"${md5Hex(body)}"`);

    const del = await c.delete('dir/rec.json');
    expect(del.res.status).toBe(204);
    const err = await expectOssError(() => c.get('dir/rec.json'));
    expect(err.status).toBe(404);
    expect(err.code).toBe('NoSuchKey');
    const headErr = await expectOssError(() => c.head('dir/rec.json'));
    expect(headErr.status).toBe(404);
    expect(headErr.code).toBe('NoSuchKey');
    // Deleting a missing key succeeds, as on OSS.
    expect((await c.delete('dir/rec.json')).res.status).toBe(204);
  });

  test('large bodies (stored as files) and empty bodies round-trip', async () => {
    const { c } = await bucketClient('big', v4);
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    const put = await c.put('big.bin', big);
    expect(put.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(big));
    const got = await c.get('big.bin');
    expect(got.content.equals(big)).toBe(true);
    expect(got.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(big));
    await c.put('empty', Buffer.alloc(0));
    const empty = await c.get('empty');
    expect(empty.content.length).toBe(0);
    expect(empty.res.headers['x-oss-hash-crc64ecma']).toBe('0');
    expect(empty.res.headers.etag).toBe('"D41D8CD98F00B204E9800998ECF8427E"');
  });
});

test('putStream (chunked, no Content-MD5) stores the exact bytes', async () => {
  const { c } = await bucketClient('stream');
  const parts = [Buffer.alloc(70000, 1), Buffer.alloc(5, 2), Buffer.alloc(100000, 3)];
  const all = Buffer.concat(parts);
  const put = await c.putStream('s.bin', Readable.from(parts));
  expect(put.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(all));
  expect((await c.get('s.bin')).content.equals(all)).toBe(true);
});

test('a wrong Content-MD5 is 400 InvalidDigest and stores nothing (small and large bodies)', async () => {
  const { c } = await bucketClient('digest');
  for (const size of [10, 200 * 1024]) {
    const body = Buffer.alloc(size, 9);
    const wrong = createHash('md5').update('something else').digest('base64');
    const err = await expectOssError(() => c.put(`d-${size}`, body, { headers: { 'Content-MD5': wrong } }));
    expect(err.status).toBe(400);
    expect(err.code).toBe('InvalidDigest');
    expect((await expectOssError(() => c.head(`d-${size}`))).status).toBe(404);
  }
  const listed = await c.listV2({});
  expect(listed.objects).toHaveLength(0);
  // A correct one is accepted.
  const body = Buffer.from('ok');
  await c.put('good', body, { headers: { 'Content-MD5': createHash('md5').update(body).digest('base64') } });
  expect((await c.get('good')).content.toString()).toBe('ok');
});

test('x-oss-forbid-overwrite: true refuses an existing key with 409 FileAlreadyExists and keeps the original', async () => {
  const { c } = await bucketClient('forbid');
  await c.put('k', Buffer.from('first'), { headers: { 'x-oss-forbid-overwrite': 'true' } });
  const err = await expectOssError(() =>
    c.put('k', Buffer.from('second'), { headers: { 'x-oss-forbid-overwrite': 'true' } }),
  );
  expect(err.status).toBe(409);
  expect(err.code).toBe('FileAlreadyExists');
  expect((await c.get('k')).content.toString()).toBe('first');
  // Without the header, overwrite is allowed (no retention policy).
  await c.put('k', Buffer.from('third'));
  expect((await c.get('k')).content.toString()).toBe('third');
});

test('range reads: 206 with Content-Range; suffix and open ranges; invalid ranges give the whole object', async () => {
  const { c } = await bucketClient('range');
  const body = Buffer.from('0123456789abcdefghij');
  await c.put('r', body);
  const big = Buffer.alloc(200 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  await c.put('rb', big);

  const a = await c.get('r', { headers: { Range: 'bytes=2-5' } });
  expect(a.res.status).toBe(206);
  expect(a.content.toString()).toBe('2345');
  expect(a.res.headers['content-range']).toBe('bytes 2-5/20');
  expect(a.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(body));

  const b = await c.get('r', { headers: { Range: 'bytes=-3' } });
  expect(b.content.toString()).toBe('hij');
  const open = await c.get('r', { headers: { Range: 'bytes=15-' } });
  expect(open.content.toString()).toBe('fghij');
  const clipped = await c.get('r', { headers: { Range: 'bytes=18-100' } });
  expect(clipped.content.toString()).toBe('ij');
  expect(clipped.res.headers['content-range']).toBe('bytes 18-19/20');

  const outOfRange = await c.get('r', { headers: { Range: 'bytes=50-60' } });
  expect(outOfRange.res.status).toBe(200);
  expect(outOfRange.content.equals(body)).toBe(true);
  const standard = await expectOssError(() =>
    c.get('r', { headers: { Range: 'bytes=50-60', 'x-oss-range-behavior': 'standard' } }),
  );
  expect(standard.status).toBe(416);
  expect(standard.code).toBe('InvalidRange');
  const multi = await c.get('r', { headers: { Range: 'bytes=0-1,4-5' } });
  expect(multi.res.status).toBe(200);

  const fileRange = await c.get('rb', { headers: { Range: 'bytes=100000-150000' } });
  expect(fileRange.res.status).toBe(206);
  expect(fileRange.content.equals(big.subarray(100000, 150001))).toBe(true);
});

test('response-* query parameters override response headers; conditional GETs', async () => {
  const { c } = await bucketClient('resp');
  await c.put('f.txt', Buffer.from('x'), {
    headers: { 'Cache-Control': 'no-store', 'Content-Disposition': 'inline' },
  });
  const plain = await c.get('f.txt');
  expect(plain.res.headers['cache-control']).toBe('no-store');
  expect(plain.res.headers['content-disposition']).toBe('inline');
  const over = await c.get('f.txt', {
    subres: {
      'response-content-disposition': 'attachment; filename="r.txt"',
      'response-content-type': 'application/x-test',
      'response-cache-control': 'max-age=5',
    },
  });
  expect(over.res.headers['content-disposition']).toBe('attachment; filename="r.txt"');
  expect(over.res.headers['content-type']).toBe('application/x-test');
  expect(over.res.headers['cache-control']).toBe('max-age=5');

  const etag = plain.res.headers.etag as string;
  const notModified = await c.get('f.txt', { headers: { 'If-None-Match': etag } });
  expect(notModified.res.status).toBe(304);
  const pre = await expectOssError(() => c.get('f.txt', { headers: { 'If-Match': '"0000"' } }));
  expect(pre.status).toBe(412);
});

test('SSE headers are stored and echoed; an unknown algorithm is refused', async () => {
  const { c } = await bucketClient('sse');
  const put = await c.put('e', Buffer.from('x'), {
    headers: { 'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': 'key-123' },
  });
  expect(put.res.headers['x-oss-server-side-encryption']).toBe('KMS');
  const head = await c.head('e');
  expect(head.res.headers['x-oss-server-side-encryption']).toBe('KMS');
  expect(head.res.headers['x-oss-server-side-encryption-key-id']).toBe('key-123');
  await c.put('a', Buffer.from('x'), { headers: { 'x-oss-server-side-encryption': 'AES256' } });
  expect((await c.get('a')).res.headers['x-oss-server-side-encryption']).toBe('AES256');
  const err = await expectOssError(() =>
    c.put('b', Buffer.from('x'), { headers: { 'x-oss-server-side-encryption': 'ROT13' } }),
  );
  expect(err.status).toBe(400);
});

test('object tagging: x-oss-tagging on upload, PUT/GET/DELETE ?tagging', async () => {
  const { c } = await bucketClient('tags');
  await c.put('t', Buffer.from('x'), { headers: { 'x-oss-tagging': 'class=7y&owner=ops%20team' } });
  expect((await c.getObjectTagging('t')).tag).toEqual({ class: '7y', owner: 'ops team' });
  expect((await c.head('t')).res.headers['x-oss-tagging-count']).toBe('2');
  await c.putObjectTagging('t', { a: '1', b: '2', c: '3' });
  expect((await c.getObjectTagging('t')).tag).toEqual({ a: '1', b: '2', c: '3' });
  expect((await c.deleteObjectTagging('t')).status).toBe(204);
  expect((await c.getObjectTagging('t')).tag).toEqual({});
  const missing = await expectOssError(() => c.getObjectTagging('nope'));
  expect(missing.code).toBe('NoSuchKey');
  const tooMany = await expectOssError(() =>
    c.put('u', Buffer.from('x'), {
      headers: { 'x-oss-tagging': Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&') },
    }),
  );
  expect(tooMany.status).toBe(400);
});

test('CopyObject: COPY keeps metadata, REPLACE takes the request headers, forbid-overwrite refuses, source missing is 404', async () => {
  const { c, bucket } = await bucketClient('copy');
  const body = Buffer.alloc(150 * 1024, 5);
  await c.put('src', body, { meta: { a: '1' }, headers: { 'x-oss-tagging': 'k=v' } });
  const copied = await c.copy('dst', 'src');
  expect(copied.res.status).toBe(200);
  expect(copied.data?.etag).toBe(`"${md5Hex(body)}"`);
  expect(copied.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(body));
  const dst = await c.get('dst');
  expect(dst.content.equals(body)).toBe(true);
  expect(dst.res.headers['x-oss-meta-a']).toBe('1');
  expect((await c.getObjectTagging('dst')).tag).toEqual({ k: 'v' });

  await c.copy('dst2', 'src', { meta: { b: '2' } });
  const head2 = await c.head('dst2');
  expect(head2.meta).toEqual({ b: '2' });

  const other = uniqueBucket('copy-other');
  await c.putBucket(other);
  await c.copy('cross', `/${bucket}/src`, { headers: {} });
  await c.copy('x', 'src', bucket);
  const cross = emu.client({ bucket: other });
  await cross.copy('from-other', 'src', bucket);
  expect((await cross.get('from-other')).content.equals(body)).toBe(true);

  const forbidden = await expectOssError(() =>
    c.copy('dst', 'src', { headers: { 'x-oss-forbid-overwrite': 'true' } }),
  );
  expect(forbidden.status).toBe(409);
  expect(forbidden.code).toBe('FileAlreadyExists');
  const missing = await expectOssError(() => c.copy('y', 'no-such-source'));
  expect(missing.status).toBe(404);
  expect(missing.code).toBe('NoSuchKey');
  // The source is untouched when the copy is deleted.
  await c.delete('dst');
  expect((await c.get('src')).content.equals(body)).toBe(true);
});

test('DeleteMultipleObjects: verbose and quiet', async () => {
  const { c } = await bucketClient('multi');
  for (const k of ['a', 'b', 'c & <d>']) await c.put(k, Buffer.from(k));
  const verbose = await c.deleteMulti(['a', 'c & <d>', 'missing']);
  expect(verbose.deleted.map((d) => d.Key).sort()).toEqual(['a', 'c & <d>', 'missing']);
  await c.put('a', Buffer.from('a'));
  const quiet = await c.deleteMulti(['a', 'b'], { quiet: true });
  expect(quiet.deleted).toEqual([]);
  expect((await c.listV2({})).objects).toHaveLength(0);
});

test('errors: NoSuchBucket, XML body with RequestId, unique request ids, x-oss-err on HEAD, MalformedXML', async () => {
  const c = emu.client();
  c.useBucket('no-such-bucket-here');
  const err = await expectOssError(() => c.get('k'));
  expect(err.status).toBe(404);
  expect(err.code).toBe('NoSuchBucket');
  expect(err.requestId).toMatch(/^[0-9A-F]{24}$/);

  const { c: c2, bucket } = await bucketClient('err');
  const a = await expectOssError(() => c2.get('x'));
  const b = await expectOssError(() => c2.get('x'));
  expect(a.requestId).not.toBe(b.requestId);

  // Raw: a signed HEAD for a missing key carries the error XML base64 in x-oss-err.
  const url = c2.signatureUrl('x', { method: 'HEAD' });
  const head = await fetch(url, { method: 'HEAD' });
  expect(head.status).toBe(404);
  const xml = Buffer.from(head.headers.get('x-oss-err') ?? '', 'base64').toString('utf8');
  expect(xml).toContain('<Code>NoSuchKey</Code>');
  expect(xml).toContain(`<RequestId>${head.headers.get('x-oss-request-id')}</RequestId>`);

  const getUrl = c2.signatureUrl('x');
  const get = await fetch(getUrl);
  const text = await get.text();
  expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  expect(text).toMatch(
    /<Error><Code>NoSuchKey<\/Code><Message>[^<]+<\/Message><RequestId>[0-9A-F]{24}<\/RequestId><HostId>[^<]+<\/HostId>/,
  );

  // Malformed XML in a tagging body.
  await c2.put('t', Buffer.from('x'));
  const client = c2 as unknown as { request(p: Record<string, unknown>): Promise<{ status: number }> };
  const bad = await expectOssError(() =>
    client.request({
      method: 'PUT',
      bucket,
      object: 't',
      subres: 'tagging',
      content: '<Tagging><TagSet><Tag><Key>a</Key>',
      mime: 'xml',
      successStatuses: [200],
    }),
  );
  expect(bad.status).toBe(400);
  expect(bad.code).toBe('MalformedXML');

  // Anonymous requests are refused.
  const anon = await rawRequest('GET', `/${bucket}/t`);
  expect(anon.status).toBe(403);
  expect(anon.headers['x-oss-request-id']).toBeDefined();
});

test('unsupported sub-resources are 501, never mistaken for a plain call', async () => {
  const { bucket } = await bucketClient('unsup');
  const c = emu.client();
  const client = c as unknown as { request(p: Record<string, unknown>): Promise<{ status: number }> };
  const err = await expectOssError(() =>
    client.request({
      method: 'PUT',
      bucket,
      subres: 'cors',
      content: '<CORSConfiguration/>',
      mime: 'xml',
      successStatuses: [200],
    }),
  );
  expect(err.status).toBe(501);
  expect(err.code).toBe('NotImplemented');
  const sym = await expectOssError(() =>
    client.request({ method: 'GET', bucket, object: 'k', subres: 'symlink', successStatuses: [200] }),
  );
  expect(sym.status).toBe(501);
});
