/**
 * Nothing stored other than as sent, and one stored form per trade whatever the channel (issue 8,
 * items 3, 4, 5 and 7; issue 14, items 1 and 3), full stack: the archive on port 0, the embedded
 * emulator, the real catalog.
 */
import { trade } from '../../src/records/fixtures';
import { example } from '../records/fixtures';
import {
  canonicalSha,
  databases,
  ndjson,
  postJson,
  startTestArchive,
  uid,
  type ErrorBody,
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

const HEADER =
  'recordId,tradeId,orderId,executedAt,venue,instrument.exchange,instrument.code,side,quantity,price,currency,capacity,clientId,accountId';

function csvRow(r: Record<string, unknown>): string {
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
  ].join(',');
}

describe.each(databases('integration/as-sent'))('stored as sent, catalog on %s', (db) => {
  let t: TestArchive;
  beforeAll(async () => {
    t = await startTestArchive({ db });
  });
  afterAll(async () => {
    await t?.close();
  });

  function postBatch(body: string | Buffer, contentType: string, query = ''): Promise<Response> {
    return fetch(`${t.url}/v1/batches${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.ingestToken}`, 'content-type': contentType },
      body,
    });
  }
  async function lines(res: Response): Promise<{ lines: LineResult[]; summary: LineResult['summary'] }> {
    expect(res.status).toBe(200);
    const all = ndjson<LineResult>(await res.text());
    return { lines: all.slice(0, -1), summary: all[all.length - 1]?.summary };
  }
  const outcome = (l: LineResult) => [l.line, l.status === 'error' ? l.error?.code : l.status];
  function postText(path: string, text: string): Promise<Response> {
    return fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.ingestToken}`, 'content-type': 'application/json' },
      body: text,
    });
  }

  test('one trade through POST /v1/records, an NDJSON batch and a CSV batch: one SHA-256 (issue 14, item 1)', async () => {
    const sent = trade(uid('T-ONEFORM'), { quantity: 400 });
    const viaJson = await postJson(`${t.url}/v1/records`, sent, t.ingestToken);
    const receipt = ((await viaJson.json()) as ReceiptBody).receipt;
    expect(viaJson.status).toBe(201);
    expect(receipt.sha256).toBe(canonicalSha(sent));

    const viaNdjson = await lines(await postBatch(`${JSON.stringify(sent)}\n`, 'application/x-ndjson'));
    const viaCsv = await lines(
      await postBatch(`${HEADER}\r\n${csvRow(sent)}\r\n`, 'text/csv; charset=utf-8', '?type=trade'),
    );
    // Both repeats of the same bytes: `existing` with the receipt of the first, never a 409.
    expect([viaNdjson.lines.map(outcome), viaCsv.lines.map(outcome)]).toEqual([
      [[1, 'existing']],
      [[2, 'existing']],
    ]);
    expect(viaNdjson.lines[0]?.receipt?.sha256).toBe(receipt.sha256);
    expect(viaCsv.lines[0]?.receipt?.sha256).toBe(receipt.sha256);

    // And a trade first sent as CSV is the one JSON would have stored.
    const csvFirst = trade(uid('T-CSVFIRST'), { quantity: 250 });
    const first = await lines(
      await postBatch(`${HEADER}\n${csvRow(csvFirst)}\n`, 'text/csv; charset=utf-8', '?type=trade'),
    );
    expect(first.lines[0]?.receipt?.sha256).toBe(canonicalSha(csvFirst));
    expect((await postJson(`${t.url}/v1/records`, csvFirst, t.ingestToken)).status).toBe(200);
  });

  test('a stray quote in the first data row fails that row alone; the four after it are stored (issue 8, item 3)', async () => {
    const good = [1, 2, 3, 4].map((n) => trade(uid(`T-QUOTE-${n}`)));
    const bad = csvRow(trade(uid('T-QUOTE-BAD'))).replace(/^([^,]*),/, '$1,C"1001');
    const body = [HEADER, bad, ...good.map(csvRow)].join('\n');
    const res = await lines(await postBatch(body, 'text/csv; charset=utf-8', '?type=trade'));
    expect(res.lines.map(outcome)).toEqual([
      [2, 'MalformedCsv'],
      [3, 'created'],
      [4, 'created'],
      [5, 'created'],
      [6, 'created'],
    ]);
    expect(res.summary).toMatchObject({ lines: 5, created: 4, failed: 1, complete: true });
    for (const [i, r] of good.entries()) expect(res.lines[i + 1]?.receipt?.sha256).toBe(canonicalSha(r));
  });

  test('a CSV cell with a byte that is not UTF-8: that row refused, nothing with U+FFFD stored (issue 8, item 4)', async () => {
    const badTrade = trade(uid('T-UTF8'), { clientId: 'CLIENT' });
    const goodTrade = trade(uid('T-UTF8-OK'));
    // CLIENT with its E replaced by a lone 0xFF byte (never valid in UTF-8).
    const row = Buffer.from(csvRow(badTrade));
    row[row.indexOf('CLIENT') + 3] = 0xff;
    const body = Buffer.concat([Buffer.from(`${HEADER}\n`), row, Buffer.from(`\n${csvRow(goodTrade)}\n`)]);
    const res = await lines(await postBatch(body, 'text/csv; charset=utf-8', '?type=trade'));
    expect(res.lines.map(outcome)).toEqual([
      [2, 'MalformedCsv'],
      [3, 'created'],
    ]);
    expect(res.lines[0]?.error?.message).toMatch(/not valid UTF-8/);
    expect(await t.catalog.getRecord(badTrade.recordId as string)).toBeUndefined();
  });

  test('a CSV header with missing and unknown columns: 400 at the header naming them and the expected ones (issue 14, item 3)', async () => {
    const rows = Array.from({ length: 50 }, (_v, i) => `T-H-${i},T-H-${i},1000`);
    const res = await postBatch(
      ['recordId,tradeId,qty', ...rows].join('\n'),
      'text/csv; charset=utf-8',
      '?type=trade',
    );
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorBody & {
      error: { details: { missing: string[]; unknown: string[]; expected: string[] } };
    };
    expect(error.code).toBe('MalformedCsv');
    expect(error.message).toMatch(/missing required column\(s\): orderId, .*quantity/);
    expect(error.details.unknown).toEqual(['qty']);
    expect(error.details.missing).toEqual(expect.arrayContaining(['quantity', 'price', 'instrument.code']));
    expect(error.details.expected).toEqual(expect.arrayContaining(['quantity', 'commission']));
    expect(await t.catalog.getRecord('T-H-0')).toBeUndefined();
  });

  test('numbers that do not survive parsing and duplicate keys: 400 on POST /v1/records, an error line in a batch (issue 8, item 5)', async () => {
    const base = JSON.stringify(trade(uid('T-NUM')));
    const cases = [
      ['"quantity":1000', '"quantity":1000.00000000000000001', /would be stored as 1000.*decimal string/],
      ['"quantity":1000', '"quantity":9007199254740993', /safe integer range/],
      ['"quantity":1000', '"quantity":1e400', /outside the range/],
      ['"tradeId":', '"recordId":"T-OTHER","tradeId":', /"recordId" appears more than once/],
    ] as const;
    for (const [from, to, message] of cases) {
      const text = base.replace(from, to);
      expect(text).not.toBe(base);
      const res = await postText('/v1/records', text);
      const { error } = (await res.json()) as ErrorBody;
      expect([res.status, error.code]).toEqual([400, 'MalformedJson']);
      expect(error.message).toMatch(message);
      expect(error.hint).toBeDefined();
      const batch = await lines(
        await postBatch(`${text}\n${JSON.stringify(trade(uid('T-NUM-OK')))}\n`, 'application/x-ndjson'),
      );
      expect(batch.lines.map(outcome)).toEqual([
        [1, 'MalformedJson'],
        [2, 'created'],
      ]);
    }
    // Formatting alone is no loss: 1.0E3 is the value 1000, stored canonically.
    const formatted = trade(uid('T-NUM-FMT'));
    const res = await postText(
      '/v1/records',
      JSON.stringify(formatted).replace('"quantity":1000', '"quantity":1.0E3'),
    );
    expect(res.status).toBe(201);
    expect(((await res.json()) as ReceiptBody).receipt.sha256).toBe(canonicalSha(formatted));
  });

  test('a document record outside POST /v1/documents: refused with a hint, its id stays free (issue 8, item 7)', async () => {
    const doc = { ...example('document'), recordId: uid('D-NOFILE') };
    const res = await postJson(`${t.url}/v1/records`, doc, t.ingestToken);
    const { error } = (await res.json()) as ErrorBody;
    expect([res.status, error.code]).toEqual([400, 'ValidationFailed']);
    expect(error.hint).toMatch(/POST \/v1\/documents/);
    const batch = await lines(await postBatch(`${JSON.stringify(doc)}\n`, 'application/x-ndjson'));
    expect(batch.lines.map(outcome)).toEqual([[1, 'ValidationFailed']]);
    const csv = await postBatch('recordId,title\nD-1,x\n', 'text/csv', '?type=document');
    expect(csv.status).toBe(400);
    expect(((await csv.json()) as ErrorBody).error.hint).toMatch(/POST \/v1\/documents/);
    expect(await t.catalog.getRecord(doc.recordId)).toBeUndefined();
  });
});
