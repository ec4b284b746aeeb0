import type { Readable } from 'node:stream';
import type OSS from 'ali-oss';
import {
  AlreadyExistsError,
  ChecksumMismatchError,
  NotFoundError,
  StorageProtocolError,
  ValidationError,
} from '../errors';
import { crc64 } from '../util/crc64';
import { adoptionMismatch, needsReadBack, type SentObject } from './adoption';
import { fixedChunks } from './chunks';
import { digestBuffer, digestStream, type Digests } from './checksums';
import type { OssConnection } from './connection';
import { storageError, translateError, type StorageErrorContext } from './errors';
import {
  checkBucket,
  checkKey,
  CRC_HEADER,
  header,
  objectInfoFromHeaders,
  requestIdOf,
  unquoteEtag,
  verifyCrc,
  VerifyingStream,
  writeHeaders,
} from './headers';
import { isPartSize, OSS_LIMITS } from './limits';
import { checkDeclared, MultipartUpload, type MultipartHost } from './multipart';
import type {
  GetOptions,
  ListedObject,
  ListOptions,
  ObjectInfo,
  ObjectStore,
  PutOptions,
  PutResult,
  PutStreamOptions,
  SignedUrlOptions,
} from './types';

/**
 * The data plane over ali-oss: create-only verified writes (one PUT, or multipart through
 * MultipartUpload), adoption of an object already under the key (src/storage/adoption.ts, one
 * HEAD), verified reads, listing and signed URLs.
 *
 * Streams: a stream that ends within multipartThresholdBytes is buffered and sent as one retried
 * PUT; a longer one goes multipart.
 */
export class AliOssObjectStore implements ObjectStore, MultipartHost {
  private readonly multipart: MultipartUpload;

  constructor(private readonly conn: OssConnection) {
    this.multipart = new MultipartUpload(conn, this);
  }

  // ---------------------------------------------------------------- writes

  async putBuffer(bucket: string, key: string, body: Buffer, options: PutOptions = {}): Promise<PutResult> {
    checkBucket(bucket);
    checkKey(key);
    if (!Buffer.isBuffer(body)) throw new ValidationError('putBuffer needs a Buffer');
    const headers = writeHeaders(options);
    return this.putSingle(bucket, key, body, digestBuffer(body), options, headers);
  }

  async putStream(
    bucket: string,
    key: string,
    body: Readable,
    options: PutStreamOptions = {},
  ): Promise<PutResult> {
    checkBucket(bucket);
    checkKey(key);
    const headers = writeHeaders(options);
    const declared = options.size;
    if (declared !== undefined && (!Number.isSafeInteger(declared) || declared < 0)) {
      body.destroy();
      throw new ValidationError('size must be a non-negative integer');
    }
    const partSize = options.partSizeBytes ?? this.conn.options.partSizeBytes;
    if (!isPartSize(partSize)) {
      body.destroy();
      throw new ValidationError(
        `partSizeBytes must be an integer from ${OSS_LIMITS.minPartBytes} to ${OSS_LIMITS.maxPartBytes} (OSS part sizes)`,
      );
    }
    const threshold = this.conn.options.multipartThresholdBytes;
    const parts = fixedChunks(body, partSize);
    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    try {
      if (declared === undefined || declared <= threshold) {
        // Buffer up to the threshold: a stream that ends within it goes up as one PUT.
        while (headBytes <= threshold) {
          const next = await parts.next();
          if (next.done) {
            ended = true;
            break;
          }
          head.push(next.value);
          headBytes += next.value.length;
        }
      }
    } catch (err) {
      body.destroy();
      throw err;
    }
    if (ended) {
      const whole = head.length === 1 ? (head[0] as Buffer) : Buffer.concat(head, headBytes);
      const digests = digestBuffer(whole);
      checkDeclared(options, digests);
      return this.putSingle(bucket, key, whole, digests, options, headers);
    }
    const done = await this.multipart.put(bucket, key, head, parts, partSize, body, options, headers);
    return {
      bucket,
      key,
      size: done.digests.size,
      etag: done.etag,
      crc64: done.digests.crc64,
      sha256: done.digests.sha256,
      md5: done.digests.md5,
      multipart: true,
      ...(done.adoptedFrom ? { adoptedFrom: done.adoptedFrom } : {}),
    };
  }

