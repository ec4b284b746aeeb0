import { verifyAuditChain, type Catalog } from '../../src/catalog';
import { ConflictError, ValidationError } from '../../src/errors';
import { ManualClock } from '../../src/util/clock';
import { T0, ingestEvent, makeRecord } from './fixtures';
import type { CatalogHarness, HarnessFactory } from './harness';

/**
 * Group commit: writes asked for together share one transaction, and each still gets its own
 * answer. Everything here is sent concurrently (no await between calls) so that the writes land
 * in the same group.
 */
export function groupSuite(fresh: HarnessFactory): void {
  let h: CatalogHarness;
  let catalog: Catalog;
  const clock = new ManualClock(T0);

  beforeEach(async () => {
    h = await fresh();
    catalog = await h.open(clock);
  });
  afterEach(async () => {
    await h.destroy();
  });

  test('600 concurrent records (more than one group): dense ledger and audit seqs, each answer its own', async () => {
    const inputs = Array.from({ length: 600 }, (_, i) =>
      makeRecord({ recordId: `T-G-${String(i).padStart(4, '0')}` }),
    );
    const results = await Promise.all(inputs.map((r) => catalog.commitRecord(r, ingestEvent(r.recordId))));
    expect(results.every((r) => r.created)).toBe(true);
    // Grouped for real: at least two groups (512 at most each), none refused as a whole.
    const stats = catalog.writeStats();
    expect(stats.splitGroups).toBe(0);
    expect(stats.largestGroup).toBeGreaterThan(1);
    expect(stats.groups).toBeLessThan(600);
    results.forEach((r, i) => expect(r.record.recordId).toBe(inputs[i]!.recordId));
    expect(results.map((r) => r.ledgerSeq).sort((a, b) => a - b)).toEqual(inputs.map((_, i) => i));
    const auditSeqs = results.map((r) => (r.created ? r.auditSeq : -1)).sort((a, b) => a! - b!);
    expect(auditSeqs).toEqual(inputs.map((_, i) => i));
    // Each record's leaf carries that record's seq.
    const leaves = await catalog.ledgerLeaves();
    expect(leaves).toHaveLength(600);
    for (const r of results) expect(leaves[r.ledgerSeq]!.recordId).toBe(r.record.recordId);
    expect(await catalog.ledgerSize()).toBe(600);
    expect(await catalog.auditSize()).toBe(600);
    expect(await verifyAuditChain(catalog)).toMatchObject({ ok: true, count: 600 });
  });

  test('the same id twice in one group: one row, the second answered as existing', async () => {
    const a = makeRecord({ recordId: 'T-G-DUP' });
    const b = makeRecord({ recordId: 'T-G-DUP', sha256: 'f'.repeat(64) });
    const [first, second] = await Promise.all([
      catalog.commitRecord(a, ingestEvent(a.recordId)),
      catalog.commitRecord(b, ingestEvent(b.recordId)),
    ]);
    expect(first).toMatchObject({ created: true, ledgerSeq: 0 });
    expect(second).toMatchObject({ created: false, ledgerSeq: 0 });
    expect(second!.record.sha256).toBe(a.sha256);
    expect(await catalog.ledgerSize()).toBe(1);
    expect(await catalog.auditSize()).toBe(1);
  });

  test('an object key taken in the same group fails that record alone', async () => {
    const a = makeRecord({ recordId: 'T-G-K1' });
    const b = makeRecord({ recordId: 'T-G-K2', objectKey: a.objectKey });
    const c = makeRecord({ recordId: 'T-G-K3' });
    const settled = await Promise.allSettled([
      catalog.commitRecord(a, ingestEvent(a.recordId)),
      catalog.commitRecord(b, ingestEvent(b.recordId)),
      catalog.commitRecord(c, ingestEvent(c.recordId)),
    ]);
    expect(settled[0]).toMatchObject({ status: 'fulfilled', value: { created: true } });
    expect(settled[1]).toMatchObject({ status: 'rejected' });
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(settled[2]).toMatchObject({ status: 'fulfilled', value: { created: true } });
    expect(await catalog.getRecord('T-G-K2')).toBeUndefined();
    expect(await catalog.ledgerSize()).toBe(2);
  });

  test('an invalid record and a reused audit event id fail alone; the rest of the group is written', async () => {
    const first = await catalog.appendAudit(ingestEvent('x', { eventId: 'evt_fixed_0001' }));
    expect(first.seq).toBe(0);
    const good = makeRecord({ recordId: 'T-G-OK' });
    const invalid = makeRecord({ recordId: 'T-G-BAD', sha256: 'nothex' });
    const settled = await Promise.allSettled([
      catalog.commitRecord(good, ingestEvent(good.recordId)),
      catalog.appendAudit(ingestEvent('again', { eventId: 'evt_fixed_0001' })),
      catalog.commitRecord(invalid, ingestEvent(invalid.recordId)),
      catalog.appendAudit(ingestEvent('other')),
    ]);
    expect(settled[0]).toMatchObject({ status: 'fulfilled', value: { created: true } });
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(ValidationError);
    expect(settled[3]).toMatchObject({ status: 'fulfilled' });
    expect(catalog.writeStats().splitGroups).toBe(1);
    expect(await catalog.getRecord('T-G-OK')).toBeDefined();
    expect(await catalog.getRecord('T-G-BAD')).toBeUndefined();
    const events = await catalog.auditEvents();
    expect(events.map((e) => e.target)).toEqual(['x', 'T-G-OK', 'other']);
    expect(await verifyAuditChain(catalog)).toMatchObject({ ok: true, count: 3 });
  });

  test('close waits for writes already asked for', async () => {
    const inputs = Array.from({ length: 50 }, (_, i) => makeRecord({ recordId: `T-G-C${i}` }));
    const pending = inputs.map((r) => catalog.commitRecord(r, ingestEvent(r.recordId)));
    const closing = catalog.close();
    const results = await Promise.all(pending);
    await closing;
    expect(results.every((r) => r.created)).toBe(true);
    catalog = await h.open(clock);
    expect(await catalog.ledgerSize()).toBe(50);
  });
}
