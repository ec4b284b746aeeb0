import { ValidationError } from '../errors';
import { AUDIT_SOURCES, type NewAuditEvent, type NewRecord, type RecordQuery } from './types';

/**
 * Checks at the catalog's edge. Callers validate their inputs properly (zod, in the records and
 * http parts); these checks keep the index itself sound whoever calls it. Every issue is reported
 * as `{ path, message }`, like the HTTP layer's validation errors.
 */

export const RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const HEX64 = /^[0-9a-f]{64}$/;
const DECIMAL = /^[0-9]{1,20}$/;

export interface Issue {
  path: string[];
  message: string;
}

export function fail(message: string, issues: Issue[]): never {
  throw new ValidationError(message, { details: { issues } });
}

/** `YYYY-MM-DD` naming a real calendar day. */
export function isBusinessDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function validDate(v: unknown): boolean {
  return v instanceof Date && !Number.isNaN(v.getTime());
}

export function validateRecord(r: NewRecord): void {
  const issues: Issue[] = [];
  const bad = (field: string, message: string): void => {
    issues.push({ path: [field], message });
  };
  if (!RECORD_ID.test(r.recordId)) bad('recordId', 'must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$');
  if (r.amends != null && !RECORD_ID.test(r.amends)) bad('amends', 'must be a record id');
  if (r.amends != null && r.amends === r.recordId) bad('amends', 'a record cannot amend itself');
  if (r.recordType.length === 0) bad('recordType', 'required');
  if (!Number.isInteger(r.schemaVersion) || r.schemaVersion < 1)
    bad('schemaVersion', 'must be a positive integer');
  if (!isBusinessDate(r.businessDate)) bad('businessDate', 'must be a calendar date YYYY-MM-DD');
  if (r.bucket.length === 0) bad('bucket', 'required');
  if (r.objectKey.length === 0) bad('objectKey', 'required');
  if (!HEX64.test(r.sha256)) bad('sha256', 'must be 64 lower-case hex digits');
  if (!DECIMAL.test(r.crc64)) bad('crc64', 'must be an unsigned decimal');
  if (r.md5.length === 0) bad('md5', 'required');
  if (!Number.isSafeInteger(r.size) || r.size < 0) bad('size', 'must be a non-negative integer');
  if (r.contentType.length === 0) bad('contentType', 'required');
  if (r.retentionClass.length === 0) bad('retentionClass', 'required');
  if (!validDate(r.retainUntil)) bad('retainUntil', 'must be a valid date');
  if (!validDate(r.ingestedAt)) bad('ingestedAt', 'must be a valid date');
  if (r.principalId.length === 0) bad('principalId', 'required');
  if (issues.length > 0) fail(`invalid catalog record ${JSON.stringify(r.recordId)}`, issues);
}

export function validateAuditEvent(e: NewAuditEvent): void {
  const issues: Issue[] = [];
  if (e.action.length === 0) issues.push({ path: ['action'], message: 'required' });
  if (!['allowed', 'denied', 'error'].includes(e.outcome)) {
    issues.push({ path: ['outcome'], message: 'must be allowed, denied or error' });
  }
  if (e.at !== undefined && !validDate(e.at)) issues.push({ path: ['at'], message: 'must be a valid date' });
  if (e.eventId !== undefined && e.eventId.length === 0)
    issues.push({ path: ['eventId'], message: 'must not be empty' });
  if (e.source !== undefined && !AUDIT_SOURCES.includes(e.source))
    issues.push({ path: ['source'], message: `must be one of ${AUDIT_SOURCES.join(', ')}` });
  if (issues.length > 0) fail('invalid audit event', issues);
}

export function validateQuery(q: RecordQuery): void {
  const issues: Issue[] = [];
  if (q.fromDate !== undefined && !isBusinessDate(q.fromDate)) {
    issues.push({ path: ['fromDate'], message: 'must be a calendar date YYYY-MM-DD' });
  }
  if (q.toDate !== undefined && !isBusinessDate(q.toDate)) {
    issues.push({ path: ['toDate'], message: 'must be a calendar date YYYY-MM-DD' });
  }
  if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > 1000)) {
    issues.push({ path: ['limit'], message: 'must be an integer from 1 to 1000' });
  }
  if (issues.length > 0) fail('invalid record search', issues);
}

/** Range arguments of the paged readers (ledger leaves, audit events; `maxLimit` 10000 unless said). */
export function pageRange(
  range: { fromSeq?: number; limit?: number } | undefined,
  maxLimit = 10_000,
): {
  fromSeq: number;
  limit: number;
} {
  const fromSeq = range?.fromSeq ?? 0;
  const limit = range?.limit ?? 1000;
  const issues: Issue[] = [];
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 0)
    issues.push({ path: ['fromSeq'], message: 'must be a non-negative integer' });
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    issues.push({ path: ['limit'], message: `must be an integer from 1 to ${maxLimit}` });
  }
  if (issues.length > 0) fail('invalid range', issues);
  return { fromSeq, limit };
}
