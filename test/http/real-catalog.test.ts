/**
 * The HTTP layer over the real catalog and real API tokens (the test server's own): search
 * pagination with the catalog's own cursors, and the hash-chained audit trail the requests leave.
 */
import { issueToken } from '../../src/auth/tokens';
import type { Role } from '../../src/auth/types';
import { verifyAuditChain, type Catalog } from '../../src/catalog';
import { postJson, startServer, trade, type TestServer } from './server';

let s: TestServer;
let catalog: Catalog;
const tokens = {} as Record<Role, string>;
const ids = {} as Record<Role, string>;

beforeAll(async () => {
  s = await startServer();
  catalog = s.catalog;
  for (const role of ['ingest', 'reader', 'admin'] as Role[]) {
    tokens[role] = s.principals[role].token;
    ids[role] = s.principals[role].id;
  }
});

afterAll(async () => {
  await s.close();
});

const bearer = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });

test('records written through the API are found, paged with the catalog cursor, and read back', async () => {
  for (let i = 1; i <= 7; i++) {
    const body = trade(`RC-${i}`, {
      executedAt: `2026-11-${String(10 + i)}T09:00:00+08:00`,
      accountId: i <= 5 ? 'A-5' : 'A-9',
    });
    const res = await postJson(`${s.url}/v1/records`, body, bearer('ingest'));
    expect(res.status).toBe(201);
  }
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const q = new URLSearchParams({ accountId: 'A-5', limit: '2', ...(cursor ? { cursor } : {}) });
    const res = await fetch(`${s.url}/v1/records?${q}`, { headers: bearer('reader') });
    expect(res.status).toBe(200);
    const page = (await res.json()) as {
      items: { recordId: string; principalId: string }[];
      nextCursor?: string;
    };
    seen.push(...page.items.map((i) => i.recordId));
    expect(page.items.every((i) => i.principalId === ids.ingest)).toBe(true);
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  expect(seen).toEqual(['RC-1', 'RC-2', 'RC-3', 'RC-4', 'RC-5']);
  expect(pages).toBe(3);

  const one = await fetch(`${s.url}/v1/records/RC-3`, { headers: bearer('reader') });
  expect(((await one.json()) as { receipt: { ledgerSeq: number } }).receipt.ledgerSeq).toBe(2);
});

test('a cursor the catalog did not issue -> 400, not 500', async () => {
  const res = await fetch(`${s.url}/v1/records?cursor=bm90LWEtY3Vyc29y`, { headers: bearer('reader') });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ValidationFailed');
});

test('allowed and denied requests are in the hash-chained audit trail, which stays intact', async () => {
  const before = await catalog.auditSize();
  const allowed = await fetch(`${s.url}/v1/records/RC-1`, { headers: bearer('reader') });
  const forbidden = await fetch(`${s.url}/v1/records/RC-1`, { headers: bearer('admin') });
  const anonymous = await fetch(`${s.url}/v1/records/RC-1`, {
    headers: { authorization: `Bearer ${issueToken().token}` },
  });
  expect([allowed.status, forbidden.status, anonymous.status]).toEqual([200, 403, 401]);
  const events = await catalog.auditEvents({ fromSeq: before });
  expect(events.map((e) => [e.requestId, e.principalId, e.action, e.target, e.outcome])).toEqual([
    [allowed.headers.get('x-request-id'), ids.reader, 'records.read', 'RC-1', 'allowed'],
    [forbidden.headers.get('x-request-id'), ids.admin, 'records.read', 'RC-1', 'denied'],
    [anonymous.headers.get('x-request-id'), null, 'records.read', 'RC-1', 'denied'],
  ]);
  expect(events.every((e) => e.ip === '127.0.0.1' || e.ip === '::ffff:127.0.0.1')).toBe(true);
  const report = await verifyAuditChain(catalog);
  expect(report).toMatchObject({ ok: true });
});
