import type { AuditEvent, Catalog, ExportCriteria, NewRecord } from '../../src/catalog';
import { ValidationError } from '../../src/errors';
import { selectRecords } from '../../src/export/selection';
import { ManualClock } from '../../src/util/clock';
import { T0, ingestEvent, makeRecord } from './fixtures';
import type { CatalogHarness, HarnessFactory } from './harness';

/**
 * auditEventsOfSelection (the audit trail of an export's records) against what the export
 * builder did before it: every event below the audit size, kept when its target is one of the
 * records `selectRecords` yields for the same criteria and ledger size.
 */
export function selectionAuditSuite(fresh: HarnessFactory): void {
  let h: CatalogHarness;
  let catalog: Catalog;
  /** The ledger's size after the first records: the later ones match criteria but are past it. */
  let ledgerSize = 0;
  /** The audit trail's size before the last events (about selected records too). */
  let belowSeq = 0;

  const record = (recordId: string, o: Partial<NewRecord> = {}): NewRecord =>
    makeRecord({ recordId, businessDate: '2026-11-05', clientId: 'C-1', ...o });
  const read = (target: string | null): Promise<AuditEvent> =>
    catalog.appendAudit({ principalId: 'usr_reader0001', action: 'record.read', target, outcome: 'allowed' });

  beforeAll(async () => {
    h = await fresh();
    catalog = await h.open(new ManualClock(T0));
    const first = [
      record('T-1', {
        businessDate: '2026-11-02',
        accountId: 'A-1',
        instrument: 'XHKG:0700',
        orderId: 'O-1',
        tradeId: 'TR-1',
      }),
      record('T-2', { clientId: 'C-2' }),
      record('O-3', { recordType: 'order' }),
      record('T-4', { businessDate: '2026-12-01', accountId: 'A-2' }),
      record('D-5', {
        recordType: 'document',
        documentType: 'contract_note_pdf',
        fileName: 'note.pdf',
        contentType: 'application/pdf',
      }),
      // Another record whose id differs from T-1's by case only: never T-1's events.
      record('t-1', { clientId: 'C-9' }),
    ];
    for (const r of first) await catalog.commitRecord(r, ingestEvent(r.recordId));
    ledgerSize = await catalog.ledgerSize();
    // Matches most criteria below, but its leaf is past the export's ledger size.
    const later = record('T-6');
    await catalog.commitRecord(later, ingestEvent(later.recordId));
    for (const target of [
      'T-1',
      'T-6',
      'D-5',
      't-1',
      'T-404',
      null,
      'exp_0001',
      'T-2',
      'usr_reader0001',
      'T-4',
    ])
      await read(target);
    await catalog.appendAudit({
      principalId: 'usr_admin0001',
      action: 'record.correct',
      target: 'T-1',
      outcome: 'denied',
      details: { reason: 'test' },
    });
    belowSeq = await catalog.auditSize();
    for (const target of ['T-1', 'T-2', 'D-5']) await read(target);
  });
  afterAll(async () => {
    await h.destroy();
  });

  /** What the builder kept before: the whole trail below belowSeq, filtered by the ids selected. */
  async function expected(criteria: ExportCriteria): Promise<AuditEvent[]> {
    const ids = new Set<string>();
    for await (const r of selectRecords(catalog, criteria, ledgerSize)) ids.add(r.recordId);
    const all: AuditEvent[] = [];
    for (let from = 0; from < belowSeq;) {
      const page = await catalog.auditEvents({ fromSeq: from, limit: Math.min(10_000, belowSeq - from) });
      if (page.length === 0) break;
      all.push(...page);
      from = (page[page.length - 1] as AuditEvent).seq + 1;
    }
    return all.filter((e) => e.target !== null && ids.has(e.target));
  }

  /** The new read, paged by seq `limit` at a time. */
  async function paged(criteria: ExportCriteria, limit: number, fromSeq = 0): Promise<AuditEvent[]> {
    const out: AuditEvent[] = [];
    for (let from = fromSeq; ;) {
      const page = await catalog.auditEventsOfSelection(
        { criteria, ledgerSize },
        { fromSeq: from, belowSeq, limit },
      );
      expect(page.length).toBeLessThanOrEqual(limit);
      out.push(...page);
      if (page.length < limit) return out;
      from = (page[page.length - 1] as AuditEvent).seq + 1;
    }
  }

  /** The builder's read: seqs `seqLimit` at a time, then their rows `rowLimit` at a time. */
  async function bySeqs(criteria: ExportCriteria, seqLimit: number, rowLimit: number): Promise<AuditEvent[]> {
    const out: AuditEvent[] = [];
    for (let from = 0; ;) {
      const seqs = await catalog.auditSeqsOfSelection(
        { criteria, ledgerSize },
        { fromSeq: from, belowSeq, limit: seqLimit },
      );
      expect(seqs.length).toBeLessThanOrEqual(seqLimit);
      for (let at = 0; at < seqs.length; at += rowLimit) {
        const wanted = seqs.slice(at, at + rowLimit);
        const events = await catalog.auditEventsAt(wanted);
        expect(events.map((e) => e.seq)).toEqual(wanted);
        out.push(...events);
      }
      if (seqs.length < seqLimit) return out;
      from = (seqs[seqs.length - 1] as number) + 1;
    }
  }

  const cases: [string, ExportCriteria, string[]][] = [
    ['a date from', { from: '2026-11-05' }, ['T-2', 'O-3', 'T-4', 'D-5', 't-1']],
    ['a date range', { from: '2026-11-02', to: '2026-11-05' }, ['T-1', 'T-2', 'O-3', 'D-5', 't-1']],
    ['a client', { clientId: 'C-1' }, ['T-1', 'O-3', 'T-4', 'D-5']],
    ['a type', { type: 'trade' }, ['T-1', 'T-2', 'T-4', 't-1']],
    ['the document type', { type: 'document' }, ['D-5']],
    ['a type and a client', { type: 'trade', clientId: 'C-1' }, ['T-1', 'T-4']],
    ['an account', { accountId: 'A-1' }, ['T-1']],
    ['an instrument', { instrument: 'XHKG:0700' }, ['T-1']],
    ['an order id', { orderId: 'O-1' }, ['T-1']],
    ['a trade id', { tradeId: 'TR-1' }, ['T-1']],
    ['a client with no record', { clientId: 'C-404' }, []],
    [
      'record ids (missing, repeated, past the ledger size, differing by case)',
      { recordIds: ['T-404', 'D-5', 'T-1', 'T-6', 'T-1'] },
      ['T-1', 'D-5'],
    ],
    [
      'record ids with other criteria',
      { recordIds: ['T-1', 'T-2', 'O-3', 'T-4', 'D-5', 'T-6', 't-1'], clientId: 'C-1', from: '2026-11-03' },
      ['O-3', 'T-4', 'D-5'],
    ],
    [
      'record ids with a type and an end date',
      { recordIds: ['T-1', 'T-4', 'O-3'], type: 'trade', to: '2026-11-08' },
      ['T-1'],
    ],
    // Named ids are compared in code as strings, a date that is no calendar day included.
    ['record ids with an unchecked date', { recordIds: ['T-1', 'T-2', 'T-4'], from: '2026-11-31' }, ['T-4']],
  ];

  test.each(cases)(
    '%s: the same events as the whole trail filtered by the selected ids',
    async (_name, criteria, ids) => {
      const want = await expected(criteria);
      // The fixture gives each case the records it means to select, each with its events.
      expect([...new Set(want.map((e) => e.target))].sort()).toEqual([...ids].sort());
      expect(want.every((e) => e.seq < belowSeq)).toBe(true);
      expect(await paged(criteria, 10_000)).toEqual(want);
      expect(await paged(criteria, 2)).toEqual(want);
      expect(await bySeqs(criteria, 100_000, 1000)).toEqual(want);
      expect(await bySeqs(criteria, 3, 2)).toEqual(want);
      const mid = want[Math.floor(want.length / 2)];
      if (mid !== undefined)
        expect(await paged(criteria, 3, mid.seq)).toEqual(want.filter((e) => e.seq >= mid.seq));
    },
  );

  test.each(cases)('%s: measureSelection counts what selectRecords yields', async (_name, criteria, ids) => {
    let records = 0;
    let bytes = 0;
    let lastLedgerSeq = -1;
    for await (const r of selectRecords(catalog, criteria, ledgerSize)) {
      records += 1;
      bytes += r.size;
      lastLedgerSeq = Math.max(lastLedgerSeq, r.ledgerSeq);
    }
    expect(records).toBe(ids.length);
    expect(await catalog.measureSelection({ criteria, ledgerSize })).toEqual({
      records,
      bytes,
      lastLedgerSeq,
    });
  });

  test('measureSelection: a larger ledger size counts the later record; bad selections are refused', async () => {
    const criteria = { clientId: 'C-1', type: 'trade' };
    const before = await catalog.measureSelection({ criteria, ledgerSize });
    const after = await catalog.measureSelection({ criteria, ledgerSize: await catalog.ledgerSize() });
    expect(after.records).toBe(before.records + 1);
    expect(after.lastLedgerSeq).toBeGreaterThan(before.lastLedgerSeq);
    await expect(catalog.measureSelection({ criteria: { from: '2026-02-30' }, ledgerSize })).rejects.toThrow(
      ValidationError,
    );
    await expect(catalog.measureSelection({ criteria, ledgerSize: -1 })).rejects.toThrow(ValidationError);
    await expect(
      catalog.measureSelection({
        criteria: { recordIds: Array.from({ length: 10_001 }, (_, i) => `T-${i}`) },
        ledgerSize,
      }),
    ).rejects.toThrow(ValidationError);
  });

  test('a larger ledger size or audit size takes the later records and events', async () => {
    const criteria = { clientId: 'C-1', type: 'trade' };
    const all = await catalog.auditEventsOfSelection(
      { criteria, ledgerSize: await catalog.ledgerSize() },
      { belowSeq: await catalog.auditSize(), limit: 10_000 },
    );
    const targets = all.map((e) => e.target);
    expect(targets).toContain('T-6');
    expect(targets.filter((t) => t === 'T-1')).toHaveLength(4);
    expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => a - b));
  });

  test('nothing at or past belowSeq, nothing below fromSeq', async () => {
    const selection = { criteria: { clientId: 'C-1' }, ledgerSize };
    expect(await catalog.auditEventsOfSelection(selection, { fromSeq: belowSeq, belowSeq })).toEqual([]);
    expect(await catalog.auditEventsOfSelection(selection, { belowSeq: 0 })).toEqual([]);
    const some = await catalog.auditEventsOfSelection(selection, { fromSeq: 3, belowSeq: 9 });
    expect(some.length).toBeGreaterThan(0);
    expect(some.every((e) => e.seq >= 3 && e.seq < 9)).toBe(true);
  });

  test('a search date that is no calendar day is refused, as the search itself refuses it', async () => {
    const criteria = { from: '2026-02-30' };
    await expect(expected(criteria)).rejects.toThrow(ValidationError);
    await expect(catalog.auditEventsOfSelection({ criteria, ledgerSize }, { belowSeq })).rejects.toThrow(
      ValidationError,
    );
  });

  test('bad ranges are refused', async () => {
    const selection = { criteria: { clientId: 'C-1' }, ledgerSize };
    for (const range of [
      { belowSeq: -1 },
      { belowSeq: 10, limit: 0 },
      { belowSeq: 10, limit: 10_001 },
      { belowSeq: 10, fromSeq: -1 },
    ])
      await expect(catalog.auditEventsOfSelection(selection, range)).rejects.toThrow(ValidationError);
    await expect(
      catalog.auditEventsOfSelection({ criteria: { clientId: 'C-1' }, ledgerSize: 1.5 }, { belowSeq }),
    ).rejects.toThrow(ValidationError);
    for (const range of [{ belowSeq: -1 }, { belowSeq: 10, limit: 0 }, { belowSeq: 10, limit: 100_001 }])
      await expect(catalog.auditSeqsOfSelection(selection, range)).rejects.toThrow(ValidationError);
    expect(await catalog.auditSeqsOfSelection(selection, { belowSeq: 10, limit: 100_000 })).not.toHaveLength(
      0,
    );
  });

  test('auditEventsAt: the events of the seqs given, in order; missing seqs are absent; bad lists refused', async () => {
    const all = await catalog.auditEvents({ limit: 10_000 });
    const picked = [all[1], all[4], all[5]].map((e) => (e as AuditEvent).seq);
    expect(await catalog.auditEventsAt(picked)).toEqual([all[1], all[4], all[5]]);
    expect(await catalog.auditEventsAt([])).toEqual([]);
    const past = (all[all.length - 1] as AuditEvent).seq + 100;
    expect((await catalog.auditEventsAt([picked[0] as number, past])).map((e) => e.seq)).toEqual([picked[0]]);
    for (const seqs of [[3, 2], [2, 2], [-1], [1.5], Array.from({ length: 1001 }, (_, i) => i)])
      await expect(catalog.auditEventsAt(seqs)).rejects.toThrow(ValidationError);
  });
}
