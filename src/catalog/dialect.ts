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

/**
 * SQLite: one better-sqlite3 connection on a file, WAL, foreign keys on, synchronous FULL
 * (acknowledged means durable), a busy timeout for other processes' locks.
 */
export function openSqlite(sqlitePath: string): Kysely<CatalogDatabase> {
  if (sqlitePath !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(sqlitePath)), { recursive: true });
  const raw = new Database(sqlitePath, { timeout: BUSY_TIMEOUT_MS });
  try {
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.pragma('foreign_keys = ON');
    raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (err) {
    raw.close();
    throw err;
  }
  return new Kysely<CatalogDatabase>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(raw) }, raw),
  });
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

/** PostgreSQL through a pg Pool (several connections: the seq counters lock rows, see writes.ts). */
export function openPostgres(databaseUrl: string): Kysely<CatalogDatabase> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, types: catalogTypes });
  // An idle client losing its connection emits 'error' on the pool; without a listener that
  // would kill the process. The pool drops the client; the next query reports any real outage.
  pool.on('error', () => undefined);
  return new Kysely<CatalogDatabase>({ dialect: new PostgresDialect({ pool }) });
}
