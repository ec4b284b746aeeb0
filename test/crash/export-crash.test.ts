/**
 * Crash test of the export builder (issue 11): a real `strongroom serve` child process is asked
 * for an export of a few thousand records and SIGKILLed while the bag is being built and
 * uploaded; the export is still `building` (never ready with a half-written bag, nothing stored
 * under its key). After a restart on the same data directory the build resumes and finishes:
 * the bag downloads through its link, its SHA-256 is the recorded one, and it validates.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openCatalog } from '../../src/catalog';
import { validateBag } from '../export/bagit-validator';
import { unzipTo } from '../export/fixtures';
import {
  BIN,
  cleanEnv,
  ensureBuilt,
  killAll,
  ROOT,
  startServe,
  streamBatch,
  tradeBatch,
  type Child,
} from './harness';

jest.setTimeout(420_000);

const N = Number(process.env.EXPORT_CRASH_N ?? 2000);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-export-crash-'));
beforeAll(() => ensureBuilt(), 240_000);
afterAll(() => {
  killAll();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function api<T>(
  child: Child,
  token: string,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${child.url}${p}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

interface View {
  export: {
    id: string;
    status: string;
    bag: { sha256: string; size: number; key: string; bucket: string } | null;
  };
}

test('an export interrupted by SIGKILL finishes after a restart, and its bag verifies', async () => {
  const env = cleanEnv();
  let serve = await startServe(dataDir, env);
  const ingest = (
    JSON.parse(fs.readFileSync(path.join(dataDir, 'bootstrap-tokens.json'), 'utf8')) as {
      ingest: { token: string };
    }
  ).ingest.token;
  const batch = await streamBatch(
    serve.url,
    ingest,
    tradeBatch(N, 'XC').map((l) => l.text),
  );
  expect(batch.summary).toBeDefined();
  const made = spawnSync(
    process.execPath,
    [BIN, 'users', 'add', 'officer-desk', '--role', 'compliance', '--data', dataDir, '--json'],
    {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    },
  );
  expect(made.status).toBe(0);
  const token = (JSON.parse(made.stdout) as { token: string }).token;

  const created = await api<View>(serve, token, 'POST', '/v1/exports', {
    reference: 'SFC/CRASH/1',
    recipient: { name: 'Jane Officer', organisation: 'SFC' },
    purpose: 'crash test',
    criteria: { type: 'trade' },
  });
  expect(created.status).toBe(202);
  const id = created.body.export.id;
  // Let the build start (its attempt counted: checkpoint, first records streaming), then kill the
  // server mid-build. Read through a read-only connection while serve holds the catalog; waited
  // for rather than slept on, since a loaded machine may take seconds to begin.
  const started = Date.now();
  for (;;) {
    const db = new Database(path.join(dataDir, 'catalog.sqlite'), { readonly: true, fileMustExist: true });
    let attempts = 0;
    try {
      const row = db.prepare('select attempts from exports where export_id = ?').get(id) as
        { attempts: number | bigint } | undefined;
      attempts = Number(row?.attempts ?? 0);
    } finally {
      db.close();
    }
    if (attempts >= 1) break;
    if (Date.now() - started > 60_000) throw new Error('the export build did not start within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 300));
  process.kill(serve.pid, 'SIGKILL');
  await serve.exited;

  const catalog = await openCatalog({ sqlitePath: path.join(dataDir, 'catalog.sqlite') });
  try {
    const row = await catalog.getExport(id);
    expect(row).toMatchObject({ status: 'building', bag: null });
    expect(row?.attempts).toBe(1);
  } finally {
    await catalog.close();
  }

  serve = await startServe(dataDir, env);
  let view: View['export'] | undefined;
  for (let i = 0; i < 900; i++) {
    view = (await api<View>(serve, token, 'GET', `/v1/exports/${id}`)).body.export;
    if (view.status !== 'building') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(view?.status).toBe('ready');
  const link = await api<{ url: string }>(serve, token, 'POST', `/v1/exports/${id}/links`, {
    ttlMinutes: 15,
  });
  expect(link.status).toBe(201);
  const zip = Buffer.from(await (await fetch(link.body.url)).arrayBuffer());
  expect(createHash('sha256').update(zip).digest('hex')).toBe(view?.bag?.sha256);
  const zipPath = path.join(dataDir, 'bag.zip');
  fs.writeFileSync(zipPath, zip);
  await unzipTo(zipPath, path.join(dataDir, 'out'));
  expect(validateBag(path.join(dataDir, 'out', id))).toEqual([]);
  expect(
    fs
      .readFileSync(path.join(dataDir, 'out', id, 'data/index.csv'), 'utf8')
      .trim()
      .split('\n'),
  ).toHaveLength(N + 1);
  process.kill(serve.pid, 'SIGTERM');
  await serve.exited;
  const after = await openCatalog({ sqlitePath: path.join(dataDir, 'catalog.sqlite') });
  try {
    expect((await after.getExport(id))?.attempts).toBe(2);
  } finally {
    await after.close();
  }
});
