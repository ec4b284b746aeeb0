/**
 * Audit events for API requests (docs/REGULATORY.md 7(e): every access is in the trail).
 *
 * Which requests: every request to a guarded route (the /v1 API and /metrics), allowed or denied,
 * and every request to an unknown /v1 path. The public probes (/healthz, /readyz) and the API
 * description (/openapi.json) touch no records and are not audited.
 *
 * When: before the answer is sent, so an answered request is already in the trail.
 * - Allowed reads of records append their event before any data goes out and fail closed: when
 *   the trail cannot take the event, the client gets 503 AuditUnavailable and no data. /metrics
 *   (no record data, and most needed when the database is down) is audited the same way but
 *   answered even when the trail fails, with the failure logged at error.
 * - Writes are audited by the write path inside its own transaction; the route marks the request
 *   as audited (markAudited) so it is not appended twice. A batch adds one event for the request.
 * - Denied (401, 403) and failed requests are audited by the error middleware; when the trail
 *   fails there, the error is logged and the client still gets its answer.
 * - A safety net appends, after the answer, the event of any auditable request that finished
 *   without one (logged as a warning: it means a route forgot to audit).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { AuditOutcome, NewAuditEvent } from '../../catalog/types';
import { StrongroomError } from '../../errors';
import { systemClock } from '../../util/clock';
import type { AppDeps } from '../types';
import { requestState, routeLabel } from './request';

/** The audit trail could not record an access; the access is refused rather than left unaudited. */
export class AuditUnavailableError extends StrongroomError {
  readonly code = 'AuditUnavailable';
  readonly httpStatus = 503;
}

/** The action recorded for requests to unknown /v1 paths (no policy action applies). */
export const UNMATCHED_ACTION = 'http.unmatched';

export function outcomeFor(status: number): AuditOutcome {
  if (status === 401 || status === 403) return 'denied';
  return status >= 400 ? 'error' : 'allowed';
}

function auditable(req: Request, res: Response): boolean {
  const state = requestState(res);
  return state.action !== undefined || req.path === '/v1' || req.path.startsWith('/v1/');
}

function eventFor(
  deps: AppDeps,
  req: Request,
  res: Response,
  outcome: AuditOutcome,
  details: Record<string, unknown>,
): NewAuditEvent {
  const state = requestState(res);
  const route = routeLabel(req, state);
  return {
    at: (deps.clock ?? systemClock).now(),
    principalId: state.principal?.id ?? null,
    action: state.action ?? UNMATCHED_ACTION,
    target:
      state.target ??
      (route === 'unmatched' ? `${req.method} ${req.path.slice(0, 256)}` : `${req.method} ${route}`),
    outcome,
    ip: state.ip ?? null,
    requestId: state.requestId,
    details: { method: req.method, route, ...state.auditDetails, ...details },
  };
}

/**
 * Refusals the write path audits itself (src/ingest/service.ts appends a 'denied' event for a
 * conflict with the archived record before throwing) say so with `auditRecorded`; every other
 * error of the write path (validation, retention gate, checksum...) is audited here.
 */
export function auditedByWritePath(err: unknown): boolean {
  return err instanceof StrongroomError && err.auditRecorded;
}

/** The write path appended the request's audit event (inside its transaction). */
export function markAudited(res: Response): void {
  requestState(res).audited = true;
}

/** The route appends its request's event itself once its streamed answer ends (see auditAfterAnswer). */
export function auditOwnedByRoute(res: Response): void {
  requestState(res).auditOwnedByRoute = true;
}

/** Adds facts to the request's audit event (search filters, batch counts...). */
export function addAuditDetails(res: Response, details: Record<string, unknown>): void {
  Object.assign(requestState(res).auditDetails, details);
}

/**
 * Appends the 'allowed' event of a request before it is answered. Throws when the trail fails,
 * so the access is refused (fail closed); the caller lets the error middleware answer 503.
 */
export async function auditAllowed(
  deps: AppDeps,
  req: Request,
  res: Response,
  details: Record<string, unknown> = {},
  options: { failClosed?: boolean } = {},
): Promise<void> {
  const state = requestState(res);
  const event = eventFor(deps, req, res, 'allowed', details);
  try {
    await deps.catalog.appendAudit(event);
  } catch (err) {
    if (options.failClosed === false) {
      state.logger.error(
        { err, action: event.action, target: event.target },
        'audit trail unavailable: request answered unaudited',
      );
      state.audited = true;
      return;
    }
    state.logger.error(
      { err, action: event.action, target: event.target },
      'audit trail unavailable: access refused',
    );
    // The failed attempt is itself worth an event; the error middleware tries once more.
    state.auditDetails.auditFailure = true;
    throw new AuditUnavailableError('the audit trail is unavailable, so the access was refused; retry later');
  }
  state.audited = true;
}

/**
 * Appends the event of a request that ends in an error (denied, invalid, failed), unless it was
 * audited already. Never throws: a failing trail is logged at error and the answer still goes out.
 */
export async function auditFailure(
  deps: AppDeps,
  req: Request,
  res: Response,
  status: number,
  code: string,
): Promise<void> {
  const state = requestState(res);
  if (state.audited || !auditable(req, res)) return;
  const event = eventFor(deps, req, res, outcomeFor(status), { status, code });
  try {
    await deps.catalog.appendAudit(event);
    state.audited = true;
  } catch (err) {
    state.logger.error(
      { err, event: { ...event, details: undefined } },
      'audit trail unavailable: could not record a refused or failed request',
    );
  }
}

/**
 * Appends an event after the answer for a request that has none: a streamed answer that failed
 * half-way, or a route that forgot to audit. Never throws.
 */
export async function auditAfterAnswer(
  deps: AppDeps,
  req: Request,
  res: Response,
  outcome: AuditOutcome,
  details: Record<string, unknown>,
): Promise<void> {
  const state = requestState(res);
  const event = eventFor(deps, req, res, outcome, details);
  try {
    await deps.catalog.appendAudit(event);
    state.audited = true;
  } catch (err) {
    state.logger.error(
      { err, event: { ...event, details: undefined } },
      'audit trail unavailable: could not record a request',
    );
  }
}

/** The safety net (see above). Mounted right after requestContext. */
export function auditSafetyNet(deps: AppDeps): RequestHandler {
  return (req, res, next) => {
    res.on('close', () => {
      const state = requestState(res);
      if (state.audited || state.auditOwnedByRoute || !auditable(req, res)) return;
      const status = res.writableFinished ? res.statusCode : 499;
      if (status < 400)
        state.logger.warn({ action: state.action }, 'request finished without an audit event: appending one');
      void auditAfterAnswer(deps, req, res, outcomeFor(status), {
        status,
        ...(status === 499 ? { aborted: true } : {}),
      });
    });
    next();
  };
}
