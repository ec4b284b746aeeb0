import { auth, detailsOf, postJson, startServer, trade, type TestServer } from './server';

/** Event-based retention over HTTP: POST /v1/retention-events and the retention shown on a record. */
let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const DAY_MS = 86_400_000;

async function cddDocument(recordId: string, clientId: string): Promise<void> {
  const description = {
    recordType: 'document',
    recordId,
    documentType: 'cdd',
    title: 'Customer due diligence',
    documentDate: '2026-11-21',
    fileName: 'cdd.pdf',
    contentType: 'application/pdf',
    clientId,
  };
  const res = await fetch(`${s.url}/v1/documents`, {
    method: 'POST',
    headers: {
      ...auth('ingest'),
      'content-type': 'application/pdf',
      'x-strongroom-document': Buffer.from(JSON.stringify(description)).toString('base64url'),
    },
    body: '%PDF-1.7 cdd',
  });
  expect(res.status).toBe(201);
}

type View = { record: { retainUntil: string }; retention: { retainUntil: string; changes: unknown[] } };
const view = async (id: string): Promise<View> =>
  (await (await fetch(`${s.url}/v1/records/${id}`, { headers: auth('compliance') })).json()) as View;

test("an AML record's retain-until follows the relationship's end, and never moves earlier", async () => {
  await cddDocument('AML-1', 'C-AML');
  const t = await postJson(`${s.url}/v1/records`, trade('AML-T1', { clientId: 'C-AML' }), auth('ingest'));
  expect(t.status).toBe(201);
  const before = await view('AML-1');
  expect(before.retention).toEqual({ retainUntil: before.record.retainUntil, changes: [] });

  const ended = '2027-06-30T00:00:00.000Z';
  const res = await postJson(
    `${s.url}/v1/retention-events`,
    { clientId: 'C-AML', event: 'relationship_ended', at: ended },
    auth('compliance'),
  );
  expect(res.status).toBe(201);
  const expected = new Date(Date.parse(ended) + 1827 * DAY_MS).toISOString();
  const body = (await res.json()) as {
    changed: { recordId: string; retainUntil: string }[];
    unchanged: number;
  };
  // The 7-year trade is not in an event-based class: untouched.
  expect(body).toMatchObject({ changed: [{ recordId: 'AML-1', retainUntil: expected }], unchanged: 0 });
  const events = await s.eventsFor(res.headers.get('x-request-id')!);
  expect(events.map((e) => [e.action, e.target, detailsOf(e)['operation']])).toEqual([
    ['retention.manage', 'C-AML', 'retention.event'],
    ['retention.manage', 'AML-1', 'retention.change'],
  ]);
  expect(detailsOf(events[1])).toMatchObject({ previous: before.record.retainUntil, retainUntil: expected });
  const after = await view('AML-1');
  expect(after.retention.retainUntil).toBe(expected);
  expect(after.retention.changes).toHaveLength(1);
  expect((await view('AML-T1')).retention.changes).toEqual([]);

  // An earlier end (a correction, or a mistake) cannot shorten what is kept.
  const earlier = await postJson(
    `${s.url}/v1/retention-events`,
    { clientId: 'C-AML', event: 'relationship_ended', at: '2027-01-01' },
    auth('compliance'),
  );
  expect(earlier.status).toBe(201);
  expect(await earlier.json()).toMatchObject({ changed: [], unchanged: 1 });
  expect((await view('AML-1')).retention.retainUntil).toBe(expected);
});

test('bad retention events are refused with a reason', async () => {
  for (const body of [
    { clientId: 'C-AML', event: 'account_closed', at: '2027-01-01' },
    { clientId: 'C-AML', event: 'relationship_ended', at: 'soon' },
    { event: 'relationship_ended', at: '2027-01-01' },
  ]) {
    const res = await postJson(`${s.url}/v1/retention-events`, body, auth('compliance'));
    expect(res.status).toBe(400);
  }
  expect((await postJson(`${s.url}/v1/retention-events`, {}, auth('reader'))).status).toBe(403);
});
