/**
 * GET /healthz (liveness, public), GET /readyz (readiness of the dependencies, public, no
 * secrets), GET /metrics (Prometheus text, policy action system.read), GET /openapi.json (public).
 */
import { Router } from 'express';
import { redactUrl } from '../../log';
import type { HttpMetrics } from '../metrics';
import { requestState } from '../middleware/request';
import { route, text } from '../route';
import type { AppDeps, ReadinessCheck, ReadinessReport } from '../types';

const MAX_DETAIL = 300;

/** A readiness detail fit for the public: no credentials in URLs, no signatures, bounded. */
export function publicDetail(detail: unknown): string {
  const text = typeof detail === 'string' ? detail : String(detail);
  return redactUrl(text)
    .replace(/\/\/[^/\s:@]+:[^/\s@]+@/g, '//[Redacted]@')
    .replace(/(password|secret|token|key)=([^&\s;]+)/gi, '$1=[Redacted]')
    .slice(0, MAX_DETAIL);
}

function publicReport(report: ReadinessReport): ReadinessReport {
  const checks: ReadinessCheck[] = report.checks.map((c) => ({
    name: publicDetail(c.name).slice(0, 64),
    ok: c.ok === true,
    detail: publicDetail(c.detail),
  }));
  return { ready: report.ready === true && checks.every((c) => c.ok), checks };
}

export function systemRouter(deps: AppDeps, metrics: HttpMetrics, openapi: () => unknown): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    let report: ReadinessReport;
    try {
      report = publicReport(await deps.readiness());
    } catch (err) {
      requestState(res).logger.error({ err }, 'readiness check failed');
      report = {
        ready: false,
        checks: [{ name: 'readiness', ok: false, detail: 'the readiness check itself failed (see the log)' }],
      };
    }
    res.setHeader('Cache-Control', 'no-store');
    res.status(report.ready ? 200 : 503).json(report);
  });

  router.get(
    '/metrics',
    // No record data, and most needed when the database is down: answered even if the trail fails.
    ...route(
      deps,
      'system.read',
      async () =>
        text(await metrics.registry.metrics(), {
          headers: { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' },
        }),
      { auditBestEffort: true },
    ),
  );

  router.get('/openapi.json', (_req, res) => {
    res.json(openapi());
  });

  return router;
}
