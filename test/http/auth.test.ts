/**
 * 401/403 for every route and every role, driven by the policy table of src/auth and the routes the
 * OpenAPI document lists (so a new route cannot escape the check).
 */
import { ACTIONS, POLICY, rolesFor, type Action } from '../../src/auth/policy';
import { ROLES, type Role } from '../../src/auth/types';
import { makeRecord } from '../catalog/fixtures';
import { auth, postJson, startServer, TRADE, trade, type TestServer } from './server';

let s: TestServer;
let n = 0;
/** Holds placed by another compliance principal, one per release request; one hold to read; one sweep to read. */
const releasable: string[] = [];
const HOLD_ID = 'hold_auth_read';
const SWEEP_ID = 'fx_auth_read';
/** Dispositions proposed by another compliance principal, one per approval request; one to read. */
const approvable: string[] = [];
const DISPOSITION_ID = 'dsp_auth_read';
/** Open alerts, one per acknowledgement request; one to read. */
const acknowledgeable: string[] = [];
const ALERT_ID = 'alr_auth_read';
/** A ready export of TRADE, for the export routes that name one. */
let exportId = '';
const EXPORT_REQUEST = {
  reference: 'SFC/AUTH/1',
  recipient: { name: 'Jane Officer', organisation: 'Securities and Futures Commission' },
  purpose: 'auth',
  criteria: { recordIds: [TRADE.recordId] },
};
beforeAll(async () => {
  s = await startServer();
  for (let i = 0; i <= 20; i++) {
    const id = i === 0 ? ALERT_ID : `alr_auth_${i}`;
    await s.catalog.raiseAlert({
      id,
      raisedAt: new Date(),
      source: 'fixity',
      kind: 'checksum_mismatch',
      summary: `auth ${i}`,
      details: {},
      dedupeKey: id,
    });
    if (i > 0) acknowledgeable.push(id);
  }
  const other = await s.catalog.addPrincipal({ name: 'auth-compliance-2', role: 'compliance', kind: 'user' });
  const event = (target: string) => ({
    principalId: other.id,
    action: 'holds.manage',
    target,
    outcome: 'allowed' as const,
  });
  for (let i = 0; i <= 20; i++) {
    const id = i === 0 ? HOLD_ID : `hold_auth_${i}`;
    await s.catalog.placeHold(
      {
        id,
        name: 'auth',
        matter: 'auth',
        reason: 'auth',
        criteria: { clientId: 'C-AUTH' },
        placedBy: other.id,
      },
      event(id),
    );
    if (i > 0) releasable.push(id);
  }
  // Records past their retain-until (catalogued only: nothing in OSS protects them).
  for (const recordId of ['DSP-AUTH-1', 'DSP-AUTH-2'])
    await s.catalog.commitRecord(
      makeRecord({ recordId, bucket: s.bucket, retainUntil: new Date('2020-01-01T00:00:00Z') }),
      event(recordId),
    );
  const dsp = await s.catalog.getRecord('DSP-AUTH-2');
  for (let i = 0; i <= 20; i++) {
    const id = i === 0 ? DISPOSITION_ID : `dsp_auth_${i}`;
    await s.catalog.proposeDisposition(
      {
        id,
        proposedBy: other.id,
        reason: 'auth',
        asOf: new Date(),
        selection: 'list',
        items: [
          {
            recordId: 'DSP-AUTH-2',
            bucket: s.bucket,
            objectKey: dsp!.objectKey,
            descriptionKey: null,
            sha256: dsp!.sha256,
          },
        ],
      },
      event(id),
    );
    if (i > 0) approvable.push(id);
  }
  await s.catalog.startFixitySweep({
    id: SWEEP_ID,
    kind: 'head',
    bucket: null,
    samplePpm: 1_000_000,
    initiated: '"cli"',
  });
  const res = await fetch(`${s.url}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth('ingest') },
    body: JSON.stringify(TRADE),
  });
  expect(res.status).toBe(201);
  // The ledger routes answer with a checkpoint covering the record.
  await s.evidence.checkpointNow();
  const created = await postJson(`${s.url}/v1/exports`, EXPORT_REQUEST, auth('compliance'));
  expect(created.status).toBe(202);
  exportId = ((await created.json()) as { export: { id: string } }).export.id;
  await s.exports.runPending();
  expect((await s.catalog.getExport(exportId))?.status).toBe('ready');
});
afterAll(async () => {
  await s.close();
});

interface Operation {
  method: string;
  path: string;
  action?: Action;
}

async function operations(): Promise<Operation[]> {
  const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { 'x-strongroom-action'?: Action; 'x-strongroom-roles'?: Role[] }>>;
  };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (op['x-strongroom-action'])
        expect(op['x-strongroom-roles']).toEqual(rolesFor(op['x-strongroom-action']));
      ops.push({
        method: method.toUpperCase(),
        path,
        ...(op['x-strongroom-action'] ? { action: op['x-strongroom-action'] } : {}),
      });
    }
  }
  return ops;
}

/** A request that the route accepts when the role may use it. */
function requestFor(op: Operation, headers: Record<string, string>): [string, RequestInit] {
  const query: Record<string, string> = {
    '/v1/ledger/proof/inclusion': '?index=0',
    '/v1/ledger/proof/consistency': '?from=1&to=1',
  };
  const path = op.path.startsWith('/v1/holds/')
    ? op.path.replace('{id}', op.method === 'POST' ? (releasable.shift() ?? 'none-left') : HOLD_ID)
    : op.path.startsWith('/v1/dispositions/')
      ? op.path.replace('{id}', op.method === 'POST' ? (approvable.shift() ?? 'none-left') : DISPOSITION_ID)
      : op.path.startsWith('/v1/verifications/')
        ? op.path.replace('{id}', SWEEP_ID)
        : op.path.startsWith('/v1/alerts/')
          ? op.path.replace(
              '{id}',
              op.method === 'POST' ? (acknowledgeable.shift() ?? 'none-left') : ALERT_ID,
            )
          : op.path.startsWith('/v1/exports/')
            ? op.path.replace('{id}', exportId)
            : op.path.replace('{id}', TRADE.recordId).replace('{index}', '0') + (query[op.path] ?? '');
  const id = `AUTH-${++n}`;
  if (op.path === '/v1/reports/alp-top10') return [`${path}?month=2026-11`, { headers }];
  if (op.method === 'GET') return [path, { headers }];
  if (op.path === '/v1/ledger/checkpoint') return [path, { method: 'POST', headers }];
  switch (op.path) {
    case '/v1/records':
      return [
        path,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(trade(id)),
        },
      ];
    case '/v1/batches':
      return [
        path,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/x-ndjson' },
          body: `${JSON.stringify(trade(id))}\n`,
        },
      ];
    case '/v1/documents': {
      const description = {
        recordType: 'document',
        recordId: id,
        documentType: 'client_agreement',
        title: 'Client agreement',
        documentDate: '2026-11-21',
        fileName: 'agreement.pdf',
        contentType: 'application/pdf',
      };
      return [
        path,
        {
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/pdf',
            'x-strongroom-document': Buffer.from(JSON.stringify(description)).toString('base64url'),
          },
          body: '%PDF-1.7 test',
        },
      ];
    }
    case '/v1/holds':
      return [
        path,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ name: id, matter: 'M-1', reason: 'inquiry', criteria: { clientId: id } }),
        },
      ];
    case '/v1/retention-events':
      return [
        path,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ clientId: id, event: 'relationship_ended', at: '2026-11-30T00:00:00Z' }),
        },
      ];
    case '/v1/dispositions':
      return [
        path,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'past retention', recordIds: ['DSP-AUTH-1'] }),
        },
      ];
    case '/v1/dispositions/{id}/approve':
      return [
        path,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ note: 'checked' }),
        },
      ];
    case '/v1/alerts/{id}/acknowledge':
      return [
        path,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'checked and restored' }),
        },
      ];
    case '/v1/exports':
      return [
        path,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(EXPORT_REQUEST),
        },
      ];
    case '/v1/exports/{id}/links':
      return [
        path,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ ttlMinutes: 15 }),
        },
      ];
    case '/v1/holds/{id}/release':
      return [
        path,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'matter closed' }),
        },
      ];
    default:
      throw new Error(`no request for ${op.method} ${op.path}: add one`);
  }
}

test('the API guards only actions of the policy table, and the routes cover the record and system actions', async () => {
  const ops = await operations();
  const used = new Set(ops.flatMap((o) => (o.action ? [o.action] : [])));
  for (const a of used) expect(ACTIONS).toContain(a);
  expect([...used].sort()).toEqual([
    'alerts.acknowledge',
    'alerts.read',
    'audit.read',
    'dispositions.manage',
    'dispositions.read',
    'exports.create',
    'exports.read',
    'holds.manage',
    'holds.read',
    'ledger.checkpoint',
    'ledger.read',
    'records.read',
    'records.write',
    'reports.read',
    'retention.manage',
    'system.read',
    'verifications.read',
  ]);
  const publicOps = ops.filter((o) => !o.action).map((o) => `${o.method} ${o.path}`);
  expect(publicOps.sort()).toEqual(['GET /docs', 'GET /healthz', 'GET /openapi.json', 'GET /readyz']);
});

test('every guarded route: 401 without or with a bad token, audited as denied', async () => {
  for (const op of (await operations()).filter((o) => o.action)) {
    const variants: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-a-token' },
      { authorization: 'Basic dXNlcjpwYXNz' },
    ];
    for (const headers of variants) {
      const [path, init] = requestFor(op, headers);
      const res = await fetch(`${s.url}${path}`, init);
      expect({ op: `${op.method} ${op.path}`, status: res.status }).toEqual({
        op: `${op.method} ${op.path}`,
        status: 401,
      });
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="strongroom"/);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe('Unauthenticated');
      const events = await s.eventsFor(res.headers.get('x-request-id') as string);
      expect(events).toEqual([
        expect.objectContaining({ action: op.action, outcome: 'denied', principalId: null }),
      ]);
    }
  }
});

test('every guarded route and every role: allowed exactly when the policy table says so; every request audited once', async () => {
  const ops = (await operations()).filter((o) => o.action);
  for (const op of ops) {
    for (const role of ROLES) {
      const [path, init] = requestFor(op, auth(role));
      const res = await fetch(`${s.url}${path}`, init);
      await res.arrayBuffer();
      const allowed = (POLICY[op.action as Action].roles as readonly Role[]).includes(role);
      const label = `${role} ${op.method} ${op.path}`;
      if (allowed) expect({ label, ok: res.status >= 200 && res.status < 300 }).toEqual({ label, ok: true });
      else expect({ label, status: res.status }).toEqual({ label, status: 403 });
      const events = await s.eventsFor(res.headers.get('x-request-id') as string);
      if (!allowed) {
        expect(events).toEqual([
          expect.objectContaining({
            action: op.action,
            outcome: 'denied',
            principalId: s.principals[role].id,
          }),
        ]);
      } else if (op.path === '/v1/batches') {
        // One event per stored line (the write path) plus one for the batch request.
        expect(events.map((e) => e.outcome)).toEqual(['allowed', 'allowed']);
        expect(JSON.parse(events[1]?.details as string)).toMatchObject({
          operation: 'batch.ingest',
          lines: 1,
          created: 1,
        });
      } else if (op.path === '/v1/dispositions/{id}/approve') {
        // The approval, then one event per item deleted (or skipped: disposed by an earlier approval).
        expect(events[0]).toMatchObject({
          action: op.action,
          outcome: 'allowed',
          principalId: s.principals[role].id,
        });
        expect(events.slice(1).map((e) => [e.action, JSON.parse(e.details ?? '{}').operation])).toEqual([
          [op.action, 'disposition.delete'],
        ]);
      } else {
        expect({ label, events: events.length }).toEqual({ label, events: 1 });
        expect(events[0]).toMatchObject({
          action: op.action,
          outcome: 'allowed',
          principalId: s.principals[role].id,
        });
      }
    }
  }
});

test('public routes need no token and are not audited', async () => {
  for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs']) {
    const res = await fetch(`${s.url}${path}`);
    expect(res.status).toBe(200);
    expect(await s.eventsFor(res.headers.get('x-request-id') as string)).toEqual([]);
  }
});

test('authentication comes before anything else: an unauthenticated body is not read or judged', async () => {
  const res = await fetch(`${s.url}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'not json',
  });
  expect(res.status).toBe(401);
  const hostile = await fetch(`${s.url}/v1/records/abc%00`);
  expect(hostile.status).toBe(401);
});