  /** One create-only PUT with Content-MD5, verified by the CRC-64 OSS returns. */
  private async putSingle(
    bucket: string,
    key: string,
    body: Buffer,
    digests: Digests,
    options: PutOptions,
    headers: Record<string, string>,
  ): Promise<PutResult> {
    const client = this.conn.clientFor(bucket);
    const ctx: StorageErrorContext = { operation: 'PutObject', bucket, key };
    type Outcome = { reported: string | undefined; etag: string; requestId?: string; adoptedFrom?: Date };
    const adopted = (found: ObjectInfo): Outcome => ({
      reported: found.crc64,
      etag: found.etag,
      adoptedFrom: found.lastModified,
    });
    let decided = false;
    let outcome: Outcome;
    try {
      outcome = await this.conn.run<Outcome>(
        ctx,
        async () => {
          // Fresh objects per attempt: ali-oss adds the x-oss-meta-* headers into the headers it is given.
          const res = await client.put(key, body, {
            headers: { ...headers, 'Content-MD5': digests.md5 },
            ...(options.meta ? { meta: { ...options.meta } } : {}),
            ...(options.contentType ? { mime: options.contentType } : {}),
            timeout: this.conn.timeout,
          });
          const h = res.res.headers;
          return {
            reported: header(h, CRC_HEADER),
            etag: unquoteEtag(header(h, 'etag')),
            requestId: requestIdOf(h),
          };
        },
        async (err) => {
          if (!(err instanceof AlreadyExistsError)) return undefined;
          decided = true;
          const found = await this.adoption(bucket, key, digests, options);
          if (typeof found !== 'string') return adopted(found);
          if (options.adopt) throw this.refusal(bucket, key, found, err);
          return undefined;
        },
      );
    } catch (err) {
      // A first attempt that finds the key taken: the caller asked to adopt its own earlier object.
      if (!(err instanceof AlreadyExistsError) || !options.adopt || decided) throw err;
      const found = await this.adoption(bucket, key, digests, options);
      if (typeof found === 'string') throw this.refusal(bucket, key, found, err);
      outcome = adopted(found);
    }
    verifyCrc(digests.crc64, outcome.reported, ctx, outcome.requestId);
    if (outcome.adoptedFrom)
      this.conn.logger.info(ctx, 'the key held the very object being written: adopted');
    return {
      bucket,
      key,
      size: digests.size,
      etag: outcome.etag,
      crc64: digests.crc64,
      sha256: digests.sha256,
      md5: digests.md5,
      multipart: false,
      ...(outcome.adoptedFrom ? { adoptedFrom: outcome.adoptedFrom } : {}),
    };
  }

  /**
   * The key is taken: one HEAD, and the adoption rule, say whether the object there is the one
   * being written (`sent`). Returns it, or why not. Without `options.adopt` (a plain write after
   * a lost answer) the rule compares size and CRC-64 only.
   */
  async adoption(
    bucket: string,
    key: string,
    sent: SentObject,
    options: PutOptions,
  ): Promise<ObjectInfo | string> {
    let found: ObjectInfo;
    try {
      found = await this.head(bucket, key);
    } catch (err) {
      if (err instanceof NotFoundError) return 'there is no object under the key';
      throw err;
    }
    if (!options.adopt) return adoptionMismatch(found, sent) ?? found;
    let storedSha256: string | undefined;
    if (needsReadBack(found, options.adopt) && adoptionMismatch(found, sent) === undefined) {
      // Same size and CRC-64, no SHA-256 in its metadata (a document's file): read it back.
      storedSha256 = (await digestStream((await this.get(bucket, key)).body)).sha256;
    }
    const rule = { adopt: options.adopt, meta: options.meta ?? {} };
    return adoptionMismatch(found, sent, storedSha256 ? { ...rule, storedSha256 } : rule) ?? found;
  }

