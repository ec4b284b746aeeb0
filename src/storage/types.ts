import type { Readable } from 'node:stream';

/**
 * The archive's view of object storage. The only implementation that talks to OSS is
 * AliOssStore (src/storage/ali-oss-store.ts); nothing else imports ali-oss.
 * Every write is create-only: an existing key fails with AlreadyExistsError, never overwrites.
 * Errors are the typed errors of src/errors (NotFound, AlreadyExists, Immutable,
 * ChecksumMismatch, AccessDenied, Unavailable, RetentionPolicy, StorageProtocol).
 */

export interface PutOptions {
  /** x-oss-meta-* metadata (lower-case keys). */
  meta?: Record<string, string>;
  contentType?: string;
  /** Object tags (x-oss-tagging). */
  tags?: Record<string, string>;
  /** Server-side encryption. */
  sse?: { algorithm: 'AES256' | 'KMS'; keyId?: string };
}

export interface PutStreamOptions extends PutOptions {
  /**
   * Size if known; streams above the multipart threshold (or of unknown size) go multipart. A
   * stream of another length fails with ValidationError and nothing is stored.
   */
  size?: number;
  /**
   * The SHA-256 (hex) the sender declared. Checked before the object is created (before the single
   * PUT, or before CompleteMultipartUpload): a mismatch fails with ValidationError and nothing is stored.
   */
  expectedSha256?: string;
}

/** What a verified write stored. All checksums computed locally and confirmed by the store. */
export interface PutResult {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  /** CRC-64/XZ (ECMA) as an unsigned decimal string, as OSS reports it. */
  crc64: string;
  /** SHA-256 hex of the bytes sent. */
  sha256: string;
  /** MD5 base64 of the bytes sent (single PUT) — for multipart, of the whole object. */
  md5: string;
  multipart: boolean;
  /**
   * True when the create-only PUT found an object already under the key with the same CRC-64 and
   * size (its own earlier attempt whose answer was lost, or one made before a crash) and accepted it.
   */
  reconciled?: boolean;
}

export interface ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  crc64?: string;
  lastModified: Date;
  contentType?: string;
  meta: Record<string, string>;
  sse?: { algorithm: string; keyId?: string };
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ListOptions {
  prefix?: string;
  /** Page size for each request (1..1000); the iterator walks all pages. */
  pageSize?: number;
  startAfter?: string;
}

export interface GetOptions {
  /** Inclusive byte range. */
  range?: { start: number; end?: number };
}

export interface SignedUrlOptions {
  method?: 'GET' | 'HEAD' | 'PUT';
  /** Seconds from now; capped at the configured maximum (at most 7 days). */
  expiresSeconds: number;
  version?: 'v1' | 'v4';
  /** response-content-disposition and friends. */
  response?: { contentDisposition?: string; contentType?: string };
}

export type RetentionState = 'InProgress' | 'Locked';

export interface RetentionPolicy {
  wormId: string;
  state: RetentionState;
  days: number;
  createdAt: Date;
  /** Present on some OSS answers; when an InProgress policy lapses is createdAt + 24h. */
  expirationDate?: Date;
}

export interface BucketLogging {
  targetBucket: string;
  targetPrefix: string;
}

export interface BucketInfo {
  name: string;
  createdAt: Date;
  region?: string;
}

export interface ObjectStore {
  // objects
  putBuffer(bucket: string, key: string, body: Buffer, options?: PutOptions): Promise<PutResult>;
  putStream(bucket: string, key: string, body: Readable, options?: PutStreamOptions): Promise<PutResult>;
  get(bucket: string, key: string, options?: GetOptions): Promise<{ info: ObjectInfo; body: Readable }>;
  getBuffer(bucket: string, key: string): Promise<{ info: ObjectInfo; body: Buffer }>;
  head(bucket: string, key: string): Promise<ObjectInfo>;
  list(bucket: string, options?: ListOptions): AsyncIterable<ListedObject>;
  /** Server-side, create-only copy. */
  copy(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
  ): Promise<{ etag: string }>;
  /** Deletes an object; protected objects fail with ImmutableError. */
  delete(bucket: string, key: string): Promise<void>;
  signedUrl(bucket: string, key: string, options: SignedUrlOptions): Promise<string>;

  // buckets
  createBucket(bucket: string): Promise<void>;
  /** null when the bucket does not exist. */
  bucketInfo(bucket: string): Promise<BucketInfo | null>;
  listBuckets(): Promise<BucketInfo[]>;
  deleteBucket(bucket: string): Promise<void>;

  // retention policy (WORM)
  /** null when the bucket has no policy (or an InProgress one lapsed). */
  getRetention(bucket: string): Promise<RetentionPolicy | null>;
  initiateRetention(bucket: string, days: number): Promise<{ wormId: string }>;
  completeRetention(bucket: string, wormId: string): Promise<void>;
  extendRetention(bucket: string, wormId: string, days: number): Promise<void>;
  abortRetention(bucket: string): Promise<void>;

  // access logging
  getLogging(bucket: string): Promise<BucketLogging | null>;
  putLogging(bucket: string, logging: BucketLogging): Promise<void>;
}
