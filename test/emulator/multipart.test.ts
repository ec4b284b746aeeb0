import { createHash } from 'node:crypto';
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

const PART = 100 * 1024;

function pattern(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + seed * 13) & 0xff;
  return b;
}

/** ali-oss (Node) sends part bodies from a stream (lib/common/multipart.js _uploadPart). */
function part(body: Buffer): { stream: NodeJS.ReadableStream; size: number } {
  return { stream: Readable.from([body]), size: body.length };
}

async function bucketClient(v4 = false): Promise<Client> {
  const bucket = uniqueBucket('mp');
  const c = emu.client({ v4 });
  await c.putBucket(bucket);
  c.useBucket(bucket);
  return c;
}

describe.each([
  ['V1', false],
  ['V4', true],
])('multipart with %s signatures', (_n, v4) => {
  test('initiate, upload parts, list parts, complete: exact bytes, combined CRC-64, OSS-style ETag', async () => {
    const c = await bucketClient(v4);
    const parts = [pattern(PART, 1), pattern(PART + 5, 2), pattern(777, 3)];
    const whole = Buffer.concat(parts);
    const init = await c.initMultipartUpload('big/file.bin', {
      meta: { owner: 'ops' },
      mime: 'application/x-test',
    });
    expect(init.uploadId).toMatch(/^[0-9A-F]{32}$/);
    const done: Array<{ number: number; etag: string }> = [];
    for (let i = 0; i < parts.length; i++) {
      const body = parts[i] as Buffer;
      const up = await c._uploadPart('big/file.bin', init.uploadId, i + 1, part(body));
      expect(up.etag).toBe(`"${createHash('md5').update(body).digest('hex').toUpperCase()}"`);
      expect(up.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(body));
      done.push({ number: i + 1, etag: up.etag });
    }
    const listed = await c.listParts('big/file.bin', init.uploadId);
    const partList = Array.isArray(listed.parts) ? listed.parts : [listed.parts];
    expect(partList.map((p) => p.PartNumber)).toEqual(['1', '2', '3']);
    expect(partList[1]?.Size).toBe(String(PART + 5));
    expect(partList[2]?.HashCrc64ecma).toBe(crc64(parts[2] as Buffer));

    const complete = await c.completeMultipartUpload('big/file.bin', init.uploadId, done);
    expect(complete.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(whole));
    const md5s = Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()));
    expect(complete.etag).toBe(`"${createHash('md5').update(md5s).digest('hex').toUpperCase()}-3"`);

    const got = await c.get('big/file.bin');
    expect(got.content.equals(whole)).toBe(true);
    expect(got.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(whole));
    expect(got.res.headers['x-oss-object-type']).toBe('Multipart');
    expect(got.res.headers['x-oss-meta-owner']).toBe('ops');
    expect(got.res.headers['content-type']).toBe('application/x-test');
    const range = await c.get('big/file.bin', { headers: { Range: `bytes=${PART - 10}-${PART + 10}` } });
    expect(range.content.equals(whole.subarray(PART - 10, PART + 11))).toBe(true);
    // The upload is gone once completed.
    expect((await expectOssError(() => c.listParts('big/file.bin', init.uploadId))).code).toBe(
      'NoSuchUpload',
    );
  });
});

test('ali-oss multipartUpload (its own part loop) works end to end', async () => {
  const c = await bucketClient();
  const whole = pattern(350 * 1024, 9);
  const res = await c.multipartUpload('mpu.bin', whole, { partSize: PART });
  expect(res.res.status).toBe(200);
  expect((await c.get('mpu.bin')).content.equals(whole)).toBe(true);
  expect((await c.head('mpu.bin')).res.headers['x-oss-hash-crc64ecma']).toBe(crc64(whole));
});

test('a part with a wrong Content-MD5 is InvalidDigest; a right one is accepted', async () => {
  const c = await bucketClient();
  const init = await c.initMultipartUpload('p');
  const body = pattern(1000, 4);
  const bad = await expectOssError(() =>
    c._uploadPart('p', init.uploadId, 1, part(body), {
      headers: { 'Content-MD5': createHash('md5').update('x').digest('base64') },
    }),
  );
  expect(bad.status).toBe(400);
  expect(bad.code).toBe('InvalidDigest');
  const listed = await c.listParts('p', init.uploadId);
  expect(Array.isArray(listed.parts) ? listed.parts : [listed.parts]).toEqual([]);
  const ok = await c._uploadPart('p', init.uploadId, 1, part(body), {
    headers: { 'Content-MD5': createHash('md5').update(body).digest('base64') },
  });
  expect(ok.res.status).toBe(200);
});

