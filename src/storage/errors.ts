import {
  AccessDeniedError,
  AlreadyExistsError,
  BucketNotEmptyError,
  ChecksumMismatchError,
  ImmutableError,
  NotFoundError,
  RetentionPolicyError,
  StorageConflictError,
  StorageProtocolError,
  StrongroomError,
  UnavailableError,
} from '../errors';

/**
 * The one place where what ali-oss throws becomes one of the archive's typed errors.
 *
 * Messages are written here, never copied from upstream: OSS and urllib messages can carry URLs,
 * string-to-sign dumps and request headers. What is kept is the OSS error code, the HTTP status
 * and the OSS request id (what Alibaba Cloud support asks for), in the message and in `details`.
 */

/** What was being done when the error happened. */
export interface StorageErrorContext {
  /** OSS operation name: PutObject, GetObject, UploadPart, InitiateBucketWorm, ... */
  operation: string;
  bucket?: string;
  key?: string;
  /** Multipart part number, for UploadPart. */
  partNumber?: number;
}

/** `details` of every error this module produces: client-safe, no secrets. */
export interface StorageErrorDetails extends StorageErrorContext {
  /** OSS error code (NoSuchKey, FileAlreadyExists, ...) or the network error's name. */
  ossCode?: string;
  /** HTTP status; -1 network error, -2 timeout (urllib), absent when there was no answer. */
  status?: number;
  /** x-oss-request-id of the failed request, when OSS answered. */
  requestId?: string;
  /** Attempts made, when retries were exhausted. */
  attempts?: number;
  [extra: string]: unknown;
}

type ErrorClass = new (message: string, options?: { cause?: unknown; details?: unknown }) => StrongroomError;

const BY_CODE: Record<string, { type: ErrorClass; what: string }> = {
  NoSuchKey: { type: NotFoundError, what: 'no such object' },
  NoSuchBucket: { type: NotFoundError, what: 'no such bucket' },
  NoSuchUpload: { type: NotFoundError, what: 'no such multipart upload' },
  NoSuchWORMConfiguration: { type: NotFoundError, what: 'the bucket has no retention policy' },
  FileAlreadyExists: { type: AlreadyExistsError, what: 'the object already exists (create-only write)' },
  BucketAlreadyExists: { type: AlreadyExistsError, what: 'the bucket already exists' },
  FileImmutable: { type: ImmutableError, what: 'the object is protected by a retention policy' },
  InvalidDigest: {
    type: ChecksumMismatchError,
    what: 'OSS received bytes whose MD5 differs from Content-MD5',
  },
  WORMConfigurationLocked: { type: RetentionPolicyError, what: 'the retention policy is locked' },
  InvalidWORMConfiguration: { type: RetentionPolicyError, what: 'the retention policy does not allow this' },
  AccessDenied: { type: AccessDeniedError, what: 'access denied' },
  SignatureDoesNotMatch: {
    type: AccessDeniedError,
    what: 'the request signature was refused (wrong secret?)',
  },
  InvalidAccessKeyId: { type: AccessDeniedError, what: 'the access key id is unknown' },
  SecurityTokenExpired: { type: AccessDeniedError, what: 'the STS security token has expired' },
  InvalidSecurityToken: { type: AccessDeniedError, what: 'the STS security token is invalid' },
  RequestTimeTooSkewed: { type: AccessDeniedError, what: 'the request time is too far from OSS time' },
  BucketNotEmpty: { type: BucketNotEmptyError, what: 'the bucket is not empty' },
  InternalError: { type: UnavailableError, what: 'OSS internal error' },
  ServiceUnavailable: { type: UnavailableError, what: 'OSS is unavailable' },
  SlowDown: { type: UnavailableError, what: 'OSS asks to slow down' },
  RequestTimeout: { type: UnavailableError, what: 'OSS timed out reading the request' },
};

/** urllib / ali-oss names of failures where no (complete) answer arrived. */
const NETWORK_NAMES = new Set([
  'ResponseTimeoutError',
  'ConnectionTimeoutError',
  'SocketAssignTimeoutError',
  'RequestError',
  'ResponseError',
]);

