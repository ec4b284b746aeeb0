/**
 * The audit trail sealed into the audit bucket, full stack: segments through the real sealer,
 * ledger leaves, GET /v1/audit/segments; `verify audit` (the function on every database, the CLI
 * on SQLite) on an intact trail, after an audit row was removed with its trigger dropped, and
 * against a copy of the bucket in which a segment object was replaced; serve's sealer noticing
 * the removal and sealing nothing more.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseSegment, segmentBytes } from '../../src/audit/segment';
import { verifyAudit } from '../../src/audit/verify-audit';
import { main } from '../../src/cli/main';
import { bucketPlan } from '../../src/config';
import { trade } from '../../src/records/fixtures';
import {
  databases,
  getWith,
  postJson,
  principalWithToken,
  startTestArchive,
  tempDir,
  type TestArchive,
} from './helpers';

const SEAL = { audit: { sealEvents: 5, sealSeconds: 3600, importSeconds: 3600 } };

/** Runs the CLI in this process; its exit code and what it wrote to stdout. */
async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    const code = await main(['node', 'strongroom', ...args]);
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

async function ingestSome(t: TestArchive, n: number, prefix: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await postJson(`${t.url}/v1/records`, trade(`${prefix}-${i}`), t.ingestToken);
    expect(res.status).toBe(201);
  }
}

/** Removes one audit row the way someone with the database would: the trigger dropped first. */
async function removeAuditRow(t: TestArchive, db: 'sqlite' | 'postgres', seq: number): Promise<void> {
  if (db === 'sqlite') {
    const file = new Database(path.join(t.dataDir, 'catalog.sqlite'), { timeout: 10_000 });
    try {
      file.exec('drop trigger audit_events_no_delete');
      file.prepare('delete from audit_events where seq = ?').run(seq);
    } finally {
      file.close();
    }
    return;
  }
  const c = new pg.Client({ connectionString: t.databaseUrl });
  await c.connect();
  try {
    await c.query('drop trigger audit_events_append_only on audit_events');
    await c.query('delete from audit_events where seq = $1', [seq]);
  } finally {
    await c.end();
  }
}

