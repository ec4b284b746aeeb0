/**
 * A sealed audit segment: consecutive audit events written once, create-only, to the audit
 * bucket, each segment one ledger leaf (kind `audit_segment`). Pure code: names, bytes, parsing
 * and checking (docs/decisions/0018-audit-trail.md).
 *
 * Object key and leaf id (seqs as 20 zero-padded digits, so keys sort by seq):
 *
 *     audit/segment/<fromSeq>-<toSeq>.ndjson        leaf id  audit-<fromSeq>-<toSeq>
 *
 * Bytes: one line per event, seq `fromSeq` to `toSeq` in order, each exactly the event's
 * canonical form (`auditEventCanonical`, src/catalog/hashing.ts) followed by LF. So each line
 * hashes to its event's hash and holds its prevHash: the chain links line to line and, through
 * the first line's prevHash, to the previous segment's last line. By hand:
 *
 *     sha256sum 00000000000000000000-00000000000000000099.ndjson   # the leaf's sha256
 *     head -n1 FILE | tr -d '\n' | sha256sum                       # the first event's hash
 *     printf 'strongroom-leaf-v1\naudit_segment\n%s\n%s\n' "$ID" "$SHA256" > leaf.bin
 */
import { createHash } from 'node:crypto';
import { AUDIT_FORMAT_V1, AUDIT_FORMAT_V2, auditEventCanonical, auditEventHash } from '../catalog/hashing';
import { AUDIT_SOURCES, type AuditEvent, type AuditOutcome, type AuditSource } from '../catalog/types';

export const SEGMENT_PREFIX = 'audit/segment/';
export const SEGMENT_CONTENT_TYPE = 'application/x-ndjson';
const SEQ_DIGITS = 20;
const KEY = /^audit\/segment\/(\d{20})-(\d{20})\.ndjson$/;
const OUTCOMES: readonly AuditOutcome[] = ['allowed', 'denied', 'error'];

function pad(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new RangeError(`audit seq ${seq} is not a non-negative integer`);
  return String(seq).padStart(SEQ_DIGITS, '0');
}

export function segmentId(fromSeq: number, toSeq: number): string {
  return `audit-${pad(fromSeq)}-${pad(toSeq)}`;
}

export function segmentKey(fromSeq: number, toSeq: number): string {
  return `${SEGMENT_PREFIX}${pad(fromSeq)}-${pad(toSeq)}.ndjson`;
}

/** Where the keys of segments starting at `fromSeq` begin (a listing prefix). */
export function segmentKeyPrefix(fromSeq: number): string {
  return `${SEGMENT_PREFIX}${pad(fromSeq)}-`;
}

/** The range a segment key names, or null when `key` is not a segment key. */
export function parseSegmentKey(key: string): { fromSeq: number; toSeq: number } | null {
  const m = KEY.exec(key);
  if (m === null) return null;
  const fromSeq = Number(m[1]);
  const toSeq = Number(m[2]);
  if (!Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(toSeq) || toSeq < fromSeq) return null;
  return { fromSeq, toSeq };
}

