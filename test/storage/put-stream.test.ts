/**
 * putStream of the adapter (src/storage/object-store.ts, src/storage/multipart.ts) against a
 * scripted OSS: one PUT within the threshold, multipart above it (parts with their own
 * Content-MD5, bounded in flight, retried on their own, aborted on failure), completion checks.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { AlreadyExistsError, UnavailableError, ValidationError } from '../../src/errors';
import { crc64 } from '../../src/util/crc64';
import { getOk, headOk, KiB, md5b64, putOk, sha256hex, storeWith } from './helpers/adapter';
import { ok, ossError, reset, xml, type Handler } from './helpers/scripted-oss';

/** A scripted multipart-capable OSS: stores parts, checks each part's Content-MD5, completes. */
function multipartOss(
  opts: {
    failPart?: (partNumber: number, attempt: number) => 'reset' | 500 | undefined;
    loseCompleteAnswer?: boolean;
    dropCompleteCrc?: boolean;
  } = {},
) {
  const parts = new Map<number, Buffer>();
  const partAttempts = new Map<number, number>();
  const state = {
    completed: undefined as Buffer | undefined,
    aborted: false,
    completeXml: '',
    completeHeaders: {} as Record<string, unknown>,
    initHeaders: {} as Record<string, unknown>,
    maxInflight: 0,
  };
  let inflight = 0;
  const handler: Handler = async (req, res) => {
    if (req.method === 'POST' && req.query.has('uploads')) {
      state.initHeaders = req.headers;
      return xml(
        res,
        '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>UP1</UploadId></InitiateMultipartUploadResult>',
      );
    }
    if (req.method === 'PUT' && req.query.get('uploadId') === 'UP1') {
      const n = Number(req.query.get('partNumber'));
      const attempt = (partAttempts.get(n) ?? 0) + 1;
      partAttempts.set(n, attempt);
      inflight++;
      state.maxInflight = Math.max(state.maxInflight, inflight);
      await new Promise((r) => setImmediate(r));
      inflight--;
      const fail = opts.failPart?.(n, attempt);
      if (fail === 'reset') return reset(res);
      if (fail === 500) return ossError(res, 500, 'InternalError');
      if (req.headers['content-md5'] !== md5b64(req.body)) return ossError(res, 400, 'InvalidDigest');
      parts.set(n, req.body);
      return ok(res, { etag: `"P${n}"`, 'x-oss-hash-crc64ecma': crc64(req.body) });
    }
    if (req.method === 'POST' && req.query.get('uploadId') === 'UP1') {
      if (state.completed) return ossError(res, 404, 'NoSuchUpload');
      state.completeXml = req.body.toString();
      state.completeHeaders = req.headers;
      const numbers = [...req.body.toString().matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) =>
        Number(m[1]),
      );
      state.completed = Buffer.concat(numbers.map((n) => parts.get(n) as Buffer));
      if (opts.loseCompleteAnswer) return reset(res);
      const headers: Record<string, string> = { etag: '"MULTI-3"' };
      if (!opts.dropCompleteCrc) headers['x-oss-hash-crc64ecma'] = crc64(state.completed);
      return xml(
        res,
        '<CompleteMultipartUploadResult><ETag>"MULTI-3"</ETag></CompleteMultipartUploadResult>',
        200,
        headers,
      );
    }
    if (req.method === 'DELETE' && req.query.get('uploadId') === 'UP1') {
      state.aborted = true;
      res.writeHead(204);
      return res.end();
    }
    if (req.method === 'HEAD' && state.completed) return headOk(res, state.completed);
    if (req.method === 'PUT') {
      state.completed = req.body;
      return putOk(res, req.body);
    }
    ossError(res, 400, 'InvalidRequest');
  };
  return { handler, parts, state };
}

/** A stream of `data` in awkward chunk sizes. */
function oddStream(data: Buffer, chunk = 7777): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) pieces.push(data.subarray(i, i + chunk));
  return Readable.from(pieces);
}

