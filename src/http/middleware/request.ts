/**
 * First middleware of every request: a request id (a sane incoming X-Request-Id is kept, else a
 * new one), the x-request-id response header, a child logger carrying the id, and on finish one
 * access-log line and the request metrics.
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { redactUrl, type Logger } from '../../log';
import type { HttpMetrics } from '../metrics';
import type { RequestState } from '../types';

/** Incoming request ids we keep: short, printable, no separators that could forge log lines. */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function newRequestId(): string {
  return `req_${randomUUID()}`;
}

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : newRequestId();
}

/** The request's state; requestContext() creates it before anything else runs. */
export function requestState(res: Response): RequestState {
  const state = (res.locals as { strongroom?: RequestState }).strongroom;
  if (!state) throw new Error('http: request state missing (requestContext middleware not mounted first)');
  return state;
}

/** The route pattern (for metrics and logs): `/v1/records/:id`, or `unmatched` when no route matched. */
export function routeLabel(req: Request, state: RequestState): string {
  if (state.route !== undefined) return state.route;
  const route = (req as Request & { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : 'unmatched';
}

export function requestContext(logger: Logger, metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const state: RequestState = {
      requestId,
      logger: logger.child({ requestId }),
      startedAt: performance.now(),
      ip: req.ip,
      audited: false,
      auditDetails: {},
    };
    (res.locals as { strongroom?: RequestState }).strongroom = state;

    let done = false;
    const finish = (aborted: boolean) => {
      if (done) return;
      done = true;
      const seconds = (performance.now() - state.startedAt) / 1000;
      const route = routeLabel(req, state);
      const status = aborted && !res.writableFinished ? 499 : res.statusCode;
      metrics.observeRequest(req.method, route, status, seconds);
      state.logger.info(
        {
          method: req.method,
          url: redactUrl(req.originalUrl).slice(0, 2048),
          route,
          status,
          ms: Math.round(seconds * 1000),
          principal: state.principal?.id,
          ...(aborted && !res.writableFinished ? { aborted: true } : {}),
        },
        'request',
      );
    };
    res.on('finish', () => finish(false));
    res.on('close', () => finish(true));
    next();
  };
}
