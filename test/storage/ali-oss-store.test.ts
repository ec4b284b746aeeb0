import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AlreadyExistsError,
  ChecksumMismatchError,
  ConfigError,
  ImmutableError,
  NotFoundError,
  RetentionPolicyError,
  StorageProtocolError,
  UnavailableError,
  ValidationError,
} from '../../src/errors';
import { AliOssStore, type AliOssStoreOptions } from '../../src/storage/ali-oss-store';
import { storageDetails } from '../../src/storage/errors';
import { crc64 } from '../../src/util/crc64';
import {
  ok,
  ossError,
  ossHeadError,
  reset,
  startScriptedOss,
  xml,
  type Handler,
  type ScriptedOss,
  type SeenRequest,
} from './helpers/scripted-oss';

const KiB = 1024;

let server: ScriptedOss | undefined;
let delays: number[];

async function storeWith(
  handler: Handler,
  overrides: Partial<AliOssStoreOptions> = {},
): Promise<{ store: AliOssStore; requests: SeenRequest[] }> {
  server = await startScriptedOss(handler);
  delays = [];
  const store = new AliOssStore({
    endpoint: server.url,
    region: 'oss-cn-hongkong',
    accessKeyId: 'LTAIunit',
    accessKeySecret: 'unit-secret',
    authVersion: 'v1',
    timeoutMs: 10_000,
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    multipartThresholdBytes: 256 * KiB,
    partSizeBytes: 100 * KiB,
    maxSignedUrlSeconds: 3600,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
  return { store, requests: server.requests };
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const md5b64 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
const sha256hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A well-behaved PutObject answer for `body`. */
function putOk(res: Parameters<Handler>[1], body: Buffer): void {
  ok(res, {
    etag: `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`,
    'x-oss-hash-crc64ecma': crc64(body),
  });
}

function headOk(res: Parameters<Handler>[1], body: Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(200, {
    'content-length': body.length,
    etag: '"ETAG-OF-EXISTING"',
    'last-modified': 'Tue, 03 Mar 2026 10:00:00 GMT',
    'x-oss-hash-crc64ecma': crc64(body),
    ...extra,
  });
  res.end();
}

describe('AliOssStore construction', () => {
  const base: AliOssStoreOptions = {
    endpoint: 'http://localhost:1',
    region: 'oss-cn-hongkong',
    accessKeyId: 'a',
    accessKeySecret: 'b',
    authVersion: 'v4',
    timeoutMs: 1000,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    multipartThresholdBytes: 1024 * KiB,
    partSizeBytes: 100 * KiB,
    maxSignedUrlSeconds: 60,
  };
  it('refuses IP endpoints, parts under 100 KiB and signed-URL caps over 7 days', () => {
    expect(() => new AliOssStore({ ...base, endpoint: 'http://127.0.0.1:9000' })).toThrow(ConfigError);
    expect(() => new AliOssStore({ ...base, partSizeBytes: 99 * KiB })).toThrow(ConfigError);
    expect(() => new AliOssStore({ ...base, maxSignedUrlSeconds: 604_801 })).toThrow(ConfigError);
    expect(() => new AliOssStore({ ...base, accessKeySecret: '' })).toThrow(ConfigError);
    expect(() => new AliOssStore(base)).not.toThrow();
  });
});

describe('putBuffer', () => {
  it('sends a create-only PUT with Content-MD5, metadata, type, tags and SSE, and returns local checksums', async () => {
    const body = Buffer.from('{"record":"trade-1"}');
    const { store, requests } = await storeWith((_req, res) => putOk(res, body));
    const result = await store.putBuffer('records-7y', 'trade/2026/03/03/T-1.json', body, {
      meta: { sha256: 'abc', 'record-type': 'trade' },
      contentType: 'application/json',
      tags: { class: '7y', 'a b': 'c&d' },
      sse: { algorithm: 'KMS', keyId: 'key-1' },
    });
    expect(result).toEqual({
      bucket: 'records-7y',
      key: 'trade/2026/03/03/T-1.json',
      size: body.length,
      etag: createHash('md5').update(body).digest('hex').toUpperCase(),
      crc64: crc64(body),
      sha256: sha256hex(body),
      md5: md5b64(body),
      multipart: false,
    });
    expect(requests).toHaveLength(1);
    const req = requests[0] as SeenRequest;
    expect(req.method).toBe('PUT');
    expect(req.path).toBe('/records-7y/trade/2026/03/03/T-1.json');
    expect(req.body.equals(body)).toBe(true);
    expect(req.headers['content-md5']).toBe(md5b64(body));
    expect(req.headers['x-oss-forbid-overwrite']).toBe('true');
    expect(req.headers['x-oss-meta-sha256']).toBe('abc');
    expect(req.headers['x-oss-meta-record-type']).toBe('trade');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-oss-tagging']).toBe('class=7y&a%20b=c%26d');
    expect(req.headers['x-oss-server-side-encryption']).toBe('KMS');
    expect(req.headers['x-oss-server-side-encryption-key-id']).toBe('key-1');
    expect(req.headers.authorization).toMatch(/^OSS LTAIunit:/);
  });

  it('signs with V4 when configured', async () => {
    const body = Buffer.from('v4');
    const { store, requests } = await storeWith((_req, res) => putOk(res, body), { authVersion: 'v4' });
    await store.putBuffer('records-7y', 'k', body);
    expect(requests[0]?.headers.authorization).toMatch(
      /^OSS4-HMAC-SHA256 Credential=LTAIunit\/\d{8}\/cn-hongkong\/oss\/aliyun_v4_request,Signature=[0-9a-f]{64}$/,
    );
  });

  it('fails with ChecksumMismatch when OSS returns no CRC-64 or a wrong one', async () => {
    const body = Buffer.from('payload');
    let mode: 'drop' | 'wrong' = 'drop';
    const { store } = await storeWith((_req, res) => {
      if (mode === 'drop') ok(res, { etag: '"X"' });
      else ok(res, { etag: '"X"', 'x-oss-hash-crc64ecma': '12345' });
    });
    await expect(store.putBuffer('records-7y', 'a', body)).rejects.toThrow(ChecksumMismatchError);
    mode = 'wrong';
    const err = await store.putBuffer('records-7y', 'b', body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect(storageDetails(err)).toMatchObject({
      expectedCrc64: crc64(body),
      reportedCrc64: '12345',
      operation: 'PutObject',
    });
  });

  it('retries 5xx and dropped connections with full-jitter backoff, then succeeds', async () => {
    const body = Buffer.from('retry me');
    let n = 0;
    const { store, requests } = await storeWith((_req, res) => {
      n++;
      if (n === 1) return ossError(res, 503, 'ServiceUnavailable');
      if (n === 2) return reset(res);
      if (n === 3) return ossError(res, 500, 'InternalError');
      putOk(res, body);
    });
    const result = await store.putBuffer('records-7y', 'k', body);
    expect(result.crc64).toBe(crc64(body));
    expect(requests).toHaveLength(4);
    // random() = 0.5: half of min(1000, 100 * 2^(n-1)).
    expect(delays).toEqual([50, 100, 200]);
  });

  it('gives up with Unavailable after maxAttempts', async () => {
    const { store, requests } = await storeWith((_req, res) => ossError(res, 502, 'BadGateway'));
    const err = await store.putBuffer('records-7y', 'k', Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toMatch(/gave up after 4 attempts/);
    expect(storageDetails(err)).toMatchObject({
      attempts: 4,
      status: 502,
      operation: 'PutObject',
      bucket: 'records-7y',
      key: 'k',
    });
    expect(storageDetails(err)?.requestId).toMatch(/^5F/);
    expect(requests).toHaveLength(4);
  });

  it('does not retry client errors', async () => {
    const { store, requests } = await storeWith((_req, res) => ossError(res, 400, 'InvalidDigest'));
    await expect(store.putBuffer('records-7y', 'k', Buffer.from('x'))).rejects.toThrow(ChecksumMismatchError);
    expect(requests).toHaveLength(1);
  });

  it('a first-attempt FileAlreadyExists is AlreadyExists, without looking at the object', async () => {
    const { store, requests } = await storeWith((_req, res) => ossError(res, 409, 'FileAlreadyExists'));
    await expect(store.putBuffer('records-7y', 'k', Buffer.from('x'))).rejects.toThrow(AlreadyExistsError);
    expect(requests.map((r) => r.method)).toEqual(['PUT']);
  });

  describe('a PUT carried out whose answer was lost', () => {
    function lostAnswer(headBody: (sent: Buffer) => Buffer): Handler {
      let stored: Buffer | undefined;
      return (req, res) => {
        if (req.method === 'PUT' && !stored) {
          stored = req.body; // the write happens...
          return reset(res); // ...and the answer never arrives
        }
        if (req.method === 'PUT') return ossError(res, 409, 'FileAlreadyExists');
        if (req.method === 'HEAD' && stored) return headOk(res, headBody(stored));
        ossError(res, 500, 'InternalError');
      };
    }

    it('is treated as done when the object found has our CRC-64 and size', async () => {
      const body = randomBytes(5000);
      const { store, requests } = await storeWith(lostAnswer((sent) => sent));
      const result = await store.putBuffer('records-7y', 'doc.pdf', body);
      expect(result).toMatchObject({
        crc64: crc64(body),
        size: 5000,
        etag: 'ETAG-OF-EXISTING',
        sha256: sha256hex(body),
      });
      expect(requests.map((r) => r.method)).toEqual(['PUT', 'PUT', 'HEAD']);
    });

    it('is AlreadyExists when the object found differs', async () => {
      const body = randomBytes(5000);
      const { store } = await storeWith(lostAnswer(() => randomBytes(5000)));
      await expect(store.putBuffer('records-7y', 'doc.pdf', body)).rejects.toThrow(AlreadyExistsError);
    });
  });
});

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

  it('goes multipart at once when the declared size is over the threshold, and checks the declared size', async () => {
    const data = randomBytes(300 * KiB);
    const m = multipartOss();
    const { store } = await storeWith(m.handler);
    const result = await store.putStream('records-7y', 'sized.bin', oddStream(data), { size: data.length });
    expect(result.multipart).toBe(true);
    const m2 = multipartOss();
    await server?.close();
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
    const { store } = await storeWith(m.handler);
    const result = await store.putStream('records-7y', 'retry.bin', oddStream(data));
    expect(result.crc64).toBe(crc64(data));
    expect(m.state.completed?.equals(data)).toBe(true);
    expect(delays).toHaveLength(3);
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
});

describe('reads', () => {
  it('head rebuilds metadata, CRC, type and SSE', async () => {
    const body = Buffer.from('hello');
    const { store } = await storeWith((_req, res) =>
      headOk(res, body, {
        'x-oss-meta-sha256': 'abc',
        'x-oss-meta-record-id': 'T-1',
        'content-type': 'text/plain',
        'x-oss-server-side-encryption': 'AES256',
      }),
    );
    const info = await store.head('records-7y', 'a.txt');
    expect(info).toEqual({
      bucket: 'records-7y',
      key: 'a.txt',
      size: 5,
      etag: 'ETAG-OF-EXISTING',
      crc64: crc64(body),
      lastModified: new Date('2026-03-03T10:00:00Z'),
      contentType: 'text/plain',
      meta: { sha256: 'abc', 'record-id': 'T-1' },
      sse: { algorithm: 'AES256' },
    });
  });

  it('head of a missing object is NotFound; 403 is AccessDenied', async () => {
    let status = 404;
    const { store } = await storeWith((_req, res) =>
      status === 404 ? ossHeadError(res, 404, 'NoSuchKey') : ossHeadError(res, 403, 'SignatureDoesNotMatch'),
    );
    await expect(store.head('records-7y', 'nope')).rejects.toThrow(NotFoundError);
    status = 403;
    await expect(store.head('records-7y', 'nope')).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it('get streams the body and fails the stream when the bytes do not match the announced CRC-64', async () => {
    const body = randomBytes(70 * KiB);
    let corrupt = false;
    const { store } = await storeWith((_req, res) => {
      const sent = Buffer.from(body);
      if (corrupt) sent[100] = (sent[100] as number) ^ 1;
      ok(
        res,
        {
          'x-oss-hash-crc64ecma': crc64(body),
          etag: '"E"',
          'last-modified': 'Tue, 03 Mar 2026 10:00:00 GMT',
        },
        sent,
      );
    });
    const good = await store.get('records-7y', 'x');
    const chunks: Buffer[] = [];
    for await (const c of good.body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
    corrupt = true;
    const bad = await store.get('records-7y', 'x');
    await expect(
      (async () => {
        for await (const _c of bad.body) void _c;
      })(),
    ).rejects.toThrow(ChecksumMismatchError);
    await expect(store.getBuffer('records-7y', 'x')).rejects.toThrow(ChecksumMismatchError);
  });

  it('get with a range sends Range and insists on 206', async () => {
    const body = Buffer.from('0123456789');
    let honour = true;
    const { store, requests } = await storeWith((req, res) => {
      if (!honour) return ok(res, { 'last-modified': 'Tue, 03 Mar 2026 10:00:00 GMT' }, body);
      res.writeHead(206, {
        'content-range': 'bytes 2-5/10',
        'content-length': 4,
        'last-modified': 'Tue, 03 Mar 2026 10:00:00 GMT',
        etag: '"E"',
      });
      res.end(body.subarray(2, 6));
    });
    const r = await store.get('records-7y', 'x', { range: { start: 2, end: 5 } });
    const chunks: Buffer[] = [];
    for await (const c of r.body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('2345');
    expect(r.info.size).toBe(10);
    expect(requests[0]?.headers.range).toBe('bytes=2-5');
    honour = false;
    await expect(store.get('records-7y', 'x', { range: { start: 2 } })).rejects.toThrow(StorageProtocolError);
  });

  it('list walks every page with continuation tokens', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `k${i}`);
    const { store, requests } = await storeWith((req, res) => {
      const max = Number(req.query.get('max-keys'));
      const token = req.query.get('continuation-token');
      const start = token ? Number(token.slice(1)) : 0;
      const page = keys.slice(start, start + max);
      const next = start + max < keys.length ? `t${start + max}` : undefined;
      xml(
        res,
        `<ListBucketResult><Name>b</Name><MaxKeys>${max}</MaxKeys><KeyCount>${page.length}</KeyCount><IsTruncated>${next ? 'true' : 'false'}</IsTruncated>` +
          (next ? `<NextContinuationToken>${next}</NextContinuationToken>` : '') +
          page
            .map(
              (k) =>
                `<Contents><Key>${k}</Key><LastModified>2026-03-03T10:00:00.000Z</LastModified><ETag>"E${k}"</ETag><Size>3</Size></Contents>`,
            )
            .join('') +
          '</ListBucketResult>',
      );
    });
    const seen = [];
    for await (const o of store.list('records-7y', { pageSize: 3, prefix: 'k', startAfter: 'a' }))
      seen.push(o);
    expect(seen.map((o) => o.key)).toEqual(keys);
    expect(seen[0]).toEqual({
      key: 'k0',
      size: 3,
      etag: 'Ek0',
      lastModified: new Date('2026-03-03T10:00:00Z'),
    });
    expect(requests).toHaveLength(3);
    expect(requests[0]?.query.get('start-after')).toBe('a');
    expect(requests[1]?.query.get('start-after')).toBeNull();
    expect(requests[1]?.query.get('continuation-token')).toBe('t3');
    expect(requests.every((r) => r.query.get('list-type') === '2' && r.query.get('prefix') === 'k')).toBe(
      true,
    );
  });

  it('list refuses a truncated page without a token', async () => {
    const { store } = await storeWith((_req, res) =>
      xml(res, '<ListBucketResult><IsTruncated>true</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>'),
    );
    const walk = async (): Promise<void> => {
      for await (const _o of store.list('records-7y')) void _o;
    };
    await expect(walk()).rejects.toThrow(StorageProtocolError);
  });
});

describe('copy and delete', () => {
  it('copy is server-side and create-only', async () => {
    const { store, requests } = await storeWith((_req, res) =>
      xml(
        res,
        '<CopyObjectResult><ETag>"C1"</ETag><LastModified>2026-03-03T10:00:00.000Z</LastModified></CopyObjectResult>',
      ),
    );
    const r = await store.copy(
      { bucket: 'records-7y', key: 'a/b c.json' },
      { bucket: 'exports-x', key: 'bag/data/b c.json' },
    );
    expect(r).toEqual({ etag: 'C1' });
    const req = requests[0] as SeenRequest;
    expect(req.method).toBe('PUT');
    expect(req.path).toBe('/exports-x/bag/data/b c.json');
    expect(req.headers['x-oss-copy-source']).toBe('/records-7y/a%2Fb%20c.json');
    expect(req.headers['x-oss-forbid-overwrite']).toBe('true');
    expect(Object.keys(req.headers).filter((h) => h.startsWith('x-oss-copy-source-'))).toEqual([]);
  });

  it('delete of a protected object is Immutable', async () => {
    const { store } = await storeWith((_req, res) => ossError(res, 409, 'FileImmutable'));
    await expect(store.delete('records-7y', 'k')).rejects.toThrow(ImmutableError);
  });
});

describe('retention policy', () => {
  it('getRetention parses the policy and is null without one', async () => {
    let none = false;
    const { store, requests } = await storeWith((_req, res) =>
      none
        ? ossError(res, 404, 'NoSuchWORMConfiguration')
        : xml(
            res,
            '<WormConfiguration><WormId>W1</WormId><State>Locked</State><RetentionPeriodInDays>2557</RetentionPeriodInDays><CreationDate>2026-03-03T10:00:00</CreationDate></WormConfiguration>',
          ),
    );
    expect(await store.getRetention('records-7y')).toEqual({
      wormId: 'W1',
      state: 'Locked',
      days: 2557,
      createdAt: new Date('2026-03-03T10:00:00Z'),
    });
    expect(requests[0]?.path).toBe('/records-7y/');
    expect(requests[0]?.query.has('worm')).toBe(true);
    none = true;
    expect(await store.getRetention('records-7y')).toBeNull();
  });

  it('getRetention on a missing bucket is NotFound, not null', async () => {
    const { store } = await storeWith((_req, res) => ossError(res, 404, 'NoSuchBucket'));
    await expect(store.getRetention('records-7y')).rejects.toThrow(NotFoundError);
  });

  it('completeRetention and abortRetention check the status ali-oss does not', async () => {
    let code = 'InvalidWORMConfiguration';
    let status = 400;
    const { store } = await storeWith((_req, res) => ossError(res, status, code));
    await expect(store.completeRetention('records-7y', 'W1')).rejects.toThrow(RetentionPolicyError);
    code = 'WORMConfigurationLocked';
    status = 403;
    await expect(store.abortRetention('records-7y')).rejects.toThrow(RetentionPolicyError);
    code = 'InternalError';
    status = 500;
    await expect(store.completeRetention('records-7y', 'W1')).rejects.toThrow(UnavailableError);
  });

  it('initiate returns the worm id; days out of range are refused before asking', async () => {
    const { store, requests } = await storeWith((_req, res) => ok(res, { 'x-oss-worm-id': 'W9' }));
    expect(await store.initiateRetention('records-7y', 30)).toEqual({ wormId: 'W9' });
    expect(requests[0]?.body.toString()).toContain('<RetentionPeriodInDays>30</RetentionPeriodInDays>');
    await expect(store.initiateRetention('records-7y', 0)).rejects.toThrow(ValidationError);
    await expect(store.initiateRetention('records-7y', 25551)).rejects.toThrow(ValidationError);
    expect(requests).toHaveLength(1);
  });

  it('an abort whose answer was lost counts as done when the policy is gone', async () => {
    let n = 0;
    const { store } = await storeWith((_req, res) => {
      n++;
      if (n === 1) return reset(res);
      ossError(res, 404, 'NoSuchWORMConfiguration');
    });
    await expect(store.abortRetention('records-7y')).resolves.toBeUndefined();
  });
});

describe('logging', () => {
  it('putLogging names another target bucket; getLogging reads it back', async () => {
    let stored = '';
    const { store, requests } = await storeWith((req, res) => {
      if (req.method === 'PUT') {
        stored = req.body.toString();
        return ok(res);
      }
      xml(res, stored ? stored.replace(/^<\?xml[^>]*>\n?/, '') : '<BucketLoggingStatus/>');
    });
    expect(await store.getLogging('records-7y')).toBeNull();
    await store.putLogging('records-7y', { targetBucket: 'strongroom-logs', targetPrefix: 'access-log/' });
    expect(requests[1]?.query.has('logging')).toBe(true);
    expect(stored).toContain('<TargetBucket>strongroom-logs</TargetBucket>');
    expect(await store.getLogging('records-7y')).toEqual({
      targetBucket: 'strongroom-logs',
      targetPrefix: 'access-log/',
    });
  });
});

describe('signed URLs', () => {
  it('clamps the expiry to maxSignedUrlSeconds and refuses non-positive ones', async () => {
    const { store } = await storeWith((_req, res) => ok(res));
    const v4 = new URL(
      await store.signedUrl('records-7y', 'a b.json', { expiresSeconds: 999_999, version: 'v4' }),
    );
    expect(v4.searchParams.get('x-oss-expires')).toBe('3600');
    const now = Math.floor(Date.now() / 1000);
    const v1 = new URL(
      await store.signedUrl('records-7y', 'a b.json', { expiresSeconds: 999_999, version: 'v1' }),
    );
    // V1 carries an absolute time: clamped means about now + 3600, nowhere near now + 999999.
    const expires = Number(v1.searchParams.get('Expires'));
    expect(expires).toBeGreaterThan(now + 3000);
    expect(expires).toBeLessThan(now + 4000);
    await expect(store.signedUrl('records-7y', 'k', { expiresSeconds: 0 })).rejects.toThrow(ValidationError);
    await expect(store.signedUrl('records-7y', 'k', { expiresSeconds: 1.5 })).rejects.toThrow(
      ValidationError,
    );
  });

  it('carries response-content-disposition, and PUT URLs sign x-oss-forbid-overwrite', async () => {
    const { store } = await storeWith((_req, res) => ok(res));
    const v1 = new URL(
      await store.signedUrl('records-7y', 'k.json', {
        expiresSeconds: 60,
        version: 'v1',
        response: { contentDisposition: 'attachment; filename="k.json"' },
      }),
    );
    expect(v1.searchParams.get('response-content-disposition')).toBe('attachment; filename="k.json"');
    expect(v1.pathname).toBe('/records-7y/k.json');
    const v4 = new URL(
      await store.signedUrl('records-7y', 'k.json', {
        expiresSeconds: 60,
        version: 'v4',
        response: { contentDisposition: 'inline' },
      }),
    );
    expect(v4.searchParams.get('response-content-disposition')).toBe('inline');
    expect(v4.searchParams.get('x-oss-signature-version')).toBe('OSS4-HMAC-SHA256');
    expect(v4.searchParams.get('x-oss-credential')).toMatch(
      /^LTAIunit\/\d{8}\/cn-hongkong\/oss\/aliyun_v4_request$/,
    );
  });
});

describe('buckets', () => {
  it('bucketInfo is null for a missing bucket', async () => {
    let exists = false;
    const { store } = await storeWith((_req, res) =>
      exists
        ? xml(
            res,
            '<BucketInfo><Bucket><Name>records-7y</Name><CreationDate>2026-03-03T10:00:00.000Z</CreationDate><Location>oss-cn-hongkong</Location></Bucket></BucketInfo>',
          )
        : ossError(res, 404, 'NoSuchBucket'),
    );
    expect(await store.bucketInfo('records-7y')).toBeNull();
    exists = true;
    expect(await store.bucketInfo('records-7y')).toEqual({
      name: 'records-7y',
      createdAt: new Date('2026-03-03T10:00:00Z'),
      region: 'oss-cn-hongkong',
    });
  });

  it('listBuckets walks markers', async () => {
    const { store, requests } = await storeWith((req, res) => {
      const marker = req.query.get('marker');
      const bucket = (name: string): string =>
        `<Bucket><Name>${name}</Name><CreationDate>2026-03-03T10:00:00.000Z</CreationDate><Location>oss-cn-hongkong</Location></Bucket>`;
      xml(
        res,
        marker
          ? `<ListAllMyBucketsResult><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><Buckets>${bucket('b-two')}</Buckets></ListAllMyBucketsResult>`
          : `<ListAllMyBucketsResult><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><IsTruncated>true</IsTruncated><NextMarker>b-one</NextMarker><Buckets>${bucket('b-one')}</Buckets></ListAllMyBucketsResult>`,
      );
    });
    expect((await store.listBuckets()).map((b) => b.name)).toEqual(['b-one', 'b-two']);
    expect(requests[1]?.query.get('marker')).toBe('b-one');
  });

  it('invalid names are refused before any request', async () => {
    const { store, requests } = await storeWith((_req, res) => ok(res));
    await expect(store.createBucket('Bad_Name')).rejects.toThrow(ValidationError);
    await expect(store.putBuffer('ok-bucket', '/leading', Buffer.from('x'))).rejects.toThrow(ValidationError);
    await expect(
      store.putBuffer('ok-bucket', 'k', Buffer.from('x'), { meta: { 'Bad Key': 'v' } }),
    ).rejects.toThrow(ValidationError);
    expect(requests).toHaveLength(0);
  });
});

describe('get streams', () => {
  it('a consumer that stops early releases the download', async () => {
    let released: () => void = () => {};
    const connectionClosed = new Promise<void>((resolve) => (released = resolve));
    const { store } = await storeWith((_req, res) => {
      // An endless answer (as far as the client knows, 1 GiB): only the client hanging up ends it.
      res.on('close', () => released());
      res.writeHead(200, {
        'content-length': 1024 * 1024 * KiB,
        'x-oss-hash-crc64ecma': '1',
        etag: '"E"',
        'last-modified': 'Tue, 03 Mar 2026 10:00:00 GMT',
      });
      const chunk = Buffer.alloc(64 * KiB);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const r = await store.get('records-7y', 'big');
    for await (const _chunk of r.body) break;
    expect(r.body.destroyed).toBe(true);
    // Without the release the server would keep the connection open until the test times out.
    await connectionClosed;
  }, 15_000);

  it('a download cut short fails the body with a typed error', async () => {
    const body = randomBytes(256 * KiB);
    const { store } = await storeWith((_req, res) => {
      res.writeHead(200, {
        'content-length': body.length,
        'x-oss-hash-crc64ecma': crc64(body),
        etag: '"E"',
        'last-modified': 'Tue, 03 Mar 2026 10:00:00 GMT',
      });
      res.write(body.subarray(0, 1000), () => res.socket?.destroy());
    });
    const r = await store.get('records-7y', 'cut');
    const err = await (async () => {
      for await (const _c of r.body) void _c;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toMatch(/UnavailableError|ChecksumMismatchError/);
  });
});
