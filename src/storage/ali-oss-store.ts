import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import type OSS from 'ali-oss';
import type { Config } from '../config';
import {
  AlreadyExistsError,
  ChecksumMismatchError,
  ConfigError,
  NotFoundError,
  PayloadTooLargeError,
  StorageProtocolError,
  UnavailableError,
  ValidationError,
  type StrongroomError,
} from '../errors';
import { silentLogger, type Logger } from '../log';
import { crc64 } from '../util/crc64';
import { fixedChunks } from './chunks';
import { digestBuffer, PartwiseDigests, type Digests } from './checksums';
import { createOssClient, type OssClient } from './client';
import { isRetryable, ossCodeOf, storageError, translateError, type StorageErrorContext } from './errors';
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
  xmlEscape,
} from './headers';
import { realSleep, withRetry, type RetryPolicy } from './retry';
import type {
  BucketInfo,
  BucketLogging,
  GetOptions,
  ListedObject,
  ListOptions,
  ObjectInfo,
  ObjectStore,
  PutOptions,
  PutResult,
  PutStreamOptions,
  RetentionPolicy,
  SignedUrlOptions,
} from './types';

/** OSS limits the adapter enforces before asking. */
export const OSS_MIN_PART_BYTES = 100 * 1024;
export const OSS_MAX_PARTS = 10_000;
export const OSS_MAX_SIGNED_URL_SECONDS = 604_800;
export const OSS_MAX_RETENTION_DAYS = 25_550;

export interface AliOssStoreOptions {
  /** `https://oss-cn-hongkong.aliyuncs.com`, or the emulator's `http://localhost:PORT`. */
  endpoint: string;
  /** `oss-cn-hongkong`; V4 signatures use it without the `oss-` prefix. */
  region: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token: sent as x-oss-security-token (and security-token in signed URLs). */
  securityToken?: string;
  /** Header signature version. */
  authVersion: 'v1' | 'v4';
  timeoutMs: number;
  retry: RetryPolicy;
  /** Streams larger than this go up as multipart uploads. */
  multipartThresholdBytes: number;
  /** Multipart part size, at least 100 KiB (OSS minimum for all parts but the last). */
  partSizeBytes: number;
  /** Signed-URL expiries above this are clamped to it (at most 7 days). */
  maxSignedUrlSeconds: number;
  logger?: Logger;
  /** Injectable for tests (backoff waits). */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests (jitter): uniform in [0, 1). */
  random?: () => number;
  /** Parts uploaded at once by putStream (1..4, default 3); memory is about (this + 1) parts. */
  partConcurrency?: number;
  /**
   * Path-style requests (`/bucket/key`, ali-oss `sldEnable`). Default: on for every endpoint not
   * under aliyuncs.com (the emulator, other local OSS-compatible servers).
   */
  pathStyle?: boolean;
}

interface CopyResultXml {
  ETag?: string;
  LastModified?: string;
}

/**
 * ObjectStore over Alibaba Cloud OSS with ali-oss 6.23: create-only verified writes, typed
 * errors, retries with backoff, retention-policy calls and signed URLs.
 *
 * One ali-oss client per bucket (ali-oss keeps the bucket in the client's options, so switching
 * it with useBucket under concurrent calls would race), plus one without a bucket for account
 * and bucket-level calls.
 *
 * Streams: a stream cannot be replayed, so putStream never retries a whole stream. Parts are
 * buffered (partSizeBytes each) and each part, the initiation and the completion are retried on
 * their own; a stream that ends within multipartThresholdBytes is buffered and sent as one
 * retried PUT. A failed multipart upload is aborted and the source stream destroyed.
 */
export class AliOssStore implements ObjectStore {
  private readonly clients = new Map<string, OssClient>();
  private readonly service: OssClient;
  private readonly baseOptions: OSS.Options;
  private readonly logger: Logger;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly partConcurrency: number;

