import { createHash } from 'node:crypto';
import { auth, detailsOf, ndjson, startServer, trade, type TestServer } from './server';
import { LINES_PER_PUT_SLOT } from '../../src/http/routes/batches';

let s: TestServer;
afterEach(async () => {
  await s?.close();
});

type Line = {
  line?: number;
  status?: string;
  receipt?: { recordId: string };
  error?: { code: string; message: string };
  summary?: Record<string, unknown>;
};

function postBatch(
  body: string | Buffer | ReadableStream<Uint8Array>,
  type = 'application/x-ndjson',
  query = '',
): Promise<Response> {
  return fetch(`${s.url}/v1/batches${query}`, {
    method: 'POST',
    headers: { 'content-type': type, ...auth('ingest') },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}

/** A deterministic 0..4 ms delay per id, so lines finish out of order. */
function scramble(id: string): number {
  return (createHash('md5').update(id).digest()[0] as number) % 5;
}

describe('NDJSON', () => {
  test('one result per line, in input order, though lines finish out of order; bad lines never sink good ones', async () => {
    s = await startServer({ limits: { batchConcurrency: 8 } });
    s.faults.putDelay = scramble;
    // Lines refer back 10 lines (more than the window of 8), so the one referred to is done.
    const input: string[] = [];
    const expected: [number, string, string?][] = [];
    const stored = new Map<string, string>();
    for (let i = 1; i <= 120; i++) {
      let record: Record<string, unknown> | undefined = trade(`B-${i}`);
      let text: string;
      if (i % 17 === 0) [text, record] = ['{"recordType": "trade", "recordId": ', undefined];
      else {
        if (i % 13 === 0) record = trade(`B-${i}`, { side: 'sideways' });
        else if (i % 11 === 0) record = trade(`B-${i - 10}`, { price: '1.00' });
        else if (i % 7 === 0) record = trade(`B-${i - 10}`);
        text = JSON.stringify(record);
      }
      if (!record) expected.push([i, 'error', 'MalformedJson']);
      else if (record.side === 'sideways') expected.push([i, 'error', 'ValidationFailed']);
      else {
        const id = record.recordId as string;
        const before = stored.get(id);
        if (before === undefined) {
          stored.set(id, text);
          expected.push([i, 'created']);
        } else expected.push(before === text ? [i, 'existing'] : [i, 'error', 'Conflict']);
      }
      input.push(text);
    }
    expect(new Set(expected.map((e) => e[2] ?? e[1]))).toEqual(
      new Set(['created', 'existing', 'MalformedJson', 'ValidationFailed', 'Conflict']),
    );
    const res = await postBatch(`${input.join('\n')}\n`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = ndjson<Line>(await res.text());
    const results = lines.slice(0, -1);
    expect(results.map((l) => l.line)).toEqual(expected.map((e) => e[0]));
    for (const [i, r] of results.entries()) {
      const [, status, code] = expected[i] as [number, string, string?];
      expect({ line: r.line, status: r.status, code: r.error?.code }).toEqual({ line: i + 1, status, code });
    }
    const created = expected.filter((e) => e[1] === 'created').length;
    const existing = expected.filter((e) => e[1] === 'existing').length;
    expect(lines[lines.length - 1]?.summary).toEqual({
      lines: 120,
      created,
      existing,
      failed: 120 - created - existing,
      complete: true,
    });
    // batchConcurrency 8: at most 8 PUTs at once, and up to 4 lines per PUT slot in flight.
    expect(s.stats.maxPutsInFlight).toBeGreaterThan(1);
    expect(s.stats.maxPutsInFlight).toBeLessThanOrEqual(8);
    expect(s.stats.maxIngestsInFlight).toBeGreaterThan(8);
    expect(s.stats.maxIngestsInFlight).toBeLessThanOrEqual(8 * LINES_PER_PUT_SLOT);
  });

  test('blank lines are skipped, CRLF and a BOM are fine, line numbers are physical', async () => {
    s = await startServer();
    const body = `\uFEFF${JSON.stringify(trade('L-1'))}\r\n\r\n   \n${JSON.stringify(trade('L-4'))}`;
    const lines = ndjson<Line>(await (await postBatch(body)).text());
    expect(lines.map((l) => l.line ?? 'summary')).toEqual([1, 4, 'summary']);
    expect(lines[0]?.status).toBe('created');
    expect(lines[1]?.status).toBe('created');
  });

  test('an empty batch answers only the summary', async () => {
    s = await startServer();
    expect(ndjson(await (await postBatch('')).text())).toEqual([
      { summary: { lines: 0, created: 0, existing: 0, failed: 0, complete: true } },
    ]);
  });

  test('an overlong line is an error of its own; the lines around it are stored', async () => {
    s = await startServer({ limits: { maxBatchLineBytes: 1024 } });
    const body = [
      JSON.stringify(trade('O-1')),
      JSON.stringify(trade('O-2', { counterparty: 'x'.repeat(2000) })),
      JSON.stringify(trade('O-3')),
    ].join('\n');
    const lines = ndjson<Line>(await (await postBatch(body)).text());
    expect(lines.slice(0, 3).map((l) => [l.line, l.status, l.error?.code])).toEqual([
      [1, 'created', undefined],
      [2, 'error', 'PayloadTooLarge'],
      [3, 'created', undefined],
    ]);
  });

  test('lines past the maximum are answered with an error each, not stored', async () => {
    s = await startServer({ limits: { maxBatchLines: 3 } });
    const body = [1, 2, 3, 4, 5].map((i) => JSON.stringify(trade(`M-${i}`))).join('\n');
    const lines = ndjson<Line>(await (await postBatch(body)).text());
    expect(lines.slice(0, 5).map((l) => l.status)).toEqual([
      'created',
      'created',
      'created',
      'error',
      'error',
    ]);
    expect(lines[3]?.error?.message).toMatch(/more than 3 lines/);
    expect(await s.catalog.getRecord('M-4')).toBeUndefined();
    expect(lines[5]?.summary).toMatchObject({ lines: 5, created: 3, failed: 2, complete: true });
  });

  test('a declared body over the maximum size -> 413 before anything is stored', async () => {
    s = await startServer({ limits: { maxBatchBytes: 1000 } });
    const body = [1, 2, 3, 4, 5, 6].map((i) => JSON.stringify(trade(`S-${i}`))).join('\n');
    const res = await postBatch(body);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PayloadTooLarge');
    expect(await s.catalog.ledgerSize()).toBe(0);
  });

  test('a streamed body that grows past the maximum: the lines read are answered, then an incomplete summary', async () => {
    s = await startServer({ limits: { maxBatchBytes: 4096 } });
    const line = `${JSON.stringify(trade('X-0'))}\n`;
    let i = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(c) {
        i++;
        if (i > 50) return c.close();
        // A line at a time, as a slow sender: the first lines arrive (and are stored) before the cap.
        if (i > 1) await new Promise((r) => setTimeout(r, 2));
        c.enqueue(new TextEncoder().encode(line.replace(/X-0/g, `X-${i}`)));
      },
    });
    const res = await postBatch(stream);
    expect(res.status).toBe(200);
    const lines = ndjson<Line & { error?: { code: string } }>(await res.text());
    const last = lines[lines.length - 1] as { summary: Record<string, unknown>; error: { code: string } };
    expect(last.summary.complete).toBe(false);
    expect(last.error.code).toBe('PayloadTooLarge');
    const results = lines.slice(0, -1);
    expect(results.length).toBeGreaterThan(0);
    expect(results.length).toBeLessThan(50);
    expect(results.map((l) => l.line)).toEqual(results.map((_l, k) => k + 1));
    expect(results.every((l) => l.status === 'created')).toBe(true);
    const batchEvent = (await s.auditEvents()).find((e) => e.details?.includes('batch.ingest'));
    expect(batchEvent?.outcome).toBe('error');
  });

  test('an unexpected failure of one line is an InternalError line without the cause; the others are stored', async () => {
    s = await startServer();
    s.faults.explode.add('E-2');
    const body = ['E-1', 'E-2', 'E-3'].map((id) => JSON.stringify(trade(id))).join('\n');
    const res = await postBatch(body);
    const text = await res.text();
    expect(text).not.toMatch(/secret internal failure/);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(lines.map((l) => l.status ?? 'summary')).toEqual(['created', 'error', 'created', 'summary']);
    expect(lines[1]?.error?.code).toBe('InternalError');
  });

  test('one audit event for the batch request, next to the per-record events of the write path', async () => {
    s = await startServer();
    const body = [JSON.stringify(trade('A-1')), 'nope', JSON.stringify(trade('A-1'))].join('\n');
    const res = await postBatch(body);
    await res.text();
    const events = await s.eventsFor(res.headers.get('x-request-id') as string);
    const batch = events.filter((e) => detailsOf(e).operation === 'batch.ingest');
    expect(batch).toHaveLength(1);
    expect(detailsOf(batch[0])).toMatchObject({
      format: 'ndjson',
      lines: 3,
      created: 1,
      existing: 1,
      failed: 1,
      complete: true,
    });
    expect(events).toHaveLength(3); // created, existing (write path), the batch
    // The lines' events are the write path's, one per record decision, each naming its line.
    expect(events.slice(0, 2).map((e) => [e.target, e.outcome, detailsOf(e).line])).toEqual([
      ['A-1', 'allowed', 1],
      ['A-1', 'allowed', 3],
    ]);
  });

  test.each([
    ['text/plain', '', 415],
    ['application/json', '', 415],
    ['application/x-ndjson; charset=utf-16', '', 415],
    ['application/x-ndjson', '?type=trade', 400],
    ['application/x-ndjson', '?limit=3', 400],
    ['text/csv', '', 400],
    ['text/csv', '?type=nonsense', 400],
  ])('%s %s -> %d', async (type, query, status) => {
    s = await startServer();
    const res = await postBatch(JSON.stringify(trade('Q-1')), type, query);
    expect(res.status).toBe(status);
    expect(await s.catalog.ledgerSize()).toBe(0);
  });

  test('20,000 lines: exactly one result line per input line, in order', async () => {
    s = await startServer();
    const body = Array.from({ length: 20_000 }, (_v, k) => JSON.stringify(trade(`BIG-${k + 1}`))).join('\n');
    const res = await postBatch(body);
    const lines = ndjson<Line>(await res.text());
    expect(lines).toHaveLength(20_001);
    for (let k = 0; k < 20_000; k++) {
      const l = lines[k] as Line;
      if (l.line !== k + 1 || l.status !== 'created' || l.receipt?.recordId !== `BIG-${k + 1}`) {
        throw new Error(`line ${k + 1}: ${JSON.stringify(l)}`);
      }
    }
    expect(lines[20_000]?.summary).toEqual({
      lines: 20_000,
      created: 20_000,
      existing: 0,
      failed: 0,
      complete: true,
    });
  }, 300_000); // the real write path 20,000 times: over a minute on a busy machine
});

describe('CSV', () => {
  test('header paths, empty cells, booleans, lists, indexed lists and quoted fields', async () => {
    s = await startServer();
    const csv = [
      'recordId,noteId,clientId,tradeIds,issueDate,capacityStatement,consideration,currency,charges.0.type,charges.0.amount,charges.1.type,charges.1.amount,accountId',
      'CN-1,N-1,C-1001,T-1|T-2,2026-11-21,"We acted as your agent, ""as agreed""",776400.00,HKD,brokerage,1941.00,stamp_duty,776.00,',
      'CN-2,N-2,C-1001,T-3,2026-11-21,"Agent.\nSecond line.",1.00,HKD,,,,,A-1',
    ].join('\r\n');
    const res = await postBatch(csv, 'text/csv', '?type=contract_note');
    expect(res.status).toBe(200);
    const lines = ndjson<Line>(await res.text());
    expect(lines.map((l) => [l.line, l.status, l.error?.message])).toEqual([
      [2, 'created', undefined],
      [3, 'created', undefined],
      [undefined, undefined, undefined],
    ]);
    const stored = [await s.storedJson('CN-1'), await s.storedJson('CN-2')];
    expect(stored[0]).toEqual({
      recordType: 'contract_note',
      recordId: 'CN-1',
      noteId: 'N-1',
      clientId: 'C-1001',
      tradeIds: ['T-1', 'T-2'],
      issueDate: '2026-11-21',
      capacityStatement: 'We acted as your agent, "as agreed"',
      consideration: '776400.00',
      currency: 'HKD',
      charges: [
        { type: 'brokerage', amount: '1941.00' },
        { type: 'stamp_duty', amount: '776.00' },
      ],
    });
    expect(stored[1]).toMatchObject({
      recordId: 'CN-2',
      capacityStatement: 'Agent.\nSecond line.',
      accountId: 'A-1',
    });
    expect(stored[1]).not.toHaveProperty('charges');
  });

  test('nested objects, booleans and numbers (a whole quantity as a JSON integer); strings stay strings', async () => {
    s = await startServer();
    const csv = [
      'recordId,orderId,clientId,accountId,receivedAt,channel,instrument.exchange,instrument.code,side,quantity,orderType,limitPrice,validity,capacity,shortSell,shortSellAssuranceRef,schemaVersion',
      'O-1,O-1,C-1,A-1,2026-11-21T09:30:00+08:00,phone,XHKG,0700,sell,1000,limit,388.20,day,agency,true,SSA-9,1',
    ].join('\n');
    const lines = ndjson<Line>(await (await postBatch(csv, 'text/csv', '?type=order')).text());
    expect(lines[0]).toMatchObject({ line: 2, status: 'created' });
    const stored = await s.storedJson('O-1');
    expect(stored).toMatchObject({
      recordType: 'order',
      instrument: { exchange: 'XHKG', code: '0700' },
      quantity: 1000,
      shortSell: true,
      schemaVersion: 1,
      limitPrice: '388.20',
    });
  });

  test('per-row errors: wrong cell count, invalid values, stray quotes; good rows still stored', async () => {
    s = await startServer();
    const header =
      'recordId,tradeId,orderId,executedAt,venue,instrument.exchange,instrument.code,side,quantity,price,currency,capacity,clientId,accountId';
    const row = (id: string, side = 'buy') =>
      `${id},${id},O-1,2026-11-21T09:31:02+08:00,XHKG,XHKG,0700,${side},1000,388.20,HKD,agency,C-1,A-1`;
    const csv = [header, row('R-1'), 'R-2,too,few', row('R-3', 'hold'), row('R-4')].join('\n');
    const lines = ndjson<Line>(await (await postBatch(csv, 'text/csv', '?type=trade')).text());
    expect(lines.map((l) => [l.line, l.status, l.error?.code])).toEqual([
      [2, 'created', undefined],
      [3, 'error', 'MalformedCsv'],
      [4, 'error', 'ValidationFailed'],
      [5, 'created', undefined],
      [undefined, undefined, undefined],
    ]);
  });

  test.each([
    ['recordId,,tradeId', /empty header/],
    ['recordId,recordId', /clashes/],
    ['instrument,instrument.code', /clashes/],
    ['charges.0.type,charges.x', /clashes/],
    ['__proto__.polluted', /not a field path/],
    ['a..b', /not a field path/],
  ])('a bad header (%s) -> 400 before anything is stored', async (header, message) => {
    s = await startServer();
    const res = await postBatch(`${header}\nx,y\n`, 'text/csv', '?type=trade');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('MalformedCsv');
    expect(body.error.message).toMatch(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('an empty CSV -> 400 (no header)', async () => {
    s = await startServer();
    const res = await postBatch('', 'text/csv', '?type=trade');
    expect(res.status).toBe(400);
  });
});

describe('client going away', () => {
  test('a batch whose client disconnects stops reading, finishes what it started and is audited as cut short', async () => {
    s = await startServer();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (sent < 5) c.enqueue(new TextEncoder().encode(`${JSON.stringify(trade(`GONE-${++sent}`))}\n`));
        else await new Promise(() => undefined); // the sender stalls and never ends the body
      },
    });
    const ac = new AbortController();
    const res = await fetch(`${s.url}/v1/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', ...auth('ingest'), 'x-request-id': 'gone-1' },
      body,
      duplex: 'half',
      signal: ac.signal,
    } as RequestInit);
    expect(res.status).toBe(200);
    // Wait until the lines sent so far are stored, then hang up.
    while ((await s.catalog.ledgerSize()) < 5) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const batchEvent = async () =>
      (await s.eventsFor('gone-1')).find((e) => e.details?.includes('batch.ingest'));
    while (!(await batchEvent())) await new Promise((r) => setTimeout(r, 5));
    expect((await batchEvent())?.outcome).toBe('error');
    expect(detailsOf(await batchEvent())).toMatchObject({
      complete: false,
      code: 'ClientClosed',
    });
    expect(s.logs.some((l) => l.msg === 'batch stopped unexpectedly')).toBe(false);
    // One event for the batch request (the route's), besides the write path's five.
    const events = await s.eventsFor('gone-1');
    expect(events.filter((e) => e.details?.includes('batch.ingest'))).toHaveLength(1);
    expect(events).toHaveLength(6);
  });
});
