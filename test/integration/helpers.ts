/**
 * Full-stack harness: the real composition root (startArchive) on port 0 with its embedded OSS
 * emulator, the real ali-oss client behind the adapter, and a real catalog: a SQLite file in a
 * fresh temp directory, or a fresh PostgreSQL database when TEST_DATABASE_URL is set. Driven with
 * global fetch, as a sender would.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { createPrincipal, type Role } from '../../src/auth';
import type { Catalog } from '../../src/catalog';
import { openObjectSeal } from '../../src/records/seal';
import { sealKeyFile } from '../../src/runtime/seal';
import { bucketPlan, loadConfig, type Config, type ConfigInput } from '../../src/config';
import { silentLogger } from '../../src/log';
import type { Receipt } from '../../src/ingest/types';
import { canonicalBytes } from '../../src/records';
import { startArchive, type Archive } from '../../src/runtime/archive';
import type { ObjectStore, StorageAdapter } from '../../src/storage/types';
import type { Clock } from '../../src/util/clock';
import { onUnaudited } from '../helpers/audit-guard';
import { bearer, sha256, tempDir } from '../helpers/common';

export { bearer, ndjson, postJson, sha256, tempDir } from '../helpers/common';

export type DatabaseKind = 'sqlite' | 'postgres';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? '';

/**
 * The databases a suite runs on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set (else a
 * notice says it was skipped, so a green run on SQLite alone is never mistaken for both).
 */
export function databases(suite: string): DatabaseKind[] {
  if (TEST_DATABASE_URL) return ['sqlite', 'postgres'];
  console.warn(
    `${suite}: the PostgreSQL run was SKIPPED because TEST_DATABASE_URL is not set ` +
      '(e.g. postgres://strongroom:strongroom@127.0.0.1:5432/strongroom_test; see .ci/run).',
  );
  return ['sqlite'];
}

async function adminQuery(sqlText: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

/**
 * A fresh PostgreSQL schema in the TEST_DATABASE_URL database (search_path set through the URL's
 * options, as test/catalog does); dropped by `drop`.
 */
export async function freshPostgresSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `it_${process.pid}_${randomBytes(5).toString('hex')}`;
  await adminQuery(`create schema ${schema}`);
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => adminQuery(`drop schema if exists ${schema} cascade`) };
}

