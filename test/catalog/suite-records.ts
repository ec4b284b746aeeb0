import {
  leafHash,
  verifyAuditChain,
  type Catalog,
  type CatalogRecord,
  type NewRecord,
} from '../../src/catalog';
import { ConflictError, ValidationError } from '../../src/errors';
import { ManualClock } from '../../src/util/clock';
import { T0, ingestEvent, makeRecord, sha256Of } from './fixtures';
import type { CatalogHarness, HarnessFactory } from './harness';

/** Commit, idempotency, reindex, search filters, keyset pagination, corrections. */
export function recordsSuite(fresh: HarnessFactory): void {
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

  describe('commitRecord', () => {
    test('writes the row, its ledger leaf and the audit event in one go', async () => {
      const input = makeRecord({
        recordId: 'T-20261121-000001',
        clientId: 'C-1001',
        accountId: 'A-1001-01',
        instrument: 'XHKG:0700',
        orderId: 'O-20261121-000417',
        tradeId: 'T-20261121-000001',
        size: 5_000_000_000, // beyond 32 bits
        documentType: null,
        fileName: null,
      });
      const result = await catalog.commitRecord(input, ingestEvent(input.recordId));
      expect(result).toMatchObject({ created: true, ledgerSeq: 0, auditSeq: 0 });
      const expected: CatalogRecord = {
        ...input,
        clientId: 'C-1001',
        ledgerSeq: 0,
        amends: null,
        documentType: null,
        fileName: null,
      } as CatalogRecord;
      expect(result.record).toEqual(expected);
      expect(await catalog.getRecord(input.recordId)).toEqual(expected);

      const [leaf] = await catalog.ledgerLeaves();
      expect(leaf).toEqual({
        seq: 0,
        kind: 'record',
        recordId: input.recordId,
        sha256: input.sha256,
        leafHash: leafHash({ kind: 'record', id: input.recordId, sha256: input.sha256 }),
        createdAt: T0,
      });
      const [event] = await catalog.auditEvents();
      expect(event).toMatchObject({
        seq: 0,
        action: 'record.ingest',
        target: input.recordId,
        prevHash: '0'.repeat(64),
      });
      expect(event?.details).toBe('{"bytes":123,"recordType":"trade"}');
      expect(await verifyAuditChain(catalog)).toMatchObject({ ok: true, count: 1 });
    });

    test('a second commit of the same id writes nothing and returns the existing row', async () => {
      const input = makeRecord({ recordId: 'T-dup' });
      const first = await catalog.commitRecord(input, ingestEvent(input.recordId));
      const [leaves, events] = [await catalog.ledgerSize(), await catalog.auditSize()];

      const again = await catalog.commitRecord(input, ingestEvent(input.recordId));
      expect(again).toEqual({ created: false, record: first.record, ledgerSeq: first.ledgerSeq });

      const different = makeRecord({ recordId: 'T-dup', sha256: sha256Of('other content') });
      const conflict = await catalog.commitRecord(different, ingestEvent(input.recordId));
      expect(conflict.created).toBe(false);
      expect(conflict.record.sha256).toBe(input.sha256);
      expect(conflict.record.sha256).not.toBe(different.sha256);

      expect(await catalog.ledgerSize()).toBe(leaves);
      expect(await catalog.auditSize()).toBe(events);
      expect((await catalog.ledgerLeaves()).filter((l) => l.recordId === 'T-dup')).toHaveLength(1);
    });

    test('a failed commit leaves no trace and no gap in the seqs', async () => {
      const before = await catalog.ledgerSize();
      const taken = makeRecord({ recordId: 'T-key-1' });
      await catalog.commitRecord(taken, ingestEvent('T-key-1'));
      const sameKey = makeRecord({ recordId: 'T-key-2', objectKey: taken.objectKey });
      await expect(catalog.commitRecord(sameKey, ingestEvent('T-key-2'))).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(
        catalog.commitRecord(makeRecord({ recordId: 'bad id!' }), ingestEvent('x')),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        catalog.commitRecord(
          makeRecord({ recordId: 'T-bad-date', businessDate: '2026-02-30' }),
          ingestEvent('x'),
        ),
      ).rejects.toBeInstanceOf(ValidationError);
      expect(await catalog.getRecord('T-key-2')).toBeUndefined();

      const next = await catalog.commitRecord(makeRecord({ recordId: 'T-key-3' }), ingestEvent('T-key-3'));
      expect(next.ledgerSeq).toBe(before + 1);
      const seqs = (await catalog.ledgerLeaves()).map((l) => l.seq);
      expect(seqs).toEqual([...seqs.keys()]);
      expect(await verifyAuditChain(catalog)).toMatchObject({ ok: true });
    });
  });

  describe('indexFromStore', () => {
    test('indexes a missing record with its leaf, without an audit event, once', async () => {
      const events = await catalog.auditSize();
      const leaves = await catalog.ledgerSize();
      const input = makeRecord({ recordId: 'R-reindexed', ingestedAt: new Date('2026-01-02T03:04:05.006Z') });
      const first = await catalog.indexFromStore(input);
      expect(first).toMatchObject({ created: true, ledgerSeq: leaves });
      expect('auditSeq' in first).toBe(false);
      expect((await catalog.getRecord('R-reindexed'))?.ingestedAt).toEqual(
        new Date('2026-01-02T03:04:05.006Z'),
      );
      expect(await catalog.indexFromStore(input)).toMatchObject({ created: false, ledgerSeq: leaves });
      expect(await catalog.ledgerSize()).toBe(leaves + 1);
      expect(await catalog.auditSize()).toBe(events);
    });
  });

  describe('search', () => {
    const clients = ['C-1', 'C-2', 'C-3'];
    const seeded: NewRecord[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 41; i++) {
        const day = String(1 + (i % 9)).padStart(2, '0');
        const type = i % 4 === 0 ? 'order' : 'trade';
        seeded.push(
          makeRecord({
            // Mixed case: the order must be bytewise on both databases ('B' < 'a').
            recordId: `${i % 2 === 0 ? 'S' : 's'}-${String(i).padStart(3, '0')}`,
            recordType: type,
            businessDate: `2026-03-${day}`,
            clientId: clients[i % 3] ?? null,
            accountId: `${clients[i % 3] ?? ''}-${i % 2}`,
            instrument: i % 5 === 0 ? 'XHKG:0005' : 'XHKG:0700',
            orderId: `O-${Math.floor(i / 2)}`,
            tradeId: type === 'trade' ? `TR-${i}` : null,
          }),
        );
      }
      await Promise.all(seeded.map((r) => catalog.commitRecord(r, ingestEvent(r.recordId))));
    });

    const bytewise = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    function expectedIds(pred: (r: NewRecord) => boolean): string[] {
      return seeded
        .filter(pred)
        .sort((a, b) => bytewise(a.businessDate, b.businessDate) || bytewise(a.recordId, b.recordId))
        .map((r) => r.recordId);
    }
    async function allPages(query: Parameters<Catalog['searchRecords']>[0]): Promise<string[][]> {
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await catalog.searchRecords({ ...query, ...(cursor ? { cursor } : {}) });
        pages.push(page.records.map((r) => r.recordId));
        cursor = page.nextCursor;
      } while (cursor !== undefined && pages.length < 100);
      return pages;
    }
    const inMarch = { fromDate: '2026-03-01', toDate: '2026-03-31' };

    test.each([
      ['record type', { recordType: 'order' }, (r: NewRecord) => r.recordType === 'order'],
      ['client', { clientId: 'C-2' }, (r: NewRecord) => r.clientId === 'C-2'],
      ['account', { accountId: 'C-3-1' }, (r: NewRecord) => r.accountId === 'C-3-1'],
      ['instrument', { instrument: 'XHKG:0005' }, (r: NewRecord) => r.instrument === 'XHKG:0005'],
      ['order id', { orderId: 'O-7' }, (r: NewRecord) => r.orderId === 'O-7'],
      ['trade id', { tradeId: 'TR-13' }, (r: NewRecord) => r.tradeId === 'TR-13'],
      [
        'date range',
        { fromDate: '2026-03-03', toDate: '2026-03-05' },
        (r: NewRecord) => r.businessDate >= '2026-03-03' && r.businessDate <= '2026-03-05',
      ],
      ['from date only', { fromDate: '2026-03-08' }, (r: NewRecord) => r.businessDate >= '2026-03-08'],
      [
        'combined',
        { recordType: 'trade', clientId: 'C-1', toDate: '2026-03-06' },
        (r: NewRecord) => r.recordType === 'trade' && r.clientId === 'C-1' && r.businessDate <= '2026-03-06',
      ],
    ])('filters by %s', async (_name, filter, pred) => {
      const page = await catalog.searchRecords({ ...inMarch, ...filter, limit: 1000 });
      const want = expectedIds(pred);
      expect(want.length).toBeGreaterThan(0);
      expect(page.records.map((r) => r.recordId)).toEqual(want);
      expect(page.nextCursor).toBeUndefined();
    });

    test('no match is an empty page', async () => {
      expect(await catalog.searchRecords({ clientId: 'C-nobody' })).toEqual({ records: [] });
    });

    test.each([1, 7, 10, 41, 50])('pages of %i cover every record once, in order', async (limit) => {
      const pages = await allPages({ ...inMarch, limit });
      const ids = pages.flat();
      expect(ids).toEqual(expectedIds(() => true));
      expect(new Set(ids).size).toBe(ids.length);
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
      expect(pages.length).toBe(Math.max(1, Math.ceil(ids.length / limit)));
    });

    test('pages with a filter, and a record committed behind the cursor is not repeated', async () => {
      const first = await catalog.searchRecords({ ...inMarch, clientId: 'C-1', limit: 4 });
      await catalog.commitRecord(
        makeRecord({ recordId: 'S-000-late', businessDate: '2026-03-01', clientId: 'C-1' }),
        ingestEvent('S-000-late'),
      );
      const rest = await allPages({ ...inMarch, clientId: 'C-1', limit: 4, cursor: first.nextCursor ?? '' });
      const ids = [...first.records.map((r) => r.recordId), ...rest.flat()];
      expect(ids).toEqual(expectedIds((r) => r.clientId === 'C-1'));
    });

    test('refuses a forged cursor and a bad page size', async () => {
      await expect(catalog.searchRecords({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
      const forged = Buffer.from(JSON.stringify(['v1', "2026-03-01' or 1=1", 'x'])).toString('base64url');
      await expect(catalog.searchRecords({ cursor: forged })).rejects.toBeInstanceOf(ValidationError);
      await expect(catalog.searchRecords({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);
      await expect(catalog.searchRecords({ limit: 1001 })).rejects.toBeInstanceOf(ValidationError);
      await expect(catalog.searchRecords({ fromDate: '21/11/2026' })).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('corrections', () => {
    test('lists the records amending a record, in ledger order', async () => {
      const original = makeRecord({ recordId: 'T-orig' });
      await catalog.commitRecord(original, ingestEvent('T-orig'));
      const fix1 = makeRecord({ recordId: 'COR-2', recordType: 'correction', amends: 'T-orig' });
      const fix2 = makeRecord({ recordId: 'COR-1', recordType: 'correction', amends: 'T-orig' });
      await catalog.commitRecord(fix1, ingestEvent('COR-2'));
      await catalog.commitRecord(fix2, ingestEvent('COR-1'));
      await catalog.commitRecord(
        makeRecord({ recordId: 'COR-other', recordType: 'correction', amends: 'T-dup' }),
        ingestEvent('x'),
      );
      expect((await catalog.corrections('T-orig')).map((r) => r.recordId)).toEqual(['COR-2', 'COR-1']);
      expect((await catalog.corrections('T-orig'))[0]?.amends).toBe('T-orig');
      expect(await catalog.corrections('COR-1')).toEqual([]);
      expect((await catalog.getRecord('T-orig'))?.sha256).toBe(original.sha256);
    });
  });
}
