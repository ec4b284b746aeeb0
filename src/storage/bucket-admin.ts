import type OSS from 'ali-oss';
import { AlreadyExistsError, NotFoundError, StorageProtocolError, ValidationError } from '../errors';
import type { SentObject } from './adoption';
import type { OssConnection } from './connection';
import { ossCodeOf, storageError, type StorageErrorContext } from './errors';
import { checkBucket, checkKey, header, requestIdOf, unquoteEtag, xmlEscape } from './headers';
import { OSS_LIMITS } from './limits';
import type { AliOssObjectStore } from './object-store';
import type {
  BucketAdmin,
  BucketEncryption,
  BucketInfo,
  BucketLogging,
  BucketPolicyDocument,
  RetentionPolicy,
} from './types';

interface CopyResultXml {
  ETag?: string;
  LastModified?: string;
}

/**
 * Bucket administration over ali-oss: buckets, retention policies (WORM), access logging, and the
 * object operations outside the write path (server-side copy, delete). Calls whose answer was lost
 * accept the state they wanted: a bucket that exists, a policy already in the wanted state, a
 * bucket or policy already gone.
 */
export class AliOssBucketAdmin implements BucketAdmin {
  constructor(
    private readonly conn: OssConnection,
    private readonly objects: AliOssObjectStore,
  ) {}

  // ---------------------------------------------------------------- objects, outside the write path

