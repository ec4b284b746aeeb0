/**
 * The one place where errors become HTTP answers. Typed errors (src/errors) keep their status and
 * code; errors of the HTTP machinery (bad percent-encoding, aborted bodies) become 4xx; anything
 * else is a generic 500 whose stack only reaches the log.
 *
 * Body: {"error": {"code", "message", "details"?, "hint"?, "requestId"}}.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { AuditOutcome } from '../catalog/types';
import {
  BadRequestError,
  InternalError,
  MalformedJsonError,
  NotFoundError,
  PayloadTooLargeError,
  RecordConflictError,
  StrongroomError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ValidationError,
  isStrongroomError,
} from '../errors';
import { StreamClosedError } from './batch/chunks';
import { auditable, requestState } from './middleware/request';
import type { RequestState } from './types';

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: unknown;
    hint?: string;
    requestId?: string;
  };
}

/** A 4xx from the HTTP machinery (express router, http-errors): status, and whether its message is safe. */
function httpMachineryError(err: unknown): StrongroomError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as {
    status?: unknown;
    statusCode?: unknown;
    expose?: unknown;
    type?: unknown;
    message?: unknown;
  };
  const status =
    typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const message = e.expose === true && typeof e.message === 'string' ? e.message : 'bad request';
  if (status === 413) return new PayloadTooLargeError(message);
  if (status === 415) return new UnsupportedMediaTypeError(message);
  if (e.type === 'entity.parse.failed') return new MalformedJsonError(message);
  return new BadRequestError(message);
}

/** The typed error an error stands for, or undefined when it is unexpected (a 500). */
export function classify(err: unknown): StrongroomError | undefined {
  if (isStrongroomError(err)) return err;
  if (err instanceof URIError) return new BadRequestError('the request path is not valid percent-encoding');
  if (err instanceof StreamClosedError) return new BadRequestError('the request ended before its body did');
  return httpMachineryError(err);
}

/** The client-safe description of an error (also used for batch result lines). */
export function errorPayload(err: StrongroomError, requestId?: string): ErrorBody['error'] {
  const body: ErrorBody['error'] = { code: err.code, message: err.message };
  if (err.details !== undefined) body.details = err.details;
  if (err.hint !== undefined) body.hint = err.hint;
  if (requestId !== undefined) body.requestId = requestId;
  return body;
}

/** How a refused or failed request goes into the trail: refusals (401, 403, a conflict with the archive) are 'denied', the rest 'error'. */
export function auditOutcomeOf(err: StrongroomError | undefined, status: number): AuditOutcome {
  return status === 401 || status === 403 || err instanceof RecordConflictError ? 'denied' : 'error';
}

/** The payload of an unexpected error: InternalError and nothing of the cause. */
export function internalErrorPayload(requestId?: string): ErrorBody['error'] {
  return errorPayload(new InternalError(), requestId);
}

function bodyStillUnread(req: Request): boolean {
  return (
    !req.readableEnded &&
    req.headers['content-length'] !== '0' &&
    req.method !== 'GET' &&
    req.method !== 'HEAD'
  );
}

function send(req: Request, res: Response, status: number, body: ErrorBody): void {
  if (res.headersSent) {
    // A streamed answer already started: all that can be done is to cut it, so the client sees it fail.
    res.destroy();
    return;
  }
  // An unread body (a 413, or an error before the body was consumed) is not worth reading: close.
  if (bodyStillUnread(req)) res.setHeader('Connection', 'close');
  res.status(status).json(body);
}

/** The error middleware. Mounted last. */
export function errorHandler(): ErrorRequestHandler {
  return async (err: unknown, req, res, _next) => {
    const state = requestState(res);
    const release = state.audit.hold();
    const typed = classify(err);
    let status: number;
    let body: ErrorBody;
    if (typed) {
      status = typed.httpStatus;
      body = { error: errorPayload(typed, state.requestId) };
      if (typed instanceof UnauthenticatedError) {
        const given = req.headers.authorization !== undefined;
        res.setHeader(
          'WWW-Authenticate',
          given ? 'Bearer realm="strongroom", error="invalid_token"' : 'Bearer realm="strongroom"',
        );
      }
      if (typed.retryAfterSeconds !== undefined)
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(typed.retryAfterSeconds))));
      const level = status >= 500 ? 'error' : 'info';
      state.logger[level]({ code: typed.code, status, ...(status >= 500 ? { err } : {}) }, typed.message);
    } else {
      status = 500;
      body = { error: internalErrorPayload(state.requestId) };
      state.logger.error({ err }, 'unexpected error');
    }
    try {
      // Denied and failed requests are audited too; a failing trail is logged, the answer still sent.
      await auditFailure(req, state, auditOutcomeOf(typed, status), status, typed?.code ?? 'InternalError');
      send(req, res, status, body);
    } finally {
      release();
      state.releaseRoute?.();
    }
  };
}

/** The event of a request that ends in an error, unless its owner recorded one already. Never throws. */
async function auditFailure(
  req: Request,
  state: RequestState,
  outcome: AuditOutcome,
  status: number,
  code: string,
): Promise<void> {
  if (state.audit.recorded || !auditable(req, state)) return;
  const failure = await state.audit.tryAppend(outcome, { status, code });
  if (failure !== undefined) {
    state.logger.error(
      { err: failure, action: state.audit.action },
      'audit trail unavailable: could not record a refused or failed request',
    );
  }
}

/** Unknown routes: 404 NotFound, as JSON. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(
    new NotFoundError(
      `no route ${req.method} ${req.path.length > 200 ? `${req.path.slice(0, 200)}...` : req.path}`,
    ),
  );
};

/** Turns a zod-like issue list into ValidationError details: [{path, code, message}]. */
export function validationError(
  message: string,
  issues: readonly { path: readonly PropertyKey[]; code?: string; message: string }[],
): ValidationError {
  return new ValidationError(message, {
    details: issues.map((i) => ({
      path: i.path.map((p) => (typeof p === 'symbol' ? p.toString() : String(p))).join('.'),
      code: i.code ?? 'invalid',
      message: i.message,
    })),
  });
}