describe.each(databases('integration/audit-seal'))('audit segments, catalog on %s', (db) => {
  let t: TestArchive;
  let dataDir: string;
  let auditBucket: string;
  beforeAll(async () => {
    dataDir = tempDir('audit-seal');
    t = await startTestArchive({ db, dataDir, overrides: SEAL });
    auditBucket = bucketPlan(t.config).audit.bucket;
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('segments of at most sealEvents, linked, each a ledger leaf, listed by the API; verify says so', async () => {
    await ingestSome(t, 12, `SEAL-${db}`);
    const result = await t.archive.audit.sealer.sealNow();
    expect(result.tamper).toBeUndefined();
    const size = await t.catalog.auditSize();
    // The leader job may have sealed the first full segments itself: look at all of them.
    const rows = await t.catalog.auditSegments({ limit: 1000 });
    expect(rows.map((s) => [s.fromSeq, s.toSeq])).toEqual(
      Array.from({ length: Math.ceil(size / 5) }, (_, i) => [i * 5, Math.min(size - 1, i * 5 + 4)]),
    );
    let prev: string | undefined;
    for (const row of rows) {
      const { body, info } = await t.store.getBuffer(auditBucket, row.key);
      expect(info.meta.sha256).toBe(row.sha256);
      const parsed = parseSegment(body, row);
      if (!parsed.ok) throw new Error(parsed.message);
      expect(parsed.events).toEqual(
        await t.catalog.auditEvents({ fromSeq: row.fromSeq, limit: row.toSeq - row.fromSeq + 1 }),
      );
      if (prev !== undefined) expect(parsed.events[0]?.prevHash).toBe(prev);
      prev = row.lastHash;
      const [leaf] = await t.catalog.ledgerLeaves({ fromSeq: row.ledgerSeq, limit: 1 });
      expect(leaf).toMatchObject({ kind: 'audit_segment', recordId: row.id, sha256: row.sha256 });
    }
    // Sealing again with nothing new seals nothing; the next events go to the next segment.
    const again = await t.archive.audit.sealer.sealNow();
    expect(again.sealed.length).toBeLessThanOrEqual(1);

    const auditor = await principalWithToken(t.catalog, 'auditor');
    const page = await getWith(`${t.url}/v1/audit/segments?limit=2`, auditor.token);
    expect(page.status).toBe(200);
    const body = (await page.json()) as { items: Record<string, unknown>[]; nextCursor?: string };
    expect(body.items[0]).toEqual({
      key: rows[0]?.key,
      fromSeq: 0,
      toSeq: 4,
      sha256: rows[0]?.sha256,
      ledgerIndex: rows[0]?.ledgerSeq,
    });
    expect(typeof body.nextCursor).toBe('string');
    const next = await getWith(
      `${t.url}/v1/audit/segments?cursor=${body.nextCursor as string}`,
      auditor.token,
    );
    expect(((await next.json()) as { items: { fromSeq: number }[] }).items[0]?.fromSeq).toBe(10);
    for (const bad of ['cursor=nope', 'limit=0', 'limit=1001', 'extra=1'])
      expect((await getWith(`${t.url}/v1/audit/segments?${bad}`, auditor.token)).status).toBe(400);

    const verified = await verifyAudit({ catalog: t.catalog, store: t.store, bucket: auditBucket });
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
  });

  test('a segment object replaced in a copy of the bucket: verify names that object', async () => {
    const admin = t.archive.storeHandle.adminStore;
    const copy = `${t.config.buckets.prefix}-auditcopy`;
    await admin.createBucket(copy);
    const rows = await t.catalog.auditSegments({ limit: 1000 });
    const victim = rows[1];
    if (!victim) throw new Error('two segments expected');
    for await (const o of admin.list(auditBucket)) {
      if (o.key === victim.key) continue;
      await admin.copy({ bucket: auditBucket, key: o.key }, { bucket: copy, key: o.key });
    }
    const original = parseSegment((await admin.getBuffer(auditBucket, victim.key)).body);
    if (!original.ok) throw new Error(original.message);
    const forged = original.events.map((e, i) => (i === 2 ? { ...e, target: 'someone-else' } : e));
    await admin.putBuffer(copy, victim.key, segmentBytes(forged));
    const result = await verifyAudit({ catalog: t.catalog, store: admin, bucket: copy });
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({
      check: 'segments',
      where: `${copy}/${victim.key}`,
      seq: victim.fromSeq,
    });
    expect(result.problems[0]?.message).toMatch(/SHA-256/);
    expect(result.verdict).toContain(`first at ${copy}/${victim.key}`);
    // The real bucket still verifies.
    expect((await verifyAudit({ catalog: t.catalog, store: t.store, bucket: auditBucket })).ok).toBe(true);
  });

  test('an audit row removed with its trigger dropped: verify names the event, the sealer refuses to seal', async () => {
    await removeAuditRow(t, db, 3);
    const result = await verifyAudit({ catalog: t.catalog, store: t.store, bucket: auditBucket });
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ check: 'segments', where: 'event 3', seq: 3 });
    expect(result.problems[0]?.message).toMatch(
      /audit event 3 is sealed in audit\/segment\/0+-0+4\.ndjson but missing from the catalog/,
    );
    expect(result.problems.some((p) => p.check === 'chain' && p.seq === 3)).toBe(true);

    await ingestSome(t, 2, `AFTER-${db}`);
    const sealed = await t.archive.audit.sealer.sealNow();
    expect(sealed.sealed).toEqual([]);
    expect(sealed.tamper?.kind).toBe('missing_events');
  });

  test('the CLI: verify audit exits 4 naming the first bad place (SQLite: the CLI opens the same files)', async () => {
    if (db !== 'sqlite') return;
    const config = path.join(dataDir, 'cli-config.json');
    fs.writeFileSync(
      config,
      JSON.stringify({ logLevel: 'silent', buckets: { prefix: t.config.buckets.prefix } }),
    );
    await t.archive.close();
    const bad = await cli(['verify', 'audit', '--data', dataDir, '--config', config]);
    expect(bad.code).toBe(4);
    expect(bad.out).toMatch(
      /^audit trail does NOT verify: \d+ problem\(s\); first at event 3: audit event 3 is sealed in/,
    );
    const copy = await cli([
      'verify',
      'audit',
      '--data',
      dataDir,
      '--config',
      config,
      '--bucket',
      `${t.config.buckets.prefix}-auditcopy`,
      '--json',
    ]);
    expect(copy.code).toBe(4);
    const report = JSON.parse(copy.out) as { ok: boolean; problems: { where: string }[] };
    expect(report.ok).toBe(false);
  });
});

describe('the seal job in serve', () => {
  test('full segments are sealed by the leader job without being asked', async () => {
    const t = await startTestArchive({
      db: 'sqlite',
      overrides: { audit: { sealEvents: 3, sealSeconds: 1 } },
    });
    try {
      await ingestSome(t, 4, 'JOB');
      let segments = 0;
      for (let i = 0; i < 60 && segments === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        segments = (await t.catalog.auditSegments({ limit: 10 })).length;
      }
      expect(segments).toBeGreaterThan(0);
      const [first] = await t.catalog.auditSegments({ limit: 1 });
      expect(first).toMatchObject({ fromSeq: 0 });
    } finally {
      await t.close();
    }
  });
});
