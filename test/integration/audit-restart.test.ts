/**
 * Serve notices tampering at start-up: the catalog file edited while the archive was down (the
 * update trigger dropped, a sealed event changed and the chain re-hashed from there, so the chain
 * alone still verifies). On restart the sealer's first run finds the catalog no longer agrees with
 * the latest segment and seals nothing; `verify audit` names the event. Then `strongroom audit
 * query` shows the trail as a table, CSV and JSON.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { verifyAudit } from '../../src/audit/verify-audit';
import { openCatalog, verifyAuditChain } from '../../src/catalog';
import { auditEventHash } from '../../src/catalog/hashing';
import type { AuditEvent } from '../../src/catalog/types';
import { main } from '../../src/cli/main';
import { bucketPlan } from '../../src/config';
import { trade } from '../../src/records/fixtures';
import { databases, postJson, startTestArchive, tempDir, type TestArchive } from './helpers';

const SEAL = { audit: { sealEvents: 4, sealSeconds: 3600, importSeconds: 3600 } };

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    return { code: await main(['node', 'strongroom', ...args]), out };
  } finally {
    spy.mockRestore();
  }
}

/** Rewrites events from `from` on (their target changed at `from`), re-hashing the chain. */
async function rewrite(
  db: 'sqlite' | 'postgres',
  location: { sqlitePath: string } | { databaseUrl: string },
  from: number,
): Promise<void> {
  const catalog = await openCatalog(location);
  const events = await catalog.auditEvents({ fromSeq: from - 1, limit: 10_000 });
  await catalog.close();
  const rows: AuditEvent[] = [];
  let prev = (events[0] as AuditEvent).hash;
  for (const e of events.slice(1)) {
    const changed = { ...e, target: e.seq === from ? 'nothing-to-see' : e.target, prevHash: prev };
    const hash = auditEventHash(changed);
    rows.push({ ...changed, hash });
    prev = hash;
  }
  if (db === 'sqlite') {
    const file = new Database((location as { sqlitePath: string }).sqlitePath);
    try {
      file.exec('drop trigger audit_events_no_update');
      const update = file.prepare(
        'update audit_events set target = ?, prev_hash = ?, hash = ? where seq = ?',
      );
      for (const r of rows) update.run(r.target, r.prevHash, r.hash, r.seq);
    } finally {
      file.close();
    }
    return;
  }
  const c = new pg.Client({ connectionString: (location as { databaseUrl: string }).databaseUrl });
  await c.connect();
  try {
    await c.query('drop trigger audit_events_append_only on audit_events');
    for (const r of rows)
      await c.query('update audit_events set target = $1, prev_hash = $2, hash = $3 where seq = $4', [
        r.target,
        r.prevHash,
        r.hash,
        r.seq,
      ]);
  } finally {
    await c.end();
  }
}

describe.each(databases('integration/audit-restart'))('start-up tamper check, catalog on %s', (db) => {
  let first: TestArchive;
  let second: TestArchive | undefined;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDir('audit-restart');
    first = await startTestArchive({ db, dataDir, overrides: SEAL });
  });
  afterAll(async () => {
    await second?.archive.close();
    await first?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('a sealed event changed and the chain re-hashed while down: noticed at restart, nothing sealed', async () => {
    for (let i = 0; i < 5; i++)
      expect(
        (await postJson(`${first.url}/v1/records`, trade(`RESTART-${db}-${i}`), first.ingestToken)).status,
      ).toBe(201);
    await first.archive.audit.sealer.sealNow();
    const latest = await first.catalog.latestAuditSegment();
    if (!latest) throw new Error('a segment expected');
    await first.archive.close();

    const location = first.databaseUrl
      ? { databaseUrl: first.databaseUrl }
      : { sqlitePath: path.join(dataDir, 'catalog.sqlite') };
    await rewrite(db, location, latest.toSeq);

    second = await startTestArchive({
      db: 'sqlite',
      dataDir,
      overrides: { ...SEAL, ...(first.databaseUrl ? { databaseUrl: first.databaseUrl } : {}) },
    });
    // The chain alone no longer shows it: it was re-hashed.
    expect((await verifyAuditChain(second.catalog)).ok).toBe(true);
    const result = await second.archive.audit.sealer.sealNow();
    expect(result.sealed).toEqual([]);
    expect(result.tamper).toMatchObject({ kind: 'catalog_mismatch' });
    expect(result.tamper?.summary).toMatch(/no longer match segment/);

    const verified = await verifyAudit({
      catalog: second.catalog,
      store: second.store,
      bucket: bucketPlan(second.config).audit.bucket,
    });
    expect(verified.ok).toBe(false);
    expect(verified.problems[0]).toMatchObject({ where: `event ${latest.toSeq}`, seq: latest.toSeq });
    expect(verified.problems[0]?.message).toMatch(/differs from the one sealed/);
  });

  test('strongroom audit query: table, CSV and JSON', async () => {
    if (db !== 'sqlite' || !second) return;
    await second.archive.close();
    const config = path.join(dataDir, 'cli.json');
    fs.writeFileSync(
      config,
      JSON.stringify({ logLevel: 'silent', buckets: { prefix: second.config.buckets.prefix } }),
    );
    const common = ['--data', dataDir, '--config', config];
    const table = await cli(['audit', 'query', ...common, '--action', 'records.write', '--limit', '2']);
    expect(table.code).toBe(0);
    expect(table.out.split('\n')[0]).toMatch(/^seq\s+at\s+source\s+principal\s+action\s+target\s+outcome$/);
    expect(table.out).toContain('records.write');
    expect(table.out).toMatch(/more may follow: --after-seq \d+/);
    const csv = await cli(['audit', 'query', ...common, '--format', 'csv', '--target', 'nothing-to-see']);
    expect(csv.code).toBe(0);
    expect(csv.out.split('\r\n')[0]).toBe(
      'seq,at,source,principalId,action,target,outcome,ip,requestId,eventId,details,prevHash,hash',
    );
    expect(csv.out.split('\r\n')[1]).toContain(',nothing-to-see,');
    const json = await cli([
      'audit',
      'query',
      ...common,
      '--format',
      'json',
      '--from',
      '2000-01-01',
      '--outcome',
      'allowed',
    ]);
    const parsed = JSON.parse(json.out) as { items: { outcome: string }[] };
    expect(parsed.items.length).toBeGreaterThan(0);
    for (const e of parsed.items) expect(e.outcome).toBe('allowed');
    expect((await cli(['audit', 'query', ...common, '--format', 'xml'])).code).toBe(1);
    // `audit import` once: the access logs the emulator delivered at its close, and ActionTrail.
    const imported = await cli(['audit', 'import', ...common, '--json']);
    expect(imported.code).toBe(0);
    const run = JSON.parse(imported.out) as {
      ossAccessLogs: { imported: number; unreadable: number };
      actionTrail: { imported: number } | null;
    };
    expect(run.ossAccessLogs.imported).toBeGreaterThan(0);
    expect(run.ossAccessLogs.unreadable).toBe(0);
    expect(run.actionTrail?.imported).toBeGreaterThan(0);
    const puts = await cli([
      'audit',
      'query',
      ...common,
      '--format',
      'json',
      '--source',
      'oss-access-log',
      '--action',
      'oss.PutObject',
    ]);
    expect((JSON.parse(puts.out) as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(5);
    expect((await cli(['audit', 'query', ...common, '--from', 'yesterday'])).code).toBe(1);
  });
});
