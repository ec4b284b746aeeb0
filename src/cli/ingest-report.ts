/**
 * What `strongroom ingest` tells the operator: how many lines the file has (counted the way the
 * API counts them), progress as answered lines against that total with rate and ETA, and the
 * failures grouped by what went wrong (`20000 x quantity: required`), each group with its first
 * line numbers. Pure functions and one small class; the command (commands/ingest.ts) does the I/O.
 */
import fs from 'node:fs';
import { splitLines } from '../http/batch/lines';

/** One line of the API's answer that is an error (POST /v1/batches). */
export interface LineError {
  line: number;
  code: string;
  message: string;
  details?: unknown;
  hint?: string;
}

/** One kind of failure and how often it happened. */
export interface ErrorGroup {
  count: number;
  code: string;
  /** The field, for validation issues (`quantity`, `instrument.code`); absent otherwise. */
  path?: string;
  message: string;
  hint?: string;
  /** The first lines it happened on (at most GROUP_LINES). */
  lines: number[];
}

export const GROUP_LINES = 10;

/**
 * The lines the API will answer for this file: non-blank lines for NDJSON, records after the
 * header for CSV (a quoted field may span lines). The same splitter the API uses, so the totals agree.
 */
export async function countLines(file: string, format: 'ndjson' | 'csv'): Promise<number> {
  let n = 0;
  for await (const _line of splitLines(fs.createReadStream(file), {
    // Long lines are counted, not kept: the count needs no memory per line.
    maxLineBytes: 64 * 1024,
    maxTotalBytes: Number.MAX_SAFE_INTEGER,
    quoteAware: format === 'csv',
  }))
    n++;
  return format === 'csv' ? Math.max(0, n - 1) : n;
}

interface Issue {
  path: string;
  message: string;
}

function issuesOf(details: unknown): Issue[] {
  if (!Array.isArray(details)) return [];
  const out: Issue[] = [];
  for (const d of details as unknown[]) {
    if (typeof d !== 'object' || d === null) continue;
    const { path, message } = d as { path?: unknown; message?: unknown };
    if (typeof message === 'string') out.push({ path: typeof path === 'string' ? path : '', message });
  }
  return out;
}

/** Groups failures by code, field and message, keeping counts and the first line numbers. */
export class ErrorGroups {
  private readonly groups = new Map<string, ErrorGroup>();

  add(error: LineError): void {
    const issues = issuesOf(error.details);
    // A validation error names each issue; a line with three issues counts in three groups.
    const keys: Omit<ErrorGroup, 'count' | 'lines'>[] =
      issues.length > 0
        ? issues.map((i) => ({
            code: error.code,
            ...(i.path ? { path: i.path } : {}),
            message: i.message,
            ...(error.hint ? { hint: error.hint } : {}),
          }))
        : [{ code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }];
    for (const k of keys) {
      const key = JSON.stringify([k.code, k.path ?? '', k.message]);
      let group = this.groups.get(key);
      if (!group) {
        group = { count: 0, ...k, lines: [] };
        this.groups.set(key, group);
      }
      group.count++;
      if (group.lines.length < GROUP_LINES) group.lines.push(error.line);
    }
  }

  /** Largest first; equal counts in the order they first happened. */
  list(): ErrorGroup[] {
    return [...this.groups.values()].sort((a, b) => b.count - a.count);
  }
}

/** `lines 2, 3, 5, ...` for a group. */
function lineList(group: ErrorGroup): string {
  const more = group.count > group.lines.length ? ', ...' : '';
  return `${group.lines.length === 1 && group.count === 1 ? 'line' : 'lines'} ${group.lines.join(', ')}${more}`;
}

/** The groups as the summary shows them, one per line: `  20000 x quantity: required (ValidationFailed; lines 2, 3, ...)`. */
export function renderGroups(groups: ErrorGroup[], max = 20): string[] {
  const out: string[] = [];
  const width = String(groups[0]?.count ?? 0).length;
  for (const g of groups.slice(0, max)) {
    const what = g.path ? `${g.path}: ${g.message}` : g.message;
    out.push(`  ${String(g.count).padStart(width)} x ${what} (${g.code}; ${lineList(g)})`);
    if (g.hint) out.push(`  ${' '.repeat(width)}   hint: ${g.hint}`);
  }
  if (groups.length > max)
    out.push(`  ... and ${groups.length - max} other kinds of failure (see --results FILE)`);
  return out;
}

/** A duration for people: `45s`, `3m 05s`, `1h 02m`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export interface ProgressCounts {
  answered: number;
  failed: number;
}

/**
 * Progress of a batch: answered lines against the file's total, the rate since the first answer
 * and the time left at that rate. `bar` is for a terminal (redrawn in place), `line` for logs.
 */
export class IngestProgress {
  private firstAnswerAt: number | undefined;

  constructor(
    readonly total: number,
    private readonly startedAt: number,
  ) {}

  /**
   * Lines per second since the first answer (the server's work, not the upload's). Once every line
   * is answered, a batch whose answers all came within half a second (one response at the end)
   * gets the rate over the whole run instead: a finished batch always shows one.
   */
  rate(counts: ProgressCounts, now: number): number {
    if (counts.answered > 0) this.firstAnswerAt ??= now;
    if (this.firstAnswerAt === undefined || counts.answered === 0) return 0;
    const seconds = (now - this.firstAnswerAt) / 1000;
    if (seconds >= 0.5) return counts.answered / seconds;
    const whole = (now - this.startedAt) / 1000;
    return counts.answered >= this.total && whole > 0 ? counts.answered / whole : 0;
  }

  private facts(counts: ProgressCounts, now: number): string {
    const pct = this.total > 0 ? Math.min(100, Math.floor((counts.answered / this.total) * 100)) : 100;
    const rate = this.rate(counts, now);
    const left = Math.max(0, this.total - counts.answered);
    const eta = left === 0 ? 'done' : rate > 0 ? `ETA ${duration(left / rate)}` : 'ETA -';
    const failed = counts.failed > 0 ? `, ${counts.failed} failed` : '';
    return (
      `${counts.answered}/${this.total} lines (${pct}%), ` +
      `${rate > 0 ? Math.round(rate) : '-'} lines/s, ${eta}, ${duration((now - this.startedAt) / 1000)} elapsed${failed}`
    );
  }

  bar(counts: ProgressCounts, now: number, width = 30): string {
    const share = this.total > 0 ? Math.min(1, counts.answered / this.total) : 1;
    const filled = Math.floor(share * width);
    return `[${'#'.repeat(filled).padEnd(width, '.')}] ${this.facts(counts, now)}`;
  }

  line(counts: ProgressCounts, now: number): string {
    return `ingest: ${this.facts(counts, now)}`;
  }
}
