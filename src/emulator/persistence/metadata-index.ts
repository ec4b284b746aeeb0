import type { Statement } from 'better-sqlite3';
import type { Db } from './db';
import type { WriteTx } from './write-queue';

export interface BucketRow {
  name: string;
  created_ms: number;
  acl: string;
  storage_class: string;
  log_target: string | null;
  log_prefix: string | null;
  worm_id: string | null;
  worm_state: string | null;
  worm_days: number | null;
  worm_created_ms: number | null;
  /** Default server-side encryption (PutBucketEncryption): AES256, KMS or SM4; null: none. */
  sse_algorithm: string | null;
  sse_key_id: string | null;
  /** The bucket policy's JSON text as stored (PutBucketPolicy); null: none. */
  policy: string | null;
}

/** What an object's row holds (body excluded). Keys are stored as UTF-8 bytes: byte order, NUL-safe. */
export interface ObjectRow {
  id: number;
  bucket: string;
  key: Buffer;
  size: number;
  etag: string;
  crc64: string;
  /** Base64 MD5 of the body (simple uploads only). */
  md5: string | null;
  /** 'Normal' | 'Multipart' */
  type: string;
  modified_ms: number;
  content_type: string;
  /** JSON object: cache-control, content-disposition, content-encoding, content-language, expires. */
  headers: string | null;
  /** JSON object: x-oss-meta-* header name -> value. */
  meta: string | null;
  /** JSON array of [key, value]. */
  tags: string | null;
  sse: string | null;
  sse_key: string | null;
  /** 'Standard' | 'IA'; null in rows written before storage classes were kept (Standard). */
  storage_class: string | null;
  /** Simple body: one blob. */
  blob_id: number | null;
  /** Multipart body: JSON array of blob ids in order. */
  manifest: string | null;
}

export interface ObjectWithBody extends ObjectRow {
  data: Buffer | null;
  file: string | null;
}

export type NewObject = Omit<ObjectRow, 'id'>;

export interface ListedRow {
  key: Buffer;
  size: number;
  etag: string;
  modified_ms: number;
  type: string;
  storage_class: string | null;
}

export interface BlobRow {
  id: number;
  size: number;
  data: Buffer | null;
  file: string | null;
}

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: Buffer;
  initiated_ms: number;
  content_type: string;
  headers: string | null;
  meta: string | null;
  tags: string | null;
  sse: string | null;
  sse_key: string | null;
  /** Asked for at initiation; null: the bucket's class at completion. */
  storage_class: string | null;
}

/** An access-log line not yet delivered into its target bucket. */
export interface PendingLogRow {
  id: number;
  source: string;
  target: string;
  prefix: string;
  time_ms: number;
  line: string;
}

export interface PartRow {
  upload_id: string;
  part_number: number;
  size: number;
  etag: string;
  md5_hex: string;
  crc64: string;
  modified_ms: number;
  blob_id: number;
}

const OBJECT_COLUMNS =
  'o.id, o.bucket, o.key, o.size, o.etag, o.crc64, o.md5, o.type, o.modified_ms, o.content_type, o.headers, o.meta, o.tags, o.sse, o.sse_key, o.storage_class, o.blob_id, o.manifest';

/**
 * Every query the emulator runs, prepared once. Reads run directly; writes are called only
 * from inside WriteQueue.run (one transaction per batch).
 */
