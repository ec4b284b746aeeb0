/**
 * Batches, full stack: NDJSON and CSV mixing good, malformed, invalid and conflicting lines. One
 * result per (non-blank) line, in order, numbered by physical line; the good lines stored (catalog
 * and OSS); the whole batch sent again answers every good line `existing` with the same receipt
 * and stores nothing twice (ledger and bucket unchanged).
 */
import { trade } from '../../src/records/fixtures';
import { example } from '../records/fixtures';
import {
  canonicalSha,
  databases,
  ndjson,
  objectKeys,
  postJson,
  startTestArchive,
  uid,
  type ReceiptBody,
  type TestArchive,
} from './helpers';

interface LineResult {
  line?: number;
  status?: 'created' | 'existing' | 'error';
  receipt?: ReceiptBody['receipt'];
  error?: { code: string; message: string; hint?: string; details?: unknown };
  summary?: { lines: number; created: number; existing: number; failed: number; complete: boolean };
}

describe.each(databases('integration/batches'))('batches, full stack, catalog on %s', (db) => {
  let t: TestArchive;

  beforeAll(async () => {
    t = await startTestArchive({ db });
  });
  afterAll(async () => {
    await t?.close();
  });

  function postBatch(body: string, contentType: string, query = ''): Promise<Response> {
    return fetch(`${t.url}/v1/batches${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.ingestToken}`, 'content-type': contentType },
      body,
    });
  }

  async function results(res: Response): Promise<{ lines: LineResult[]; summary: LineResult['summary'] }> {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const all = ndjson<LineResult>(await res.text());
    const last = all[all.length - 1];
    expect(last?.summary).toBeDefined();
    return { lines: all.slice(0, -1), summary: last?.summary };
  }

  async function expectStored(
    record: Record<string, unknown>,
    receipt: ReceiptBody['receipt'] | undefined,
  ): Promise<void> {
    expect(receipt?.sha256).toBe(canonicalSha(record));
    expect((await t.catalog.getRecord(record.recordId as string))?.sha256).toBe(canonicalSha(record));
    const stored = await t.store.getBuffer(receipt?.bucket ?? '', receipt?.key ?? '');
    expect(stored.info.meta.sha256).toBe(canonicalSha(record));
  }

  test('NDJSON: good, malformed, invalid, conflicting and duplicate lines; then the same batch again', async () => {
    const archived = trade(uid('T-B-OLD'));
    expect((await postJson(`${t.url}/v1/records`, archived, t.ingestToken)).status).toBe(201);

    const a = trade(uid('T-B-A'));
    const b = { ...example('order'), recordId: uid('O-B-B') };
    const c = trade(uid('T-B-C'));
    const input = [
      JSON.stringify(a), // 1 good
      '{"recordType":"trade",', // 2 malformed
      JSON.stringify(b), // 3 good
      '', // 4 blank: skipped, still counted
      JSON.stringify(trade(uid('T-B-BAD'), { price: 388.2 })), // 5 invalid
      JSON.stringify({ ...archived, price: '999.99' }), // 6 conflicts with an archived record
      JSON.stringify(Object.fromEntries(Object.entries(a).reverse())), // 7 the same record as line 1
      JSON.stringify(c), // 8 good
      JSON.stringify({ ...c, price: '1.00' }), // 9 same id as line 8, other content
    ].join('\n');
    const ledger = await t.catalog.ledgerSize();
    const keys = (await objectKeys(t.store, t.recordsBucket)).length;

    const first = await results(await postBatch(input, 'application/x-ndjson'));
    expect(first.lines.map((l) => l.line)).toEqual([1, 2, 3, 5, 6, 7, 8, 9]);
    const at = (n: number) => first.lines.find((l) => l.line === n) as LineResult;
    expect(at(2)).toMatchObject({ status: 'error', error: { code: 'MalformedJson' } });
    expect(at(5)).toMatchObject({
      status: 'error',
      error: { code: 'ValidationFailed', details: [{ path: 'price' }] },
    });
    expect(at(6)).toMatchObject({ status: 'error', error: { code: 'Conflict' } });
    expect(at(6).error?.hint).toMatch(/correction/);
    expect(at(3)).toMatchObject({ status: 'created' });
    await expectStored(b, at(3).receipt);
    // Lines 1 and 7 are one record: lines run concurrently, but a repeated id waits for its
    // earlier line, so the first occurrence stores it and the later one finds it.
    expect([at(1).status, at(7).status]).toEqual(['created', 'existing']);
    expect(at(7).receipt).toEqual(at(1).receipt);
    await expectStored(a, at(1).receipt);
    // Lines 8 and 9 share an id with different content: the first is stored, the later conflicts.
    const [won, lost] = [at(8), at(9)];
    expect([won.status, lost.status, lost.error?.code]).toEqual(['created', 'error', 'Conflict']);
    expect((await t.catalog.getRecord(c.recordId as string))?.sha256).toBe(won.receipt?.sha256);
    expect(first.summary).toEqual({ lines: 8, created: 3, existing: 1, failed: 4, complete: true });
    expect(await t.catalog.ledgerSize()).toBe(ledger + 3);
    expect(await objectKeys(t.store, t.recordsBucket)).toHaveLength(keys + 3);

    const again = await results(await postBatch(input, 'application/x-ndjson'));
    expect(again.lines.map((l) => [l.line, l.status === 'error' ? l.error?.code : l.status])).toEqual(
      [
        [1, 'existing'],
        [2, 'MalformedJson'],
        [3, 'existing'],
        [5, 'ValidationFailed'],
        [6, 'Conflict'],
        [7, 'existing'],
        [won.line, 'existing'],
        [lost.line, 'Conflict'],
      ].sort((x, y) => Number(x[0]) - Number(y[0])),
    );
    for (const l of again.lines.filter((x) => x.status === 'existing')) {
      expect(l.receipt).toEqual(
        first.lines.find((f) => f.receipt?.recordId === l.receipt?.recordId && f.status === 'created')
          ?.receipt,
      );
    }
    expect(again.summary).toEqual({ lines: 8, created: 0, existing: 4, failed: 4, complete: true });
    expect(await t.catalog.ledgerSize()).toBe(ledger + 3);
    expect(await objectKeys(t.store, t.recordsBucket)).toHaveLength(keys + 3);
  });

  test('CSV (?type=trade): good, short, invalid and conflicting rows, a quoted field; then the same batch again', async () => {
    const archived = trade(uid('T-CSV-OLD'));
    expect((await postJson(`${t.url}/v1/records`, archived, t.ingestToken)).status).toBe(201);
    const header =
      'recordId,tradeId,orderId,executedAt,venue,instrument.exchange,instrument.code,side,quantity,price,currency,capacity,clientId,accountId,counterparty';
    const row = (r: Record<string, unknown>, counterparty = '') => {
      const i = r.instrument as { exchange: string; code: string };
      return [
        r.recordId,
        r.tradeId,
        r.orderId,
        r.executedAt,
        r.venue,
        i.exchange,
        i.code,
        r.side,
        String(r.quantity),
        r.price,
        r.currency,
        r.capacity,
        r.clientId,
        r.accountId,
        counterparty,
      ].join(',');
    };
    // A whole quantity becomes a JSON integer, as the documented JSON form sends it (issue 14,
    // item 1); other cells stay strings; an empty cell leaves the field out.
    const good1 = trade(uid('T-CSV-1'), { quantity: 1000 });
    const good2 = { ...trade(uid('T-CSV-2'), { quantity: 250 }), counterparty: 'Broker, "Ltd"' };
    const input = [
      header,
      row(good1), // 2 good
      'T-CSV-SHORT,T-CSV-SHORT,O-1', // 3 too few cells
      row(trade(uid('T-CSV-BAD'), { executedAt: '2026-11-21T09:31:02' })), // 4 timestamp without offset
      row({ ...archived, price: '1.00' }), // 5 conflicts with an archived record
      row({ ...good2, counterparty: undefined }, '"Broker, ""Ltd"""'), // 6 good, quoted cell
    ].join('\r\n');
    const ledger = await t.catalog.ledgerSize();

    const first = await results(await postBatch(input, 'text/csv; charset=utf-8', '?type=trade'));
    expect(first.lines.map((l) => [l.line, l.status === 'error' ? l.error?.code : l.status])).toEqual([
      [2, 'created'],
      [3, 'MalformedCsv'],
      [4, 'ValidationFailed'],
      [5, 'Conflict'],
      [6, 'created'],
    ]);
    expect(first.lines[2]?.error?.details).toEqual([expect.objectContaining({ path: 'executedAt' })]);
    await expectStored({ ...good1, recordType: 'trade' }, first.lines[0]?.receipt);
    await expectStored({ ...good2, recordType: 'trade' }, first.lines[4]?.receipt);
    expect(await t.catalog.ledgerSize()).toBe(ledger + 2);
    const keys = await objectKeys(t.store, t.recordsBucket);

    const again = await results(await postBatch(input, 'text/csv; charset=utf-8', '?type=trade'));
    expect(again.lines.map((l) => [l.line, l.status === 'error' ? l.error?.code : l.status])).toEqual([
      [2, 'existing'],
      [3, 'MalformedCsv'],
      [4, 'ValidationFailed'],
      [5, 'Conflict'],
      [6, 'existing'],
    ]);
    expect(again.lines[0]?.receipt).toEqual(first.lines[0]?.receipt);
    expect(again.lines[4]?.receipt).toEqual(first.lines[4]?.receipt);
    expect(again.summary).toEqual({ lines: 5, created: 0, existing: 2, failed: 3, complete: true });
    expect(await t.catalog.ledgerSize()).toBe(ledger + 2);
    expect(await objectKeys(t.store, t.recordsBucket)).toEqual(keys);
  });

  test('a CSV batch without ?type or with a bad header is refused whole: 400, nothing stored', async () => {
    const ledger = await t.catalog.ledgerSize();
    const noType = await postBatch('recordId\nX-1\n', 'text/csv');
    expect(noType.status).toBe(400);
    const badHeader = await postBatch('recordId,recordId\nX-1,X-1\n', 'text/csv', '?type=trade');
    expect(badHeader.status).toBe(400);
    const wrongType = await postBatch('{}', 'application/json');
    expect(wrongType.status).toBe(415);
    expect(await t.catalog.ledgerSize()).toBe(ledger);
  });
});
