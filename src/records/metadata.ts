/**
 * Object metadata (x-oss-meta-*) written with each record. It carries what the archive adds
 * (checksum, principal, ingest time) so that the record's bytes stay exactly as sent, and it is
 * enough to rebuild the catalog from OSS alone (`strongroom reindex`).
 *
 * Values are ASCII: OSS sends metadata as HTTP headers. The principal is the only free-form
 * value; every character outside [A-Za-z0-9._~@:+-] is percent-encoded as UTF-8 (so "%" itself
 * is always encoded and decoding is exact).
 */
import { ValidationError } from '../errors';
import { isWellFormed, type RecordIssue } from './json';
import { checkRecordId } from './ids';
import { isRecordType, RECORD_SCHEMA_VERSION, timestampProblem, type RecordType } from './schemas';

export const META_PREFIX = 'x-oss-meta-';

export const META_KEYS = {
  sha256: `${META_PREFIX}sha256`,
  recordType: `${META_PREFIX}record-type`,
  recordId: `${META_PREFIX}record-id`,
  principal: `${META_PREFIX}principal`,
  ingestedAt: `${META_PREFIX}ingested-at`,
  schemaVersion: `${META_PREFIX}schema-version`,
} as const;

export const MAX_PRINCIPAL_LENGTH = 256;

export interface RecordMetadata {
  /** SHA-256 of the stored (canonical) bytes, lower-case hex. */
  sha256: string;
  recordType: RecordType;
  recordId: string;
  /** The unique id of the principal who ingested the record. */
  principal: string;
  /** ISO 8601 with offset. */
  ingestedAt: string;
  schemaVersion: number;
}

export interface RecordMetadataInput extends Omit<RecordMetadata, 'ingestedAt' | 'schemaVersion'> {
  /** A Date is written as UTC (toISOString). */
  ingestedAt: Date | string;
  /** Defaults to RECORD_SCHEMA_VERSION. */
  schemaVersion?: number;
}

const SHA256 = /^[0-9a-f]{64}$/;
const PRINCIPAL_SAFE = /[^A-Za-z0-9._~@:+-]/gu;

export function encodePrincipal(principal: string): string {
  return principal.replace(PRINCIPAL_SAFE, (ch) => encodeURIComponent(ch));
}

export function decodePrincipal(encoded: string): string {
  return decodeURIComponent(encoded);
}

function principalProblem(p: unknown): string | null {
  if (typeof p !== 'string' || p.length === 0) return 'a non-empty string';
  if (p.length > MAX_PRINCIPAL_LENGTH) return `at most ${MAX_PRINCIPAL_LENGTH} characters`;
  if (!isWellFormed(p)) return 'well-formed Unicode (no lone surrogates)';
  return null;
}

