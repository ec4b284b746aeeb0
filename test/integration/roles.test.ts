/**
 * Every role against every route, full stack: real principals and tokens in the real catalog,
 * real HTTP. Allowed per the POLICY table: the route's success status; otherwise 403 Forbidden.
 * Without a token or with a bad one: 401. Every request to a guarded route, allowed or denied,
 * leaves an audit event naming the principal, the action, the outcome and the request id.
 */
import { ACTIONS, POLICY, ROLES, can, disablePrincipal, type Role } from '../../src/auth';
import { makeRecord } from '../catalog/fixtures';
import {
  bearer,
  databases,
  postJson,
  principalWithToken,
  startTestArchive,
  uid,
  type ErrorBody,
  type TestArchive,
} from './helpers';
import { auth, EXPORT_REQUEST, jsonPost, life, ROUTES, SEED } from './role-routes';

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
    // Both end acknowledged (the open one by the compliance role's request), so that /readyz,
    // which reports open alerts, is ready again for the public routes' test.
    for (const which of ['alertId', 'openAlertId'] as const) {
      const id = uid('alr');
      await t.catalog.raiseAlert({
        id,
        raisedAt: new Date(),
        source: 'fixity',
        kind: 'checksum_mismatch',
        summary: `roles ${which}`,
        details: {},
        dedupeKey: id,
      });
      life[which] = id;
    }
    await t.catalog.acknowledgeAlert(
      life.alertId,
      { by: other.id, reason: 'set-up', at: new Date() },
      { principalId: other.id, action: 'setup', target: life.alertId, outcome: 'allowed' },
    );
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