  constructor(private readonly options: AliOssStoreOptions) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new ConfigError(`oss.endpoint is not a URL: ${JSON.stringify(options.endpoint)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ConfigError('oss.endpoint must be http(s)');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      // ali-oss rewrites Host to bucket.oss-<region>.aliyuncs.com for IP endpoints and cannot sign URLs for them.
      throw new ConfigError(
        `oss.endpoint must use a host name, not an IP address (use http://localhost:${url.port || 80} for a local emulator)`,
      );
    }
    if (!options.accessKeyId || !options.accessKeySecret)
      throw new ConfigError('OSS needs accessKeyId and accessKeySecret');
    if (!Number.isSafeInteger(options.partSizeBytes) || options.partSizeBytes < OSS_MIN_PART_BYTES) {
      throw new ConfigError(
        `oss.partSizeBytes must be at least ${OSS_MIN_PART_BYTES} (the OSS minimum part size)`,
      );
    }
    if (!Number.isSafeInteger(options.multipartThresholdBytes) || options.multipartThresholdBytes < 0) {
      throw new ConfigError('oss.multipartThresholdBytes must be a non-negative integer');
    }
    if (!(options.maxSignedUrlSeconds >= 1 && options.maxSignedUrlSeconds <= OSS_MAX_SIGNED_URL_SECONDS)) {
      throw new ConfigError(`oss.maxSignedUrlSeconds must be 1..${OSS_MAX_SIGNED_URL_SECONDS}`);
    }
    if (!(options.retry.maxAttempts >= 1)) throw new ConfigError('oss.retry.maxAttempts must be at least 1');

