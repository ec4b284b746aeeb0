import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openCatalogInWorker } from '../../src/catalog/remote';
import { openCatalog, type Catalog, type CatalogDialect } from '../../src/catalog';
import type { Clock } from '../../src/util/clock';

/**
 * One fresh database per harness: a temp SQLite file, or a uniquely named PostgreSQL schema
 * (search_path set through the URL's `options`), dropped at the end. The catalog suites are
 * written once against this interface and run for both databases.
 */
export interface CatalogHarness {
  readonly dialect: CatalogDialect;
  /** Opens a catalog (its own connection or pool) on this harness's database; closed by destroy. */
  open(clock?: Clock): Promise<Catalog>;
  /** Runs SQL on a separate raw connection, going round the catalog (as an intruder would). */
  exec(sqlText: string): Promise<void>;
  query<T>(sqlText: string): Promise<T[]>;
  /** Drops one of the append-only triggers so tests can tamper like an attacker with DDL rights. */
  dropTrigger(table: 'audit_events' | 'ledger_leaves', op: 'update' | 'delete'): Promise<void>;
  destroy(): Promise<void>;
}

export type HarnessFactory = () => Promise<CatalogHarness>;

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? '';

/**
 * better-sqlite3's native addon keeps the SqliteError constructor of the first test file that
 * loaded it in a jest worker; later files in that worker receive errors whose prototype chain
 * leads to another realm's Error, which `rejects.toThrow` does not recognise as an error. Raw SQL
 * run by the harness rethrows them as this realm's Error (message and code kept).
 */
function sameRealmError(err: unknown): Error {
  if (err instanceof Error) return err;
  const e = err as { message?: unknown; code?: unknown };
  return Object.assign(new Error(String(e.message ?? err), { cause: err }), { code: e.code });
}

/** `worker`: the catalog runs in a worker thread (src/catalog/remote.ts), as `serve` runs it. */
export function sqliteHarnessFactory(options: { worker?: boolean } = {}): HarnessFactory {
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-catalog-'));
    const file = path.join(dir, 'catalog.sqlite');
    const opened: Catalog[] = [];
    const harness: CatalogHarness = {
      dialect: 'sqlite',
      async open(clock) {
        const catalog = options.worker
          ? await openCatalogInWorker({ sqlitePath: file, ...(clock ? { clock } : {}) })
          : await openCatalog({ sqlitePath: file, ...(clock ? { clock } : {}) });
        opened.push(catalog);
        return catalog;
      },
      exec(sqlText) {
        return Promise.resolve().then(() => {
          const raw = new Database(file, { timeout: 10_000 });
          try {
            raw.exec(sqlText);
          } catch (err) {
            throw sameRealmError(err);
          } finally {
            raw.close();
          }
        });
      },
      query<T>(sqlText: string) {
        return Promise.resolve().then(() => {
          const raw = new Database(file, { readonly: true });
          try {
            return raw.prepare(sqlText).all() as T[];
          } finally {
            raw.close();
          }
        });
      },
      dropTrigger(table, op) {
        return harness.exec(`drop trigger ${table}_no_${op}`);
      },
      async destroy() {
        for (const c of opened) await c.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
    return Promise.resolve(harness);
  };
}

export function postgresHarnessFactory(baseUrl: string): HarnessFactory {
  return async () => {
    const schema = `catalog_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    try {
      await admin.query(`create schema ${schema}`);
    } finally {
      await admin.end();
    }
    const url = new URL(baseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const raw = new pg.Pool({ connectionString: url.toString(), max: 2 });
    const opened: Catalog[] = [];
    return {
      dialect: 'postgres',
      async open(clock) {
        const catalog = await openCatalog({ databaseUrl: url.toString(), ...(clock ? { clock } : {}) });
        opened.push(catalog);
        return catalog;
      },
      async exec(sqlText) {
        await raw.query(sqlText);
      },
      async query<T>(sqlText: string) {
        const result = await raw.query(sqlText);
        return result.rows as T[];
      },
      async dropTrigger(table) {
        // One statement-level trigger guards UPDATE, DELETE and TRUNCATE together.
        await raw.query(`drop trigger if exists ${table}_append_only on ${table}`);
      },
      async destroy() {
        for (const c of opened) await c.close();
        await raw.query(`drop schema ${schema} cascade`);
        await raw.end();
      },
    };
  };
}

/**
 * Registers a suite for one database: a fresh harness per top-level describe of the suite.
 * Suites receive a getter, valid inside tests and hooks.
 */
export type Suite = (fresh: HarnessFactory) => void;
