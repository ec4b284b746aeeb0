/**
 * How a route is declared: `route(deps, action, handler)`. It guards the route (policy action,
 * authentication, authorization) and owns the request's audit event, so a new route needs no
 * audit code at all:
 *
 *   router.get('/ledger/checkpoint', ...route(deps, 'ledger.read', async ({ audit }) => {
 *     const checkpoint = await ledger.latest();
 *     audit.note({ size: checkpoint.size });        // optional facts for the event
 *     return json(checkpoint);
 *   }));
 *
 * A JSON (or text) answer is sent only after its 'allowed' event is in the trail (fail closed: 503
 * AuditUnavailable and no data when the trail cannot take it). A write that commits its own rows
 * records the event in its transaction (`audit.within`, as the write path does); the answer then
 * just goes out. Errors go to the error middleware, which records the refusal or failure. A
 * handler that streams its answer itself returns SENT after recording the event before the first
 * byte (records content, batches). See docs/ARCHITECTURE.md, "The way of an audit event".
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuditScope } from '../audit/scope';
import type { Action } from '../auth/policy';
import type { Authenticator, Principal } from '../auth/types';
import type { Logger } from '../log';
import { guard } from './middleware/auth';
import { requestState } from './middleware/request';

export type Answer =
  | { kind: 'json'; status: number; body: unknown; headers: Record<string, string> }
  | { kind: 'text'; status: number; body: string; headers: Record<string, string> }
  /** The handler answered itself (a stream) and recorded the event before its first byte. */
  | { kind: 'sent' };

/** A JSON answer (default 200). */
export function json(
  body: unknown,
  options: { status?: number; headers?: Record<string, string> } = {},
): Answer {
  return { kind: 'json', status: options.status ?? 200, body, headers: options.headers ?? {} };
}

/** A text answer (give its Content-Type in the headers). */
export function text(
  body: string,
  options: { status?: number; headers?: Record<string, string> } = {},
): Answer {
  return { kind: 'text', status: options.status ?? 200, body, headers: options.headers ?? {} };
}

export const SENT: Answer = { kind: 'sent' };

export interface RouteContext {
  req: Request;
  res: Response;
  /** The request's audit event: note facts, name the target, hand it to a transaction. */
  audit: AuditScope;
  principal: Principal;
  /** The request's logger (request id, principal). */
  logger: Logger;
  requestId: string;
}

export interface RouteOptions {
  /**
   * Answer even when the trail cannot take the event (logged at error). Only for what carries no
   * record data and is needed most when the database is down: /metrics.
   */
  auditBestEffort?: boolean;
}

/** The guard and the handler of a route, as express middleware (spread into router.get/post). */
export function route(
  deps: { authenticator: Authenticator },
  action: Action,
  handler: (ctx: RouteContext) => Promise<Answer>,
  options: RouteOptions = {},
): RequestHandler[] {
  const hold: RequestHandler = (_req, res, next) => {
    // Held until the answer is out (here, or by the error middleware on a failure).
    const state = requestState(res);
    state.releaseRoute = state.audit.hold();
    next();
  };
  const run = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const state = requestState(res);
    try {
      if (!state.principal) throw new Error('http: no principal on a guarded route');
      const answer = await handler({
        req,
        res,
        audit: state.audit,
        principal: state.principal,
        logger: state.logger,
        requestId: state.requestId,
      });
      if (answer.kind !== 'sent') {
        if (!state.audit.recorded) await recordAllowed(state.audit, state.logger, answer.status, options);
        res.status(answer.status);
        for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
        if (answer.kind === 'json') res.json(answer.body);
        else res.send(answer.body);
      }
      state.releaseRoute?.();
    } catch (err) {
      next(err);
    }
  };
  return [hold, guard(deps.authenticator, action), run];
}

/**
 * Records the request's 'allowed' event before data leaves (fail closed: AuditUnavailableError
 * when the trail cannot take it). For handlers that stream their own answer.
 */
export async function auditBeforeAnswer(
  ctx: Pick<RouteContext, 'audit' | 'logger'>,
  details: Record<string, unknown> = {},
): Promise<void> {
  try {
    await ctx.audit.append('allowed', details);
  } catch (err) {
    ctx.logger.error({ err, action: ctx.audit.action }, 'audit trail unavailable: access refused');
    throw err;
  }
}

async function recordAllowed(
  audit: AuditScope,
  logger: Logger,
  status: number,
  options: RouteOptions,
): Promise<void> {
  if (!options.auditBestEffort) return auditBeforeAnswer({ audit, logger }, { status });
  const failure = await audit.tryAppend('allowed', { status });
  if (failure !== undefined)
    logger.error(
      { err: failure, action: audit.action },
      'audit trail unavailable: request answered unaudited',
    );
}
