/**
 * The archive's typed errors: one class per failure mode, each with a stable code and the HTTP
 * status it maps to. The HTTP layer maps them in one place (src/http); the CLI prints code and
 * message. Nothing else decides how an error looks to a client.
 */
export abstract class StrongroomError extends Error {
  abstract readonly code: string;
  abstract readonly httpStatus: number;
  /** Extra, client-safe detail (validation issues, the existing receipt, a hint). */
  readonly details?: unknown;
  /** True when whoever raised it already appended the refusal to the audit trail (so the HTTP layer does not). */
  readonly auditRecorded: boolean;

  constructor(message: string, options?: { cause?: unknown; details?: unknown; auditRecorded?: boolean }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    if (options?.details !== undefined) this.details = options.details;
    this.auditRecorded = options?.auditRecorded ?? false;
  }
}

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

/** The object, record or bucket does not exist. */
export class NotFoundError extends StrongroomError {
  readonly code = 'NotFound';
  readonly httpStatus = 404;
}

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

/** Same id, different content: amend with a correction record instead. */
export class ConflictError extends StrongroomError {
  readonly code = 'Conflict';
  readonly httpStatus = 409;
}

/** The request body is larger than the configured limit. */
export class PayloadTooLargeError extends StrongroomError {
  readonly code = 'PayloadTooLarge';
  readonly httpStatus = 413;
}

/** The request body has a content type the route does not accept. */
export class UnsupportedMediaTypeError extends StrongroomError {
  readonly code = 'UnsupportedMediaType';
  readonly httpStatus = 415;
}

/** The deployment is not compliant (doctor findings); used by the CLI for a non-zero exit. */
export class NotCompliantError extends StrongroomError {
  readonly code = 'NotCompliant';
  readonly httpStatus = 503;
}

/**
 * Stored bytes read back for an export disagree with the catalog (SHA-256, CRC-64 or size): the
 * export fails as a whole and ships nothing. `details` names the record, the check, and both values.
 */
export class RecordIntegrityError extends StrongroomError {
  readonly code = 'RecordIntegrity';
  readonly httpStatus = 502;
}

/** An offline check (an export bag, a proof) found problems; `details` lists them. */
export class NotVerifiedError extends StrongroomError {
  readonly code = 'NotVerified';
  readonly httpStatus = 422;
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
