import Database from 'better-sqlite3';

/**
 * The metadata index: one SQLite file under the data directory.
 *
 * journal_mode=WAL with synchronous=FULL: every commit fsyncs the WAL before it returns, so an
 * answer the emulator sends after a commit (the acknowledgement) survives not only kill -9 (which
 * WAL with NORMAL would also survive) but a power loss or kernel crash as well. This is an archive
 * for regulatory records: "acknowledged means durable" is the contract, and the cost is bounded
 * because commits are grouped (see WriteQueue: one fsync per batch of concurrent writes).
 *
 * locking_mode=EXCLUSIVE: one emulator process owns a data directory; a second one fails at
 * start instead of interleaving writes with the first.
 *
 * Small bodies live in the `blobs` table (data column) and so share that one fsync; large bodies
 * are files (blob-store.ts) referenced by `blobs.file`.
 */
export type Db = Database.Database;

const SCHEMA_VERSION = 3;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS buckets (
  name TEXT PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  acl TEXT NOT NULL,
  storage_class TEXT NOT NULL,
  log_target TEXT,
  log_prefix TEXT,
  worm_id TEXT,
  worm_state TEXT,
  worm_days INTEGER,
  worm_created_ms INTEGER,
  sse_algorithm TEXT,
  sse_key_id TEXT,
  policy TEXT
);
CREATE TABLE IF NOT EXISTS blobs (
  id INTEGER PRIMARY KEY,
  size INTEGER NOT NULL,
  data BLOB,
  file TEXT
);
CREATE TABLE IF NOT EXISTS objects (
  id INTEGER PRIMARY KEY,
  bucket TEXT NOT NULL,
  key BLOB NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  crc64 TEXT NOT NULL,
  md5 TEXT,
  type TEXT NOT NULL,
  modified_ms INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  headers TEXT,
  meta TEXT,
  tags TEXT,
  sse TEXT,
  sse_key TEXT,
  blob_id INTEGER,
  manifest TEXT,
  storage_class TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS objects_bucket_key ON objects (bucket, key);
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  key BLOB NOT NULL,
  initiated_ms INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  headers TEXT,
  meta TEXT,
  tags TEXT,
  sse TEXT,
  sse_key TEXT,
  storage_class TEXT
);
CREATE INDEX IF NOT EXISTS uploads_bucket_key ON uploads (bucket, key, upload_id);
CREATE TABLE IF NOT EXISTS parts (
  upload_id TEXT NOT NULL,
  part_number INTEGER NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  md5_hex TEXT NOT NULL,
  crc64 TEXT NOT NULL,
  modified_ms INTEGER NOT NULL,
  blob_id INTEGER NOT NULL,
  PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS access_log_pending (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  target TEXT NOT NULL,
  prefix TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  line TEXT NOT NULL
);
`;

/**
 * Upgrades of an index written by an older emulator, by version reached. Version 2: the storage
 * class of objects and uploads (NULL, as in rows written before, reads as Standard) and the
 * access-log lines not yet delivered (created by SCHEMA). Version 3: a bucket's default
 * server-side encryption and its bucket policy (NULL: none).
 */
const MIGRATIONS: ReadonlyArray<readonly [number, string]> = [
  [
    2,
    'ALTER TABLE objects ADD COLUMN storage_class TEXT; ALTER TABLE uploads ADD COLUMN storage_class TEXT;',
  ],
  [
    3,
    'ALTER TABLE buckets ADD COLUMN sse_algorithm TEXT; ALTER TABLE buckets ADD COLUMN sse_key_id TEXT; ALTER TABLE buckets ADD COLUMN policy TEXT;',
  ],
];

export function openDatabase(file: string): Db {
  // One process owns a data directory (EXCLUSIVE locking below): waiting long for a lock only delays
  // the "in use" error.
  const db = new Database(file, { timeout: 1000 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = OFF');
    // SQLite's default page cache (2 MiB): the emulator usually shares its process with the
    // archive (serve's embedded one), and a larger cache filled up while an export read 100,000
    // objects (16 MiB of serve's RSS, docs/decisions/0024-export-memory.md). Pages it drops are
    // read again from the OS's page cache.
    db.pragma('cache_size = -2048');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `metadata index ${file} has schema version ${version}; this emulator knows ${SCHEMA_VERSION}`,
      );
    }
    db.transaction(() => {
      if (version > 0) {
        for (const [reached, sql] of MIGRATIONS) if (version < reached) db.exec(sql);
      }
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
