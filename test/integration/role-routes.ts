/**
 * The route table of test/integration/roles.test.ts: every guarded operation of the OpenAPI
 * document, its policy action, the status an allowed request answers, and how to send one.
 */
import type { Action } from '../../src/auth';
import { example } from '../records/fixtures';
import { bearer, fileBytes, postDocument, postJson, uid } from './helpers';

export const SEED = example('trade');
export const SEED_ID = SEED.recordId as string;

export interface Route {
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

export function auth(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : bearer(token);
}

export const ROUTES: Route[] = [
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
export const life = {
  holdId: '',
  releasable: [] as string[],
  dispositionId: '',
  approvable: [] as string[],
  sweepId: '',
  /** An alert acknowledged already, to read; an open one, for the one role that may acknowledge. */
  alertId: '',
  openAlertId: '',
  /** A ready export of the seed (made through the API in beforeAll). */
  exportId: '',
};
/** An SFC access request for the seed. */
export const EXPORT_REQUEST = {
  reference: 'SFC/ROLES/1',
  recipient: { name: 'Jane Officer', organisation: 'Securities and Futures Commission' },
  purpose: 'roles',
  criteria: { recordIds: [SEED_ID] },
};
export const jsonPost = (url: string, body: unknown, token: string | undefined) => postJson(url, body, token);

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
  {
    method: 'get',
    path: '/v1/alerts',
    action: 'alerts.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/alerts?all=true`, { headers: auth(token) }),
  },
  {
    method: 'get',
    path: '/v1/alerts/{id}',
    action: 'alerts.read',
    ok: 200,
    send: (base, token) => fetch(`${base}/v1/alerts/${life.alertId}`, { headers: auth(token) }),
  },
  {
    method: 'post',
    path: '/v1/alerts/{id}/acknowledge',
    action: 'alerts.acknowledge',
    ok: 200,
    send: (base, token) =>
      jsonPost(`${base}/v1/alerts/${life.openAlertId}/acknowledge`, { reason: 'checked' }, token),
  },
);
