/**
 * Crash test of the write path ("acknowledged means durable", ../shared/docs/DESIGN.md).
 *
 * A batch of N valid trades is streamed to POST /v1/batches of a real `strongroom serve` child
 * process, which is SIGKILLed at seeded random moments (after a random number of result lines,
 * plus a random delay), restarted on the same data directory, and sent the lines not yet
 * acknowledged. After the last kill, `strongroom reconcile` commits what reached OSS but not the
 * catalog. Then:
 *  - every line ever acknowledged (created or existing) came with the SHA-256 of its canonical
 *    bytes, and no line was ever answered with an error;
 *  - re-sending the whole batch answers every acknowledged line `existing` with the very same
 *    receipt (ledger index, key, SHA-256, times), and the others `existing` or `created`;
 *  - in OSS (read back through the emulator): one object per record, N in all, each with the
 *    canonical SHA-256 (bytes and metadata); the receipt's retain-until is not later than what
 *    OSS protects (Last-Modified + the class's days);
 *  - in the catalog (opened directly after serve stopped): N records, each once, with the
 *    receipt's facts; the ledger holds N leaves, seqs dense 0..N-1, record ids unique, each
 *    leaf's SHA-256 the record's and its hash the RFC 9162 leaf hash; the audit chain verifies.
 *
 * Two variants: serve with its embedded emulator (the kill takes storage down too: torn PUTs,
 * emulator restart), and serve against an emulator in a separate process (storage survives:
 * PUTs in flight complete after serve died, leaving objects without catalog rows).
 *
 * Seed: CRASH_SEED (default 1); size: CRASH_N (default 3000); kills: CRASH_KILLS (default 4).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  leafHash,
  openCatalog,
  verifyAuditChain,
  type Catalog,
  type CatalogRecord,
  type LedgerLeaf,
} from '../../src/catalog';
import { parseConfig } from '../../src/config';
import { createObjectStore } from '../../src/storage';
import type { ObjectStore } from '../../src/storage/types';
import {
  cleanEnv,
  ensureBuilt,
  killAll,
  rng,
  runReconcile,
  startEmulatorProcess,
  startServe,
  streamBatch,
  tradeBatch,
  type BatchLine,
  type Child,
  type Receipt,
  type ResultLine,
} from './harness';

const SEED = Number(process.env.CRASH_SEED ?? 1);
const N = Number(process.env.CRASH_N ?? 3000);
const KILLS = Number(process.env.CRASH_KILLS ?? 4);
const RECORDS_BUCKET = 'strongroom-records-7y';
const DAY_MS = 24 * 60 * 60 * 1000;
const RETENTION_DAYS = 2557;
const REGION = 'oss-local';

// Each variant takes about a minute on a quiet 2-core machine; several times that under load.
jest.setTimeout(480_000);

const dirs: string[] = [];
beforeAll(() => ensureBuilt(), 240_000);
afterAll(() => {
  killAll();
  if (!process.env.CRASH_KEEP) for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tokenOf(dataDir: string): string {
  return (
    JSON.parse(fs.readFileSync(path.join(dataDir, 'bootstrap-tokens.json'), 'utf8')) as {
      ingest: { token: string };
    }
  ).ingest.token;
}

function storeAt(endpoint: string, creds: { accessKeyId: string; accessKeySecret: string }): ObjectStore {
  const config = parseConfig({ oss: { endpoint, region: REGION, ...creds, retry: { maxAttempts: 3 } } });
  return createObjectStore({ ...config.oss, endpoint });
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

async function allLeaves(catalog: Catalog): Promise<LedgerLeaf[]> {
  const leaves: LedgerLeaf[] = [];
  for (;;) {
    const page = await catalog.ledgerLeaves({ fromSeq: leaves.length, limit: 10_000 });
    if (page.length === 0) return leaves;
    leaves.push(...page);
  }
}

async function allRecords(catalog: Catalog): Promise<CatalogRecord[]> {
  const out: CatalogRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await catalog.searchRecords({ limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.records);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

interface Variant {
  name: string;
  /** Storage in its own process, surviving serve's deaths. */
  separateEmulator: boolean;
  seed: number;
}