function fail(what: string, issues: RecordIssue[]): never {
  throw new ValidationError(`${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
    details: issues,
  });
}

/**
 * What a document's description object says, in its metadata, about the file it describes (keys
 * without the x-oss-meta- prefix). The file name is the one given at upload (the multipart part's
 * or X-Strongroom-File-Name; else the description's), percent-encoded UTF-8, so that reindex
 * restores it exactly.
 */
export const CONTENT_META = {
  key: 'content-key',
  sha256: 'content-sha256',
  crc64: 'content-crc64',
  size: 'content-size',
  fileName: 'content-file-name',
} as const;

/** A file name as a metadata value (printable ASCII): percent-encoded UTF-8, exactly reversible. */
export function encodeFileName(fileName: string): string {
  return encodeURIComponent(fileName);
}

/** The file name of a description's metadata, or undefined when absent or not decodable. */
export function decodeFileName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** recordMetadata's headers without the x-oss-meta- prefix, as the storage adapter takes them. */
export function storedMetadata(input: RecordMetadataInput): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(recordMetadata(input))) out[k.slice(META_PREFIX.length)] = v;
  return out;
}

/** The x-oss-meta-* headers for a stored record (lower-case keys, ASCII values). */
export function recordMetadata(input: RecordMetadataInput): Record<string, string> {
  const issues: RecordIssue[] = [];
  const at: unknown = input.ingestedAt;
  const ingestedAt =
    at instanceof Date ? (Number.isNaN(at.getTime()) ? 'Invalid Date' : at.toISOString()) : at;
  const schemaVersion = input.schemaVersion ?? RECORD_SCHEMA_VERSION;
  if (!SHA256.test(input.sha256))
    issues.push({ path: 'sha256', code: 'invalid_sha256', message: '64 lower-case hex characters' });
  if (!isRecordType(input.recordType))
    issues.push({ path: 'recordType', code: 'unknown_record_type', message: 'not a record type' });
  const id = checkRecordId(input.recordId);
  if (!id.ok) issues.push({ path: 'recordId', code: 'invalid_record_id', message: id.reason });
  const principal = principalProblem(input.principal);
  if (principal) issues.push({ path: 'principal', code: 'invalid_principal', message: principal });
  const time =
    typeof ingestedAt === 'string' ? timestampProblem(ingestedAt) : 'an ISO 8601 timestamp or a Date';
  if (time) issues.push({ path: 'ingestedAt', code: 'invalid_timestamp', message: time });
  if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1) {
    issues.push({ path: 'schemaVersion', code: 'invalid_schema_version', message: 'a positive integer' });
  }
  if (issues.length > 0) fail('invalid record metadata', issues);
  return {
    [META_KEYS.sha256]: input.sha256,
    [META_KEYS.recordType]: input.recordType,
    [META_KEYS.recordId]: input.recordId,
    [META_KEYS.principal]: encodePrincipal(input.principal),
    [META_KEYS.ingestedAt]: ingestedAt as string,
    [META_KEYS.schemaVersion]: String(schemaVersion),
  };
}

/**
 * Reads the metadata of a stored record back (the inverse of recordMetadata). Keys may come with
 * or without the x-oss-meta- prefix and in any case, as SDKs differ. Throws ValidationError
 * listing every missing or malformed key.
 */
export function parseRecordMetadata(meta: Readonly<Record<string, string | undefined>>): RecordMetadata {
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(meta)) {
    if (v === undefined) continue;
    const key = k.toLowerCase();
    values.set(key.startsWith(META_PREFIX) ? key : `${META_PREFIX}${key}`, v);
  }
  const issues: RecordIssue[] = [];
  const get = (field: keyof typeof META_KEYS): string | undefined => {
    const v = values.get(META_KEYS[field]);
    if (v === undefined) issues.push({ path: META_KEYS[field], code: 'required', message: 'missing' });
    return v;
  };
  const bad = (field: keyof typeof META_KEYS, code: string, message: string) =>
    issues.push({ path: META_KEYS[field], code, message });

  const sha256 = get('sha256');
  if (sha256 !== undefined && !SHA256.test(sha256))
    bad('sha256', 'invalid_sha256', '64 lower-case hex characters');
  const recordType = get('recordType');
  if (recordType !== undefined && !isRecordType(recordType))
    bad('recordType', 'unknown_record_type', `unknown record type "${recordType}"`);
  const recordId = get('recordId');
  const idCheck = recordId === undefined ? null : checkRecordId(recordId);
  if (idCheck && !idCheck.ok) bad('recordId', 'invalid_record_id', idCheck.reason);
  const encoded = get('principal');
  let principal: string | undefined;
  if (encoded !== undefined) {
    try {
      principal = decodePrincipal(encoded);
      const problem = principalProblem(principal);
      if (problem) bad('principal', 'invalid_principal', problem);
    } catch {
      bad('principal', 'invalid_principal', 'not a percent-encoded UTF-8 string');
    }
  }
  const ingestedAt = get('ingestedAt');
  const time = ingestedAt === undefined ? null : timestampProblem(ingestedAt);
  if (time) bad('ingestedAt', 'invalid_timestamp', time);
  const version = get('schemaVersion');
  if (version !== undefined && !/^[1-9][0-9]{0,8}$/.test(version))
    bad('schemaVersion', 'invalid_schema_version', 'a positive integer');

  if (issues.length > 0) fail('invalid record metadata', issues);
  return {
    sha256: sha256 as string,
    recordType: recordType as RecordType,
    recordId: recordId as string,
    principal: principal as string,
    ingestedAt: ingestedAt as string,
    schemaVersion: Number(version),
  };
}
