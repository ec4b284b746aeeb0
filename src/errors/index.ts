/**
 * The archive's typed errors: the one list of every failure a client (of the API or of the CLI)
 * can see. One class per failure mode, each with a stable code and the HTTP status it maps to;
 * the HTTP layer maps them in one place (src/http/errors.ts), the CLI prints code and message.
 * Nothing else decides how an error looks to a client. The reader's guide is docs/ARCHITECTURE.md.
 *
 * A hint (what the client can do about it) is set where the error is raised, by whoever knows.
 */
export interface ErrorOptions {
  cause?: unknown;
  /** Client-safe detail (validation issues, the archived hash, a bucket and key). */
  details?: unknown;
  /** What the client can do about it, in one sentence. */
  hint?: string;
  /** When to ask again, seconds: sent as Retry-After. */
  retryAfterSeconds?: number;
}

export abstract class StrongroomError extends Error {
  abstract readonly code: string;
  abstract readonly httpStatus: number;
  /** Extra, client-safe detail (validation issues, the existing receipt...). */
  readonly details?: unknown;
  /** What the client can do about it; shown as `hint` in the error body. */
  readonly hint?: string;
  /** When to ask again, seconds (the HTTP answer's Retry-After). */
  readonly retryAfterSeconds?: number;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    if (options?.details !== undefined) this.details = options.details;
    if (options?.hint !== undefined) this.hint = options.hint;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

// ------------------------------------------------------------------ settings and input

/** Settings are missing or invalid; raised at start, before anything listens. */
export class ConfigError extends StrongroomError {
  readonly code = 'ConfigInvalid';
  readonly httpStatus = 500;
}

/** Input failed validation; `details` lists every issue with its path. */
export class ValidationError extends StrongroomError {
  readonly code = 'ValidationFailed';
  readonly httpStatus = 400;
}

/** The body is not well-formed JSON (or an NDJSON line is not). */
export class MalformedJsonError extends StrongroomError {
  readonly code = 'MalformedJson';
  readonly httpStatus = 400;
}

/** A CSV row (or header) that cannot be read. */
export class MalformedCsvError extends StrongroomError {
  readonly code = 'MalformedCsv';
  readonly httpStatus = 400;
}

/** A request the API cannot make sense of (bad percent-encoding, bad multipart framing...). */
export class BadRequestError extends StrongroomError {
  readonly code = 'BadRequest';
  readonly httpStatus = 400;
}

/** The request body is larger than the configured limit. */
export class PayloadTooLargeError extends StrongroomError {
  readonly code = 'PayloadTooLarge';
  readonly httpStatus = 413;
}

/** The request's headers are larger than the server reads (before any route sees them). */
export class HeadersTooLargeError extends StrongroomError {
  readonly code = 'HeadersTooLarge';
  readonly httpStatus = 431;
}

/** The request body has a content type the route does not accept. */
export class UnsupportedMediaTypeError extends StrongroomError {
  readonly code = 'UnsupportedMediaType';
  readonly httpStatus = 415;
}

/** The request body stopped arriving for longer than the idle timeout (server.limits.bodyIdleTimeoutMs). */
export class RequestTimeoutError extends StrongroomError {
  readonly code = 'RequestTimeout';
  readonly httpStatus = 408;
}

/** The route exists but not for this method (OPTIONS: the API serves no CORS); `details.allow` lists the methods. */
export class MethodNotAllowedError extends StrongroomError {
  readonly code = 'MethodNotAllowed';
  readonly httpStatus = 405;
}

// ------------------------------------------------------------------ who asks

/** The caller is not authenticated (no, bad or disabled credentials). */
export class UnauthenticatedError extends StrongroomError {
  readonly code = 'Unauthenticated';
  readonly httpStatus = 401;
}

/** The caller is authenticated but its role may not do this. */
export class ForbiddenError extends StrongroomError {
  readonly code = 'Forbidden';
  readonly httpStatus = 403;
}

/** The audit trail could not record an access; the access is refused rather than left unaudited. */
export class AuditUnavailableError extends StrongroomError {
  readonly code = 'AuditUnavailable';
  readonly httpStatus = 503;
}

// ------------------------------------------------------------------ what is there

/** The object, record or bucket does not exist. */
export class NotFoundError extends StrongroomError {
  readonly code = 'NotFound';
  readonly httpStatus = 404;
}

/**
 * 409: the request conflicts with what is stored. Never raised as such: each subclass names the
 * conflict (and carries its own hint), so a client is never told to send a correction record for
 * a taken user name.
 */
export abstract class ConflictError extends StrongroomError {
  readonly httpStatus = 409;
}

export const CORRECTION_HINT =
  'a record is never changed once stored: to amend it, send a correction record ' +
  '({"recordType": "correction", "amends": "<the record id>", ...}) with a new record id';

/** Same record id, different content: the original is never changed; amend with a correction record. */
export class RecordConflictError extends ConflictError {
  readonly code = 'Conflict';
  constructor(message: string, options?: ErrorOptions) {
    super(message, { hint: CORRECTION_HINT, ...options });
  }
}

/** A link or a download of an export that is still building or has failed (issue 11). */
export class ExportNotReadyError extends ConflictError {
  readonly code = 'ExportNotReady';
}

export const RECONCILE_HINT = 'run `strongroom reconcile` and review its report';

/**
 * The object key of a record holds an object that is not this record's (an earlier upload that
 * never committed, with other content): nothing is overwritten; an operator looks at it.
 */
export class ObjectKeyTakenError extends ConflictError {
  readonly code = 'ObjectKeyTaken';
  constructor(message: string, options?: ErrorOptions) {
    super(message, { hint: RECONCILE_HINT, ...options });
  }
}

/** The catalog refused a row: its object is already indexed as another record (or another unique key is taken). */
export class CatalogConflictError extends ConflictError {
  readonly code = 'CatalogConflict';
}

/** The ledger already holds an entry of that kind and id with different content. */
export class LedgerConflictError extends ConflictError {
  readonly code = 'LedgerConflict';
}

/** A principal with that name (or id) exists already. */
export class NameTakenError extends ConflictError {
  readonly code = 'NameTaken';
}

/** The token (its hash) is registered already. */
export class TokenExistsError extends ConflictError {
  readonly code = 'TokenExists';
}

/** The principal is disabled: it gets no new tokens. */
export class PrincipalDisabledError extends ConflictError {
  readonly code = 'PrincipalDisabled';
}

/** The first-start token file exists while the catalog has no principals (a replaced catalog?). */
export class BootstrapConflictError extends ConflictError {
  readonly code = 'BootstrapConflict';
}

/** The bucket still holds objects (OSS BucketNotEmpty). */
export class BucketNotEmptyError extends ConflictError {
  readonly code = 'BucketNotEmpty';
}

/** OSS answered 409 with a code the adapter does not know. */
export class StorageConflictError extends ConflictError {
  readonly code = 'StorageConflict';
}

/**
 * The record is in the ledger but not yet in a signed checkpoint: ask again after Retry-After
 * (the checkpointer signs every `ledger.checkpointSeconds`).
 */
export class NotYetCheckpointedError extends ConflictError {
  readonly code = 'NotYetCheckpointed';
}

/** The alert was acknowledged already (an acknowledgement is made once, by one principal). */
export class AlertAcknowledgedError extends ConflictError {
  readonly code = 'AlertAcknowledged';
}

/** The bootstrap could not finish; the message says how to recover. */
export class BootstrapError extends StrongroomError {
  readonly code = 'BootstrapFailed';
  readonly httpStatus = 500;
}

// ------------------------------------------------------------------ object storage

/** A create-only write found the key taken (OSS FileAlreadyExists). */
export class AlreadyExistsError extends StrongroomError {
  readonly code = 'AlreadyExists';
  readonly httpStatus = 409;
}

/** The object is protected by a retention policy (OSS FileImmutable). */
export class ImmutableError extends StrongroomError {
  readonly code = 'Immutable';
  readonly httpStatus = 409;
}

/** A checksum computed locally disagrees with the one the store reported or the data holds. */
export class ChecksumMismatchError extends StrongroomError {
  readonly code = 'ChecksumMismatch';
  readonly httpStatus = 502;
}

/** The store refused our credentials or the operation (403 from OSS). */
export class AccessDeniedError extends StrongroomError {
  readonly code = 'AccessDenied';
  readonly httpStatus = 403;
}

/** The store could not be reached or kept failing after retries (5xx, resets, timeouts). */
export class UnavailableError extends StrongroomError {
  readonly code = 'Unavailable';
  readonly httpStatus = 503;
}

/** The retention policy of a bucket is not in a state that allows the operation. */
export class RetentionPolicyError extends StrongroomError {
  readonly code = 'RetentionPolicyInvalid';
  readonly httpStatus = 409;
}

/** A write was refused because the target bucket is not Locked with enough days. */
export class RetentionNotLockedError extends StrongroomError {
  readonly code = 'RetentionNotLocked';
  readonly httpStatus = 503;
}

/** The store answered something the adapter does not understand. */
export class StorageProtocolError extends StrongroomError {
  readonly code = 'StorageProtocolError';
  readonly httpStatus = 502;
}

// ------------------------------------------------------------------ holds, retention, disposition, fixity

export const FOUR_EYES_HINT = 'ask another compliance principal to do it';

/** Four eyes: a hold is released, a disposition approved, by another principal than the one who placed or proposed it. */
export class FourEyesError extends StrongroomError {
  readonly code = 'FourEyesRequired';
  readonly httpStatus = 403;
  constructor(message: string, options?: ErrorOptions) {
    super(message, { hint: FOUR_EYES_HINT, ...options });
  }
}

/** The hold was released already (a hold is released once; place a new one to hold again). */
export class HoldReleasedError extends ConflictError {
  readonly code = 'HoldReleased';
}

/** The disposition is not in a state that allows this (approved already, or finished). */
export class DispositionStateError extends ConflictError {
  readonly code = 'DispositionState';
}

/** Records proposed for disposition that are not eligible (held, retained, disposed, protected); `details` names each. */
export class NotEligibleError extends ConflictError {
  readonly code = 'NotEligible';
}

/** A retention change lost a race with another one for the same record; retry (it is computed again). */
export class RetentionRaceError extends ConflictError {
  readonly code = 'RetentionRace';
}

/** A fixity sweep of that kind is running already (in serve or another command). */
export class SweepRunningError extends ConflictError {
  readonly code = 'SweepRunning';
}

/** The record was disposed of lawfully after its retention: its catalog entry and tombstone remain, its bytes do not. */
export class RecordDisposedError extends StrongroomError {
  readonly code = 'RecordDisposed';
  readonly httpStatus = 410;
}

// ------------------------------------------------------------------ the rest

/**
 * What a client is told about a failure the archive did not foresee (a bug, a crash of a
 * dependency): code InternalError, a generic message; the cause goes to the log only.
 */
export class InternalError extends StrongroomError {
  readonly code = 'InternalError';
  readonly httpStatus = 500;
  constructor(message = 'internal error', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Stored bytes read back for an export disagree with the catalog (SHA-256, CRC-64 or size): the
 * export fails as a whole and ships nothing. `details` names the record, the check, and both values.
 */
export class RecordIntegrityError extends StrongroomError {
  readonly code = 'RecordIntegrity';
  readonly httpStatus = 502;
}

/**
 * The control plane (STS, KMS, ActionTrail) refused a request as malformed or answered something
 * the adapter does not understand: a bug or a deployment mismatch on our side, not the caller's.
 */
export class ControlPlaneError extends StrongroomError {
  readonly code = 'ControlPlaneError';
  readonly httpStatus = 502;
}

export function isStrongroomError(err: unknown): err is StrongroomError {
  return err instanceof StrongroomError;
}