/** Node system error codes of a broken or refused connection. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
]);

const NETWORK_MESSAGE = /socket hang up|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|timeout/i;

function field(err: object, name: string): unknown {
  return (err as Record<string, unknown>)[name];
}

function stringField(err: object, name: string): string | undefined {
  const v = field(err, name);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function where(ctx: StorageErrorContext): string {
  if (ctx.bucket === undefined) return ctx.operation;
  return `${ctx.operation} ${ctx.bucket}${ctx.key !== undefined ? `/${ctx.key}` : ''}`;
}

function suffix(details: StorageErrorDetails): string {
  const parts: string[] = [];
  if (details.ossCode) parts.push(`OSS ${details.ossCode}`);
  if (details.status !== undefined) parts.push(`status ${details.status}`);
  if (details.requestId) parts.push(`request id ${details.requestId}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** Builds a typed error with the standard message shape and details. */
export function storageError(
  type: ErrorClass,
  ctx: StorageErrorContext,
  what: string,
  extra: Omit<StorageErrorDetails, keyof StorageErrorContext> = {},
): StrongroomError {
  const details: StorageErrorDetails = { ...ctx, ...extra };
  for (const k of Object.keys(details)) if (details[k] === undefined) delete details[k];
  return new type(`${where(ctx)}: ${what}${suffix(details)}`, { details });
}

/**
 * Translates anything thrown while talking to OSS. Typed errors pass through unchanged.
 * Order matters: codes first (403 WORMConfigurationLocked is a retention error, not access),
 * then network failures, then the HTTP status.
 */
export function translateError(err: unknown, ctx: StorageErrorContext): StrongroomError {
  if (err instanceof StrongroomError) return err;
  if (typeof err !== 'object' || err === null) {
    return storageError(StorageProtocolError, ctx, 'unexpected failure');
  }
  const code = stringField(err, 'code');
  const name = stringField(err, 'name');
  const rawStatus = field(err, 'status');
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;
  const requestId = stringField(err, 'requestId');
  const message = stringField(err, 'message') ?? '';
  const meta = { ossCode: code ?? name, status, requestId };

  const known = code !== undefined ? BY_CODE[code] : undefined;
  if (known) return storageError(known.type, ctx, known.what, meta);

  const isNetwork =
    status === -1 ||
    status === -2 ||
    (name !== undefined && NETWORK_NAMES.has(name)) ||
    (code !== undefined && NETWORK_CODES.has(code)) ||
    (status === undefined && NETWORK_MESSAGE.test(message));
  if (isNetwork) {
    const what =
      status === -2 || /timeout/i.test(name ?? '')
        ? 'OSS did not answer in time'
        : 'the connection to OSS failed';
    return storageError(UnavailableError, ctx, what, meta);
  }
  if (status !== undefined) {
    if (status >= 500 || status === 429)
      return storageError(UnavailableError, ctx, 'OSS answered with a server error', meta);
    if (status === 404) return storageError(NotFoundError, ctx, 'not found', meta);
    if (status === 403) return storageError(AccessDeniedError, ctx, 'access denied', meta);
    if (status === 409) return storageError(StorageConflictError, ctx, 'conflict', meta);
    return storageError(StorageProtocolError, ctx, 'OSS refused the request', meta);
  }
  return storageError(StorageProtocolError, ctx, 'unexpected failure talking to OSS', meta);
}

/** Retry only what may succeed next time: server errors, broken connections, timeouts. */
export function isRetryable(err: StrongroomError): boolean {
  return err instanceof UnavailableError;
}

/** The details of an error this module made (or undefined). */
export function storageDetails(err: unknown): StorageErrorDetails | undefined {
  if (!(err instanceof StrongroomError)) return undefined;
  const d = err.details;
  return typeof d === 'object' && d !== null && 'operation' in d ? (d as StorageErrorDetails) : undefined;
}

/** The OSS error code behind a translated error, if any. */
export function ossCodeOf(err: unknown): string | undefined {
  return storageDetails(err)?.ossCode;
}
