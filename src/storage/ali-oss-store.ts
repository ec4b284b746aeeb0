import type { Readable } from 'node:stream';
import type { Config } from '../config';
import { ConfigError } from '../errors';
import type { Logger } from '../log';
import { AliOssBucketAdmin } from './bucket-admin';
import { OssConnection, type AliOssStoreOptions } from './connection';
import { AliOssObjectStore } from './object-store';
import type {
  BucketEncryption,
  BucketInfo,
  BucketPolicyDocument,
  BucketLogging,
  GetOptions,
  ListedObject,
  ListOptions,
  ObjectInfo,
  PutOptions,
  PutResult,
  PutStreamOptions,
  RetentionPolicy,
  SignedUrlOptions,
  StorageAdapter,
} from './types';

export type { AliOssStoreOptions } from './connection';

/**
 * The adapter over Alibaba Cloud OSS with ali-oss 6.23 (src/storage/README.md): both halves of the
 * storage interface over one connection. The data plane (ObjectStore) is AliOssObjectStore
 * (object-store.ts, with the multipart engine in multipart.ts); bucket administration
 * (BucketAdmin) is AliOssBucketAdmin (bucket-admin.ts). The composition root holds this and
 * hands each part only the half it uses.
 */
export class AliOssStore implements StorageAdapter {
  readonly objects: AliOssObjectStore;
  readonly admin: AliOssBucketAdmin;

  constructor(options: AliOssStoreOptions) {
    const conn = new OssConnection(options);
    this.objects = new AliOssObjectStore(conn);
    this.admin = new AliOssBucketAdmin(conn, this.objects);
  }

  // ObjectStore
  putBuffer(bucket: string, key: string, body: Buffer, options?: PutOptions): Promise<PutResult> {
    return this.objects.putBuffer(bucket, key, body, options);
  }
  putStream(bucket: string, key: string, body: Readable, options?: PutStreamOptions): Promise<PutResult> {
    return this.objects.putStream(bucket, key, body, options);
  }
  get(bucket: string, key: string, options?: GetOptions): Promise<{ info: ObjectInfo; body: Readable }> {
    return this.objects.get(bucket, key, options);
  }
  getBuffer(bucket: string, key: string): Promise<{ info: ObjectInfo; body: Buffer }> {
    return this.objects.getBuffer(bucket, key);
  }
  head(bucket: string, key: string): Promise<ObjectInfo> {
    return this.objects.head(bucket, key);
  }
  list(bucket: string, options?: ListOptions): AsyncIterable<ListedObject> {
    return this.objects.list(bucket, options);
  }
  signedUrl(bucket: string, key: string, options: SignedUrlOptions): Promise<string> {
    return this.objects.signedUrl(bucket, key, options);
  }

  // BucketAdmin
  createBucket(bucket: string): Promise<void> {
    return this.admin.createBucket(bucket);
  }
  bucketInfo(bucket: string): Promise<BucketInfo | null> {
    return this.admin.bucketInfo(bucket);
  }
  listBuckets(): Promise<BucketInfo[]> {
    return this.admin.listBuckets();
  }
  deleteBucket(bucket: string): Promise<void> {
    return this.admin.deleteBucket(bucket);
  }
  getRetention(bucket: string): Promise<RetentionPolicy | null> {
    return this.admin.getRetention(bucket);
  }
  initiateRetention(bucket: string, days: number): Promise<{ wormId: string }> {
    return this.admin.initiateRetention(bucket, days);
  }
  completeRetention(bucket: string, wormId: string): Promise<void> {
    return this.admin.completeRetention(bucket, wormId);
  }
  extendRetention(bucket: string, wormId: string, days: number): Promise<void> {
    return this.admin.extendRetention(bucket, wormId, days);
  }
  abortRetention(bucket: string): Promise<void> {
    return this.admin.abortRetention(bucket);
  }
  getLogging(bucket: string): Promise<BucketLogging | null> {
    return this.admin.getLogging(bucket);
  }
  putLogging(bucket: string, logging: BucketLogging): Promise<void> {
    return this.admin.putLogging(bucket, logging);
  }
  getEncryption(bucket: string): Promise<BucketEncryption | null> {
    return this.admin.getEncryption(bucket);
  }
  putEncryption(bucket: string, rule: BucketEncryption): Promise<void> {
    return this.admin.putEncryption(bucket, rule);
  }
  getBucketPolicy(bucket: string): Promise<BucketPolicyDocument | null> {
    return this.admin.getBucketPolicy(bucket);
  }
  putBucketPolicy(bucket: string, doc: BucketPolicyDocument): Promise<void> {
    return this.admin.putBucketPolicy(bucket, doc);
  }
  copy(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
  ): Promise<{ etag: string }> {
    return this.admin.copy(source, target);
  }
  delete(bucket: string, key: string): Promise<void> {
    return this.admin.delete(bucket, key);
  }
}

/** The adapter configured from `Config.oss` (with an endpoint: the emulator's or real OSS). */
export function createObjectStore(
  config: Config['oss'] & { endpoint: string },
  logger?: Logger,
  extra: Pick<AliOssStoreOptions, 'sleep' | 'random' | 'partConcurrency' | 'pathStyle' | 'tlsCa'> = {},
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