  async copy(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
  ): Promise<{ etag: string }> {
    checkBucket(source.bucket);
    checkKey(source.key);
    checkKey(target.key);
    const client = this.conn.clientFor(target.bucket);
    const ctx: StorageErrorContext = { operation: 'CopyObject', bucket: target.bucket, key: target.key };
    // Sent with request() rather than client.copy(): copy() turns every given header into an
    // x-oss-copy-source-<name> header too, which would send x-oss-copy-source-x-oss-forbid-overwrite.
    return this.conn.run(
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
          timeout: this.conn.timeout,
        });
        return { etag: unquoteEtag(res.data?.ETag ?? header(res.headers, 'etag')) };
      },
      async (err) => {
        // A copy whose answer was lost: the target is the source's bytes (size and CRC-64).
        if (!(err instanceof AlreadyExistsError)) return undefined;
        const src = await this.objects.head(source.bucket, source.key);
        if (src.crc64 === undefined) return undefined;
        const found = await this.objects.adoption(target.bucket, target.key, src as SentObject, {});
        return typeof found === 'string' ? undefined : { etag: found.etag };
      },
    );
  }

  async delete(bucket: string, key: string): Promise<void> {
    checkKey(key);
    const client = this.conn.clientFor(bucket);
    await this.conn.run({ operation: 'DeleteObject', bucket, key }, () =>
      client.delete(key, { timeout: this.conn.timeout }),
    );
  }

  // ---------------------------------------------------------------- buckets

  /**
   * Creates a bucket. If an attempt's answer was lost and the retry finds the bucket existing,
   * it counts as created (OSS cannot say by which attempt).
   */
  async createBucket(bucket: string): Promise<void> {
    checkBucket(bucket);
    await this.conn.run(
      { operation: 'PutBucket', bucket },
      async () => {
        await this.conn.service.putBucket(bucket, { timeout: this.conn.timeout });
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
      const res = await this.conn.run(ctx, () =>
        this.conn.service.getBucketInfo(bucket, { timeout: this.conn.timeout }),
      );
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
      const page = await this.conn.run(ctx, () =>
        this.conn.service.listBuckets(query, { timeout: this.conn.timeout }),
      );
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
    await this.conn.run(
      { operation: 'DeleteBucket', bucket },
      async () => {
        await this.conn.service.deleteBucket(bucket, { timeout: this.conn.timeout });
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
      res = await this.conn.run(ctx, () =>
        this.conn.service.getBucketWorm(bucket, { timeout: this.conn.timeout }),
      );
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
    return this.conn.run(
      ctx,
      async () => {
        const res = await this.conn.service.initiateBucketWorm(bucket, String(days), {
          timeout: this.conn.timeout,
        });
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
    await this.conn.run(
      ctx,
      async () => {
        const res = await this.conn.service.completeBucketWorm(bucket, wormId, {
          timeout: this.conn.timeout,
        });
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
    await this.conn.run(
      { operation: 'ExtendBucketWorm', bucket },
      async () => {
        const res = await this.conn.service.extendBucketWorm(bucket, wormId, String(days), {
          timeout: this.conn.timeout,
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
    await this.conn.run(
      { operation: 'AbortBucketWorm', bucket },
      async () => {
        const res = await this.conn.service.abortBucketWorm(bucket, { timeout: this.conn.timeout });
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
    throw await this.conn.service.requestError({
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
    const res = await this.conn.run(ctx, () =>
      this.conn.service.request<OSS.BucketLoggingStatusXml | ''>({
        method: 'GET',
        bucket,
        subres: 'logging',
        xmlResponse: true,
        successStatuses: [200],
        timeout: this.conn.timeout,
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
    await this.conn.run({ operation: 'PutBucketLogging', bucket }, () =>
      this.conn.service.request({
        method: 'PUT',
        bucket,
        subres: 'logging',
        content: xml,
        mime: 'xml',
        successStatuses: [200],
        timeout: this.conn.timeout,
      }),
    );
  }

  // ---------------------------------------------------------------- encryption and bucket policy

  async getEncryption(bucket: string): Promise<BucketEncryption | null> {
    checkBucket(bucket);
    const ctx: StorageErrorContext = { operation: 'GetBucketEncryption', bucket };
    let data: EncryptionXml | '' | undefined;
    try {
      const res = await this.conn.run(ctx, () =>
        this.conn.service.request<EncryptionXml | ''>({
          method: 'GET',
          bucket,
          subres: 'encryption',
          xmlResponse: true,
          successStatuses: [200],
          timeout: this.conn.timeout,
        }),
      );
      data = res.data;
    } catch (err) {
      if (err instanceof NotFoundError && ossCodeOf(err) === 'NoSuchServerSideEncryptionRule') return null;
      throw err;
    }
    const rule = isPlainObject(data) ? data.ApplyServerSideEncryptionByDefault : undefined;
    const algorithm = isPlainObject(rule) ? rule.SSEAlgorithm : undefined;
    if (typeof algorithm !== 'string' || !SSE_ALGORITHMS.has(algorithm))
      throw storageError(StorageProtocolError, ctx, `unknown SSEAlgorithm ${JSON.stringify(algorithm)}`);
    const keyId = isPlainObject(rule) ? rule.KMSMasterKeyID : undefined;
    return {
      algorithm: algorithm as BucketEncryption['algorithm'],
      ...(typeof keyId === 'string' && keyId !== '' ? { keyId } : {}),
    };
  }

  async putEncryption(bucket: string, rule: BucketEncryption): Promise<void> {
    checkBucket(bucket);
    if (!SSE_ALGORITHMS.has(rule.algorithm))
      throw new ValidationError(`SSE algorithm must be AES256, KMS or SM4, not ${rule.algorithm}`);
    if (rule.keyId !== undefined && rule.algorithm !== 'KMS')
      throw new ValidationError('a KMS key id goes only with the KMS algorithm');
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault>' +
      `<SSEAlgorithm>${rule.algorithm}</SSEAlgorithm>` +
      (rule.keyId !== undefined ? `<KMSMasterKeyID>${xmlEscape(rule.keyId)}</KMSMasterKeyID>` : '') +
      '</ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>';
    await this.conn.run({ operation: 'PutBucketEncryption', bucket }, () =>
      this.conn.service.request({
        method: 'PUT',
        bucket,
        subres: 'encryption',
        content: xml,
        mime: 'xml',
        successStatuses: [200],
        timeout: this.conn.timeout,
      }),
    );
  }

  async getBucketPolicy(bucket: string): Promise<BucketPolicyDocument | null> {
    checkBucket(bucket);
    const ctx: StorageErrorContext = { operation: 'GetBucketPolicy', bucket };
    // ali-oss getBucketPolicy() answers policy null for any status but 200 (a 403 too): the
    // request is made here, so only NoSuchBucketPolicy means "none".
    let body: unknown;
    try {
      const res = await this.conn.run(ctx, () =>
        this.conn.service.request<Buffer>({
          method: 'GET',
          bucket,
          subres: 'policy',
          successStatuses: [200],
          timeout: this.conn.timeout,
        }),
      );
      body = res.data;
    } catch (err) {
      if (err instanceof NotFoundError && ossCodeOf(err) === 'NoSuchBucketPolicy') return null;
      throw err;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : String(body));
    } catch {
      throw storageError(StorageProtocolError, ctx, 'the bucket policy is not JSON');
    }
    if (!isPlainObject(doc))
      throw storageError(StorageProtocolError, ctx, 'the bucket policy is not an object');
    return doc;
  }

  async putBucketPolicy(bucket: string, doc: BucketPolicyDocument): Promise<void> {
    checkBucket(bucket);
    const content = JSON.stringify(doc);
    await this.conn.run({ operation: 'PutBucketPolicy', bucket }, () =>
      this.conn.service.request({
        method: 'PUT',
        bucket,
        subres: 'policy',
        content,
        successStatuses: [200],
        timeout: this.conn.timeout,
      }),
    );
  }
}

const SSE_ALGORITHMS: ReadonlySet<string> = new Set(['AES256', 'KMS', 'SM4']);

interface EncryptionXml {
  ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: unknown; KMSMasterKeyID?: unknown };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkDays(days: number): void {
  if (!Number.isSafeInteger(days) || days < 1 || days > OSS_LIMITS.maxRetentionDays) {
    throw new ValidationError(`retention days must be an integer 1..${OSS_LIMITS.maxRetentionDays}`);
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
