import { createHash } from 'node:crypto';
import type { AuditOutcome, AuditSource, LedgerEntryKind } from './types';

/** prev_hash of the first audit event (seq 0). */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Leaf data of a ledger entry (the bytes RFC 9162 §2.1.1 hashes as a leaf), exactly:
 *
 *     UTF-8( "strongroom-leaf-v1" LF kind LF id LF sha256 LF )
 *
 * where LF is 0x0A, `kind` is `record`, `audit_segment`, `export`, `verification_report` or
 * `disposition`, `id` is the record id (or segment/export/report/disposition id; ids never
 * contain LF) and `sha256` is the lower-case hex SHA-256 of the entry's bytes (for a record: its
 * canonical bytes as stored). By hand:
 *
 *     printf 'strongroom-leaf-v1\nrecord\n%s\n%s\n' "$ID" "$SHA256" > leaf.bin
 */
export function leafData(entry: { kind: LedgerEntryKind; id: string; sha256: string }): Buffer {
  if (entry.id.length === 0 || /[\n\r]/.test(entry.id))
    throw new RangeError('ledger entry id must be non-empty, without line breaks');
  if (!HEX64.test(entry.sha256)) throw new RangeError('ledger entry sha256 must be 64 lower-case hex digits');
  return Buffer.from(`strongroom-leaf-v1\n${entry.kind}\n${entry.id}\n${entry.sha256}\n`, 'utf8');
}

/**
 * RFC 9162 leaf hash, hex: SHA-256(0x00 || leafData(entry)). By hand:
 *
 *     { printf '\0'; cat leaf.bin; } | sha256sum
 */
export function leafHash(entry: { kind: LedgerEntryKind; id: string; sha256: string }): string {
  return createHash('sha256')
    .update(Buffer.from([0x00]))
    .update(leafData(entry))
    .digest('hex');
}

/** The fields of an audit event that its hash covers. */
export interface AuditHashInput {
  seq: number;
  eventId: string;
  at: Date;
  principalId: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  requestId: string | null;
  details: string | null;
  /** Where the event comes from; absent means `api` (every event written before sources existed). */
  source?: AuditSource;
  prevHash: string;
}

/** The canonical forms' first elements: v1 for the archive's own events (`api`), v2 for the others. */
export const AUDIT_FORMAT_V1 = 'strongroom-audit-v1';
export const AUDIT_FORMAT_V2 = 'strongroom-audit-v2';

/**
 * Canonical serialisation of an audit event, exactly: the UTF-8 bytes of the JSON array (as
 * `JSON.stringify` writes it: no whitespace, strings escaped per ECMA-262). For the archive's own
 * events (source `api`, and every event written before sources existed):
 *
 *     ["strongroom-audit-v1", seq, eventId, at, principalId, action, target, outcome, ip,
 *      requestId, details, prevHash]
 *
 * and for events from another source (`oss-access-log`, `actiontrail`: docs/decisions/0014):
 *
 *     ["strongroom-audit-v2", seq, eventId, at, principalId, action, target, outcome, ip,
 *      requestId, details, source, prevHash]
 *
 * with `seq` a JSON number, `at` as `Date#toISOString()` (UTC, milliseconds, `Z`), absent values
 * as `null`, and `details` as the stored JSON *text* (a JSON string, not an embedded object). The
 * first element names the form, so the hash binds the source either way: an event moved to
 * another source no longer matches its hash. `prevHash` is the last element in both. By hand, a
 * sealed segment line is exactly this text, so `printf '%s' "$LINE" | sha256sum` is its hash.
 */
export function auditEventCanonical(e: AuditHashInput): string {
  const source = e.source ?? 'api';
  const fields = [
    e.seq,
    e.eventId,
    e.at.toISOString(),
    e.principalId,
    e.action,
    e.target,
    e.outcome,
    e.ip,
    e.requestId,
    e.details,
  ];
  return source === 'api'
    ? JSON.stringify([AUDIT_FORMAT_V1, ...fields, e.prevHash])
    : JSON.stringify([AUDIT_FORMAT_V2, ...fields, source, e.prevHash]);
}

/** hash = hex SHA-256 of `auditEventCanonical(event)`; the chain links through `prevHash`. */
export function auditEventHash(e: AuditHashInput): string {
  return createHash('sha256').update(auditEventCanonical(e), 'utf8').digest('hex');
}

/**
 * JSON with object keys sorted (by UTF-16 code units, as RFC 8785) at every level, no
 * whitespace; numbers and strings as `JSON.stringify` writes them. Refuses what JSON cannot hold.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, new Set());
}

// Written out rather than via a key-sorted object: objects list integer-like keys first, which
// would break the sort order.
function serialise(value: unknown, seen: Set<object>): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot hold a non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value !== 'object') throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
  if (seen.has(value)) throw new TypeError('canonical JSON cannot hold a cycle');
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((v: unknown) => (v === undefined ? 'null' : serialise(v, seen))).join(',')}]`;
    }
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${serialise(v, seen)}`).join(',')}}`;
  } finally {
    seen.delete(value);
  }
}