/**
 * A fresh PostgreSQL database on the TEST_DATABASE_URL server, one per archive; dropped by `drop`.
 * A database rather than a schema: the catalog cannot be opened in a fresh schema while another
 * schema of the same database holds a catalog (see the test "two catalogs in two schemas of one
 * database" in records.test.ts), and Jest runs test files side by side.
 */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `strongroom_it_${process.pid}_${randomBytes(5).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropDatabase(name) };
}

/**
 * Drops a test database, terminating its sessions. A session this role may not terminate (seen
 * once in CI: a backend of another role on the database for an instant) refuses the drop
 * (insufficient_privilege, 42501); it is gone a moment later, so the drop is tried again.
 */
async function dropDatabase(name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await adminQuery(`drop database if exists ${name} with (force)`);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '42501' || attempt >= 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

export interface TestArchive {
  archive: Archive;
  config: Config;
  url: string;
  catalog: Catalog;
  store: StorageAdapter;
  dataDir: string;
  /** The bootstrap tokens (admin and ingest). */
  adminToken: string;
  ingestToken: string;
  /** The records bucket of the default 7-year class (orders, trades, notes, corrections, documents). */
  recordsBucket: string;
  /** A catalog url for a second catalog on the same database (PostgreSQL), if any. */
  databaseUrl?: string;
  close(): Promise<void>;
}

export interface StartOptions {
  db: DatabaseKind;
  overrides?: ConfigInput;
  /** Use this data directory instead of a fresh one (the caller removes it). */
  dataDir?: string;
  /** The archive's clock (and its embedded emulator's). */
  clock?: Clock;
}

function deepMerge<T>(base: T, over: unknown): T {
  if (typeof over !== 'object' || over === null || Array.isArray(over)) return (over ?? base) as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] =
      typeof prev === 'object' && prev !== null && !Array.isArray(prev) ? deepMerge(prev, v) : (v as unknown);
  }
  return out as T;
}

export async function startTestArchive(options: StartOptions): Promise<TestArchive> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? tempDir('archive');
  const pgDb = options.db === 'postgres' ? await freshPostgresDatabase() : undefined;
  const base: ConfigInput = {
    dataDir,
    logLevel: 'silent',
    server: { port: 0 },
    ...(pgDb ? { databaseUrl: pgDb.url } : {}),
  };
  const config = loadConfig({ env: {}, overrides: deepMerge(base, options.overrides ?? {}) });
  let archive: Archive;
  try {
    // Production never makes its object seal key: the operator installs it (decision 0011).
    if (config.profile === 'production') openObjectSeal(sealKeyFile(config), { create: true });
    archive = await startArchive(config, {
      logger: silentLogger(),
      onUnaudited,
      ...(options.clock ? { clock: options.clock } : {}),
    });
  } catch (err) {
    await pgDb?.drop();
    if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  // The local profile writes its first principals' tokens to a file; production has none: make them.
  const tokens = archive.bootstrap
    ? (JSON.parse(fs.readFileSync(archive.bootstrap.tokenFile, 'utf8')) as {
        admin: { token: string };
        ingest: { token: string };
      })
    : {
        admin: await principalWithToken(archive.catalog, 'admin'),
        ingest: await principalWithToken(archive.catalog, 'ingest'),
      };
  const recordsBucket = bucketPlan(config).records.find((r) => r.className === '7y')?.bucket ?? '';
  return {
    archive,
    config,
    url: archive.url,
    catalog: archive.catalog,
    store: archive.storeHandle.store,
    dataDir,
    adminToken: tokens.admin.token,
    ingestToken: tokens.ingest.token,
    recordsBucket,
    ...(pgDb ? { databaseUrl: pgDb.url } : {}),
    async close() {
      await archive.close();
      await pgDb?.drop();
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new principal with the role and its API token, made through the auth part (as `users add` does). */
export async function principalWithToken(
  catalog: Catalog,
  role: Role,
  name = `it-${role}-${randomBytes(3).toString('hex')}`,
): Promise<{ id: string; token: string }> {
  const made = await createPrincipal(catalog, {
    name,
    role,
    kind: 'system',
    actor: { principalId: null, details: { via: 'integration-test' } },
  });
  return { id: made.principal.id, token: made.token };
}

export function getWith(url: string, token?: string): Promise<Response> {
  return fetch(url, { headers: token ? bearer(token) : {} });
}

export function canonicalSha(record: unknown): string {
  return sha256(canonicalBytes(record));
}

/** Every key in a bucket (walks all pages). */
export async function objectKeys(store: ObjectStore, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(bucket)) keys.push(o.key);
  return keys.sort();
}

export interface ReceiptBody {
  status: 'created' | 'existing';
  receipt: Receipt;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; hint?: string; requestId?: string };
}

/** The paths of a validation error's issues. */
export function issuePaths(body: ErrorBody): string[] {
  const details = body.error.details;
  if (!Array.isArray(details)) return [];
  return (details as { path: unknown }[])
    .map((d) => (Array.isArray(d.path) ? d.path.join('.') : String(d.path)))
    .sort();
}

/** A fresh id with a prefix, unique within a run. */
export function uid(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export type DocumentForm = 'raw' | 'multipart';

/**
 * POST /v1/documents: `raw` sends the file as the body with the description in the
 * X-Strongroom-Document header (base64url); `multipart` sends a description field, then the file part.
 */
export function postDocument(
  url: string,
  token: string,
  description: unknown,
  file: Buffer,
  options: { form: DocumentForm; fileName?: string; contentType?: string },
): Promise<Response> {
  const contentType = options.contentType ?? 'application/pdf';
  if (options.form === 'raw') {
    const descriptionText = typeof description === 'string' ? description : JSON.stringify(description);
    return fetch(`${url}/v1/documents`, {
      method: 'POST',
      headers: {
        ...bearer(token),
        'content-type': contentType,
        'x-strongroom-document': Buffer.from(descriptionText, 'utf8').toString('base64url'),
        ...(options.fileName ? { 'x-strongroom-file-name': encodeURIComponent(options.fileName) } : {}),
      },
      body: file,
    });
  }
  const form = new FormData();
  form.append('description', typeof description === 'string' ? description : JSON.stringify(description));
  // A multipart part always names its file: by default the description's name (they must agree).
  const described =
    typeof description === 'string' ? undefined : (description as { fileName?: unknown }).fileName;
  const partName = options.fileName ?? (typeof described === 'string' ? described : 'file.bin');
  form.append('file', new Blob([file], { type: contentType }), partName);
  return fetch(`${url}/v1/documents`, { method: 'POST', headers: bearer(token), body: form });
}

/** Deterministic pseudo-random bytes (a file to upload). */
export function fileBytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * A GET with the path sent exactly as given (fetch normalises `..` segments away before sending;
 * a hostile client does not).
 */
export function rawGet(
  base: string,
  rawPath: string,
  token?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, path: rawPath, method: 'GET', headers: token ? bearer(token) : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
