/**
 * GET /v1/alerts, GET /v1/alerts/:id, POST /v1/alerts/:id/acknowledge against the real server and
 * catalog: open alerts listed newest first and paged, an acknowledgement made once with a reason
 * and audited in its transaction, and the refusals (no reason, twice, unknown id, bad cursor).
 */
import { auth, postJson, startServer, type TestServer } from './server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
  for (let i = 0; i < 5; i++)
    await s.catalog.raiseAlert({
      id: `alr_http_${i}`,
      raisedAt: new Date(Date.UTC(2026, 11, 1, 1, i)),
      source: i % 2 === 0 ? 'fixity' : 'ledger',
      kind: i % 2 === 0 ? 'checksum_mismatch' : 'catalog_mismatch',
      summary: `problem ${i}`,
      details: { index: i },
      dedupeKey: `alr_http_${i}`,
    });
});
afterAll(async () => {
  await s.close();
});

interface AlertView {
  id: string;
  open: boolean;
  source: string;
  summary: string;
  details: Record<string, unknown>;
  acknowledgedBy: string | null;
  acknowledgement: string | null;
}
const get = async (path: string, role: Parameters<typeof auth>[0] = 'auditor') => {
  const res = await fetch(`${s.url}${path}`, { headers: auth(role) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

test('open alerts newest first, paged with nextCursor; a bad cursor or limit is a 400', async () => {
  const first = await get('/v1/alerts?limit=2');
  expect(first.status).toBe(200);
  const items = first.body.items as AlertView[];
  expect(items.map((a) => a.id)).toEqual(['alr_http_4', 'alr_http_3']);
  expect(items[0]).toMatchObject({
    open: true,
    source: 'fixity',
    details: { index: 4 },
    acknowledgedBy: null,
  });
  const ids = items.map((a) => a.id);
  let cursor = first.body.nextCursor as string | undefined;
  while (cursor !== undefined) {
    const page = await get(`/v1/alerts?limit=2&cursor=${encodeURIComponent(cursor)}`);
    ids.push(...(page.body.items as AlertView[]).map((a) => a.id));
    cursor = page.body.nextCursor as string | undefined;
  }
  expect(ids).toEqual(['alr_http_4', 'alr_http_3', 'alr_http_2', 'alr_http_1', 'alr_http_0']);
  for (const bad of ['cursor=not-a-cursor', 'limit=0', 'limit=1001', 'all=yes', 'colour=red'])
    expect([bad, (await get(`/v1/alerts?${bad}`)).status]).toEqual([bad, 400]);
});

test('an acknowledgement: once, by a compliance principal, with a reason, audited with it', async () => {
  const noReason = await postJson(
    `${s.url}/v1/alerts/alr_http_1/acknowledge`,
    { reason: '  ' },
    auth('compliance'),
  );
  expect(noReason.status).toBe(400);
  const byAuditor = await postJson(
    `${s.url}/v1/alerts/alr_http_1/acknowledge`,
    { reason: 'ok' },
    auth('auditor'),
  );
  expect(byAuditor.status).toBe(403);
  expect((await get('/v1/alerts/alr_http_1')).body.alert).toMatchObject({ open: true });

  const reason = 'Catalog restored from the sealed segment; incident INC-7';
  const res = await postJson(`${s.url}/v1/alerts/alr_http_1/acknowledge`, { reason }, auth('compliance'));
  expect(res.status).toBe(200);
  const acked = ((await res.json()) as { alert: AlertView }).alert;
  expect(acked).toMatchObject({
    id: 'alr_http_1',
    open: false,
    acknowledgedBy: s.principals.compliance.id,
    acknowledgement: reason,
  });
  const requestId = res.headers.get('x-request-id');
  const events = (await s.catalog.auditEvents({ limit: 10000 })).filter((e) => e.requestId === requestId);
  expect(events).toEqual([
    expect.objectContaining({
      principalId: s.principals.compliance.id,
      action: 'alerts.acknowledge',
      target: 'alr_http_1',
      outcome: 'allowed',
    }),
  ]);
  expect(JSON.parse(String(events[0]?.details))).toMatchObject({ operation: 'alert.acknowledge', reason });

  // Acknowledged: no longer listed as open, still there with ?all=true and by id.
  const open = ((await get('/v1/alerts')).body.items as AlertView[]).map((a) => a.id);
  expect(open).not.toContain('alr_http_1');
  const all = ((await get('/v1/alerts?all=true')).body.items as AlertView[]).map((a) => a.id);
  expect(all).toContain('alr_http_1');

  const again = await postJson(`${s.url}/v1/alerts/alr_http_1/acknowledge`, { reason }, auth('compliance'));
  expect(again.status).toBe(409);
  expect(((await again.json()) as { error: { code: string } }).error.code).toBe('AlertAcknowledged');
  const unknown = await postJson(
    `${s.url}/v1/alerts/alr_http_none/acknowledge`,
    { reason },
    auth('compliance'),
  );
  expect(unknown.status).toBe(404);
  expect((await get('/v1/alerts/alr_http_none')).status).toBe(404);
  expect((await get('/v1/alerts/..%2Fetc')).status).toBe(400);
});
