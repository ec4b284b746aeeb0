/**
 * The lines of the EDSP posture evaluation and the helpers the checks share. The evaluation: the facts, answered paragraph by paragraph against the SFC
 * circular on external electronic data storage (docs: ../shared/docs/REGULATORY.md, table
 * 7(a)-7(g)). Each line is ok, warning or failing, with the evidence it rests on. A fact that is
 * not available makes its line a warning ("cannot be shown"), never ok and never invented.
 */
import type { BucketFacts, Fact, PostureFacts, PostureThresholds } from './facts';

export type PostureStatus = 'ok' | 'warning' | 'failing';

export interface PostureLine {
  /** Stable id of the check, e.g. `access-logging`. */
  id: string;
  /** Paragraph of the circular (or other rule) it answers, e.g. `7(e)(i)`. */
  ref: string;
  requirement: string;
  status: PostureStatus;
  summary: string;
  evidence: string[];
}

const RANK: Record<PostureStatus, number> = { ok: 0, warning: 1, failing: 2 };
export const worst = (statuses: PostureStatus[]): PostureStatus =>
  statuses.reduce<PostureStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');

export function seconds(fromIso: string, toIso: string): number {
  return Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000);
}

export function humanAge(s: number): string {
  if (s < 0) return 'in the future';
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 360) / 10} h`;
  return `${Math.round(s / 8640) / 10} days`;
}

export type LineResult = Omit<PostureLine, 'id' | 'ref' | 'requirement'>;

export function missing(what: string, fact: { available: false; reason: string }): LineResult {
  return {
    status: 'warning',
    summary: `${what} cannot be shown`,
    evidence: [`not available: ${fact.reason}`],
  };
}

/** Per-bucket check: every bucket's problems and its evidence, one line for all. */
export function perBucket(
  buckets: Fact<BucketFacts[]>,
  what: string,
  include: (b: BucketFacts) => boolean,
  check: (b: BucketFacts) => { status: PostureStatus; evidence: string },
): LineResult {
  if (!buckets.available) return missing(what, buckets);
  const results = buckets.value.filter(include).map((b) => {
    if (!b.exists) return { status: 'failing' as const, evidence: `${b.bucket}: the bucket does not exist` };
    return check(b);
  });
  const status = worst(results.map((r) => r.status));
  const bad = results.filter((r) => r.status !== 'ok').length;
  return {
    status,
    summary:
      status === 'ok'
        ? `${what}: every bucket (${results.length})`
        : `${what}: ${bad} of ${results.length} buckets ${status === 'failing' ? 'fail' : 'cannot be shown'}`,
    evidence: results.map((r) => `${r.status === 'ok' ? '' : `[${r.status}] `}${r.evidence}`),
  };
}

export function factOf<T>(
  fact: Fact<T>,
  bucket: string,
  what: string,
): { status: PostureStatus; evidence: string } | T {
  return fact.available
    ? fact.value
    : { status: 'warning', evidence: `${bucket}: ${what} not available: ${fact.reason}` };
}

export function isResult(v: unknown): v is { status: PostureStatus; evidence: string } {
  return typeof v === 'object' && v !== null && 'status' in v && 'evidence' in v;
}

/** What every check receives: the facts, the limits, the time they were gathered, and where its line goes. */
export interface CheckContext {
  facts: PostureFacts;
  thresholds: PostureThresholds;
  now: string;
  line(id: string, ref: string, requirement: string, result: LineResult): void;
}