test('complete checks ETags (InvalidPart), order (InvalidPartOrder) and part sizes (EntityTooSmall)', async () => {
  const c = await bucketClient();
  const init = await c.initMultipartUpload('k');
  const p1 = await c._uploadPart('k', init.uploadId, 1, part(pattern(PART, 1)));
  const p2 = await c._uploadPart('k', init.uploadId, 2, part(pattern(10, 2)));
  const client = c as unknown as { request(p: Record<string, unknown>): Promise<{ status: number }> };
  const bucket = (c as unknown as { options: { bucket: string } }).options.bucket;
  const completeRaw = (xml: string): Promise<unknown> =>
    client.request({
      method: 'POST',
      bucket,
      object: 'k',
      subres: { uploadId: init.uploadId },
      content: xml,
      mime: 'xml',
      successStatuses: [200],
    });
  const partXml = (n: number, etag: string): string =>
    `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`;

  const wrongEtag = await expectOssError(() =>
    c.completeMultipartUpload('k', init.uploadId, [
      { number: 1, etag: '"00000000000000000000000000000000"' },
    ]),
  );
  expect(wrongEtag.code).toBe('InvalidPart');
  const missing = await expectOssError(() =>
    c.completeMultipartUpload('k', init.uploadId, [{ number: 3, etag: p1.etag }]),
  );
  expect(missing.code).toBe('InvalidPart');
  const order = await expectOssError(() =>
    completeRaw(
      `<CompleteMultipartUpload>${partXml(2, p2.etag)}${partXml(1, p1.etag)}</CompleteMultipartUpload>`,
    ),
  );
  expect(order.status).toBe(400);
  expect(order.code).toBe('InvalidPartOrder');
  const malformed = await expectOssError(() => completeRaw('<CompleteMultipartUpload><Part>'));
  expect(malformed.code).toBe('MalformedXML');

  const small = await c._uploadPart('k', init.uploadId, 1, part(pattern(10, 1)));
  const tooSmall = await expectOssError(() =>
    c.completeMultipartUpload('k', init.uploadId, [
      { number: 1, etag: small.etag },
      { number: 2, etag: p2.etag },
    ]),
  );
  expect(tooSmall.code).toBe('EntityTooSmall');
  // A part re-uploaded replaces the old one: the old ETag no longer matches.
  expect(
    (
      await expectOssError(() =>
        c.completeMultipartUpload('k', init.uploadId, [{ number: 1, etag: p1.etag }]),
      )
    ).code,
  ).toBe('InvalidPart');
  await c.completeMultipartUpload('k', init.uploadId, [{ number: 1, etag: small.etag }]);
  expect((await c.get('k')).content.equals(pattern(10, 1))).toBe(true);
});

test('complete honours x-oss-forbid-overwrite; abort removes the upload', async () => {
  const c = await bucketClient();
  await c.put('exists', Buffer.from('keep me'));
  const init = await c.initMultipartUpload('exists');
  const p = await c._uploadPart('exists', init.uploadId, 1, part(pattern(50, 1)));
  const err = await expectOssError(() =>
    c.completeMultipartUpload('exists', init.uploadId, [{ number: 1, etag: p.etag }], {
      headers: { 'x-oss-forbid-overwrite': 'true' },
    }),
  );
  expect(err.status).toBe(409);
  expect(err.code).toBe('FileAlreadyExists');
  expect((await c.get('exists')).content.toString()).toBe('keep me');

  const uploads = await c.listUploads({});
  expect(uploads.uploads.map((u) => u.uploadId)).toContain(init.uploadId);
  expect((await c.abortMultipartUpload('exists', init.uploadId)).res.status).toBe(204);
  expect((await expectOssError(() => c.abortMultipartUpload('exists', init.uploadId))).code).toBe(
    'NoSuchUpload',
  );
  expect((await c.listUploads({})).uploads).toEqual([]);
  const bogus = await expectOssError(() => c._uploadPart('exists', 'NOPE', 1, part(Buffer.from('x'))));
  expect(bogus.status).toBe(404);
  expect(bogus.code).toBe('NoSuchUpload');
});
