/**
 * Audit events for people and programs: the API's JSON view, NDJSON, CSV (src/util/csv.ts:
 * cells neutralised against formula injection) and a table, shared by the HTTP routes and
 * `strongroom audit query`. Pure code.
 */
import type { AuditEvent } from '../catalog/types';
import { csvRow } from '../util/csv';
import { renderTable } from '../util/table';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `YYYY-MM-DD` (that day's 00:00 UTC) or an RFC 3339 instant with its offset; undefined when neither. */
export function parseInstant(text: string): Date | undefined {
  if (!DATE_ONLY.test(text) && !INSTANT.test(text)) return undefined;
  const d = new Date(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(d.getTime())) return undefined;
  if (DATE_ONLY.test(text) && d.toISOString().slice(0, 10) !== text) return undefined; // 2026-02-30
  return d;
}

/** An event as the API answers it; `details` parsed (its canonical JSON is the stored text). */
export function eventView(e: AuditEvent): Record<string, unknown> {
  return {
    seq: e.seq,
    eventId: e.eventId,
    at: e.at.toISOString(),
    source: e.source,
    principalId: e.principalId,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    ip: e.ip,
    requestId: e.requestId,
    details: e.details === null ? null : (JSON.parse(e.details) as unknown),
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

export const AUDIT_CSV_COLUMNS = [
  'seq',
  'at',
  'source',
  'principalId',
  'action',
  'target',
  'outcome',
  'ip',
  'requestId',
  'eventId',
  'details',
  'prevHash',
  'hash',
] as const;

/** Events as CSV (src/util/csv.ts: cells neutralised against formula injection), header first. */
export function eventsCsv(events: readonly AuditEvent[]): string {
  return (
    csvRow([...AUDIT_CSV_COLUMNS]) +
    events
      .map((e) =>
        csvRow([
          e.seq,
          e.at.toISOString(),
          e.source,
          e.principalId,
          e.action,
          e.target,
          e.outcome,
          e.ip,
          e.requestId,
          e.eventId,
          e.details,
          e.prevHash,
          e.hash,
        ]),
      )
      .join('')
  );
}

export function eventsNdjson(events: readonly AuditEvent[]): string {
  return events.map((e) => `${JSON.stringify(eventView(e))}\n`).join('');
}

/** Control characters (a line break in a target) shown as `?`, so a table row stays one line. */
function printable(text: string): string {
  return [...text].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? '?' : c)).join('');
}

/** A plain-text table (the CLI's default). */
export function eventsTable(events: readonly AuditEvent[]): string {
  return renderTable(
    ['seq', 'at', 'source', 'principal', 'action', 'target', 'outcome'],
    events.map((e) => [
      e.seq,
      e.at.toISOString(),
      e.source,
      e.principalId ?? '-',
      e.action,
      printable(e.target ?? '-'),
      e.outcome,
    ]),
  );
}