  refusal(bucket: string, key: string, why: string, cause: unknown): AlreadyExistsError {
    return new AlreadyExistsError(`${bucket}/${key} holds another object: ${why}`, {
      cause,
      details: { bucket, key, reason: why },
    });
  }

  // ---------------------------------------------------------------- reads

  async get(
    bucket: string,
    key: string,
    options: GetOptions = {},
  ): Promise<{ info: ObjectInfo; body: Readable }> {
    checkKey(key);
    const client = this.conn.clientFor(bucket);
    const ctx: StorageErrorContext = { operation: 'GetObject', bucket, key };
    const range = options.range;
    const headers: Record<string, string> = {};
    if (range) {
      if (!Number.isSafeInteger(range.start) || range.start < 0)
        throw new ValidationError('range.start must be a non-negative integer');
      if (range.end !== undefined && (!Number.isSafeInteger(range.end) || range.end < range.start)) {
        throw new ValidationError('range.end must be an integer >= range.start');
      }
      headers.Range = `bytes=${range.start}-${range.end ?? ''}`;
    }
    const res = await this.conn.run(ctx, () =>
      client.getStream(key, { headers, timeout: this.conn.timeout }),
    );
    try {
      if (range && res.res.status !== 206) {
        throw storageError(StorageProtocolError, ctx, `asked for a range, OSS answered ${res.res.status}`, {
          requestId: requestIdOf(res.res.headers),
        });
      }
      const info = objectInfoFromHeaders(bucket, key, res.res.headers, ctx);
      if (range) return { info, body: res.stream };
      const verifier = new VerifyingStream(info.crc64, info.size, ctx);
      // pipe() links neither errors nor early destruction: a broken download fails the body with
      // a typed error, and a consumer that stops reading releases the connection.
      res.stream.on('error', (err) => verifier.destroy(translateError(err, ctx)));
      verifier.on('close', () => {
        if (!res.stream.destroyed) res.stream.destroy();
      });
      return { info, body: res.stream.pipe(verifier) };
    } catch (err) {
      res.stream.destroy();
      throw err;
    }
  }

  async getBuffer(bucket: string, key: string): Promise<{ info: ObjectInfo; body: Buffer }> {
    checkKey(key);
    const client = this.conn.clientFor(bucket);
    const ctx: StorageErrorContext = { operation: 'GetObject', bucket, key };
    return this.conn.run(ctx, async () => {
      const res = await client.get(key, { timeout: this.conn.timeout });
      const info = objectInfoFromHeaders(bucket, key, res.res.headers, ctx);
      const body = Buffer.isBuffer(res.content) ? res.content : Buffer.alloc(0);
      if (body.length !== info.size)
        throw storageError(
          StorageProtocolError,
          ctx,
          `received ${body.length} bytes, OSS announced ${info.size}`,
        );
      // A flipped bit in transit or at rest: verified against the CRC OSS announces (when it does).
      if (info.crc64 !== undefined) {
        const got = crc64(body);
        if (got !== info.crc64) {
          throw storageError(
            ChecksumMismatchError,
            ctx,
            `CRC-64 of the bytes received is ${got}, OSS announced ${info.crc64}`,
            {
              expectedCrc64: info.crc64,
              receivedCrc64: got,
              requestId: requestIdOf(res.res.headers),
            },
          );
        }
      }
      return { info, body };
    });
  }

