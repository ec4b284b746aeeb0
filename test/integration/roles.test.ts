/**
 * Every role against every route, full stack: real principals and tokens in the real catalog,
 * real HTTP. Allowed per the POLICY table: the route's success status; otherwise 403 Forbidden.
 * Without a token or with a bad one: 401. Every request to a guarded route, allowed or denied,
 * leaves an audit event naming the principal, the action, the outcome and the request id.
 */
import { ACTIONS, POLICY, ROLES, can, disablePrincipal, type Action, type Role } from '../../src/auth';
import { makeRecord } from '../catalog/fixtures';
import { example } from '../records/fixtures';
import {
  bearer,
  databases,
  fileBytes,
  postDocument,
  postJson,
  principalWithToken,
  startTestArchive,
  uid,
  type ErrorBody,
  type TestArchive,
} from './helpers';

const SEED = example('trade');
const SEED_ID = SEED.recordId as string;

interface Route {
  method: string;
  /** As in the OpenAPI document. */
  path: string;
  action: Action;
  /** What an allowed request answers. */
  ok: number;
  send(base: string, token: string | undefined): Promise<Response>;
}

function newTrade(): Record<string, unknown> {
  const id = uid('T-ROLE');
  return { ...example('trade'), recordId: id, tradeId: id };
}

function auth(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : bearer(token);
}