export class MetadataIndex {
  /**
   * Bucket rows, read on every request. Filled only outside write batches (so it never holds
   * uncommitted state) and cleared after any batch that wrote a bucket row.
   */
  private readonly bucketCache = new Map<string, BucketRow | undefined>();
  private inBatch = false;
  private bucketsChanged = false;
  private readonly s: {
    getBucket: Statement<[string], BucketRow>;
    allBuckets: Statement<[], BucketRow>;
    insertBucket: Statement<[string, number, string, string]>;
    deleteBucket: Statement<[string]>;
    setLogging: Statement<[string | null, string | null, string]>;
    setWorm: Statement<[string | null, string | null, number | null, number | null, string]>;
    setEncryption: Statement<[string | null, string | null, string]>;
    setPolicy: Statement<[string | null, string]>;
    anyObject: Statement<[string], { one: number }>;
    anyUpload: Statement<[string], { one: number }>;
    getObject: Statement<[string, Buffer], ObjectRow>;
    getObjectWithBody: Statement<[string, Buffer], ObjectWithBody>;
    insertObject: Statement<unknown[]>;
    deleteObject: Statement<[number]>;
    setTags: Statement<[string | null, number]>;
    listGt: Statement<[string, Buffer, Buffer, number], ListedRow>;
    listGe: Statement<[string, Buffer, Buffer, number], ListedRow>;
    insertBlob: Statement<[number, Buffer | null, string | null]>;
    getBlob: Statement<[number], BlobRow>;
    deleteBlob: Statement<[number]>;
    blobFiles: Statement<[], { file: string }>;
    insertUpload: Statement<unknown[]>;
    getUpload: Statement<[string], UploadRow>;
    deleteUpload: Statement<[string]>;
    listUploads: Statement<[string, Buffer, Buffer, Buffer, Buffer, string, number], UploadRow>;
    getPart: Statement<[string, number], PartRow>;
    putPart: Statement<unknown[]>;
    listParts: Statement<[string, number, number], PartRow>;
    allParts: Statement<[string], PartRow>;
    deleteParts: Statement<[string]>;
    insertPendingLog: Statement<[string, string, string, number, string]>;
    pendingLogs: Statement<[number, number], PendingLogRow>;
    deletePendingLog: Statement<[number]>;
    countPendingLogs: Statement<[], { n: number }>;
  };

