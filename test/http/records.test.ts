import { auth, detailsOf, postJson, startServer, trade, TRADE, type TestServer } from './server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

describe('POST /v1/records', () => {
  test('201 with the receipt when created, 200 with the same receipt when sent again', async () => {
    const first = await postJson(`${s.url}/v1/records`, TRADE, auth('ingest'));
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`/v1/records/${TRADE.recordId}`);
    const created = (await first.json()) as { status: string; receipt: Record<string, unknown> };
    expect(created.status).toBe('created');
    expect(created.receipt).toMatchObject({
      recordId: TRADE.recordId,
      recordType: 'trade',
      principal: s.principals.ingest.id,
    });
    expect(created.receipt.sha256).toMatch(/^[0-9a-f]{64}$/);

    // Same content, keys in another order: the same canonical bytes.
    const reordered = Object.fromEntries(Object.entries(TRADE).reverse());
    const again = await postJson(`${s.url}/v1/records`, reordered, auth('ingest'));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: 'existing', receipt: created.receipt });
  });

  test('two requests with one id and other content at the same time: one 201, one 409 Conflict', async () => {
    // Both may pass the catalog look-up before either commits: the loser's PUT finds the winner's
    // object, and waits for its commit to answer as any later request would (issue 8, item 11).
    for (let i = 0; i < 4; i += 1) {
      const recordId = `${TRADE.recordId}-R${i}`;
      const answers = await Promise.all([
        postJson(`${s.url}/v1/records`, { ...TRADE, recordId, price: '388.40' }, auth('ingest')),
        postJson(`${s.url}/v1/records`, { ...TRADE, recordId, price: '388.60' }, auth('ingest')),
      ]);
      const bodies = (await Promise.all(answers.map((r) => r.json()))) as { error?: { code: string } }[];
      expect({
        statuses: answers.map((r) => r.status).sort(),
        codes: bodies.map((b) => b.error?.code),
      }).toEqual({
        statuses: [201, 409],
        codes: expect.arrayContaining([undefined, 'Conflict']) as unknown,
      });
    }
  });

  test('409 Conflict with a hint to send a correction when the id exists with other content', async () => {
    await postJson(`${s.url}/v1/records`, TRADE, auth('ingest'));
    const res = await postJson(`${s.url}/v1/records`, { ...TRADE, price: '388.40' }, auth('ingest'));
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error.code).toBe('Conflict');
    expect(body.error.hint).toMatch(/correction/);
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
    // Audited once, by the write path (not again by the error middleware).
    const events = await s.eventsFor(res.headers.get('x-request-id') as string);
    expect(events).toEqual([
      expect.objectContaining({ action: 'records.write', outcome: 'denied', target: TRADE.recordId }),
    ]);
  });

  test('refusals the write path does not audit (validation) are audited by the HTTP layer, once', async () => {
    const res = await postJson(`${s.url}/v1/records`, { ...TRADE, side: 'hold' }, auth('ingest'));
    expect(res.status).toBe(400);
    const events = await s.eventsFor(res.headers.get('x-request-id') as string);
    expect(events).toEqual([
      expect.objectContaining({ action: 'records.write', outcome: 'error', target: TRADE.recordId }),
    ]);
    expect(detailsOf(events[0])).toMatchObject({ status: 400, code: 'ValidationFailed' });
  });

  test('400 ValidationFailed with every issue and its path; nothing stored', async () => {
    const res = await postJson(
      `${s.url}/v1/records`,
      { ...TRADE, price: 388.2, side: 'hold', extra: 1 },
      auth('ingest'),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe('ValidationFailed');
    expect(body.error.details.map((d) => d.path).sort()).toEqual(['extra', 'price', 'side']);
    expect(await s.catalog.getRecord(TRADE.recordId)).toBeUndefined();
    expect(await s.catalog.ledgerSize()).toBe(0);
  });

  test('the write path audits the write: one event per request, not two', async () => {
    const res = await postJson(`${s.url}/v1/records`, TRADE, auth('ingest'));
    const events = await s.eventsFor(res.headers.get('x-request-id') as string);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'records.write',
      target: TRADE.recordId,
      outcome: 'allowed',
      principalId: s.principals.ingest.id,
    });
    // The event went in with the record (one transaction): its details name the stored object.
    expect(detailsOf(events[0])).toMatchObject({
      operation: 'record.ingest',
      key: 'trade/2026/11/21/T-20261121-000001.json',
      sha256: ((await res.json()) as { receipt: { sha256: string } }).receipt.sha256,
    });
  });
});

