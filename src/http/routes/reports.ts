/**
 * GET /v1/reports/alp-top10?month&alpId&format (policy action reports.read): the ALP monthly
 * top-10 report (Code of Conduct Schedule 8 para 27(d)) from the catalog's ALP trade facts, with
 * the ledger index of its archived copy; GET /v1/posture (reports.read): the EDSP posture report.
 */
import { Router } from 'express';
import { json, route, text } from '../route';
import { parseAlpReportQuery, parsePostureQuery } from '../schemas';
import type { AppDeps } from '../types';

export function reportsRouter(deps: AppDeps): Router {
  const router = Router();

  router.get(
    '/reports/alp-top10',
    ...route(deps, 'reports.read', async ({ req, audit }) => {
      audit.note({ operation: 'reports.alp-top10' });
      const q = parseAlpReportQuery(req.query);
      audit.note({ query: q });
      const format = q.format ?? 'json';
      const reports = await deps.reports.alpTop10(q.month, q.alpId);
      const rendered = deps.reports.render(reports, format, {
        month: q.month,
        ...(q.alpId ? { alpId: q.alpId } : {}),
      });
      audit.note({ alps: reports.length });
      const headers = { 'Content-Type': rendered.contentType, 'Cache-Control': 'no-store' };
      return format === 'json'
        ? json(JSON.parse(rendered.body), { headers })
        : text(rendered.body, { headers });
    }),
  );

  router.get(
    '/posture',
    ...route(deps, 'reports.read', async ({ req, audit }) => {
      audit.note({ operation: 'reports.posture' });
      const q = parsePostureQuery(req.query);
      const rendered = await deps.posture(q.format ?? 'json');
      const headers = { 'Content-Type': rendered.contentType, 'Cache-Control': 'no-store' };
      return q.format === 'html'
        ? text(rendered.body, { headers })
        : json(JSON.parse(rendered.body), { headers });
    }),
  );

  return router;
}