  constructor(private readonly db: Db) {
    this.s = {
      getBucket: db.prepare('SELECT * FROM buckets WHERE name = ?'),
      allBuckets: db.prepare('SELECT * FROM buckets ORDER BY name'),
      insertBucket: db.prepare(
        'INSERT INTO buckets (name, created_ms, acl, storage_class) VALUES (?, ?, ?, ?)',
      ),
      deleteBucket: db.prepare('DELETE FROM buckets WHERE name = ?'),
      setLogging: db.prepare('UPDATE buckets SET log_target = ?, log_prefix = ? WHERE name = ?'),
      setWorm: db.prepare(
        'UPDATE buckets SET worm_id = ?, worm_state = ?, worm_days = ?, worm_created_ms = ? WHERE name = ?',
      ),
      setEncryption: db.prepare('UPDATE buckets SET sse_algorithm = ?, sse_key_id = ? WHERE name = ?'),
      setPolicy: db.prepare('UPDATE buckets SET policy = ? WHERE name = ?'),
      anyObject: db.prepare('SELECT 1 AS one FROM objects WHERE bucket = ? LIMIT 1'),
      anyUpload: db.prepare('SELECT 1 AS one FROM uploads WHERE bucket = ? LIMIT 1'),
      getObject: db.prepare(`SELECT ${OBJECT_COLUMNS} FROM objects o WHERE o.bucket = ? AND o.key = ?`),
      getObjectWithBody: db.prepare(
        `SELECT ${OBJECT_COLUMNS}, b.data AS data, b.file AS file FROM objects o LEFT JOIN blobs b ON b.id = o.blob_id WHERE o.bucket = ? AND o.key = ?`,
      ),
      insertObject: db.prepare(
        'INSERT INTO objects (bucket, key, size, etag, crc64, md5, type, modified_ms, content_type, headers, meta, tags, sse, sse_key, storage_class, blob_id, manifest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      deleteObject: db.prepare('DELETE FROM objects WHERE id = ?'),
      setTags: db.prepare('UPDATE objects SET tags = ? WHERE id = ?'),
      listGt: db.prepare(
        'SELECT key, size, etag, modified_ms, type, storage_class FROM objects WHERE bucket = ? AND key > ? AND key < ? ORDER BY key LIMIT ?',
      ),
      listGe: db.prepare(
        'SELECT key, size, etag, modified_ms, type, storage_class FROM objects WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?',
      ),
      insertBlob: db.prepare('INSERT INTO blobs (size, data, file) VALUES (?, ?, ?)'),
      getBlob: db.prepare('SELECT id, size, data, file FROM blobs WHERE id = ?'),
      deleteBlob: db.prepare('DELETE FROM blobs WHERE id = ?'),
      blobFiles: db.prepare('SELECT file FROM blobs WHERE file IS NOT NULL'),
      insertUpload: db.prepare(
        'INSERT INTO uploads (upload_id, bucket, key, initiated_ms, content_type, headers, meta, tags, sse, sse_key, storage_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      getUpload: db.prepare('SELECT * FROM uploads WHERE upload_id = ?'),
      deleteUpload: db.prepare('DELETE FROM uploads WHERE upload_id = ?'),
      listUploads: db.prepare(
        'SELECT * FROM uploads WHERE bucket = ? AND key >= ? AND key < ? AND (key > ? OR (key = ? AND upload_id > ?)) ORDER BY key, upload_id LIMIT ?',
      ),
      getPart: db.prepare('SELECT * FROM parts WHERE upload_id = ? AND part_number = ?'),
      putPart: db.prepare(
        'INSERT OR REPLACE INTO parts (upload_id, part_number, size, etag, md5_hex, crc64, modified_ms, blob_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      listParts: db.prepare(
        'SELECT * FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?',
      ),
      allParts: db.prepare('SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number'),
      deleteParts: db.prepare('DELETE FROM parts WHERE upload_id = ?'),
      insertPendingLog: db.prepare(
        'INSERT INTO access_log_pending (source, target, prefix, time_ms, line) VALUES (?, ?, ?, ?, ?)',
      ),
      pendingLogs: db.prepare('SELECT * FROM access_log_pending WHERE id > ? ORDER BY id LIMIT ?'),
      deletePendingLog: db.prepare('DELETE FROM access_log_pending WHERE id = ?'),
      countPendingLogs: db.prepare('SELECT count(*) AS n FROM access_log_pending'),
    };
  }

  // ---- buckets

  getBucket(name: string): BucketRow | undefined {
    if (this.bucketCache.has(name)) return this.bucketCache.get(name);
    const row = this.s.getBucket.get(name);
    if (!this.inBatch) {
      if (this.bucketCache.size >= 10_000) this.bucketCache.clear();
      this.bucketCache.set(name, row);
    }
    return row;
  }

  /** WriteQueue calls these around every batch transaction. */
  beginBatch(): void {
    this.inBatch = true;
  }

  endBatch(): void {
    this.inBatch = false;
    if (this.bucketsChanged) {
      this.bucketCache.clear();
      this.bucketsChanged = false;
    }
  }

  private bucketWritten(): void {
    this.bucketsChanged = true;
    this.bucketCache.clear();
  }

  allBuckets(): BucketRow[] {
    return this.s.allBuckets.all();
  }

  insertBucket(name: string, createdMs: number, acl: string, storageClass: string): void {
    this.s.insertBucket.run(name, createdMs, acl, storageClass);
    this.bucketWritten();
  }

  deleteBucket(name: string): void {
    this.s.deleteBucket.run(name);
    this.bucketWritten();
  }

  setLogging(name: string, target: string | null, prefix: string | null): void {
    this.s.setLogging.run(target, prefix, name);
    this.bucketWritten();
  }

  setWorm(
    name: string,
    id: string | null,
    state: string | null,
    days: number | null,
    createdMs: number | null,
  ): void {
    this.s.setWorm.run(id, state, days, createdMs, name);
    this.bucketWritten();
  }

  setEncryption(name: string, algorithm: string | null, keyId: string | null): void {
    this.s.setEncryption.run(algorithm, keyId, name);
    this.bucketWritten();
  }

  setPolicy(name: string, policy: string | null): void {
    this.s.setPolicy.run(policy, name);
    this.bucketWritten();
  }

  bucketHasObjects(name: string): boolean {
    return this.s.anyObject.get(name) !== undefined;
  }

  bucketHasUploads(name: string): boolean {
    return this.s.anyUpload.get(name) !== undefined;
  }

  // ---- objects

  getObject(bucket: string, key: Buffer): ObjectRow | undefined {
    return this.s.getObject.get(bucket, key);
  }

  getObjectWithBody(bucket: string, key: Buffer): ObjectWithBody | undefined {
    return this.s.getObjectWithBody.get(bucket, key);
  }

  /** Inserts the object, replacing (and releasing the body of) any object under the same key. */
  putObject(tx: WriteTx, row: NewObject, onRelease: (file: string) => void): void {
    const old = this.s.getObject.get(row.bucket, row.key);
    if (old) this.deleteObject(tx, old, onRelease);
    this.s.insertObject.run(
      row.bucket,
      row.key,
      row.size,
      row.etag,
      row.crc64,
      row.md5,
      row.type,
      row.modified_ms,
      row.content_type,
      row.headers,
      row.meta,
      row.tags,
      row.sse,
      row.sse_key,
      row.storage_class,
      row.blob_id,
      row.manifest,
    );
  }

  deleteObject(tx: WriteTx, row: ObjectRow, onRelease: (file: string) => void): void {
    this.s.deleteObject.run(row.id);
    for (const blobId of bodyBlobIds(row)) this.releaseBlob(tx, blobId, onRelease);
  }

  setTags(id: number, tags: string | null): void {
    this.s.setTags.run(tags, id);
  }

  /** Keys after `from` (exclusive, or inclusive when `inclusive`), below `upper`, in byte order. */
  listKeys(bucket: string, from: Buffer, inclusive: boolean, upper: Buffer, limit: number): ListedRow[] {
    return (inclusive ? this.s.listGe : this.s.listGt).all(bucket, from, upper, limit);
  }

  // ---- blobs

  insertBlob(size: number, data: Buffer | null, file: string | null): number {
    return Number(this.s.insertBlob.run(size, data, file).lastInsertRowid);
  }

  getBlob(id: number): BlobRow | undefined {
    return this.s.getBlob.get(id);
  }

  releaseBlob(tx: WriteTx, id: number, onRelease: (file: string) => void): void {
    const blob = this.s.getBlob.get(id);
    if (!blob) return;
    this.s.deleteBlob.run(id);
    const file = blob.file;
    if (file !== null) tx.afterCommit(() => onRelease(file));
  }

  referencedFiles(): Set<string> {
    const out = new Set<string>();
    for (const row of this.s.blobFiles.iterate()) out.add(row.file);
    return out;
  }

  // ---- multipart

  insertUpload(row: UploadRow): void {
    this.s.insertUpload.run(
      row.upload_id,
      row.bucket,
      row.key,
      row.initiated_ms,
      row.content_type,
      row.headers,
      row.meta,
      row.tags,
      row.sse,
      row.sse_key,
      row.storage_class,
    );
  }

  getUpload(uploadId: string): UploadRow | undefined {
    return this.s.getUpload.get(uploadId);
  }

  /** Removes the upload and its parts; `keep` lists blob ids now owned by an object. */
  deleteUpload(
    tx: WriteTx,
    uploadId: string,
    keep: ReadonlySet<number>,
    onRelease: (file: string) => void,
  ): void {
    for (const part of this.s.allParts.all(uploadId)) {
      if (!keep.has(part.blob_id)) this.releaseBlob(tx, part.blob_id, onRelease);
    }
    this.s.deleteParts.run(uploadId);
    this.s.deleteUpload.run(uploadId);
  }

  listUploads(
    bucket: string,
    lower: Buffer,
    upper: Buffer,
    keyMarker: Buffer,
    uploadIdMarker: string,
    limit: number,
  ): UploadRow[] {
    return this.s.listUploads.all(bucket, lower, upper, keyMarker, keyMarker, uploadIdMarker, limit);
  }

  getPart(uploadId: string, partNumber: number): PartRow | undefined {
    return this.s.getPart.get(uploadId, partNumber);
  }

  putPart(tx: WriteTx, row: PartRow, onRelease: (file: string) => void): void {
    const old = this.s.getPart.get(row.upload_id, row.part_number);
    if (old) this.releaseBlob(tx, old.blob_id, onRelease);
    this.s.putPart.run(
      row.upload_id,
      row.part_number,
      row.size,
      row.etag,
      row.md5_hex,
      row.crc64,
      row.modified_ms,
      row.blob_id,
    );
  }

  listParts(uploadId: string, afterPartNumber: number, limit: number): PartRow[] {
    return this.s.listParts.all(uploadId, afterPartNumber, limit);
  }

  allParts(uploadId: string): PartRow[] {
    return this.s.allParts.all(uploadId);
  }

  // ---- access-log lines not yet delivered (written only inside WriteQueue.run)

  insertPendingLog(source: string, target: string, prefix: string, timeMs: number, line: string): void {
    this.s.insertPendingLog.run(source, target, prefix, timeMs, line);
  }

  /** Up to `limit` pending lines after id `afterId`, oldest first. */
  pendingLogs(afterId: number, limit: number): PendingLogRow[] {
    return this.s.pendingLogs.all(afterId, limit);
  }

  deletePendingLogs(ids: readonly number[]): void {
    for (const id of ids) this.s.deletePendingLog.run(id);
  }

  countPendingLogs(): number {
    return this.s.countPendingLogs.get()?.n ?? 0;
  }
}

/** The blob ids holding an object's body, in order. */
export function bodyBlobIds(row: Pick<ObjectRow, 'blob_id' | 'manifest'>): number[] {
  if (row.blob_id !== null) return [row.blob_id];
  if (row.manifest !== null) return JSON.parse(row.manifest) as number[];
  return [];
}
