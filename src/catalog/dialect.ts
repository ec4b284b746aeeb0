import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';
import pg from 'pg';
import { UnavailableError } from '../errors';
import type { CatalogDatabase } from './schema';

/** How long a writer waits for another writer (another process) before giving up. */
export const BUSY_TIMEOUT_MS = 10_000;

/** Makes every transaction committed so far durable (resolves once it is on disk). */
export type Durability = () => Promise<void>;

export interface OpenedDatabase {
  db: Kysely<CatalogDatabase>;
  /** Must be awaited after a write commits and before it is acknowledged. */
  durable: Durability;
  /** Releases what `durable` holds open; after the database is destroyed. */
  closeDurability: () => Promise<void>;
}

/**
 * SQLite: one better-sqlite3 connection on a file, WAL, foreign keys on, a busy timeout for
 * other processes' locks.
 *
 * Durability: `synchronous = NORMAL` (a commit writes its WAL frames without an fsync), and
 * `durable()` fdatasyncs the WAL file on libuv's thread pool. Awaited before every acknowledgement,
 * that gives what synchronous=FULL gives (the commit's frames are on disk before anyone is told)
 * without blocking the event loop for the fsync; concurrent callers share one fsync
 * (docs/decisions/0002-group-commit.md). A checkpoint syncs the WAL before copying it back and the
 * database file after, so frames that have left the WAL are durable in the database file.
 */
export function openSqlite(sqlitePath: string): OpenedDatabase {
  const memory = sqlitePath === ':memory:';
  if (!memory) fs.mkdirSync(path.dirname(path.resolve(sqlitePath)), { recursive: true });
  const raw = new Database(sqlitePath, { timeout: BUSY_TIMEOUT_MS });
  try {
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (err) {
    raw.close();
    throw err;
  }
  const db = new Kysely<CatalogDatabase>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(raw) }, raw),
  });
  if (memory) return { db, durable: () => Promise.resolve(), closeDurability: () => Promise.resolve() };
  const syncer = walSyncer(path.resolve(sqlitePath));
  return { db, durable: syncer.durable, closeDurability: syncer.close };
}

/**
 * A read-only connection to an existing SQLite catalog, for point reads next to a writer in
 * another thread (remote.ts). In WAL mode readers never wait for the writer, and each statement
 * sees every transaction committed before it started, so a write acknowledged by the writer is
 * visible to the next read here.
 */
export function openSqliteReader(sqlitePath: string): {
  db: Kysely<CatalogDatabase>;
  close: () => Promise<void>;
} {
  const raw = new Database(sqlitePath, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  const db = new Kysely<CatalogDatabase>({
    dialect: new SqliteDialect({ database: withStatementCache(raw) }),
  });
  return { db, close: () => db.destroy() };
}

/**
 * One fsync at a time; a call made while one runs is served by the next one, which starts when
 * the running one ends and covers every caller that arrived meanwhile. The WAL file stays open:
 * SQLite deletes it only when the last connection closes, and ours is open until `close`.
 */
function walSyncer(dbPath: string): { durable: Durability; close: () => Promise<void> } {
  const wal = `${dbPath}-wal`;
  let handle: fs.promises.FileHandle | null = null;
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const once = async (): Promise<void> => {
    if (!handle) {
      try {
        handle = await fs.promises.open(wal, 'r');
      } catch (err) {
        // No WAL file yet: nothing was written through it.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      // The WAL file's directory entry, once: a file synced but not durably linked is lost too.
      const dir = await fs.promises.open(
        path.dirname(dbPath),
        fs.constants.O_RDONLY | fs.constants.O_DIRECTORY,
      );
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    }
    await handle.datasync();
  };
  const start = (): Promise<void> => {
    const p = once().finally(() => {
      if (running === p) running = null;
    });
    running = p;
    return p;
  };
  const durable = (): Promise<void> => {
    if (!running) return start();
    if (!queued) {
      queued = running
        .catch(() => undefined)
        .then(() => {
          queued = null;
          return start();
        });
    }
    return queued;
  };
  const close = async (): Promise<void> => {
    await Promise.allSettled([running, queued]);
    const h = handle;
    handle = null;
    await h?.close();
  };
  return { durable, close };
}

/** Prepared statements kept per SQL text (least recently used dropped first). */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every statement on every execution; preparing costs more than
 * running a small statement. This hands it the same prepared statement for the same SQL text.
 * Safe because the driver uses its one connection for one query at a time, and SQLite re-prepares
 * a statement itself when the schema changes under it.
 */
function withStatementCache(raw: Database.Database): SqliteDialectConfig['database'] {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => {
      cache.clear();
      raw.close();
    },
    prepare: (sqlText: string) => {
      let stmt = cache.get(sqlText);
      if (stmt) {
        cache.delete(sqlText);
      } else {
        stmt = raw.prepare(sqlText);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sqlText, stmt);
      return stmt;
    },
  };
}

/**
 * Kysely's SQLite driver starts transactions with a deferred `BEGIN`, which can fail midway when
 * a read lock must become a write lock while another process writes. Every catalog transaction
 * writes, so it starts with `BEGIN IMMEDIATE` (taking the write lock up front: writers are
 * serialised, the seq counters cannot race). Waiting for the lock is done here, asynchronously,
 * with the busy timeout set to 0 meanwhile: better-sqlite3's own busy wait blocks the thread, which
 * would also block a second connection in this same process from ever finishing and releasing it.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly raw: Database.Database,
  ) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    let waitMs = 1;
    this.raw.pragma('busy_timeout = 0');
    try {
      for (;;) {
        try {
          await connection.executeQuery(CompiledQuery.raw('begin immediate'));
          return;
        } catch (err) {
          if (!isSqliteBusy(err)) throw err;
          if (Date.now() >= deadline) {
            const message = `the catalog database stayed locked by another writer for ${BUSY_TIMEOUT_MS} ms`;
            throw new UnavailableError(message, { cause: err });
          }
        }
        await sleep(waitMs);
        waitMs = Math.min(waitMs * 2, 50);
      }
    } finally {
      this.raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly raw: Database.Database,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config, this.raw);
  }
}

function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

const INT8_OID = 20;
const DATE_OID = 1082;

/** int8 as a JS number (refusing anything beyond 2^53 rather than losing digits). */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} does not fit a JS number`);
  return n;
}

/** Type parsers for this pool only (the global `pg.types` stays untouched). */
const catalogTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      if (oid === INT8_OID) return parseInt8;
      if (oid === DATE_OID) return (text: string) => text;
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** PostgreSQL through a pg Pool (several connections: the seq counters lock rows, see group.ts). A commit is durable when it returns. */
export function openPostgres(databaseUrl: string): OpenedDatabase {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, types: catalogTypes });
  // An idle client losing its connection emits 'error' on the pool; without a listener that
  // would kill the process. The pool drops the client; the next query reports any real outage.
  pool.on('error', () => undefined);
  return {
    db: new Kysely<CatalogDatabase>({ dialect: new PostgresDialect({ pool }) }),
    durable: () => Promise.resolve(),
    closeDurability: () => Promise.resolve(),
  };
}