    this.logger = (options.logger ?? silentLogger()).child({ component: 'storage' });
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.partConcurrency = Math.min(4, Math.max(1, Math.floor(options.partConcurrency ?? 3)));
    const pathStyle = options.pathStyle ?? !/(^|\.)aliyuncs\.com$/i.test(host);
    this.baseOptions = {
      endpoint: url.origin,
      region: options.region,
      accessKeyId: options.accessKeyId,
      accessKeySecret: options.accessKeySecret,
      secure: url.protocol === 'https:',
      sldEnable: pathStyle,
      authorizationV4: options.authVersion === 'v4',
      timeout: options.timeoutMs,
      // Retries are ours (typed, with backoff and reconciliation); ali-oss's own are off.
      retryMax: 0,
    };
    if (options.securityToken) {
      this.baseOptions.stsToken = options.securityToken;
      // Never used (no refreshSTSToken function); set so ali-oss does not console.warn about it.
      this.baseOptions.refreshSTSTokenInterval = Number.MAX_SAFE_INTEGER;
    }
    this.service = createOssClient({ ...this.baseOptions });
  }

  // ---------------------------------------------------------------- plumbing

  private clientFor(bucket: string): OssClient {
    checkBucket(bucket);
    let client = this.clients.get(bucket);
    if (!client) {
      client = createOssClient({ ...this.baseOptions, bucket });
      this.clients.set(bucket, client);
    }
    return client;
  }

  /** One OSS call with translation, retries and (optionally) reconciliation after a lost answer. */
  private run<T>(
    ctx: StorageErrorContext,
    call: () => Promise<T>,
    reconcile?: (err: StrongroomError) => Promise<T | undefined>,
  ): Promise<T> {
    return withRetry<T, StrongroomError>(
      () => call(),
      this.options.retry,
      { sleep: this.sleep, random: this.random },
      {
        translate: (err) => translateError(err, ctx),
        isRetryable,
        exhausted: (last, attempts) => {
          const details = { ...(last.details as object), attempts };
          return new UnavailableError(
            `${last.message}; gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}`,
            { details },
          );
        },
        ...(reconcile ? { reconcile } : {}),
        onRetry: (err, failures, delayMs) => {
          this.logger.warn(
            { ...ctx, attempt: failures, delayMs, ossCode: ossCodeOf(err) },
            'OSS call failed, retrying',
          );
        },
      },
    );
  }

  private get timeout(): number {
    return this.options.timeoutMs;
  }

  // ---------------------------------------------------------------- objects: writes

  async putBuffer(bucket: string, key: string, body: Buffer, options: PutOptions = {}): Promise<PutResult> {
    checkBucket(bucket);
    checkKey(key);
    if (!Buffer.isBuffer(body)) throw new ValidationError('putBuffer needs a Buffer');
    const headers = writeHeaders(options);
    return this.putSingle(bucket, key, body, digestBuffer(body), options, headers);
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
    const client = this.clientFor(bucket);
    const ctx: StorageErrorContext = { operation: 'PutObject', bucket, key };
    type Outcome = {
      reported: string | undefined;
      etag: string;
      requestId: string | undefined;
      reconciled: boolean;
    };
    const outcome = await this.run<Outcome>(
      ctx,
      async () => {
        // Fresh objects per attempt: ali-oss adds the x-oss-meta-* headers into the headers it is given.
        const res = await client.put(key, body, {
          headers: { ...headers, 'Content-MD5': digests.md5 },
          ...(options.meta ? { meta: { ...options.meta } } : {}),
          ...(options.contentType ? { mime: options.contentType } : {}),
          timeout: this.timeout,
        });
        const h = res.res.headers;
        return {
          reported: header(h, CRC_HEADER),
          etag: unquoteEtag(header(h, 'etag')),
          requestId: requestIdOf(h),
          reconciled: false,
        };
      },
      async (err) => {
        const found =
          err instanceof AlreadyExistsError ? await this.sameObject(bucket, key, digests) : undefined;
        return found
          ? { reported: found.crc64, etag: found.etag, requestId: undefined, reconciled: true }
          : undefined;
      },
    );
    verifyCrc(digests.crc64, outcome.reported, ctx, outcome.requestId);
    if (outcome.reconciled)
      this.logger.info(ctx, 'PUT answer was lost; the object found has our CRC-64 and size');
    return {
      bucket,
      key,
      size: digests.size,
      etag: outcome.etag,
      crc64: digests.crc64,
      sha256: digests.sha256,
      md5: digests.md5,
      multipart: false,
      ...(outcome.reconciled ? { reconciled: true } : {}),
    };
  }

  /**
   * After a lost answer: is the object now under `key` the one we sent? Compares CRC-64 and size
   * from a HEAD; returns its info when they match.
   */
  private async sameObject(
    bucket: string,
    key: string,
    digests: Pick<Digests, 'crc64' | 'size'>,
  ): Promise<ObjectInfo | undefined> {
    let info: ObjectInfo;
    try {
      info = await this.head(bucket, key);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    return info.crc64 === digests.crc64 && info.size === digests.size ? info : undefined;
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
    const threshold = this.options.multipartThresholdBytes;
    const parts = fixedChunks(body, this.options.partSizeBytes);
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
      checkDeclaredSize(declared, headBytes);
      const whole = head.length === 1 ? (head[0] as Buffer) : Buffer.concat(head, headBytes);
      const digests = digestBuffer(whole);
      checkDeclaredSha256(options.expectedSha256, digests.sha256);
      return this.putSingle(bucket, key, whole, digests, options, headers);
    }
    return this.putMultipart(bucket, key, head, parts, body, options, headers);
  }

  private async putMultipart(
    bucket: string,
    key: string,
    head: Buffer[],
    rest: AsyncGenerator<Buffer, void, undefined>,
    source: Readable,
    options: PutStreamOptions,
    headers: Record<string, string>,
  ): Promise<PutResult> {
    const client = this.clientFor(bucket);
    const ctx = (operation: string): StorageErrorContext => ({ operation, bucket, key });
    let uploadId: string;
    try {
      const init = await this.run(ctx('InitiateMultipartUpload'), () =>
        client.initMultipartUpload(key, {
          headers: { ...headers },
          ...(options.meta ? { meta: { ...options.meta } } : {}),
          ...(options.contentType ? { mime: options.contentType } : {}),
          timeout: this.timeout,
        }),
      );
      uploadId = init.uploadId;
      if (typeof uploadId !== 'string' || uploadId === '')
        throw storageError(StorageProtocolError, ctx('InitiateMultipartUpload'), 'OSS returned no UploadId');
    } catch (err) {
      await rest.return(undefined);
      source.destroy();
      throw err;
    }

    const digests = new PartwiseDigests();
    const etags: string[] = [];
    try {
      await this.uploadParts(client, bucket, key, uploadId, head, rest, digests, etags);
      const d = digests.digest();
      checkDeclaredSize(options.size, d.size);
      checkDeclaredSha256(options.expectedSha256, d.sha256);
      const completed = await this.completeMultipart(client, bucket, key, uploadId, etags, d);
      return {
        bucket,
        key,
        size: d.size,
        etag: completed.etag,
        crc64: d.crc64,
        sha256: d.sha256,
        md5: d.md5,
        multipart: true,
      };
    } catch (err) {
      source.destroy();
      await this.abortMultipart(client, bucket, key, uploadId);
      throw err;
    }
  }

  /** Uploads the parts with at most partConcurrency in flight; stops at the first failure. */
  private async uploadParts(
    client: OssClient,
    bucket: string,
    key: string,
    uploadId: string,
    head: Buffer[],
    rest: AsyncGenerator<Buffer, void, undefined>,
    digests: PartwiseDigests,
    etags: string[],
  ): Promise<void> {
    const inflight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    let partNo = 0;
    const start = (part: Buffer): void => {
      partNo++;
      if (partNo > OSS_MAX_PARTS) {
        throw new PayloadTooLargeError(
          `the stream needs more than ${OSS_MAX_PARTS} parts of ${this.options.partSizeBytes} bytes`,
        );
      }
      const n = partNo;
      const sums = digests.addPart(part);
      const task: Promise<void> = this.uploadPart(client, bucket, key, uploadId, n, part, sums)
        .then(
          (etag) => {
            etags[n - 1] = etag;
          },
          (err: unknown) => {
            failure ??= { err };
          },
        )
        .finally(() => inflight.delete(task));
      inflight.add(task);
    };
    const feed = async (part: Buffer): Promise<boolean> => {
      while (inflight.size >= this.partConcurrency && !failure) await Promise.race(inflight);
      if (failure) return false;
      start(part);
      return true;
    };
    try {
      let going = true;
      for (const part of head) {
        going = await feed(part);
        if (!going) break;
      }
      head.length = 0;
      if (going) {
        for await (const part of rest) {
          if (!(await feed(part))) break;
        }
      }
    } finally {
      await Promise.all(inflight);
    }
    if (failure) throw failure.err;
    if (partNo === 0) throw new StorageProtocolError('multipart upload without parts'); // unreachable: empty streams go as one PUT
  }

  private async uploadPart(
    client: OssClient,
    bucket: string,
    key: string,
    uploadId: string,
    partNo: number,
    part: Buffer,
    sums: { md5: string; crc64: string },
  ): Promise<string> {
    const ctx: StorageErrorContext = { operation: 'UploadPart', bucket, key, partNumber: partNo };
    const res = await this.run(ctx, () =>
      client.uploadPart(key, uploadId, partNo, part, 0, part.length, {
        headers: { 'Content-MD5': sums.md5 },
        timeout: this.timeout,
      }),
    );
    const reported = header(res.res.headers, CRC_HEADER);
    // UploadPart answers carry the part's CRC-64 on OSS; check it when present (the object's CRC is checked at completion anyway).
    if (reported !== undefined) verifyCrc(sums.crc64, reported, ctx, requestIdOf(res.res.headers));
    if (!res.etag) throw storageError(StorageProtocolError, ctx, 'OSS returned no ETag for the part');
    return res.etag;
  }

  private async completeMultipart(
    client: OssClient,
    bucket: string,
    key: string,
    uploadId: string,
    etags: string[],
    digests: Digests,
  ): Promise<{ etag: string }> {
    const ctx: StorageErrorContext = { operation: 'CompleteMultipartUpload', bucket, key };
    const parts = etags.map((etag, i) => ({ number: i + 1, etag }));
    type Outcome = { reported: string | undefined; etag: string; requestId: string | undefined };
    const outcome = await this.run<Outcome>(
      ctx,
      async () => {
        const res = await client.completeMultipartUpload(key, uploadId, parts, {
          headers: { 'x-oss-forbid-overwrite': 'true' },
          timeout: this.timeout,
        });
        const h = res.res.headers;
        return {
          reported: header(h, CRC_HEADER),
          etag: unquoteEtag(res.etag ?? header(h, 'etag')),
          requestId: requestIdOf(h),
        };
      },
      async (err) => {
        // A completion whose answer was lost: a retry finds the upload gone or the key taken.
        const lost =
          err instanceof AlreadyExistsError ||
          (err instanceof NotFoundError && ossCodeOf(err) === 'NoSuchUpload');
        const found = lost ? await this.sameObject(bucket, key, digests) : undefined;
        return found ? { reported: found.crc64, etag: found.etag, requestId: undefined } : undefined;
      },
    );
    let reported = outcome.reported;
    let etag = outcome.etag;
    if (reported === undefined) {
      // Not every answer carries the CRC; the stored object's HEAD does.
      const info = await this.head(bucket, key);
      reported = info.crc64;
      etag ||= info.etag;
    }
    verifyCrc(digests.crc64, reported, ctx, outcome.requestId);
    return { etag };
  }

  private async abortMultipart(
    client: OssClient,
    bucket: string,
    key: string,
    uploadId: string,
  ): Promise<void> {
    const ctx: StorageErrorContext = { operation: 'AbortMultipartUpload', bucket, key };
    try {
      await this.run(ctx, () => client.abortMultipartUpload(key, uploadId, { timeout: this.timeout }));
    } catch (err) {
      if (err instanceof NotFoundError) return;
      // The upload stays until a lifecycle rule removes it; the original failure matters more.
      this.logger.warn({ ...ctx, uploadId, ossCode: ossCodeOf(err) }, 'could not abort multipart upload');
    }
  }

  async copy(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
  ): Promise<{ etag: string }> {
    checkBucket(source.bucket);
    checkKey(source.key);
    checkKey(target.key);
    const client = this.clientFor(target.bucket);
    const ctx: StorageErrorContext = { operation: 'CopyObject', bucket: target.bucket, key: target.key };
    // Sent with request() rather than client.copy(): copy() turns every given header into an
    // x-oss-copy-source-<name> header too, which would send x-oss-copy-source-x-oss-forbid-overwrite.
    return this.run(
      ctx,
      async () => {
        const res = await client.request<CopyResultXml>({
          method: 'PUT',
          bucket: target.bucket,
          object: target.key,
          headers: {
            'x-oss-copy-source': `/${source.bucket}/${encodeURIComponent(source.key)}`,
            'x-oss-forbid-overwrite': 'true',
          },
          xmlResponse: true,
          successStatuses: [200],
          timeout: this.timeout,
        });
        return { etag: unquoteEtag(res.data?.ETag ?? header(res.headers, 'etag')) };
      },
      async (err) => {
        if (!(err instanceof AlreadyExistsError)) return undefined;
        const src = await this.head(source.bucket, source.key);
        if (src.crc64 === undefined) return undefined;
        const found = await this.sameObject(target.bucket, target.key, { crc64: src.crc64, size: src.size });
        return found ? { etag: found.etag } : undefined;
      },
    );
  }

  async delete(bucket: string, key: string): Promise<void> {
    checkKey(key);
    const client = this.clientFor(bucket);
    await this.run({ operation: 'DeleteObject', bucket, key }, () =>
      client.delete(key, { timeout: this.timeout }),
    );
  }

  // ---------------------------------------------------------------- objects: reads

  async get(
    bucket: string,
    key: string,
    options: GetOptions = {},
  ): Promise<{ info: ObjectInfo; body: Readable }> {
    checkKey(key);
    const client = this.clientFor(bucket);
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
    const res = await this.run(ctx, () => client.getStream(key, { headers, timeout: this.timeout }));
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
    const client = this.clientFor(bucket);
    const ctx: StorageErrorContext = { operation: 'GetObject', bucket, key };
    return this.run(ctx, async () => {
      const res = await client.get(key, { timeout: this.timeout });
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
    const client = this.clientFor(bucket);
    const ctx: StorageErrorContext = { operation: 'HeadObject', bucket, key };
    const res = await this.run(ctx, () => client.head(key, { timeout: this.timeout }));
    return objectInfoFromHeaders(bucket, key, res.res.headers, ctx);
  }

  async *list(bucket: string, options: ListOptions = {}): AsyncGenerator<ListedObject, void, undefined> {
    const client = this.clientFor(bucket);
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
      const page = await this.run(ctx, () => client.listV2({ ...query }, { timeout: this.timeout }));
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
    const client = this.clientFor(bucket);
    const requested = options.expiresSeconds;
    if (!Number.isSafeInteger(requested) || requested < 1)
      throw new ValidationError('expiresSeconds must be a positive integer');
    const cap = Math.min(this.options.maxSignedUrlSeconds, OSS_MAX_SIGNED_URL_SECONDS);
    const expires = Math.min(requested, cap);
    if (expires < requested)
      this.logger.warn(
        { bucket, key, requested, expires },
        'signed URL expiry clamped to the configured maximum',
      );
    const method = options.method ?? 'GET';
    const version = options.version ?? this.options.authVersion;
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

  // ---------------------------------------------------------------- buckets

  /**
   * Creates a bucket. If an attempt's answer was lost and the retry finds the bucket existing,
   * it counts as created (OSS cannot say by which attempt).
   */
  async createBucket(bucket: string): Promise<void> {
    checkBucket(bucket);
    await this.run(
      { operation: 'PutBucket', bucket },
      async () => {
        await this.service.putBucket(bucket, { timeout: this.timeout });
        return true;
      },
      async (err) =>
        err instanceof AlreadyExistsError && (await this.bucketInfo(bucket)) !== null ? true : undefined,
    );
  }

  async bucketInfo(bucket: string): Promise<BucketInfo | null> {
    checkBucket(bucket);
    const ctx: StorageErrorContext = { operation: 'GetBucketInfo', bucket };
    try {
      const res = await this.run(ctx, () => this.service.getBucketInfo(bucket, { timeout: this.timeout }));
      const b = res.bucket ?? {};
      const createdAt = new Date(typeof b.CreationDate === 'string' ? b.CreationDate : NaN);
      if (Number.isNaN(createdAt.getTime()))
        throw storageError(StorageProtocolError, ctx, 'OSS sent no readable CreationDate');
      const info: BucketInfo = { name: typeof b.Name === 'string' ? b.Name : bucket, createdAt };
      if (typeof b.Location === 'string' && b.Location) info.region = b.Location;
      return info;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  async listBuckets(): Promise<BucketInfo[]> {
    const ctx: StorageErrorContext = { operation: 'ListBuckets' };
    const out: BucketInfo[] = [];
    let marker: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const query: OSS.ListBucketsQueryType = { 'max-keys': 1000 };
      if (marker !== undefined) query.marker = marker;
      const page = await this.run(ctx, () => this.service.listBuckets(query, { timeout: this.timeout }));
      for (const b of page.buckets ?? []) {
        const createdAt = new Date(b.creationDate);
        const info: BucketInfo = { name: b.name, createdAt };
        if (b.region) info.region = b.region;
        out.push(info);
      }
      if (!page.isTruncated) return out;
      if (!page.nextMarker || seen.has(page.nextMarker))
        throw storageError(StorageProtocolError, ctx, 'OSS bucket listing is truncated without a new marker');
      seen.add(page.nextMarker);
      marker = page.nextMarker;
    }
  }

  async deleteBucket(bucket: string): Promise<void> {
    checkBucket(bucket);
    await this.run(
      { operation: 'DeleteBucket', bucket },
      async () => {
        await this.service.deleteBucket(bucket, { timeout: this.timeout });
        return true;
      },
      // Deleted by an attempt whose answer was lost.
      async (err) => (err instanceof NotFoundError ? true : undefined),
    );
  }

  // ---------------------------------------------------------------- retention policy (WORM)

  async getRetention(bucket: string): Promise<RetentionPolicy | null> {
    checkBucket(bucket);
    const ctx: StorageErrorContext = { operation: 'GetBucketWorm', bucket };
    let res: OSS.GetBucketWormResult;
    try {
      res = await this.run(ctx, () => this.service.getBucketWorm(bucket, { timeout: this.timeout }));
    } catch (err) {
      if (err instanceof NotFoundError && ossCodeOf(err) === 'NoSuchWORMConfiguration') return null;
      throw err;
    }
    return parseWorm(res, ctx);
  }

  async initiateRetention(bucket: string, days: number): Promise<{ wormId: string }> {
    checkBucket(bucket);
    checkDays(days);
    const ctx: StorageErrorContext = { operation: 'InitiateBucketWorm', bucket };
    return this.run(
      ctx,
      async () => {
        const res = await this.service.initiateBucketWorm(bucket, String(days), { timeout: this.timeout });
        if (!res.wormId)
          throw storageError(StorageProtocolError, ctx, 'OSS returned no x-oss-worm-id', {
            requestId: requestIdOf(res.res.headers),
          });
        return { wormId: res.wormId };
      },
      async () => {
        // An earlier attempt may have created it: take it if it is ours (InProgress, same days).
        const p = await this.getRetention(bucket);
        return p && p.state === 'InProgress' && p.days === days ? { wormId: p.wormId } : undefined;
      },
    );
  }

  async completeRetention(bucket: string, wormId: string): Promise<void> {
    checkBucket(bucket);
    checkWormId(wormId);
    const ctx: StorageErrorContext = { operation: 'CompleteBucketWorm', bucket };
    await this.run(
      ctx,
      async () => {
        const res = await this.service.completeBucketWorm(bucket, wormId, { timeout: this.timeout });
        await this.throwUnlessOk(res);
        return true;
      },
      async () => {
        const p = await this.getRetention(bucket);
        return p && p.wormId === wormId && p.state === 'Locked' ? true : undefined;
      },
    );
  }

  async extendRetention(bucket: string, wormId: string, days: number): Promise<void> {
    checkBucket(bucket);
    checkWormId(wormId);
    checkDays(days);
    await this.run(
      { operation: 'ExtendBucketWorm', bucket },
      async () => {
        const res = await this.service.extendBucketWorm(bucket, wormId, String(days), {
          timeout: this.timeout,
        });
        await this.throwUnlessOk(res);
        return true;
      },
      async () => {
        const p = await this.getRetention(bucket);
        return p && p.wormId === wormId && p.days >= days ? true : undefined;
      },
    );
  }

  async abortRetention(bucket: string): Promise<void> {
    checkBucket(bucket);
    await this.run(
      { operation: 'AbortBucketWorm', bucket },
      async () => {
        const res = await this.service.abortBucketWorm(bucket, { timeout: this.timeout });
        await this.throwUnlessOk(res);
        return true;
      },
      async (err) =>
        err instanceof NotFoundError && ossCodeOf(err) === 'NoSuchWORMConfiguration' ? true : undefined,
    );
  }

  /** completeBucketWorm/abortBucketWorm resolve whatever the status: turn a failure into ali-oss's error. */
  private async throwUnlessOk(res: OSS.BucketWormStatusResult): Promise<void> {
    if (res.status >= 200 && res.status < 300) return;
    throw await this.service.requestError({
      status: res.status,
      headers: res.res.headers,
      data: res.res.data ?? null,
    });
  }

  // ---------------------------------------------------------------- access logging

  async getLogging(bucket: string): Promise<BucketLogging | null> {
    checkBucket(bucket);
    const ctx: StorageErrorContext = { operation: 'GetBucketLogging', bucket };
    // ali-oss getBucketLogging() drops TargetBucket, so the request is made here.
    const res = await this.run(ctx, () =>
      this.service.request<OSS.BucketLoggingStatusXml | ''>({
        method: 'GET',
        bucket,
        subres: 'logging',
        xmlResponse: true,
        successStatuses: [200],
        timeout: this.timeout,
      }),
    );
    const enabled = typeof res.data === 'object' && res.data !== null ? res.data.LoggingEnabled : undefined;
    if (!enabled || typeof enabled !== 'object') return null;
    if (typeof enabled.TargetBucket !== 'string' || enabled.TargetBucket === '') {
      throw storageError(StorageProtocolError, ctx, 'logging is enabled without a TargetBucket');
    }
    return {
      targetBucket: enabled.TargetBucket,
      targetPrefix: typeof enabled.TargetPrefix === 'string' ? enabled.TargetPrefix : '',
    };
  }

  async putLogging(bucket: string, logging: BucketLogging): Promise<void> {
    checkBucket(bucket);
    checkBucket(logging.targetBucket);
    // ali-oss putBucketLogging() always names the source bucket as target; this names any bucket.
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<BucketLoggingStatus><LoggingEnabled>' +
      `<TargetBucket>${xmlEscape(logging.targetBucket)}</TargetBucket>` +
      `<TargetPrefix>${xmlEscape(logging.targetPrefix)}</TargetPrefix>` +
      '</LoggingEnabled></BucketLoggingStatus>';
    await this.run({ operation: 'PutBucketLogging', bucket }, () =>
      this.service.request({
        method: 'PUT',
        bucket,
        subres: 'logging',
        content: xml,
        mime: 'xml',
        successStatuses: [200],
        timeout: this.timeout,
      }),
    );
  }
}

function checkDeclaredSize(declared: number | undefined, actual: number): void {
  if (declared !== undefined && declared !== actual) {
    throw new ValidationError(
      `the stream delivered ${actual} bytes, not the declared ${declared}: nothing was stored`,
    );
  }
}

function checkDeclaredSha256(declared: string | undefined, actual: string): void {
  if (declared !== undefined && declared.toLowerCase() !== actual) {
    throw new ValidationError(
      `the stream's SHA-256 is ${actual}, not the declared ${declared}: nothing was stored`,
      {
        details: { received: actual, declared },
      },
    );
  }
}

function checkDays(days: number): void {
  if (!Number.isSafeInteger(days) || days < 1 || days > OSS_MAX_RETENTION_DAYS) {
    throw new ValidationError(`retention days must be an integer 1..${OSS_MAX_RETENTION_DAYS}`);
  }
}

function checkWormId(wormId: string): void {
  if (typeof wormId !== 'string' || wormId === '')
    throw new ValidationError('wormId must be a non-empty string');
}

/** OSS writes WORM dates without a zone (`2020-10-15T15:50:32`): they are UTC. */
function parseOssDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const withZone = /(Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`;
  const d = new Date(withZone);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function parseWorm(res: OSS.GetBucketWormResult, ctx: StorageErrorContext): RetentionPolicy {
  const state = res.state;
  const days = Number(res.days);
  const createdAt = parseOssDate(res.creationDate);
  if (state !== 'InProgress' && state !== 'Locked')
    throw storageError(StorageProtocolError, ctx, `unknown retention policy state ${JSON.stringify(state)}`);
  if (!res.wormId) throw storageError(StorageProtocolError, ctx, 'retention policy without WormId');
  if (!Number.isSafeInteger(days) || days < 1)
    throw storageError(StorageProtocolError, ctx, 'retention policy without usable RetentionPeriodInDays');
  if (!createdAt)
    throw storageError(StorageProtocolError, ctx, 'retention policy without usable CreationDate');
  const policy: RetentionPolicy = { wormId: res.wormId, state, days, createdAt };
  const expirationDate = parseOssDate(res.expirationDate);
  if (expirationDate) policy.expirationDate = expirationDate;
  return policy;
}

/** The adapter configured from `Config.oss` (with an endpoint: the emulator's or real OSS). */
export function createObjectStore(
  config: Config['oss'] & { endpoint: string },
  logger?: Logger,
  extra: Pick<AliOssStoreOptions, 'sleep' | 'random' | 'partConcurrency' | 'pathStyle'> = {},
): AliOssStore {
  if (!config.accessKeyId || !config.accessKeySecret)
    throw new ConfigError('oss.accessKeyId and oss.accessKeySecret are required with an OSS endpoint');
  return new AliOssStore({
    endpoint: config.endpoint,
    region: config.region,
    accessKeyId: config.accessKeyId,
    accessKeySecret: config.accessKeySecret,
    ...(config.securityToken ? { securityToken: config.securityToken } : {}),
    authVersion: config.authVersion,
    timeoutMs: config.timeoutMs,
    retry: { ...config.retry },
    multipartThresholdBytes: config.multipartThresholdBytes,
    partSizeBytes: config.partSizeBytes,
    maxSignedUrlSeconds: config.maxSignedUrlSeconds,
    ...(logger ? { logger } : {}),
    ...extra,
  });
}