describe('GET /v1/records/:id and /content', () => {
  beforeEach(async () => {
    expect((await postJson(`${s.url}/v1/records`, TRADE, auth('ingest'))).status).toBe(201);
  });

  test('the catalog entry, the receipt and the corrections', async () => {
    const correction = {
      recordType: 'correction',
      recordId: 'CORR-1',
      amends: TRADE.recordId,
      reason: 'wrong price keyed',
      correctedAt: '2026-11-22T10:00:00+08:00',
      changes: [{ field: 'price', from: '388.20', to: '388.40' }],
    };
    expect((await postJson(`${s.url}/v1/records`, correction, auth('ingest'))).status).toBe(201);
    const res = await fetch(`${s.url}/v1/records/${TRADE.recordId}`, { headers: auth('reader') });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      record: Record<string, unknown>;
      receipt: Record<string, unknown>;
      correctedBy: string[];
    };
    expect(body.record).toMatchObject({
      recordId: TRADE.recordId,
      businessDate: '2026-11-21',
      instrument: 'XHKG:0700',
      clientId: 'C-1001',
    });
    expect(body.receipt).toMatchObject({
      recordId: TRADE.recordId,
      key: 'trade/2026/11/21/T-20261121-000001.json',
    });
    expect(body.correctedBy).toEqual(['CORR-1']);
    const events = await s.eventsFor(res.headers.get('x-request-id') as string);
    expect(events).toEqual([
      expect.objectContaining({
        action: 'records.read',
        target: TRADE.recordId,
        outcome: 'allowed',
        principalId: s.principals.reader.id,
      }),
    ]);
  });

  test('404 NotFound for an unknown record, audited as an error', async () => {
    const res = await fetch(`${s.url}/v1/records/NOPE-1`, { headers: auth('reader') });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NotFound');
    const events = await s.eventsFor(res.headers.get('x-request-id') as string);
    expect(events).toEqual([
      expect.objectContaining({ action: 'records.read', target: 'NOPE-1', outcome: 'error' }),
    ]);
  });

  test('content: the stored bytes with Content-Type, Content-Length, ETag and the SHA-256', async () => {
    const res = await fetch(`${s.url}/v1/records/${TRADE.recordId}/content`, { headers: auth('compliance') });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    const record = await s.catalog.getRecord(TRADE.recordId);
    const stored = await s.store.getBuffer(s.bucket, record?.objectKey as string);
    expect(bytes.equals(stored.body)).toBe(true);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('etag')).toMatch(/^"[0-9A-F]{32}"$/);
    expect(res.headers.get('x-strongroom-sha256')).toBe(record?.sha256);
    expect(res.headers.get('x-strongroom-crc64')).toBe(stored.info.crc64);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(TRADE);
  });

  test('content: a store failure half-way cuts the answer (the client sees it fail) and is audited', async () => {
    s.faults.failGetMidStream = true;
    const id = 'client-chosen-id.42';
    // Depending on when the cut comes, the headers may or may not have left: either way it fails.
    const download = fetch(`${s.url}/v1/records/${TRADE.recordId}/content`, {
      headers: { ...auth('auditor'), 'x-request-id': id },
    }).then((res) => res.arrayBuffer());
    await expect(download).rejects.toThrow();
    for (let i = 0; i < 200 && (await s.eventsFor(id)).length < 2; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect((await s.eventsFor(id)).map((e) => e.outcome)).toEqual(['allowed', 'error']);
  });

  test('audit trail down: reads are refused with 503 AuditUnavailable and no data leaves', async () => {
    s.faults.failAudit = true;
    for (const path of [
      `/v1/records/${TRADE.recordId}`,
      `/v1/records/${TRADE.recordId}/content`,
      '/v1/records',
    ]) {
      const res = await fetch(`${s.url}${path}`, { headers: auth('reader') });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe('AuditUnavailable');
    }
    expect(s.logs.some((l) => l.level === 50 && String(l.msg).includes('audit trail unavailable'))).toBe(
      true,
    );
  });
});

describe('GET /v1/records (search)', () => {
  beforeEach(async () => {
    for (let i = 1; i <= 5; i++) {
      const day = `2026-11-2${i}`;
      const body = trade(`T-${i}`, {
        executedAt: `${day}T09:00:00+08:00`,
        clientId: i % 2 ? 'C-ODD' : 'C-EVEN',
      });
      expect((await postJson(`${s.url}/v1/records`, body, auth('ingest'))).status).toBe(201);
    }
  });

  test('filters, and pages with an opaque cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const q = new URLSearchParams({
        type: 'trade',
        from: '2026-11-22',
        to: '2026-11-25',
        limit: '2',
        ...(cursor ? { cursor } : {}),
      });
      const res = await fetch(`${s.url}/v1/records?${q}`, { headers: auth('reader') });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: { recordId: string }[]; nextCursor?: string };
      seen.push(...page.items.map((i) => i.recordId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['T-2', 'T-3', 'T-4', 'T-5']);

    const odd = await fetch(`${s.url}/v1/records?clientId=C-ODD`, { headers: auth('reader') });
    expect(((await odd.json()) as { items: { recordId: string }[] }).items.map((i) => i.recordId)).toEqual([
      'T-1',
      'T-3',
      'T-5',
    ]);
  });

  test.each([
    ['from=2026-02-30', 'from'],
    ['to=yesterday', 'to'],
    ['from=2026-11-25&to=2026-11-21', 'to'],
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['type=trades', 'type'],
    ['clientId=a&clientId=b', 'clientId'],
    ['sort=desc', 'sort'],
  ])('400 for %s', async (query, path) => {
    const res = await fetch(`${s.url}/v1/records?${query}`, { headers: auth('reader') });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe('ValidationFailed');
    expect(body.error.details.map((d) => d.path)).toContain(path);
  });

  test('the search filters are in the audit event', async () => {
    const res = await fetch(`${s.url}/v1/records?clientId=C-ODD`, { headers: auth('auditor') });
    const [event] = await s.eventsFor(res.headers.get('x-request-id') as string);
    expect(event?.outcome).toBe('allowed');
    expect(detailsOf(event)).toMatchObject({
      operation: 'records.search',
      query: { clientId: 'C-ODD' },
      results: 3,
    });
  });
});