const ROUTES: Route[] = [
  {
    method: 'post',
    path: '/v1/records',
    action: 'records.write',
    ok: 201,
    send: (base, token) => postJson(`${base}/v1/records`, newTrade(), token),
  },
  {
    method: 'post',
    path: '/v1/batches',
    action: 'records.write',
    ok: 200,
    send: (base, token) =>
      fetch(`${base}/v1/batches`, {
        method: 'POST',
        headers: { ...auth(token), 'content-type': 'application/x-ndjson' },
        body: `${JSON.stringify(newTrade())}\n${JSON.stringify(newTrade())}\n`,
      }),
  },
  {
    method: 'post',
    path: '/v1/documents',
    action: 'records.write',
    ok: 201,
    send: (base, token) => {
      const description = {
        ...example('document'),
        recordId: uid('D-ROLE'),
        sha256: undefined,
        size: undefined,
      };
      if (token === undefined) return fetch(`${base}/v1/documents`, { method: 'POST', body: 'x' });
      return postDocument(base, token, description, fileBytes(300), { form: 'raw' });
    },
  },
  {
    method: 'get',
    path: '/v1/records',
    action: 'records.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/records?type=trade`, { headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/v1/records/{id}',
    action: 'records.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/records/${SEED_ID}`, { headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/v1/records/{id}/content',
    action: 'records.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/records/${SEED_ID}/content`, { headers: auth(token) }),
  },
  ...(
    [
      ['/v1/ledger/checkpoint', '/v1/ledger/checkpoint'],
      ['/v1/ledger/checkpoints', '/v1/ledger/checkpoints?limit=5'],
      ['/v1/ledger/key', '/v1/ledger/key'],
      ['/v1/ledger/entries/{index}', '/v1/ledger/entries/0'],
      ['/v1/ledger/proof/inclusion', '/v1/ledger/proof/inclusion?index=0'],
      ['/v1/ledger/proof/consistency', '/v1/ledger/proof/consistency?from=1&to=1'],
    ] as const
  ).map(([path, url]): Route => ({
    method: 'get',
    path,
    action: 'ledger.read',
    ok: 200,
    send: (base, token) => fetch(`${base}${url}`, { headers: auth(token) }),
  })),
  {
    method: 'get',
    path: '/v1/records/{id}/proof',
    action: 'records.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/records/${SEED_ID}/proof`, { headers: auth(token) }),
  },
  {
    method: 'post',
    path: '/v1/ledger/checkpoint',
    action: 'ledger.checkpoint',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/ledger/checkpoint`, { method: 'POST', headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/v1/reports/alp-top10',
    action: 'reports.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/reports/alp-top10?month=2026-11`, { headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/v1/posture',
    action: 'reports.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/posture`, { headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/metrics',
    action: 'system.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/metrics`, { headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/v1/audit',
    action: 'audit.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/audit?limit=5`, { headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/v1/audit/segments',
    action: 'audit.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/audit/segments`, { headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/v1/records/{id}/audit',
    action: 'audit.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/records/${SEED_ID}/audit`, { headers: auth(token) }),
  },
];

/** Lifecycle objects made in beforeAll by another compliance principal (four eyes). */
const life = {
  holdId: '',
  releasable: [] as string[],
  dispositionId: '',
  approvable: [] as string[],
  sweepId: '',
  /** A ready export of the seed (made through the API in beforeAll). */
  exportId: '',
};
/** An SFC access request for the seed. */
const EXPORT_REQUEST = {
  reference: 'SFC/ROLES/1',
  recipient: { name: 'Jane Officer', organisation: 'Securities and Futures Commission' },
  purpose: 'roles',
  criteria: { recordIds: [SEED_ID] },
};
const jsonPost = (url: string, body: unknown, token: string | undefined) => postJson(url, body, token);

ROUTES.push(
  {
    method: 'post',
    path: '/v1/holds',
    action: 'holds.manage',
    ok: 201,
    send: (base, token) =>
      jsonPost(
        `${base}/v1/holds`,
        { name: 'n', matter: 'm', reason: 'r', criteria: { clientId: uid('C') } },
        token,
      ),
  },
  {
    method: 'get',
    path: '/v1/holds',
    action: 'holds.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/holds`, { headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/v1/holds/{id}',
    action: 'holds.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/holds/${life.holdId}`, { headers: auth(token) }),
  },
  {
    method: 'post',
    path: '/v1/holds/{id}/release',
    action: 'holds.manage',
    ok: 200,
    send: (base, token) =>
      jsonPost(`${base}/v1/holds/${life.releasable.shift() ?? 'none'}/release`, { reason: 'closed' }, token),
  },
  {
    method: 'post',
    path: '/v1/retention-events',
    action: 'retention.manage',
    ok: 201,
    send: (base, token) =>
      jsonPost(
        `${base}/v1/retention-events`,
        { clientId: uid('C'), event: 'relationship_ended', at: '2027-01-01' },
        token,
      ),
  },
  {
    method: 'get',
    path: '/v1/disposition',
    action: 'dispositions.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/disposition`, { headers: auth(token) }),
  },
  {
    method: 'post',
    path: '/v1/dispositions',
    action: 'dispositions.manage',
    ok: 201,
    send: (base, token) =>
      jsonPost(`${base}/v1/dispositions`, { reason: 'past', recordIds: ['ROLE-PAST-1'] }, token),
  },
  {
    method: 'get',
    path: '/v1/dispositions',
    action: 'dispositions.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/dispositions`, { headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/v1/dispositions/{id}',
    action: 'dispositions.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/dispositions/${life.dispositionId}`, { headers: auth(token) }),
  },
  {
    method: 'post',
    path: '/v1/dispositions/{id}/approve',
    action: 'dispositions.manage',
    ok: 200,
    send: (base, token) =>
      jsonPost(`${base}/v1/dispositions/${life.approvable.shift() ?? 'none'}/approve`, { note: 'ok' }, token),
  },
  {
    method: 'get',
    path: '/v1/verifications',
    action: 'verifications.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/verifications`, { headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/v1/verifications/{id}',
    action: 'verifications.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/verifications/${life.sweepId}`, { headers: auth(token) }),
  },
  {
    method: 'post',
    path: '/v1/exports',
    action: 'exports.create',
    ok: 202,
    send: (base, token) => jsonPost(`${base}/v1/exports`, EXPORT_REQUEST, token),
  },
  {
    method: 'get',
    path: '/v1/exports',
    action: 'exports.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/exports?limit=5`, { headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/v1/exports/{id}',
    action: 'exports.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/exports/${life.exportId}`, { headers: auth(token) }),
  },
  {
    method: 'post',
    path: '/v1/exports/{id}/links',
    action: 'exports.create',
    ok: 201,
    send: (base, token) => jsonPost(`${base}/v1/exports/${life.exportId}/links`, { ttlMinutes: 15 }, token),
  },
);

const PUBLIC = ['/openapi.json', '/healthz', '/readyz', '/docs'];

interface Sent {
  what: string;
  requestId: string;
  principalId: string | null;
  action: string;
  outcome: 'allowed' | 'denied';
}

describe.each(databases('integration/roles'))('roles against routes, catalog on %s', (db) => {
  let t: TestArchive;
  const principals = new Map<Role, { id: string; token: string }>();
  const sent: Sent[] = [];

  beforeAll(async () => {
    t = await startTestArchive({ db });
    for (const role of ROLES) principals.set(role, await principalWithToken(t.catalog, role));
    expect((await postJson(`${t.url}/v1/records`, SEED, t.ingestToken)).status).toBe(201);
    // A checkpoint covering the seed, for the ledger and proof routes.
    const cp = await fetch(`${t.url}/v1/ledger/checkpoint`, {
      method: 'POST',
      headers: bearer(t.adminToken),
    });
    expect(cp.status).toBe(200);
    // Holds, dispositions and a sweep of another compliance principal, for the lifecycle routes.
    const other = await principalWithToken(t.catalog, 'compliance');
    const ev = (target: string) => ({
      principalId: other.id,
      action: 'setup',
      target,
      outcome: 'allowed' as const,
    });
    for (const recordId of ['ROLE-PAST-1', 'ROLE-PAST-2'])
      await t.catalog.commitRecord(
        makeRecord({ recordId, bucket: t.recordsBucket, retainUntil: new Date('2020-01-01T00:00:00Z') }),
        ev(recordId),
      );
    const past = (await t.catalog.getRecord('ROLE-PAST-2'))!;
    for (let i = 0; i < 12; i++) {
      const holdId = uid('hold');
      await t.catalog.placeHold(
        {
          id: holdId,
          name: 'n',
          matter: 'm',
          reason: 'r',
          criteria: { clientId: uid('C') },
          placedBy: other.id,
        },
        ev(holdId),
      );
      const dispositionId = uid('dsp');
      await t.catalog.proposeDisposition(
        {
          id: dispositionId,
          proposedBy: other.id,
          reason: 'r',
          asOf: new Date(),
          selection: 'list',
          items: [
            {
              recordId: 'ROLE-PAST-2',
              bucket: past.bucket,
              objectKey: past.objectKey,
              descriptionKey: null,
              sha256: past.sha256,
            },
          ],
        },
        ev(dispositionId),
      );
      if (i === 0) {
        life.holdId = holdId;
        life.dispositionId = dispositionId;
      } else {
        life.releasable.push(holdId);
        life.approvable.push(dispositionId);
      }
    }
    const created = await jsonPost(`${t.url}/v1/exports`, EXPORT_REQUEST, other.token);
    expect(created.status).toBe(202);
    life.exportId = ((await created.json()) as { export: { id: string } }).export.id;
    await t.archive.exports.runPending();
    expect((await t.catalog.getExport(life.exportId))?.status).toBe('ready');
    life.sweepId = uid('fx');
    await t.catalog.startFixitySweep({
      id: life.sweepId,
      kind: 'head',
      bucket: null,
      samplePpm: 1_000_000,
      initiated: '"cli"',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  function remember(
    res: Response,
    what: string,
    principalId: string | null,
    action: string,
    outcome: Sent['outcome'],
  ): void {
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/\S/);
    sent.push({ what, requestId: requestId as string, principalId, action, outcome });
  }

  test('the route table covers every operation of the OpenAPI document, with the same policy actions', async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { 'x-strongroom-action'?: string }>>;
    };
    const guarded = Object.entries(doc.paths)
      .flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => [method, path, op['x-strongroom-action']]),
      )
      .filter(([, , action]) => action !== undefined)
      .map((r) => r.join(' '))
      .sort();
    expect(guarded).toEqual(ROUTES.map((r) => `${r.method} ${r.path} ${r.action}`).sort());
    for (const r of ROUTES) expect(ACTIONS).toContain(r.action);
  });

  describe.each(ROUTES.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))(
    '%s',
    (_name, route) => {
      test.each([...ROLES])('role %s: allowed per POLICY, else 403 Forbidden', async (role) => {
        const who = principals.get(role);
        if (!who) throw new Error(`no principal for ${role}`);
        const res = await route.send(t.url, who.token);
        const allowed = can(role, route.action);
        expect(allowed).toBe((POLICY[route.action].roles as readonly Role[]).includes(role));
        if (allowed) {
          expect(res.status).toBe(route.ok);
          await res.arrayBuffer();
        } else {
          expect(res.status).toBe(403);
          expect(((await res.json()) as ErrorBody).error.code).toBe('Forbidden');
        }
        remember(res, `${role} ${route.path}`, who.id, route.action, allowed ? 'allowed' : 'denied');
      });

      test('no token, a malformed token, an unknown token, a disabled principal: 401 with WWW-Authenticate', async () => {
        const disabled = await principalWithToken(
          t.catalog,
          route.action === 'system.read' || route.action === 'ledger.read' || route.action === 'reports.read'
            ? 'auditor'
            : route.action === 'records.read'
              ? 'reader'
              : route.action === 'ledger.checkpoint'
                ? 'admin'
                : 'ingest',
        );
        await disablePrincipal(t.catalog, disabled.id, { principalId: null });
        const unknown = `${t.ingestToken.slice(0, -4)}${t.ingestToken.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
        for (const [label, token] of [
          ['none', undefined],
          ['malformed', 'not a token'],
          ['unknown', unknown],
          ['disabled', disabled.token],
        ] as const) {
          const res = await route.send(t.url, token);
          expect([label, res.status]).toEqual([label, 401]);
          expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="strongroom"/);
          expect(((await res.json()) as ErrorBody).error.code).toBe('Unauthenticated');
          remember(res, `${label} ${route.path}`, null, route.action, 'denied');
        }
      });
    },
  );

  test('public routes answer everyone, with or without a token', async () => {
    for (const path of PUBLIC) {
      for (const token of [undefined, ...[...principals.values()].map((p) => p.token)]) {
        const res = await fetch(`${t.url}${path}`, { headers: auth(token) });
        expect([path, res.status]).toEqual([path, 200]);
        await res.arrayBuffer();
      }
    }
  });

  test('an unknown /v1 path: 404, audited as unmatched', async () => {
    const res = await fetch(`${t.url}/v1/nothing-here`, { headers: auth(principals.get('reader')?.token) });
    expect(res.status).toBe(404);
    const events = (await t.catalog.auditEvents({ limit: 10000 })).filter(
      (e) => e.requestId === res.headers.get('x-request-id'),
    );
    expect(events.map((e) => [e.action, e.outcome])).toEqual([['http.unmatched', 'error']]);
  });

  test('every request above, allowed or denied, left audit events with its principal, action, outcome and request id', async () => {
    expect(sent.length).toBe(ROUTES.length * (ROLES.length + 4));
    const events = await t.catalog.auditEvents({ limit: 10000 });
    for (const s of sent) {
      const mine = events.filter((e) => e.requestId === s.requestId);
      expect([s.what, mine.length > 0]).toEqual([s.what, true]);
      for (const e of mine) {
        expect([s.what, e.principalId, e.action, e.outcome]).toEqual([
          s.what,
          s.principalId,
          s.action,
          s.outcome,
        ]);
        expect(e.ip).toMatch(/127\.0\.0\.1/);
      }
    }
    // A denied write never reached the write path: exactly one event for it.
    for (const s of sent.filter((x) => x.outcome === 'denied')) {
      expect([s.what, events.filter((e) => e.requestId === s.requestId).length]).toEqual([s.what, 1]);
    }
    // An allowed batch of two lines: one event per line (the write path's) and one for the request.
    const batch = sent.find((s) => s.what === 'ingest /v1/batches');
    expect(events.filter((e) => e.requestId === batch?.requestId)).toHaveLength(3);
  });
});