async function runVariant(v: Variant): Promise<string> {
  const started = Date.now();
  const phases: string[] = [];
  let mark = started;
  const phase = (name: string) => {
    const now = Date.now();
    phases.push(`${name} ${((now - mark) / 1000).toFixed(1)}s`);
    mark = now;
  };
  const random = rng(v.seed);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `strongroom-crash-${v.name}-`));
  dirs.push(dataDir);
  const batch: BatchLine[] = tradeBatch(N, `C${v.seed}${v.separateEmulator ? 'S' : 'E'}`);

  // Storage: either an emulator process of our own, or serve's embedded one.
  let emulator: Child | undefined;
  let env = cleanEnv();
  let creds = { accessKeyId: '', accessKeySecret: '' };
  if (v.separateEmulator) {
    creds = { accessKeyId: 'LTAICRASHTEST0000001', accessKeySecret: 'crash-test-secret-000000000000000' };
    emulator = await startEmulatorProcess(path.join(dataDir, 'oss'), creds, REGION);
    env = cleanEnv({
      STRONGROOM_OSS_ENDPOINT: emulator.url,
      STRONGROOM_OSS_ACCESS_KEY_ID: creds.accessKeyId,
      STRONGROOM_OSS_ACCESS_KEY_SECRET: creds.accessKeySecret,
      STRONGROOM_OSS_REGION: REGION,
    });
  }

  const acked = new Map<number, Receipt>();
  const errors: { index: number; result: ResultLine }[] = [];
  const kills: string[] = [];
  /** Lines answered `existing` while resent after a kill: committed, but the answer was lost. */
  let lostAnswers = 0;

  const take = (sent: number[], results: ResultLine[]) => {
    for (const r of results) {
      const index = sent[r.line - 1] as number;
      if (r.status === 'error') {
        errors.push({ index, result: r });
        continue;
      }
      const expected = batch[index] as BatchLine;
      expect(r.receipt?.recordId).toBe(expected.recordId);
      expect(r.receipt?.sha256).toBe(expected.sha256);
      if (r.status === 'existing' && !acked.has(index)) lostAnswers++;
      acked.set(index, r.receipt as Receipt);
    }
  };

  // ---- the kills
  for (let k = 0; k < KILLS; k++) {
    const serve = await startServe(dataDir, env);
    const pending = batch.map((_, i) => i).filter((i) => !acked.has(i));
    // Kill somewhere in the first ~40% of what is left, so every round leaves work for the next.
    const afterResults = Math.floor(random() * pending.length * 0.4);
    const delayMs = Math.floor(random() * 40);
    const outcome = await streamBatch(
      serve.url,
      tokenOf(dataDir),
      pending.map((i) => (batch[i] as BatchLine).text),
      { afterResults, delayMs, pid: serve.pid },
    );
    const exit = await serve.exited;
    expect(exit.signal).toBe('SIGKILL');
    take(pending, outcome.results);
    kills.push(`${afterResults}+${delayMs}ms/${pending.length}->${outcome.results.length}`);
  }
  const ackedBeforeReconcile = acked.size;
  phase('kills');

  // ---- reconcile, with serve down
  const rec = await runReconcile(dataDir, env);
  expect(rec.report.problems).toEqual([]);
  expect(rec.code).toBe(0);
  expect(rec.report.scanned).toBe(rec.report.catalogued + rec.report.committed);
  // Everything acknowledged was catalogued already: reconcile only adds unacknowledged records.
  const ackedIds = new Set([...acked.keys()].map((i) => (batch[i] as BatchLine).recordId));
  const committedByReconcile = rec.report.items
    .filter((i) => i.outcome === 'committed')
    .map((i) => i.recordId as string);
  expect(committedByReconcile.filter((id) => ackedIds.has(id))).toEqual([]);

  phase('reconcile');
  // ---- the whole batch again
  const serve = await startServe(dataDir, env);
  const everyIndex = batch.map((_, i) => i);
  const final = await streamBatch(
    serve.url,
    tokenOf(dataDir),
    batch.map((l) => l.text),
  );
  expect(final.broken).toBeUndefined();
  expect(final.summary?.complete).toBe(true);
  expect(final.results.length).toBe(N);
  let finalCreated = 0;
  for (const r of final.results) {
    const index = everyIndex[r.line - 1] as number;
    const line = batch[index] as BatchLine;
    expect({ line: r.line, status: r.status === 'error' ? r.error : r.status }).toEqual({
      line: r.line,
      status: acked.has(index) ? 'existing' : expect.stringMatching(/^(existing|created)$/),
    });
    expect(r.receipt?.sha256).toBe(line.sha256);
    const before = acked.get(index);
    // A receipt once given never changes: same ledger index, object, checksums and times.
    if (before) expect(r.receipt).toEqual(before);
    if (r.status === 'created') finalCreated++;
  }
  expect(final.summary).toMatchObject({
    lines: N,
    failed: 0,
    created: finalCreated,
    existing: N - finalCreated,
  });
  const receipts = new Map(final.results.map((r) => [r.receipt!.recordId, r.receipt as Receipt]));

  phase('resend');
  // ---- OSS: one object per record, canonical bytes
  const ossUrl = emulator
    ? emulator.url
    : (
        JSON.parse(fs.readFileSync(path.join(dataDir, 'emulator', 'endpoint.json'), 'utf8')) as {
          url: string;
        }
      ).url;
  if (!emulator) {
    creds = JSON.parse(
      fs.readFileSync(path.join(dataDir, 'emulator', 'credentials.json'), 'utf8'),
    ) as typeof creds;
  }
  const store = storeAt(ossUrl, creds);
  const keys: string[] = [];
  for await (const obj of store.list(RECORDS_BUCKET, { pageSize: 1000 })) keys.push(obj.key);
  expect(keys.length).toBe(N);
  expect(new Set(keys).size).toBe(N);
  const byKey = new Map(batch.map((l) => [receipts.get(l.recordId)!.key, l]));
  const problems: string[] = [];
  await mapLimit(keys, 16, async (key) => {
    const line = byKey.get(key);
    if (!line) return void problems.push(`${key}: an object no receipt names`);
    const { info, body } = await store.getBuffer(RECORDS_BUCKET, key);
    const sha = createHash('sha256').update(body).digest('hex');
    if (sha !== line.sha256) problems.push(`${key}: bytes hash to ${sha}, canonical is ${line.sha256}`);
    if (info.meta.sha256 !== line.sha256) problems.push(`${key}: metadata sha256 ${info.meta.sha256}`);
    const receipt = receipts.get(line.recordId) as Receipt;
    // Last-Modified has whole seconds: allow the second it was cut to.
    const protectedUntil = info.lastModified.getTime() + 999 + RETENTION_DAYS * DAY_MS;
    if (Date.parse(receipt.retainUntil) > protectedUntil) {
      problems.push(
        `${key}: receipt retainUntil ${receipt.retainUntil} is after what OSS protects (${new Date(protectedUntil).toISOString()})`,
      );
    }
  });
  expect(problems.slice(0, 10)).toEqual([]);

  serve.proc.kill('SIGTERM');
  expect(await serve.exited).toEqual({ code: 0, signal: null });
  if (emulator) {
    emulator.proc.kill('SIGTERM');
    await emulator.exited;
  }

  phase('oss-check');
  // ---- catalog and ledger, opened directly
  const catalog = await openCatalog({ sqlitePath: path.join(dataDir, 'catalog.sqlite') });
  try {
    const records = await allRecords(catalog);
    expect(records.length).toBe(N);
    expect(new Set(records.map((r) => r.recordId)).size).toBe(N);
    expect(new Set(records.map((r) => r.objectKey)).size).toBe(N);
    for (const r of records) {
      const receipt = receipts.get(r.recordId);
      expect(receipt).toBeDefined();
      expect({ sha256: r.sha256, key: r.objectKey, ledgerSeq: r.ledgerSeq, crc64: r.crc64 }).toEqual({
        sha256: receipt!.sha256,
        key: receipt!.key,
        ledgerSeq: receipt!.ledgerSeq,
        crc64: receipt!.crc64,
      });
    }
    expect(await catalog.ledgerSize()).toBe(N);
    const leaves = await allLeaves(catalog);
    expect(leaves.map((l) => l.seq)).toEqual(leaves.map((_, i) => i));
    expect(leaves.length).toBe(N);
    expect(new Set(leaves.map((l) => l.recordId)).size).toBe(N);
    for (const leaf of leaves) {
      const receipt = receipts.get(leaf.recordId);
      expect(leaf.kind).toBe('record');
      expect(receipt?.ledgerSeq).toBe(leaf.seq);
      expect(leaf.sha256).toBe(receipt?.sha256);
      expect(leaf.leafHash).toBe(leafHash({ kind: 'record', id: leaf.recordId, sha256: leaf.sha256 }));
    }
    const chain = await verifyAuditChain(catalog);
    expect(chain.ok).toBe(true);
  } finally {
    await catalog.close();
  }
  phase('catalog-check');
  expect(
    errors.map(
      (e) => `${(batch[e.index] as BatchLine).recordId}: ${e.result.error?.code} ${e.result.error?.message}`,
    ),
  ).toEqual([]);

  return (
    `crash-test[${v.name}] seed=${v.seed} N=${N} kills=${KILLS} (results+delay/sent->acked: ${kills.join(', ')}); ` +
    `acked before reconcile=${ackedBeforeReconcile}, acked-on-retry-as-existing=${lostAnswers}, ` +
    `reconcile scanned=${rec.report.scanned} committed=${rec.report.committed}; ` +
    `final resend created=${finalCreated} existing=${N - finalCreated}; objects=${keys.length} catalog=${N} ledger=${N}: OK in ${((Date.now() - started) / 1000).toFixed(1)} s (${phases.join(', ')})`
  );
}

describe('ingest survives SIGKILL of serve', () => {
  test('serve with its embedded emulator (storage dies with it)', async () => {
    const line = await runVariant({ name: 'embedded', separateEmulator: false, seed: SEED });
    process.stderr.write(line + '\n');
  });

  test('serve against an emulator in a separate process (storage survives)', async () => {
    const line = await runVariant({ name: 'separate', separateEmulator: true, seed: SEED + 1000 });
    process.stderr.write(line + '\n');
  });
});
