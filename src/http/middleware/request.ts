/**
 * First middleware of every request: a request id (a sane incoming X-Request-Id is kept, else a
 * new one), the x-request-id response header, a child logger carrying the id, the request's audit
 * scope (its one audit event, src/audit/scope.ts), and on finish one access-log line and the
 * request metrics.
 *
 * Which requests are audited (../shared/docs/REGULATORY.md 7(e): every access is in the trail): every
 * request to a guarded route (the /v1 API and /metrics), allowed or denied, and every request to
 * an unknown /v1 path. The public probes (/healthz, /readyz) and the API description
 * (/openapi.json) touch no records and are not.
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { AuditScope, type AuditTrail } from '../../audit/scope';
import { redactUrl, type Logger } from '../../log';
import type { Clock } from '../../util/clock';
import type { HttpMetrics } from '../metrics';
import type { AppDeps, RequestState } from '../types';

/** Incoming request ids we keep: short, printable, no separators that could forge log lines. */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The public probes: logged at debug unless they fail (a load balancer polls them). */
const PROBES = new Set(['/healthz', '/readyz']);

export function newRequestId(): string {
  return `req_${randomUUID()}`;
}

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : newRequestId();
}

/** The request's state; beginRequest() creates it before anything else runs. */
export function requestState(res: Response): RequestState {
  const state = (res.locals as { strongroom?: RequestState }).strongroom;
  if (!state) throw new Error('http: request state missing (beginRequest middleware not mounted first)');
  return state;
}

/** The route pattern (for metrics and logs): `/v1/records/:id`, or `unmatched` when no route matched. */
export function routeLabel(req: Request, state: Pick<RequestState, 'route'>): string {
  if (state.route !== undefined) return state.route;
  const route = (req as Request & { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : 'unmatched';
}

/** Guarded routes, and anything under /v1, leave an audit event. */
export function auditable(req: Request, state: RequestState): boolean {
  return state.audit.action !== undefined || req.path === '/v1' || req.path.startsWith('/v1/');
}

export interface BeginRequestDeps {
  logger: Logger;
  auditTrail: AuditTrail;
  clock?: Clock;
  onUnaudited?: AppDeps['onUnaudited'];
}

export function beginRequest(deps: BeginRequestDeps, metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    // The request line's own logger: state.logger gains the principal once authenticated, and
    // the line names it itself (a key twice in one JSON line is what this avoids).
    const requestLogger = deps.logger.child({ requestId });
    const partial: Omit<RequestState, 'audit'> = {
      requestId,
      logger: requestLogger,
      startedAt: performance.now(),
      ...(req.ip !== undefined ? { ip: req.ip } : {}),
    };
    const audit = new AuditScope(
      deps.auditTrail,
      { requestId, ip: req.ip ?? null },
      {
        ...(deps.clock ? { clock: deps.clock } : {}),
        // What the route did not name: the route (or the unknown path) is the target.
        fallback: () => {
          const route = routeLabel(req, state);
          return {
            target:
              route === 'unmatched'
                ? `${req.method} ${redactUrl(req.path).slice(0, 256)}`
                : `${req.method} ${route}`,
            details: { method: req.method, route },
          };
        },
      },
    );
    const state: RequestState = { ...partial, audit };
    (res.locals as { strongroom?: RequestState }).strongroom = state;

    let done = false;
    const finish = (aborted: boolean) => {
      if (done) return;
      done = true;
      const seconds = (performance.now() - state.startedAt) / 1000;
      const route = routeLabel(req, state);
      const status = aborted && !res.writableFinished ? 499 : res.statusCode;
      metrics.observeRequest(req.method, route, status, seconds);
      const failure = state.failure;
      // The request's one line: its error (code, message, details; the cause of a 5xx) and a
      // batch's counts are on it, not on lines of their own. Probes that succeed are debug.
      const level = status >= 500 ? 'error' : PROBES.has(req.path) ? 'debug' : 'info';
      requestLogger[level](
        {
          method: req.method,
          url: redactUrl(req.originalUrl).slice(0, 2048),
          route,
          status,
          ms: Math.round(seconds * 1000),
          ...(state.principal ? { principal: state.principal.id } : {}),
          ...(aborted && !res.writableFinished ? { aborted: true } : {}),
          ...(state.batch ? { batch: state.batch } : {}),
          ...(failure
            ? {
                error: {
                  code: failure.code,
                  message: failure.message,
                  ...(failure.details !== undefined ? { details: failure.details } : {}),
                },
              }
            : {}),
          ...(failure?.err !== undefined ? { err: failure.err } : {}),
        },
        'request',
      );
    };
    res.on('finish', () => finish(false));
    res.on('close', () => {
      finish(true);
      const status = res.writableFinished ? res.statusCode : 499;
      void audit.whenIdle().then(() => checkAudited(deps, req, state, status));
    });
    next();
  };
}

/**
 * The guard behind the audit mechanism: once the answer is out and nobody holds the request's
 * scope any more (the route handler and the error answer hold it while they work), its
 * event must have been recorded (or refused by the trail). If not, a route skipped the mechanism:
 * a bug, reported to `onUnaudited` (the test suites fail on it). Without that hook it is logged at
 * error and the event appended now, so that the trail still holds the access.
 */
function checkAudited(deps: BeginRequestDeps, req: Request, state: RequestState, status: number): void {
  if (state.audit.state !== 'open' || !auditable(req, state)) return;
  const request = { method: req.method, route: routeLabel(req, state), status, requestId: state.requestId };
  if (deps.onUnaudited) return deps.onUnaudited(request);
  // The logger carries the request id already.
  const { requestId: _id, ...fields } = request;
  state.logger.error(
    fields,
    'BUG: a request finished without an audit event; appending one after the answer',
  );
  const outcome = status === 401 || status === 403 ? 'denied' : status >= 400 ? 'error' : 'allowed';
  void state.audit.tryAppend(outcome, { status, unaudited: true }).then((err) => {
    if (err !== undefined) state.logger.error({ err }, 'audit trail unavailable: could not record a request');
  });
}