describe('putStream', () => {
  it('sends a stream that ends within the threshold as one PUT with Content-MD5', async () => {
    const data = randomBytes(200 * KiB);
    const m = multipartOss();
    const { store, requests } = await storeWith(m.handler);
    const result = await store.putStream('records-7y', 'small.bin', oddStream(data));
    expect(result).toMatchObject({
      multipart: false,
      size: data.length,
      sha256: sha256hex(data),
      md5: md5b64(data),
      crc64: crc64(data),
    });
    expect(requests.map((r) => r.method)).toEqual(['PUT']);
    expect(requests[0]?.headers['content-md5']).toBe(md5b64(data));
    expect(requests[0]?.headers['x-oss-forbid-overwrite']).toBe('true');
  });

  it('sends a larger stream as multipart: parts of partSize with their own Content-MD5, create-only completion, verified CRC', async () => {
    const data = randomBytes(550 * KiB + 123);
    const m = multipartOss();
    const { store, requests } = await storeWith(m.handler);
    const result = await store.putStream('records-7y', 'big.bin', oddStream(data), {
      meta: { kind: 'doc' },
      contentType: 'application/pdf',
    });
    expect(result).toEqual({
      bucket: 'records-7y',
      key: 'big.bin',
      size: data.length,
      etag: 'MULTI-3',
      crc64: crc64(data),
      sha256: sha256hex(data),
      md5: md5b64(data),
      multipart: true,
    });
    expect(m.state.completed?.equals(data)).toBe(true);
    expect([...m.parts.values()].map((p) => p.length)).toEqual(expect.arrayContaining([100 * KiB]));
    expect([...m.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p.length)).toEqual([
      ...Array(5).fill(100 * KiB),
      50 * KiB + 123,
    ]);
    expect(m.state.completeHeaders['x-oss-forbid-overwrite']).toBe('true');
    expect(m.state.initHeaders['x-oss-meta-kind']).toBe('doc');
    expect(m.state.initHeaders['content-type']).toBe('application/pdf');
    expect(m.state.completeXml).toMatch(
      /<PartNumber>1<\/PartNumber>\n<ETag>"P1"<\/ETag>[\s\S]*<PartNumber>6<\/PartNumber>/,
    );
    expect(m.state.maxInflight).toBeLessThanOrEqual(3);
    expect(requests.filter((r) => r.method === 'HEAD')).toHaveLength(0);
  });

  it("takes this upload's part size when given one, and refuses one OSS would not accept, sending nothing", async () => {
    const data = randomBytes(550 * KiB + 123);
    const m = multipartOss();
    const { store, requests } = await storeWith(m.handler);
    const result = await store.putStream('records-7y', 'wide.bin', oddStream(data), {
      partSizeBytes: 200 * KiB,
    });
    expect(result.multipart).toBe(true);
    expect(m.state.completed?.equals(data)).toBe(true);
    expect([...m.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p.length)).toEqual([
      200 * KiB,
      200 * KiB,
      150 * KiB + 123,
    ]);
    const before = requests.length;
    for (const partSizeBytes of [99 * KiB, 5 * 1024 * 1024 * 1024 + 1, 100 * KiB + 0.5]) {
      const source = oddStream(data);
      await expect(store.putStream('records-7y', 'odd.bin', source, { partSizeBytes })).rejects.toThrow(
        /partSizeBytes must be an integer/,
      );
      expect(source.destroyed).toBe(true);
    }
    expect(requests.length).toBe(before);
  });

  it('goes multipart at once when the declared size is over the threshold, and checks the declared size', async () => {
    const data = randomBytes(300 * KiB);
    const m = multipartOss();
    const { store } = await storeWith(m.handler);
    const result = await store.putStream('records-7y', 'sized.bin', oddStream(data), { size: data.length });
    expect(result.multipart).toBe(true);
    const m2 = multipartOss();
    const { store: store2 } = await storeWith(m2.handler);
    await expect(
      store2.putStream('records-7y', 'liar.bin', oddStream(data), { size: data.length + 1 }),
    ).rejects.toThrow(ValidationError);
    expect(m2.state.completed).toBeUndefined();
    expect(m2.state.aborted).toBe(true);
  });

  it('retries a failed part on its own', async () => {
    const data = randomBytes(450 * KiB);
    const m = multipartOss({
      failPart: (n, attempt) =>
        n === 2 && attempt === 1 ? 'reset' : n === 4 && attempt < 3 ? 500 : undefined,
    });
    const { store, delays } = await storeWith(m.handler);
    const result = await store.putStream('records-7y', 'retry.bin', oddStream(data));
    expect(result.crc64).toBe(crc64(data));
    expect(m.state.completed?.equals(data)).toBe(true);
    expect(delays).toHaveLength(3);
  });

  it('gives each part back (onPartUploaded) once it is up, after its retries, and never a failed one', async () => {
    const data = randomBytes(450 * KiB);
    const m = multipartOss({ failPart: (n, attempt) => (n === 2 && attempt === 1 ? 500 : undefined) });
    const { store } = await storeWith(m.handler);
    // The part numbers OSS had stored with each part's bytes when it was given back.
    const given: number[] = [];
    await store.putStream('records-7y', 'back.bin', oddStream(data), {
      onPartUploaded: (part) => {
        const n = [...m.parts.entries()].find(([, p]) => p.equals(part))?.[0];
        given.push(n ?? -1);
      },
    });
    // Every part, once each, each only once OSS had stored it (part 2 after its retry); in the
    // order they finished.
    expect([...given].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);

    const failing = multipartOss({ failPart: (n) => (n === 3 ? 500 : undefined) });
    const { store: store2 } = await storeWith(failing.handler);
    const back: Buffer[] = [];
    await expect(
      store2.putStream('records-7y', 'fail.bin', oddStream(randomBytes(600 * KiB)), {
        onPartUploaded: (part) => back.push(part),
      }),
    ).rejects.toThrow(UnavailableError);
    expect(back.length).toBeLessThanOrEqual(failing.parts.size);
    expect(back.every((part) => [...failing.parts.values()].some((p) => p.equals(part)))).toBe(true);
  });

  it('aborts the upload and destroys the source when a part keeps failing', async () => {
    const data = randomBytes(600 * KiB);
    const m = multipartOss({ failPart: (n) => (n === 3 ? 500 : undefined) });
    const { store } = await storeWith(m.handler);
    const source = oddStream(data);
    await expect(store.putStream('records-7y', 'fail.bin', source)).rejects.toThrow(UnavailableError);
    expect(m.state.aborted).toBe(true);
    expect(m.state.completed).toBeUndefined();
    expect(source.destroyed).toBe(true);
  });

  it('aborts the upload when the source stream fails', async () => {
    const m = multipartOss();
    const { store } = await storeWith(m.handler);
    async function* failing(): AsyncGenerator<Buffer> {
      yield randomBytes(300 * KiB);
      throw new Error('disk read error');
    }
    await expect(store.putStream('records-7y', 'src.bin', Readable.from(failing()))).rejects.toThrow(
      'disk read error',
    );
    expect(m.state.aborted).toBe(true);
  });

  it('treats a completion whose answer was lost as done when the object matches', async () => {
    const data = randomBytes(400 * KiB);
    const m = multipartOss({ loseCompleteAnswer: true });
    const { store, requests } = await storeWith(m.handler);
    const result = await store.putStream('records-7y', 'lost.bin', oddStream(data));
    expect(result).toMatchObject({ multipart: true, crc64: crc64(data), etag: 'ETAG-OF-EXISTING' });
    expect(requests.filter((r) => r.method === 'POST' && r.query.get('uploadId') === 'UP1')).toHaveLength(2);
  });

  it('verifies the completed object with a HEAD when the completion carries no CRC-64', async () => {
    const data = randomBytes(400 * KiB);
    const m = multipartOss({ dropCompleteCrc: true });
    const { store, requests } = await storeWith(m.handler);
    const result = await store.putStream('records-7y', 'nocrc.bin', oddStream(data));
    expect(result.crc64).toBe(crc64(data));
    expect(requests.filter((r) => r.method === 'HEAD')).toHaveLength(1);
  });

  it('sends an empty stream as an empty PUT', async () => {
    const m = multipartOss();
    const { store } = await storeWith(m.handler);
    const result = await store.putStream('records-7y', 'empty', Readable.from([]));
    expect(result).toMatchObject({ size: 0, crc64: '0', multipart: false });
  });

  it('with `adopt`, a key taken at initiation: the stream is read through (nothing stored) and the object adopted if it is the same', async () => {
    const data = randomBytes(400 * KiB);
    const handler =
      (stored: Buffer): Handler =>
      (req, res) => {
        if (req.method === 'POST' && req.query.has('uploads')) return ossError(res, 409, 'FileAlreadyExists');
        if (req.method === 'HEAD') return headOk(res, stored, { 'x-oss-meta-record-id': 'D-9' });
        if (req.method === 'GET') return getOk(res, stored);
        ossError(res, 400, 'InvalidRequest');
      };
    const options = { meta: { 'record-id': 'D-9' }, adopt: { sameMeta: ['record-id'], readBack: true } };
    const { store, requests } = await storeWith(handler(data));
    const result = await store.putStream('records-7y', 'document/D-9.pdf', oddStream(data), options);
    expect(result).toMatchObject({
      multipart: true,
      size: data.length,
      crc64: crc64(data),
      sha256: sha256hex(data),
    });
    expect(result.adoptedFrom).toEqual(new Date('2026-03-03T10:00:00Z'));
    expect(requests.map((r) => r.method)).toEqual(['POST', 'HEAD', 'GET']);

    const other = randomBytes(400 * KiB);
    const refused = await storeWith(handler(other));
    await expect(
      refused.store.putStream('records-7y', 'document/D-9.pdf', oddStream(data), options),
    ).rejects.toThrow(AlreadyExistsError);
  });
});
