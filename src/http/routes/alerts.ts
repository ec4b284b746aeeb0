/**
 * Alerts (GET /v1/alerts, GET /v1/alerts/:id, POST /v1/alerts/:id/acknowledge): what makes
 * `doctor` fail and `/readyz` report a problem, readable by compliance and auditors and
 * acknowledged by a compliance principal with a reason. The acknowledgement and its audit event
 * commit together (the request's event, in the catalog's transaction); alerts are never deleted.
 */
import { Router } from 'express';
import type { EvidenceCatalog } from '../../catalog/evidence-types';
import { NotFoundError, UnavailableError } from '../../errors';
import { systemClock } from '../../util/clock';
import {
  AcknowledgeAlertSchema,
  AlertQuerySchema,
  alertView,
  decodeAlertCursor,
  encodeAlertCursor,
} from '../alerts-schemas';
import { parseBody, parseIdParam } from '../lifecycle-schemas';
import { readJsonBody } from '../middleware/json-body';
import { json, route } from '../route';
import type { AppDeps } from '../types';

/** The alert store the routes read and acknowledge through (the catalog). */
export type AlertsApi = Pick<EvidenceCatalog, 'listAlerts' | 'getAlert' | 'acknowledgeAlert'>;

const MAX_ACK_BODY = 16 * 1024;
const DEFAULT_PAGE = 100;

export function alertsRouter(deps: AppDeps): Router {
  const router = Router();
  const alerts = (): AlertsApi => {
    if (!deps.alerts) throw new UnavailableError('alerts are not kept by this server');
    return deps.alerts;
  };

  router.get(
    '/alerts',
    ...route(deps, 'alerts.read', async ({ req, audit }) => {
      audit.note({ operation: 'alerts.list' });
      const q = parseBody(AlertQuerySchema, req.query, 'alert query');
      const limit = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit);
      const before = decodeAlertCursor(q.cursor);
      const rows = await alerts().listAlerts({
        ...(q.all === 'true' ? { all: true } : {}),
        limit: Math.min(limit + 1, 1000),
        ...(before ? { before } : {}),
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const next = rows.length > limit && last ? encodeAlertCursor(last) : undefined;
      audit.note({ results: page.length });
      return json(
        { items: page.map(alertView), ...(next ? { nextCursor: next } : {}) },
        { headers: { 'Cache-Control': 'no-store' } },
      );
    }),
  );

  router.get(
    '/alerts/:id',
    ...route(deps, 'alerts.read', async ({ req, audit }) => {
      audit.note({ operation: 'alert.get' });
      const id = parseIdParam(req.params.id, 'alert');
      audit.set({ target: id });
      const alert = await alerts().getAlert(id);
      if (!alert) throw new NotFoundError(`no alert ${id}`, { hint: 'GET /v1/alerts?all=true lists them' });
      return json({ alert: alertView(alert) }, { headers: { 'Cache-Control': 'no-store' } });
    }),
  );

  router.post(
    '/alerts/:id/acknowledge',
    ...route(deps, 'alerts.acknowledge', async ({ req, audit, principal }) => {
      audit.note({ operation: 'alert.acknowledge' });
      const id = parseIdParam(req.params.id, 'alert');
      audit.set({ target: id });
      const { reason } = parseBody(
        AcknowledgeAlertSchema,
        await readJsonBody(req, MAX_ACK_BODY),
        'acknowledgement',
      );
      const at = (deps.clock ?? systemClock).now();
      const { alert } = await audit.within('allowed', { reason }, (event) =>
        alerts().acknowledgeAlert(id, { by: principal.id, reason, at }, event),
      );
      return json({ alert: alertView(alert) });
    }),
  );

  return router;
}
