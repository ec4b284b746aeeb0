/**
 * POST /v1/exports records its audit event in the transaction that writes the export's row
 * (docs/ARCHITECTURE.md, "The way of an audit event"): when the trail cannot take the event, no
 * export exists and nothing gets built. The fault is the database's own: a trigger on the test
 * server's SQLite catalog refuses every new audit row, as a full disk or a broken trail would.
 */
import Database from 'better-sqlite3';
import { numberedTrade } from '../../src/records/fixtures';
import { auth, postJson, startServer, TRADE, type TestServer } from './server';

const REQUEST = {
  reference: 'SFC/ENF/2026/0042',
  recipient: { name: 'Jane Officer', organisation: 'Securities and Futures Commission' },
  purpose: 'Enquiry under s.179 SFO',
  criteria: { recordIds: [TRADE.recordId] },
};

function sql(s: TestServer, text: string): void {
  const db = new Database(s.catalogPath, { timeout: 10_000 });
  try {
    db.exec(text);
  } finally {
    db.close();
  }
}

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
  expect((await postJson(`${s.url}/v1/records`, TRADE, auth('ingest'))).status).toBe(201);
});
afterAll(async () => {
  await s.close();
});

test('the audit append fails inside the transaction: no export row, nothing built, nothing answered but the error', async () => {
  sql(
    s,
    "create trigger test_audit_down before insert on audit_events begin select raise(abort, 'the audit trail is down'); end",
  );
  let res: Response;
  try {
    res = await postJson(`${s.url}/v1/exports`, REQUEST, auth('compliance'));
  } finally {
    sql(s, 'drop trigger test_audit_down');
  }
  expect(res.status).toBeGreaterThanOrEqual(500);
  const body = await res.text();
  expect(body).not.toMatch(/ex-\d{8}-[0-9a-f]{12}/);
  expect(await s.catalog.listExports({ limit: 10 })).toEqual([]);
  expect(await s.catalog.exportsBuilding()).toEqual([]);

  // With the trail back: the row and its event commit together, the event naming the export.
  const ok = await postJson(`${s.url}/v1/exports`, REQUEST, auth('compliance'));
  expect(ok.status).toBe(202);
  const id = ((await ok.json()) as { export: { id: string } }).export.id;
  const row = await s.catalog.getExport(id);
  const events = await s.eventsFor(ok.headers.get('x-request-id') as string);
  expect(events).toEqual([
    expect.objectContaining({
      action: 'exports.create',
      target: id,
      outcome: 'allowed',
      principalId: s.principals.compliance.id,
    }),
  ]);
  expect(JSON.parse(events[0]?.details ?? '{}')).toMatchObject({
    operation: 'export.create',
    reference: REQUEST.reference,
    recipient: 'Jane Officer',
    records: 1,
  });
  // The request's own event is after the audit size the selection froze (not in the bag).
  expect(events[0]?.seq).toBeGreaterThanOrEqual(row?.auditSize ?? Infinity);
  await s.exports.runPending();
  expect((await s.catalog.getExport(id))?.status).toBe('ready');
});

test('an export of records a checkpoint covers is built on it, without waiting for one covering newer leaves', async () => {
  await s.evidence.checkpointNow();
  const covered = await s.catalog.latestCheckpointRow();
  const before = covered?.treeSize ?? 0;
  // A newer leaf (another trade) that no checkpoint covers yet.
  expect((await postJson(`${s.url}/v1/records`, numberedTrade('LATER', 1), auth('ingest'))).status).toBe(201);
  expect(await s.catalog.ledgerSize()).toBeGreaterThan(before);

  const ok = await postJson(`${s.url}/v1/exports`, REQUEST, auth('compliance'));
  expect(ok.status).toBe(202);
  const id = ((await ok.json()) as { export: { id: string } }).export.id;
  const trade = await s.catalog.getRecord(TRADE.recordId);
  // The selection's cut-off: one past the newest leaf it selected, not the ledger's size.
  expect((await s.catalog.getExport(id))?.ledgerSize).toBe((trade?.ledgerSeq ?? -2) + 1);
  await s.exports.runPending();
  const row = await s.catalog.getExport(id);
  expect(row?.status).toBe('ready');
  // Built on the checkpoint that already covered the trade: none was asked for.
  expect((await s.catalog.latestCheckpointRow())?.treeSize).toBe(before);
  expect(row?.checkpoint).toContain(`\n${before}\n`);
});
