import { leafHash, verifyAuditChain, type Catalog } from '../../src/catalog';
import {
  AlertAcknowledgedError,
  ConflictError,
  LedgerConflictError,
  NotFoundError,
  ValidationError,
} from '../../src/errors';
import { ManualClock } from '../../src/util/clock';
import { T0, ingestEvent, makeRecord, sha256Of } from './fixtures';
import type { CatalogHarness, HarnessFactory } from './harness';

const ROOT_A = 'a'.repeat(64);
const ROOT_B = 'b'.repeat(64);
const cpKey = (n: number): string => `ledger/checkpoint/${String(n).padStart(20, '0')}`;

/** The evidence tables of migration 0006 (evidence-types.ts), on every database. */
export function evidenceSuite(fresh: HarnessFactory): void {
  let h: CatalogHarness;
  let catalog: Catalog;
  const clock = new ManualClock(T0);
  beforeAll(async () => {
    h = await fresh();
    catalog = await h.open(clock);
  });
  afterAll(async () => {
    await h.destroy();
  });

  test('checkpoints: idempotent, another root for a size refused, latest and pages by size', async () => {
    expect(await catalog.latestCheckpointRow()).toBeUndefined();
    for (const n of [3, 1, 7]) await catalog.addCheckpoint({ treeSize: n, rootHash: ROOT_A, key: cpKey(n) });
    const again = await catalog.addCheckpoint({ treeSize: 3, rootHash: ROOT_A, key: cpKey(3) });
    expect(again).toEqual({ treeSize: 3, rootHash: ROOT_A, key: cpKey(3), createdAt: T0 });
    await expect(
      catalog.addCheckpoint({ treeSize: 3, rootHash: ROOT_B, key: cpKey(3) }),
    ).rejects.toBeInstanceOf(LedgerConflictError);
    await expect(catalog.addCheckpoint({ treeSize: 4, rootHash: 'x', key: cpKey(4) })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect((await catalog.latestCheckpointRow())?.treeSize).toBe(7);
    expect((await catalog.checkpointRows({ limit: 2 })).map((c) => c.treeSize)).toEqual([1, 3]);
    expect((await catalog.checkpointRows({ afterSize: 3, limit: 10 })).map((c) => c.treeSize)).toEqual([7]);
    await expect(catalog.checkpointRows({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(catalog.checkpointRows({ limit: 1001 })).rejects.toBeInstanceOf(ValidationError);
    // The database itself refuses to rewrite a checkpoint's row.
    await expect(
      h.exec(`update ledger_checkpoints set root_hash = '${ROOT_B}' where tree_size = 3`),
    ).rejects.toThrow();
    await expect(h.exec('delete from ledger_checkpoints')).rejects.toThrow();
  });

  test('ledger leaves and audit events counted below a seq; segments indexed once, with their leaf', async () => {
    for (let i = 0; i < 3; i++) {
      const r = makeRecord({ recordId: `EV-${i}` });
      await catalog.commitRecord(r, ingestEvent(r.recordId));
    }
    expect(await catalog.ledgerLeafCount(2)).toBe(2);
    expect(await catalog.ledgerLeafCount(100)).toBe(3);
    expect(await catalog.auditEventCount(1)).toBe(1);
    const id = `audit-${'0'.padStart(20, '0')}-${'2'.padStart(20, '0')}`;
    const sha = sha256Of('segment 0-2');
    const leaf = await catalog.appendLedgerEntry({ kind: 'audit_segment', id, sha256: sha });
    expect(await catalog.latestAuditSegment()).toBeUndefined();
    const seg = {
      id,
      fromSeq: 0,
      toSeq: 2,
      key: `audit/segment/${id}.ndjson`,
      sha256: sha,
      lastHash: (await catalog.auditEvents({ fromSeq: 2, limit: 1 }))[0]?.hash ?? '',
      ledgerSeq: leaf.seq,
    };
    const stored = await catalog.addAuditSegment(seg);
    expect(stored).toEqual({ ...seg, createdAt: T0 });
    expect(await catalog.addAuditSegment(seg)).toEqual(stored);
    await expect(catalog.addAuditSegment({ ...seg, sha256: sha256Of('other') })).rejects.toBeInstanceOf(
      LedgerConflictError,
    );
    expect(await catalog.latestAuditSegment()).toEqual(stored);
    expect(await catalog.auditSegments({ limit: 10 })).toEqual([stored]);
    expect(await catalog.auditSegments({ afterFromSeq: 0, limit: 10 })).toEqual([]);
    // A segment must stand on a ledger leaf that exists. (Read the message: a native SQLite
    // error may come from another realm, which rejects.toThrow does not see as an Error.)
    const orphan = await catalog
      .addAuditSegment({ ...seg, id: 'audit-x', fromSeq: 3, toSeq: 3, key: 'k2', ledgerSeq: 999 })
      .then(
        () => 'stored',
        (err: unknown) => String((err as { message?: unknown }).message),
      );
    expect(orphan).toMatch(/foreign key/i);
  });

  test('audit queries filter with AND, by seq, keyset; sources hash in their own form; counts by source', async () => {
    const base = await catalog.auditSize();
    await catalog.appendAudit({
      principalId: 'usr_q1',
      action: 'record.read',
      target: 'T-Q',
      outcome: 'allowed',
      at: new Date(T0.getTime() + 60_000),
    });
    await catalog.appendAudit({
      principalId: 'usr_q1',
      action: 'record.read',
      target: 'T-Q',
      outcome: 'denied',
      source: 'oss-access-log',
      eventId: 'evt_oss_1',
      at: new Date(T0.getTime() + 120_000),
    });
    await catalog.appendAudit({
      principalId: 'usr_q2',
      action: 'PutObject',
      target: 'bucket/key',
      outcome: 'allowed',
      source: 'actiontrail',
      eventId: 'evt_at_1',
      at: new Date(T0.getTime() + 180_000),
    });
    const byPrincipal = await catalog.queryAudit({ principalId: 'usr_q1', limit: 10 });
    expect(byPrincipal.map((e) => e.seq)).toEqual([base, base + 1]);
    expect(await catalog.queryAudit({ principalId: 'usr_q1', outcome: 'denied', limit: 10 })).toEqual([
      byPrincipal[1],
    ]);
    expect((await catalog.queryAudit({ source: 'actiontrail', limit: 10 })).map((e) => e.eventId)).toEqual([
      'evt_at_1',
    ]);
    expect(
      (await catalog.queryAudit({ afterSeq: base, target: 'T-Q', limit: 10 })).map((e) => e.seq),
    ).toEqual([base + 1]);
    const window = await catalog.queryAudit({
      from: new Date(T0.getTime() + 120_000),
      to: new Date(T0.getTime() + 180_000),
      limit: 10,
    });
    expect(window.map((e) => e.eventId)).toEqual(['evt_oss_1']);
    expect(await catalog.queryAudit({ action: 'nothing', limit: 1 })).toEqual([]);
    await expect(catalog.queryAudit({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(catalog.queryAudit({ limit: 10, from: new Date('nope') })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      catalog.queryAudit({ limit: 10, source: 'elsewhere' as unknown as 'api' }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect((await catalog.existingEventIds(['evt_oss_1', 'evt_missing', 'evt_at_1'])).sort()).toEqual([
      'evt_at_1',
      'evt_oss_1',
    ]);
    expect(await catalog.auditEventCountsBySource()).toEqual([
      { source: 'actiontrail', count: 1 },
      { source: 'api', count: base + 1 },
      { source: 'oss-access-log', count: 1 },
    ]);
    expect(await verifyAuditChain(catalog)).toMatchObject({ ok: true, count: base + 3 });
  });

  test('import positions and imported log objects', async () => {
    expect(await catalog.importPosition('actiontrail')).toBeUndefined();
    await catalog.setImportPosition('actiontrail', '2026-11-21T01:00:00Z');
    await catalog.setImportPosition('actiontrail', '2026-11-21T02:00:00Z');
    expect(await catalog.importPosition('actiontrail')).toBe('2026-11-21T02:00:00Z');
    await catalog.markLogObjectImported({ key: 'log/a', sourceBucket: 'logs', lines: 3 });
    await catalog.markLogObjectImported({ key: 'log/a', sourceBucket: 'logs', lines: 3 });
    const many = Array.from({ length: 1200 }, (_, i) => `log/x${i}`);
    expect(await catalog.importedLogObjects(['log/a', 'log/b', ...many])).toEqual(['log/a']);
  });

  test('STS attributions: registered once, the same facts again are fine, others refused', async () => {
    const a = {
      accessKeyId: 'STS.NUabc123',
      purpose: 'export',
      exportId: 'exp_1',
      recipient: 'SFC',
      roleArn: 'acs:ram::1:role/export',
      expiresAt: new Date(T0.getTime() + 3_600_000),
    };
    const stored = await catalog.registerStsAttribution(a);
    expect(stored).toEqual({ ...a, registeredAt: T0 });
    expect(await catalog.registerStsAttribution(a)).toEqual(stored);
    await expect(catalog.registerStsAttribution({ ...a, recipient: 'someone' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(catalog.registerStsAttribution({ ...a, accessKeyId: 'bad key!' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await catalog.stsAttribution('STS.NUabc123')).toEqual(stored);
    expect(await catalog.stsAttribution('STS.none')).toBeUndefined();
    await expect(h.exec(`update sts_attributions set recipient = 'x'`)).rejects.toThrow();
  });

  test('alerts: deduped while open, listed newest first, acknowledged once with its audit event', async () => {
    const raise = (id: string, dedupeKey?: string) =>
      catalog.raiseAlert({
        id,
        source: 'ledger',
        kind: 'catalog_mismatch',
        summary: `leaf 4 differs (${id})`,
        details: { index: 4, expected: ROOT_A },
        ...(dedupeKey !== undefined ? { dedupeKey } : {}),
        raisedAt: clock.now(),
      });
    const first = await raise('alr_1', 'ledger:leaf:4');
    expect(first.created).toBe(true);
    expect(first.alert).toMatchObject({ id: 'alr_1', acknowledgedAt: null, dedupeKey: 'ledger:leaf:4' });
    expect(first.alert.details).toEqual({ index: 4, expected: ROOT_A });
    clock.advance(1000);
    const dup = await raise('alr_2', 'ledger:leaf:4');
    expect(dup).toEqual({ alert: first.alert, created: false });
    clock.advance(1000);
    const other = await raise('alr_3');
    expect(other.created).toBe(true);
    expect(await catalog.openAlertCount()).toBe(2);
    expect((await catalog.listAlerts({ limit: 10 })).map((a) => a.id)).toEqual(['alr_3', 'alr_1']);
    expect(
      (await catalog.listAlerts({ limit: 10, before: { raisedAt: other.alert.raisedAt, id: 'alr_3' } })).map(
        (a) => a.id,
      ),
    ).toEqual(['alr_1']);
    await expect(catalog.listAlerts({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);

    const auditBefore = await catalog.auditSize();
    const audit = {
      principalId: 'usr_admin',
      action: 'alert.acknowledge',
      target: 'alr_1',
      outcome: 'allowed' as const,
    };
    const acked = await catalog.acknowledgeAlert(
      'alr_1',
      { by: 'usr_admin', reason: 'restored', at: clock.now() },
      audit,
    );
    expect(acked.alert).toMatchObject({ acknowledgedBy: 'usr_admin', acknowledgement: 'restored' });
    expect(acked.alert.acknowledgedAt).toEqual(clock.now());
    expect(acked.event).toMatchObject({ seq: auditBefore, action: 'alert.acknowledge', target: 'alr_1' });
    expect(await catalog.auditSize()).toBe(auditBefore + 1);
    await expect(
      catalog.acknowledgeAlert('alr_1', { by: 'usr_admin', reason: 'again', at: clock.now() }, audit),
    ).rejects.toBeInstanceOf(AlertAcknowledgedError);
    await expect(
      catalog.acknowledgeAlert('alr_none', { by: 'usr_admin', reason: 'x', at: clock.now() }, audit),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      catalog.acknowledgeAlert('alr_3', { by: 'usr_admin', reason: '  ', at: clock.now() }, audit),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await catalog.auditSize()).toBe(auditBefore + 1);
    expect(await catalog.openAlertCount()).toBe(1);
    expect((await catalog.listAlerts({ all: true, limit: 10 })).map((a) => a.id)).toEqual(['alr_3', 'alr_1']);
    // Once acknowledged, the same trouble opens a new alert.
    expect((await raise('alr_4', 'ledger:leaf:4')).created).toBe(true);
    expect((await catalog.getAlert('alr_1'))?.acknowledgement).toBe('restored');
    expect(await catalog.getAlert('alr_none')).toBeUndefined();
    await expect(h.exec(`delete from alerts where id = 'alr_3'`)).rejects.toThrow();
    await expect(h.exec(`update alerts set summary = 'nothing' where id = 'alr_1'`)).rejects.toThrow();
    expect(await verifyAuditChain(catalog)).toMatchObject({ ok: true });
  });

  test('job requests: the latest request per job', async () => {
    expect(await catalog.jobRequestedAt('checkpoint')).toBeUndefined();
    await catalog.requestJob('checkpoint');
    expect(await catalog.jobRequestedAt('checkpoint')).toEqual(clock.now());
    clock.advance(5000);
    await catalog.requestJob('checkpoint');
    expect(await catalog.jobRequestedAt('checkpoint')).toEqual(clock.now());
    expect(await catalog.jobRequestedAt('sealer')).toBeUndefined();
  });

  test('reindex restores leaves at their seqs (with their records) and audit events verbatim', async () => {
    const h2 = await fresh();
    try {
      const target = await h2.open(clock);
      const leaves = await catalog.ledgerLeaves();
      const restored = await Promise.all(
        leaves.map(async (l) => {
          const rec = l.kind === 'record' ? await catalog.getRecord(l.recordId) : undefined;
          return {
            seq: l.seq,
            kind: l.kind,
            id: l.recordId,
            sha256: rec?.sha256 ?? sha256Of('segment 0-2'),
            ...(rec ? { record: makeRecord({ recordId: rec.recordId }) } : {}),
          };
        }),
      );
      // Not at the ledger's end: refused, nothing written.
      await expect(target.restoreLedgerLeaves(restored.slice(1))).rejects.toBeInstanceOf(LedgerConflictError);
      await expect(target.restoreLedgerLeaves([restored[0]!, restored[2]!])).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(
        target.restoreLedgerLeaves([{ ...restored[0]!, sha256: sha256Of('not the record') }]),
      ).rejects.toBeInstanceOf(ValidationError);
      expect(await target.ledgerSize()).toBe(0);
      await target.restoreLedgerLeaves(restored.slice(0, 2));
      await target.restoreLedgerLeaves(restored.slice(2));
      expect(await target.ledgerSize()).toBe(leaves.length);
      const back = await target.ledgerLeaves();
      expect(back.map((l) => [l.seq, l.kind, l.recordId, l.leafHash])).toEqual(
        leaves.map((l) => [l.seq, l.kind, l.recordId, l.leafHash]),
      );
      expect(back[0]?.leafHash).toBe(leafHash({ kind: 'record', id: 'EV-0', sha256: restored[0]!.sha256 }));
      expect((await target.getRecord('EV-1'))?.ledgerSeq).toBe(1);
      // The ledger goes on after the restored leaves.
      const next = await target.commitRecord(makeRecord({ recordId: 'EV-NEXT' }), ingestEvent('EV-NEXT'));
      expect(next.ledgerSeq).toBe(leaves.length);

      const events = await catalog.auditEvents();
      const t2 = await h2.open(clock);
      const h3 = await fresh();
      try {
        const empty = await h3.open(clock);
        const tampered = { ...events[1]!, action: 'record.delete' };
        await expect(empty.restoreAuditEvents([events[0]!, tampered])).rejects.toBeInstanceOf(
          ValidationError,
        );
        await expect(empty.restoreAuditEvents(events.slice(1))).rejects.toBeInstanceOf(LedgerConflictError);
        await empty.restoreAuditEvents(events.slice(0, 3));
        await empty.restoreAuditEvents(events.slice(3));
        expect(await empty.auditEvents()).toEqual(events);
        expect(await verifyAuditChain(empty)).toMatchObject({ ok: true, count: events.length });
      } finally {
        await h3.destroy();
      }
      expect(await t2.auditSize()).toBe(1);
    } finally {
      await h2.destroy();
    }
  });
}