  async head(bucket: string, key: string): Promise<ObjectInfo> {
    checkKey(key);
    const client = this.conn.clientFor(bucket);
    const ctx: StorageErrorContext = { operation: 'HeadObject', bucket, key };
    const res = await this.conn.run(ctx, () => client.head(key, { timeout: this.conn.timeout }));
    return objectInfoFromHeaders(bucket, key, res.res.headers, ctx);
  }

  async *list(bucket: string, options: ListOptions = {}): AsyncGenerator<ListedObject, void, undefined> {
    const client = this.conn.clientFor(bucket);
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      throw new ValidationError('pageSize must be 1..1000');
    const ctx: StorageErrorContext = { operation: 'ListObjectsV2', bucket };
    const seen = new Set<string>();
    let token: string | undefined;
    for (;;) {
      const query: OSS.ListV2Params = { 'max-keys': pageSize };
      if (options.prefix) query.prefix = options.prefix;
      // start-after only positions the first page; continuation tokens carry on from there.
      if (options.startAfter && token === undefined) query['start-after'] = options.startAfter;
      if (token !== undefined) query['continuation-token'] = token;
      const page = await this.conn.run(ctx, () =>
        client.listV2({ ...query }, { timeout: this.conn.timeout }),
      );
      for (const o of page.objects ?? []) {
        const lastModified = new Date(o.lastModified);
        if (typeof o.name !== 'string' || Number.isNaN(lastModified.getTime()) || !Number.isFinite(o.size)) {
          throw storageError(StorageProtocolError, ctx, 'OSS listed an object without key, size or date');
        }
        yield { key: o.name, size: o.size, etag: unquoteEtag(o.etag), lastModified };
      }
      if (!page.isTruncated) return;
      const next = page.nextContinuationToken;
      if (!next)
        throw storageError(
          StorageProtocolError,
          ctx,
          'OSS says the listing is truncated but gave no continuation token',
        );
      if (seen.has(next)) throw storageError(StorageProtocolError, ctx, 'OSS repeated a continuation token');
      seen.add(next);
      token = next;
    }
  }

  /**
   * A pre-signed URL. `expiresSeconds` above maxSignedUrlSeconds is clamped to it (and logged);
   * zero, negative or fractional values are refused. Default version: the configured authVersion.
   * PUT URLs are create-only: they sign `x-oss-forbid-overwrite: true`, which the uploader must
   * send (and no Content-Type).
   */
  async signedUrl(bucket: string, key: string, options: SignedUrlOptions): Promise<string> {
    checkKey(key);
    const client = this.conn.clientFor(bucket);
    const requested = options.expiresSeconds;
    if (!Number.isSafeInteger(requested) || requested < 1)
      throw new ValidationError('expiresSeconds must be a positive integer');
    const cap = Math.min(this.conn.options.maxSignedUrlSeconds, OSS_LIMITS.maxSignedUrlSeconds);
    const expires = Math.min(requested, cap);
    if (expires < requested)
      this.conn.logger.warn(
        { bucket, key, requested, expires },
        'signed URL expiry clamped to the configured maximum',
      );
    const method = options.method ?? 'GET';
    const version = options.version ?? this.conn.options.authVersion;
    const response: Record<string, string> = {};
    if (options.response?.contentDisposition !== undefined)
      response['content-disposition'] = options.response.contentDisposition;
    if (options.response?.contentType !== undefined) response['content-type'] = options.response.contentType;
    const signedHeaders: Record<string, string> =
      method === 'PUT' ? { 'x-oss-forbid-overwrite': 'true' } : {};
    try {
      if (version === 'v1') {
        return client.signatureUrl(key, { method, expires, response, ...signedHeaders });
      }
      const queries: Record<string, string> = {};
      for (const [k, v] of Object.entries(response)) queries[`response-${k}`] = v;
      return await client.signatureUrlV4(method, expires, { headers: signedHeaders, queries }, key);
    } catch (err) {
      throw translateError(err, { operation: 'SignUrl', bucket, key });
    }
  }
}
