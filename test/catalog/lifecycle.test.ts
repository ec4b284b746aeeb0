import { leafHash, verifyAuditChain, type Catalog, type NewAuditEvent } from '../../src/catalog';
import { FourEyesError, HoldReleasedError, RetentionRaceError } from '../../src/errors';
import { ManualClock } from '../../src/util/clock';
import { T0, makeRecord } from './fixtures';
import {
  TEST_DATABASE_URL,
  postgresHarnessFactory,
  sqliteHarnessFactory,
  type CatalogHarness,
  type HarnessFactory,
} from './harness';

/** Migration 0010 (holds, retention changes, dispositions, fixity sweeps) on each database. */
function event(action: string, principalId: string, target: string): NewAuditEvent {
  return { principalId, action, target, outcome: 'allowed' };
}

function lifecycleSuite(fresh: HarnessFactory): void {
  let h: CatalogHarness;
  let catalog: Catalog;
  let alice: string;
  let bob: string;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    h = await fresh();
    catalog = await h.open(clock);
    alice = (await catalog.addPrincipal({ name: 'alice', role: 'compliance', kind: 'user' })).id;
    bob = (await catalog.addPrincipal({ name: 'bob', role: 'compliance', kind: 'user' })).id;
    for (const [id, clientId] of [
      ['L-1', 'C-1'],
      ['L-2', 'C-1'],
      ['L-3', 'C-2'],
    ] as const) {
      const r = makeRecord({ recordId: id, clientId, retentionClass: 'aml' });
      await catalog.commitRecord(r, event('record.ingest', 'usr_ingest0001', id));
    }
  });
  afterAll(async () => {
    await h.destroy();
  });

  test('a hold covers records by criteria, later ones too; only another principal releases it, once', async () => {
    const hold = await catalog.placeHold(
      {
        id: 'hold-1',
        name: 'Probe',
        matter: 'SFC-1',
        reason: 'inquiry',
        criteria: { clientId: 'C-1' },
        placedBy: alice,
      },
      event('hold.place', alice, 'hold-1'),
    );
    expect(hold.release).toBeNull();
    const later = makeRecord({ recordId: 'L-4', clientId: 'C-1' });
    await catalog.commitRecord(later, event('record.ingest', 'usr_ingest0001', 'L-4'));
    const covered = await catalog.recordsUnderHold('hold-1', { limit: 10 });
    expect(covered.map((r) => r.recordId)).toEqual(['L-1', 'L-2', 'L-4']);
    expect((await catalog.holdsOnRecord('L-4')).map((x) => x.id)).toEqual(['hold-1']);
    expect(await catalog.holdsOnRecord('L-3')).toEqual([]);

    await expect(
      catalog.releaseHold(
        { holdId: 'hold-1', releasedBy: alice, reason: 'done' },
        event('hold.release', alice, 'hold-1'),
      ),
    ).rejects.toBeInstanceOf(FourEyesError);
    const released = await catalog.releaseHold(
      { holdId: 'hold-1', releasedBy: bob, reason: 'closed' },
      event('hold.release', bob, 'hold-1'),
    );
    expect(released.release).toMatchObject({ releasedBy: bob, reason: 'closed' });
    await expect(
      catalog.releaseHold(
        { holdId: 'hold-1', releasedBy: bob, reason: 'again' },
        event('hold.release', bob, 'hold-1'),
      ),
    ).rejects.toBeInstanceOf(HoldReleasedError);
    // The database itself refuses a release by the placer, and any change to the tables.
    await expect(
      h.exec(`insert into holds (id, name, matter, reason, client_id, has_record_ids, placed_by, placed_at)
        values ('hold-2', 'n', 'm', 'r', 'C-2', 0, '${alice}', '2026-11-21T01:31:02.123Z')`),
    ).resolves.toBeUndefined();
    await expect(
      h.exec(`insert into hold_releases values ('hold-2', '${alice}', 'x', '2026-11-21T01:31:02.123Z')`),
    ).rejects.toThrow(/four eyes/);
    await expect(h.exec(`delete from hold_releases where hold_id = 'hold-1'`)).rejects.toThrow(
      /append-only|refused/,
    );
    await expect(h.exec(`update holds set reason = 'x' where id = 'hold-1'`)).rejects.toThrow(
      /append-only|refused/,
    );
  });

  test('retention changes only move later, and the event and changes are audited together', async () => {
    const before = (await catalog.getRecord('L-1'))!.retainUntil;
    const later = new Date(before.getTime() + 86_400_000);
    const audits = await catalog.auditSize();
    await catalog.commitRetentionEvent(
      { id: 'rev-1', clientId: 'C-1', event: 'relationship_ended', at: T0, recordedBy: alice },
      [{ recordId: 'L-1', previous: before, retainUntil: later }],
      [event('retention.event', alice, 'C-1'), event('retention.change', alice, 'L-1')],
    );
    expect(await catalog.auditSize()).toBe(audits + 2);
    expect((await catalog.retentionChanges('L-1')).map((c) => c.retainUntil)).toEqual([later]);
    const retained = await catalog.clientRecordsInClasses('C-1', ['aml'], { limit: 10 });
    expect(retained.map((r) => [r.record.recordId, r.retainUntil.getTime()])).toEqual([
      ['L-1', later.getTime()],
      ['L-2', (await catalog.getRecord('L-2'))!.retainUntil.getTime()],
    ]);
    await expect(
      catalog.commitRetentionEvent(
        { id: 'rev-2', clientId: 'C-1', event: 'relationship_ended', at: T0, recordedBy: alice },
        [{ recordId: 'L-1', previous: later, retainUntil: before }],
        [event('retention.event', alice, 'C-1')],
      ),
    ).rejects.toBeInstanceOf(RetentionRaceError);
    expect(await catalog.clientRetentionEvents('C-1')).toHaveLength(1);
    expect((await verifyAuditChain(catalog)).ok).toBe(true);
  });

  test('a fixity sweep keeps progress and problems, and finishes with its verification_report leaf', async () => {
    await catalog.startFixitySweep({
      id: 'fx-1',
      kind: 'head',
      bucket: null,
      samplePpm: 1_000_000,
      initiated: '"cli"',
    });
    expect((await catalog.unfinishedFixitySweep('head'))?.id).toBe('fx-1');
    await catalog.saveFixityProgress('fx-1', 1, '{"a":1}');
    await catalog.saveFixityProgress('fx-1', 2, '{"a":2}');
    expect(await catalog.fixityProgress('fx-1')).toEqual({ step: 2, state: '{"a":2}' });
    expect(await catalog.addFixityProblems('fx-1', [{ key: 'k1', position: 0, problem: '{}' }])).toBe(1);
    expect(
      await catalog.addFixityProblems('fx-1', [
        { key: 'k1', position: 0, problem: '{}' },
        { key: 'k2', position: 1, problem: '{}' },
      ]),
    ).toBe(1);
    expect((await catalog.fixityProblems('fx-1')).map((p) => p.key)).toEqual(['k1', 'k2']);
    expect((await catalog.fixityRecords({ afterSeq: -1, limit: 2 })).map((r) => r.recordId)).toEqual([
      'L-1',
      'L-2',
    ]);
    expect(await catalog.countFixityRecords()).toBe(4);
    const known = await catalog.cataloguedObjects('strongroom-records-7y', [
      'trade/2026/11/21/L-1.json',
      'trade/2026/11/21/NOPE.json',
    ]);
    expect(known.map((k) => [k.key, k.recordId, k.role])).toEqual([
      ['trade/2026/11/21/L-1.json', 'L-1', 'object'],
    ]);
    const sha = 'ab'.repeat(32);
    const result = await catalog.finishFixitySweep(
      { sweepId: 'fx-1', reportKey: 'fixity/fx-1.json', reportSha256: sha, summary: '{}', problems: 2 },
      event('fixity.report', 'sys_fixity', 'fx-1'),
    );
    expect(await catalog.unfinishedFixitySweep('head')).toBeUndefined();
    const [leaf] = await catalog.ledgerLeaves({ fromSeq: result.ledgerSeq, limit: 1 });
    expect(leaf).toMatchObject({ kind: 'verification_report', recordId: 'fx-1', sha256: sha });
    expect(leaf?.leafHash).toBe(leafHash({ kind: 'verification_report', id: 'fx-1', sha256: sha }));
    expect((await catalog.fixitySweeps({ limit: 5 }))[0]?.result?.problems).toBe(2);
  });
}

describe('lifecycle tables on SQLite', () => lifecycleSuite(sqliteHarnessFactory()));
describe('lifecycle tables on SQLite in a worker thread', () =>
  lifecycleSuite(sqliteHarnessFactory({ worker: true })));
if (!TEST_DATABASE_URL)
  console.warn('lifecycle: the PostgreSQL run was SKIPPED because TEST_DATABASE_URL is not set.');
(TEST_DATABASE_URL ? describe : describe.skip)('lifecycle tables on PostgreSQL', () =>
  lifecycleSuite(postgresHarnessFactory(TEST_DATABASE_URL)),
);
