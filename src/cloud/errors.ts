import {
  AccessDeniedError,
  ControlPlaneError,
  NotFoundError,
  UnavailableError,
  type StrongroomError,
} from '../errors';

/**
 * The one place where what @alicloud/pop-core throws becomes one of the archive's typed errors.
 *
 * pop-core's messages are never kept: they end in `URL: <the signed request URL>`, which holds the
 * access key id, the signature and the STS token (lib/rpc.js), and its network errors carry the URL
 * too (httpx). What is kept is the cloud's error code, the HTTP status and the request id (what
 * Alibaba Cloud support asks for), in the message and in `details`. The raw error is not attached
 * as `cause` either, so no logger can serialise it.
 */

/** What was being done: the service (Sts, Kms, Actiontrail) and the action. */
export interface CloudErrorContext {
  service: string;
  action: string;
}

/** `details` of every error this module produces: client-safe, no secrets. */
export interface CloudErrorDetails extends CloudErrorContext {
  /** The cloud's error code (NoPermission, Throttling.User, ...) or the network failure's name. */
  cloudCode?: string;
  /** HTTP status; absent when no answer arrived. */
  status?: number;
  /** RequestId of the failed call, when the cloud answered. */
  requestId?: string;
  attempts?: number;
}

/** The facts of one failed call, extracted from whatever pop-core threw. */
export interface CloudFailure {
  code: string | undefined;
  status: number | undefined;
  requestId: string | undefined;
  /** No (parseable) answer arrived: a network error, a timeout, or a body that was not JSON. */
  noAnswer: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Reads pop-core's error: `code` and `data` (the cloud's JSON), `entry.response.statusCode`. */
export function failureOf(err: unknown): CloudFailure {
  if (!isObject(err)) return { code: undefined, status: undefined, requestId: undefined, noAnswer: true };
  const data = isObject(err.data) ? err.data : undefined;
  const entry = isObject(err.entry) && isObject(err.entry.response) ? err.entry.response : undefined;
  const status = typeof entry?.statusCode === 'number' ? entry.statusCode : undefined;
  if (data !== undefined && typeof data.Code === 'string') {
    return {
      code: data.Code,
      status,
      requestId: typeof data.RequestId === 'string' ? data.RequestId : undefined,
      noAnswer: false,
    };
  }
  // httpx: RequestTimeoutError / ReadTimeout; node: ECONNRESET, ECONNREFUSED...; a non-JSON body: SyntaxError.
  const name = typeof err.name === 'string' ? err.name : undefined;
  const code = typeof err.code === 'string' ? err.code : name;
  return { code, status, requestId: undefined, noAnswer: true };
}

const THROTTLING = /^Throttling(\.|$)/;
const RETRYABLE_CODES = new Set(['ServiceUnavailable', 'InternalError', 'SignatureNonceUsed', 'ServiceBusy']);

/**
 * Worth another try: throttling, a 5xx, a nonce collision, or no answer at all. Never another
 * 4xx: the same request would be refused again.
 */
export function isRetryableFailure(f: CloudFailure): boolean {
  if (f.code !== undefined && (THROTTLING.test(f.code) || RETRYABLE_CODES.has(f.code))) return true;
  if (f.status !== undefined && f.status >= 500) return true;
  return f.noAnswer;
}

const DENIED =
  /^(NoPermission|Forbidden\.RAM|Forbidden\.NoPermission|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidSecurityToken|MissingSecurityToken|Forbidden\.KeyNotEnabled|Forbidden\.KeyInvalidState)(\.|$)/;
const NOT_FOUND =
  /^(EntityNotExist|Forbidden\.KeyNotFound|Forbidden\.ResourceNotFound|Forbidden\.AliasNotFound)(\.|$)/;

/** A typed error for a failed call; `attempts` when retries ran out. */
export function translateCloudError(
  err: unknown,
  ctx: CloudErrorContext,
  attempts?: number,
): StrongroomError {
  const f = failureOf(err);
  const details: CloudErrorDetails = { ...ctx };
  if (f.code !== undefined) details.cloudCode = f.code;
  if (f.status !== undefined) details.status = f.status;
  if (f.requestId !== undefined) details.requestId = f.requestId;
  if (attempts !== undefined) details.attempts = attempts;
  const what = `${ctx.service} ${ctx.action}`;
  const ref = [f.code, f.status, f.requestId && `request ${f.requestId}`].filter(Boolean).join(', ');
  const suffix = ref === '' ? '' : ` (${ref})`;
  if (isRetryableFailure(f)) {
    const tries = attempts !== undefined ? ` after ${attempts} attempts` : '';
    return new UnavailableError(`${what}: the control plane is unavailable${tries}${suffix}`, { details });
  }
  if (f.code !== undefined && DENIED.test(f.code))
    return new AccessDeniedError(`${what}: refused by the control plane${suffix}`, { details });
  if (f.code !== undefined && NOT_FOUND.test(f.code))
    return new NotFoundError(`${what}: no such role, key or key version${suffix}`, { details });
  if (f.code === 'InvalidTimeStamp.Expired')
    return new ControlPlaneError(
      `${what}: refused because this machine's clock is off by more than 15 minutes${suffix}`,
      {
        details,
      },
    );
  return new ControlPlaneError(`${what}: the control plane refused the request${suffix}`, { details });
}
