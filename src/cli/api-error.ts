/**
 * An error answer of the archive's API, as the CLI raises it: the typed error of src/errors with
 * the code the API sent, its message, details and hint passed on unchanged (src/cli/main.ts prints
 * them all), so the operator reads what the API said (for example the valid `--type` values).
 */
import {
  AuditUnavailableError,
  BadRequestError,
  ForbiddenError,
  InternalError,
  MalformedCsvError,
  MalformedJsonError,
  NotFoundError,
  PayloadTooLargeError,
  RetentionNotLockedError,
  UnauthenticatedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
  type ErrorOptions,
  type StrongroomError,
} from '../errors';

type ErrorClass = new (message: string, options?: ErrorOptions) => StrongroomError;

/** The API's codes this client knows (the same classes the server raises). */
const BY_CODE: Record<string, ErrorClass> = {
  ValidationFailed: ValidationError,
  MalformedJson: MalformedJsonError,
  MalformedCsv: MalformedCsvError,
  BadRequest: BadRequestError,
  PayloadTooLarge: PayloadTooLargeError,
  UnsupportedMediaType: UnsupportedMediaTypeError,
  Unauthenticated: UnauthenticatedError,
  Forbidden: ForbiddenError,
  NotFound: NotFoundError,
  AuditUnavailable: AuditUnavailableError,
  RetentionNotLocked: RetentionNotLockedError,
  Unavailable: UnavailableError,
  InternalError: InternalError,
};

function byStatus(status: number): ErrorClass {
  if (status === 401) return UnauthenticatedError;
  if (status === 403) return ForbiddenError;
  if (status === 404) return NotFoundError;
  if (status === 413) return PayloadTooLargeError;
  if (status === 415) return UnsupportedMediaTypeError;
  if (status >= 500) return UnavailableError;
  return BadRequestError;
}

/** The error body of the API: {"error": {"code", "message", "details"?, "hint"?, "requestId"?}}. */
interface ApiErrorBody {
  code?: unknown;
  message?: unknown;
  details?: unknown;
  hint?: unknown;
  requestId?: unknown;
}

/**
 * The typed error for an error answer. `what` names the request (`the batch`); the text is the
 * body as received (JSON or not).
 */
export function apiError(what: string, status: number, text: string): StrongroomError {
  let body: ApiErrorBody | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: ApiErrorBody };
    if (typeof parsed.error === 'object' && parsed.error !== null) body = parsed.error;
  } catch {
    // not JSON: a proxy's page, say
  }
  const code = typeof body?.code === 'string' ? body.code : undefined;
  const Class = (code !== undefined ? BY_CODE[code] : undefined) ?? byStatus(status);
  const said =
    typeof body?.message === 'string'
      ? body.message
      : text.trim().slice(0, 200) || `no body (HTTP ${status})`;
  const unknownCode = code !== undefined && BY_CODE[code] === undefined ? ` ${code}` : '';
  const request = typeof body?.requestId === 'string' ? ` [request ${body.requestId}]` : '';
  return new Class(`the archive refused ${what} (HTTP ${status}${unknownCode}): ${said}${request}`, {
    ...(body?.details !== undefined ? { details: body.details } : {}),
    ...(typeof body?.hint === 'string' ? { hint: body.hint } : {}),
  });
}

/** Error details as lines for a terminal: `type: one of order, trade, ...`; other shapes as JSON. */
export function detailLines(details: unknown, max = 20): string[] {
  if (details === undefined) return [];
  if (Array.isArray(details)) {
    const lines = (details as unknown[]).slice(0, max).map((d) => {
      if (typeof d === 'object' && d !== null) {
        const { path, message } = d as { path?: unknown; message?: unknown };
        if (typeof message === 'string')
          return typeof path === 'string' && path ? `${path}: ${message}` : message;
      }
      return JSON.stringify(d);
    });
    if (details.length > max) lines.push(`... and ${details.length - max} more`);
    return lines;
  }
  return [JSON.stringify(details)];
}
