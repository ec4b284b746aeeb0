import type { Readable } from 'node:stream';

/**
 * The archive's view of object storage, in two halves:
 * - ObjectStore, the data plane: put, get, head, list and signed URLs. The write path, the
 *   record read service, exports and fixity depend on this alone.
 * - BucketAdmin: buckets, retention policies (WORM), access logging, and the object operations
 *   the write path never makes (server-side copy, delete). Provisioning, the posture checks and
 *   the compliance gate use it.
 * The only implementation that talks to OSS is AliOssStore (src/storage/ali-oss-store.ts), which
 * is both (StorageAdapter); nothing else imports ali-oss.
 * Every write is create-only: an existing key fails with AlreadyExistsError, never overwrites.
 * Errors are the typed errors of src/errors (NotFound, AlreadyExists, Immutable,
 * ChecksumMismatch, AccessDenied, Unavailable, RetentionPolicy, StorageProtocol).
 */

/**
 * When a create-only write finds its key taken, whether the object there is the one being written
 * (an earlier attempt that stored it but whose caller never learnt, or never committed), decided
 * by one HEAD in the adapter (src/storage/adoption.ts). Without this option an object found under
 * the key is adopted only after a lost answer of this very call, on its size and CRC-64.
 */
export interface AdoptOptions {
  /**
   * Metadata keys (without x-oss-meta-) whose values on the object found must equal the ones
   * being written: for a record `sha256`, `record-id`, `record-type`. The size and the CRC-64 OSS
   * computed over the stored bytes must equal the local ones in any case.
   */
  sameMeta: readonly string[];
  /**
   * For objects whose metadata has no SHA-256 (a document's file): read the object found back and
   * compare its SHA-256 with the bytes being written.
   */
  readBack?: boolean;
  /**
   * Whether the object found was written by the archive itself (its seal, src/records/seal.ts):
   * returns why not, or undefined. Storage knows nothing of the seal; the caller hands its check.
   */
  own?: (found: ObjectInfo) => string | undefined;
}

export interface PutOptions {
  /** x-oss-meta-* metadata (lower-case keys). */
  meta?: Record<string, string>;
  contentType?: string;
  /** Object tags (x-oss-tagging). */
  tags?: Record<string, string>;
  /** Server-side encryption. */
  sse?: { algorithm: 'AES256' | 'KMS'; keyId?: string };
  /** Adopt an object already under the key when it is the one being written (see AdoptOptions). */
  adopt?: AdoptOptions;
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
  /**
   * Part size of this upload if it goes multipart (default oss.partSizeBytes): smaller holds less
   * memory (about partConcurrency + 1 parts at once), larger allows longer streams (10,000 parts).
   */
  partSizeBytes?: number;
  /**
   * Called with each part once it has been uploaded (a multipart upload only): nothing reads the
   * part any more, so its producer may fill it again. A part that failed is never given back.
   */
  onPartUploaded?: (part: Buffer) => void;
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
   * Set when the create-only write found its key taken by the very object being written (an
   * earlier attempt whose answer was lost, or one made before a crash) and adopted it: that
   * object's Last-Modified, from which OSS protects it.
   */
  adoptedFrom?: Date;
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

/** The data plane: what the write path, the record reads, exports and fixity use. */
export interface ObjectStore {
  /** A create-only PUT of a buffer, verified by the CRC-64 OSS returns. */
  putBuffer(bucket: string, key: string, body: Buffer, options?: PutOptions): Promise<PutResult>;
  /** A create-only, verified upload of a stream (one PUT, or multipart above the threshold). */
  putStream(bucket: string, key: string, body: Readable, options?: PutStreamOptions): Promise<PutResult>;
  /** The object's bytes as a stream; a whole-object stream fails at its end if its CRC-64 is off. */
  get(bucket: string, key: string, options?: GetOptions): Promise<{ info: ObjectInfo; body: Readable }>;
  /**
   * The object's bytes whole. When `info.crc64` is set (OSS announced it) the bytes have been
   * checked against it: a mismatch is a ChecksumMismatchError, never a body.
   */
  getBuffer(bucket: string, key: string): Promise<{ info: ObjectInfo; body: Buffer }>;
  head(bucket: string, key: string): Promise<ObjectInfo>;
  list(bucket: string, options?: ListOptions): AsyncIterable<ListedObject>;
  signedUrl(bucket: string, key: string, options: SignedUrlOptions): Promise<string>;
}

/** Bucket administration: buckets, retention policies, logging, and copy/delete of objects. */
/** A bucket's default server-side encryption (PutBucketEncryption). */
export interface BucketEncryption {
  algorithm: 'AES256' | 'KMS' | 'SM4';
  /** KMS only: the key (KMSMasterKeyID); absent: the OSS-managed KMS key. */
  keyId?: string;
}

/** A bucket policy document (RAM policy language, kind bucket), as parsed JSON. */
export type BucketPolicyDocument = Record<string, unknown>;

export interface BucketAdmin {
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

  // default server-side encryption and the bucket policy (absent: null)
  getEncryption(bucket: string): Promise<BucketEncryption | null>;
  putEncryption(bucket: string, rule: BucketEncryption): Promise<void>;
  getBucketPolicy(bucket: string): Promise<BucketPolicyDocument | null>;
  putBucketPolicy(bucket: string, doc: BucketPolicyDocument): Promise<void>;

  // objects, outside the write path
  /** Server-side, create-only copy. */
  copy(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
  ): Promise<{ etag: string }>;
  /** Deletes an object; protected objects fail with ImmutableError. */
  delete(bucket: string, key: string): Promise<void>;
}

/** The whole adapter (AliOssStore): what the composition root holds and splits. */
export type StorageAdapter = ObjectStore & BucketAdmin;