/** The segment's bytes: each event's canonical form and LF, in seq order (consecutive, non-empty). */
export function segmentBytes(events: readonly AuditEvent[]): Buffer {
  if (events.length === 0) throw new RangeError('a segment holds at least one event');
  events.forEach((e, i) => {
    if (i > 0 && e.seq !== (events[i - 1] as AuditEvent).seq + 1)
      throw new RangeError(
        `segment events are not consecutive: ${e.seq} follows ${(events[i - 1] as AuditEvent).seq}`,
      );
  });
  return Buffer.from(events.map((e) => `${auditEventCanonical(e)}\n`).join(''), 'utf8');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export type SegmentParse = { ok: true; events: AuditEvent[] } | { ok: false; line: number; message: string };

function str(v: unknown): v is string {
  return typeof v === 'string';
}

function strOrNull(v: unknown): v is string | null {
  return v === null || typeof v === 'string';
}

/** One line back into the event it is the canonical form of, or the reason it is not one. */
export function parseSegmentLine(
  line: string,
): { ok: true; event: AuditEvent } | { ok: false; message: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, message: 'not JSON' };
  }
  if (!Array.isArray(parsed)) return { ok: false, message: 'not a JSON array' };
  const a = parsed as unknown[];
  const v1 = a[0] === AUDIT_FORMAT_V1;
  if (!v1 && a[0] !== AUDIT_FORMAT_V2) return { ok: false, message: `not a ${AUDIT_FORMAT_V1} or v2 event` };
  if (a.length !== (v1 ? 12 : 13))
    return { ok: false, message: `a ${String(a[0])} event has ${v1 ? 12 : 13} elements` };
  const [, seq, eventId, at, principalId, action, target, outcome, ip, requestId, details] = a;
  const source = (v1 ? 'api' : a[11]) as AuditSource;
  const prevHash = a[v1 ? 11 : 12];
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0)
    return { ok: false, message: 'seq is not a number' };
  if (!str(eventId) || !str(at) || !str(action) || !str(prevHash))
    return { ok: false, message: 'a required field is not text' };
  if (
    !strOrNull(principalId) ||
    !strOrNull(target) ||
    !strOrNull(ip) ||
    !strOrNull(requestId) ||
    !strOrNull(details)
  )
    return { ok: false, message: 'an optional field is neither text nor null' };
  if (!OUTCOMES.includes(outcome as AuditOutcome))
    return { ok: false, message: 'outcome is not allowed, denied or error' };
  if (!AUDIT_SOURCES.includes(source) || (!v1 && source === 'api'))
    return { ok: false, message: 'source is not one of the imported sources' };
  const when = new Date(at);
  if (Number.isNaN(when.getTime()) || when.toISOString() !== at)
    return { ok: false, message: 'at is not an ISO instant' };
  const event: Omit<AuditEvent, 'hash'> = {
    seq,
    eventId,
    at: when,
    principalId,
    action,
    target,
    outcome: outcome as AuditOutcome,
    ip,
    requestId,
    details,
    source,
    prevHash,
  };
  if (auditEventCanonical(event) !== line) return { ok: false, message: 'not in canonical form' };
  return { ok: true, event: { ...event, hash: auditEventHash(event) } };
}

/**
 * A segment's bytes back into its events, checked: every line canonical, seqs consecutive,
 * each prevHash the hash of the line before (the first one's is not checked here: it links to
 * the previous segment). `expected` names the range the key promises.
 */
export function parseSegment(bytes: Uint8Array, expected?: { fromSeq: number; toSeq: number }): SegmentParse {
  const text = Buffer.from(bytes).toString('utf8');
  if (!text.endsWith('\n'))
    return { ok: false, line: 0, message: 'the segment does not end with a line break' };
  const lines = text.slice(0, -1).split('\n');
  const events: AuditEvent[] = [];
  for (const [i, line] of lines.entries()) {
    const r = parseSegmentLine(line);
    if (!r.ok) return { ok: false, line: i + 1, message: r.message };
    const prev = events[events.length - 1];
    if (prev !== undefined && r.event.seq !== prev.seq + 1)
      return { ok: false, line: i + 1, message: `event ${r.event.seq} follows event ${prev.seq}` };
    if (prev !== undefined && r.event.prevHash !== prev.hash)
      return { ok: false, line: i + 1, message: `event ${r.event.seq} does not link to event ${prev.seq}` };
    events.push(r.event);
  }
  const first = events[0] as AuditEvent;
  const last = events[events.length - 1] as AuditEvent;
  if (expected && (first.seq !== expected.fromSeq || last.seq !== expected.toSeq))
    return {
      ok: false,
      line: 1,
      message: `holds events ${first.seq}..${last.seq}, its name says ${expected.fromSeq}..${expected.toSeq}`,
    };
  return { ok: true, events };
}

/** The first event (by position) whose canonical form differs between `a` and `b`, or null. */
export function firstDifference(a: readonly AuditEvent[], b: readonly AuditEvent[]): number | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (
      x === undefined ||
      y === undefined ||
      x.hash !== y.hash ||
      auditEventCanonical(x) !== auditEventCanonical(y)
    )
      return i;
  }
  return null;
}
