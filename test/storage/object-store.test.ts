/**
 * The data plane of the adapter (src/storage/object-store.ts) against a scripted OSS: construction,
 * create-only verified PUTs, retries, adoption after a lost answer, verified reads, listing,
 * signed URLs and download streams. Multipart uploads: put-stream.test.ts; bucket
 * administration: bucket-admin.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  AlreadyExistsError,
  ChecksumMismatchError,
  ConfigError,
  NotFoundError,
  StorageProtocolError,
  UnavailableError,
  ValidationError,
} from '../../src/errors';
import { AliOssStore, type AliOssStoreOptions } from '../../src/storage/ali-oss-store';
import { storageDetails } from '../../src/storage/errors';
import { crc64 } from '../../src/util/crc64';
import { getOk, headOk, KiB, md5b64, putOk, sha256hex, storeWith } from './helpers/adapter';
import {
  ok,
  ossError,
  ossHeadError,
  reset,
  xml,
  type Handler,
  type SeenRequest,
} from './helpers/scripted-oss';

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
    const { store, requests, delays } = await storeWith((_req, res) => {
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

  describe('a key already taken, with `adopt` (one HEAD decides, src/storage/adoption.ts)', () => {
    const RULE = { sameMeta: ['sha256', 'record-id'] };
    /** OSS with `stored` under the key (its metadata and bytes), refusing every create-only PUT. */
    function taken(stored: Buffer, meta: Record<string, string>): Handler {
      return (req, res) => {
        if (req.method === 'PUT') return ossError(res, 409, 'FileAlreadyExists');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(meta)) headers[`x-oss-meta-${k}`] = v;
        if (req.method === 'HEAD') return headOk(res, stored, headers);
        if (req.method === 'GET') return getOk(res, stored);
        ossError(res, 500, 'InternalError');
      };
    }

    it('adopts the very object being written: its Last-Modified is returned, nothing is overwritten', async () => {
      const body = randomBytes(3000);
      const meta = { sha256: sha256hex(body), 'record-id': 'T-1' };
      const { store, requests } = await storeWith(taken(body, meta));
      const result = await store.putBuffer('records-7y', 'trade/T-1.json', body, { meta, adopt: RULE });
      expect(result).toMatchObject({ sha256: sha256hex(body), crc64: crc64(body), etag: 'ETAG-OF-EXISTING' });
      expect(result.adoptedFrom).toEqual(new Date('2026-03-03T10:00:00Z'));
      expect(requests.map((r) => r.method)).toEqual(['PUT', 'HEAD']);
    });

    it.each([
      ['other bytes', randomBytes(3000), undefined, /CRC-64|bytes/],
      ['another SHA-256 in its metadata', undefined, { sha256: 'f'.repeat(64) }, /sha256/],
      ['another record id in its metadata', undefined, { 'record-id': 'T-2' }, /record-id/],
    ] as [string, Buffer | undefined, Record<string, string> | undefined, RegExp][])(
      'refuses an object with %s: AlreadyExists with the reason, after one HEAD',
      async (_what, otherBytes, otherMeta, reason) => {
        const body = randomBytes(3000);
        const meta = { sha256: sha256hex(body), 'record-id': 'T-1' };
        const { store, requests } = await storeWith(taken(otherBytes ?? body, { ...meta, ...otherMeta }));
        const err = await store
          .putBuffer('records-7y', 'trade/T-1.json', body, { meta, adopt: RULE })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AlreadyExistsError);
        expect((err as AlreadyExistsError).details).toMatchObject({
          key: 'trade/T-1.json',
          reason: expect.stringMatching(reason),
        });
        expect(requests.map((r) => r.method)).toEqual(['PUT', 'HEAD']);
      },
    );

    it('reads back an object without a SHA-256 in its metadata (a document file) and adopts it when it is the same', async () => {
      const body = randomBytes(5000);
      const meta = { 'record-id': 'D-1' };
      const { store, requests } = await storeWith(taken(body, meta));
      const adopt = { sameMeta: ['record-id'], readBack: true };
      const result = await store.putBuffer('records-7y', 'document/D-1.pdf', body, { meta, adopt });
      expect(result.adoptedFrom).toBeInstanceOf(Date);
      expect(requests.map((r) => r.method)).toEqual(['PUT', 'HEAD', 'GET']);
    });
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
