/**
 * Noticing tampering with the sealed part of the audit trail while `serve` runs, not only when
 * someone verifies (issue 10, "Noticing tampering"). Incremental: each run of the sealer costs a
 * few reads plus one sealed segment, never the whole trail.
 *
 * - At start (the sealer's first run in a process): the catalog's latest segment row names the
 *   latest segment object of the bucket, and the object's bytes, the row's SHA-256 and the
 *   catalog's events of that range all agree.
 * - Every run: the last sealed event still has the hash the segment row recorded.
 * - Every thorough run (once per audit.sealSeconds): no sealed event is missing (their count),
 *   and one sealed segment, in turn, is rebuilt from the catalog's events and compared with its
 *   row and its ledger leaf (so every segment is checked again once per `segments` such runs).
 *
 * A mismatch raises an alert (source `audit`; logged at error when no AlertSink is wired) and the
 * sealer seals nothing over a catalog that disagrees with what was sealed.
 */
import type { AlertSink } from '../alerts/types';
import type { Catalog } from '../catalog';
import type { AuditSegmentRow } from '../catalog/evidence-types';
import type { AuditEvent } from '../catalog/types';
import type { Logger } from '../log';
import type { ObjectStore } from '../storage/types';
import { SEGMENT_PREFIX, parseSegmentKey, segmentBytes, sha256Hex } from './segment';

export type SealedCheckCatalog = Pick<
  Catalog,
  'latestAuditSegment' | 'auditSegments' | 'auditEvents' | 'auditEventCount' | 'ledgerLeaves'
>;

export interface TamperFinding {
  kind: 'catalog_mismatch' | 'chain_break' | 'segment_mismatch' | 'missing_events' | 'ledger_mismatch';
  summary: string;
  details: Record<string, unknown>;
}

const PAGE = 10_000;

/** The catalog's events `from`..`to` (inclusive); fewer when some are missing. */
export async function eventsOfRange(
  catalog: Pick<Catalog, 'auditEvents'>,
  from: number,
  to: number,
): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  let next = from;
  while (next <= to) {
    const page = await catalog.auditEvents({ fromSeq: next, limit: Math.min(PAGE, to - next + 1) });
    const within = page.filter((e) => e.seq <= to);
    out.push(...within);
    if (within.length === 0) break;
    next = (within[within.length - 1] as AuditEvent).seq + 1;
  }
  return out;
}

/** Why the catalog's events do not rebuild the segment, or null when they do. */
export function rebuildProblem(row: AuditSegmentRow, events: readonly AuditEvent[]): string | null {
  const expected = row.toSeq - row.fromSeq + 1;
  const missing = events.findIndex((e, i) => e.seq !== row.fromSeq + i);
  if (missing !== -1 || events.length !== expected) {
    const seq = missing === -1 ? row.fromSeq + events.length : row.fromSeq + missing;
    return `audit event ${seq} of segment ${row.id} is missing from the catalog`;
  }
  const sha = sha256Hex(segmentBytes(events));
  if (sha !== row.sha256)
    return `the catalog's events ${row.fromSeq}..${row.toSeq} no longer match segment ${row.id}`;
  return null;
}

export class SealedCheck {
  private started = false;
  private rollingAfter: number | undefined;

  constructor(
    private readonly o: {
      catalog: SealedCheckCatalog;
      store: Pick<ObjectStore, 'getBuffer' | 'list'>;
      bucket: string;
      logger: Logger;
      alerts?: AlertSink;
    },
  ) {}

  /**
   * The checks of one run; a finding (already reported) means: do not seal. `thorough` (the runs
   * that seal a partial segment, every sealSeconds) adds the count and one segment rebuilt.
   */
  async beforeSeal(thorough: boolean): Promise<TamperFinding | undefined> {
    const latest = await this.o.catalog.latestAuditSegment();
    if (!this.started) {
      const finding = await this.atStart(latest);
      if (finding) return this.report(finding);
      this.started = true;
    }
    if (!latest) return undefined;
    const finding = (await this.tail(latest, thorough)) ?? (thorough ? await this.rolling() : undefined);
    return finding ? this.report(finding) : undefined;
  }

  /** A segment this process just sealed (nothing to check: it was built from the catalog now). */
  sealed(row: AuditSegmentRow): void {
    this.o.logger.debug({ segment: row.id }, 'segment sealed; checked from its next run on');
  }

  async report(finding: TamperFinding): Promise<TamperFinding> {
    this.o.logger.error({ alert: finding.kind, ...finding.details }, finding.summary);
    if (this.o.alerts) {
      try {
        await this.o.alerts.raise({
          source: 'audit',
          kind: finding.kind,
          summary: finding.summary,
          details: finding.details,
          dedupeKey: `audit:${finding.kind}:${String(finding.details.seq ?? finding.details.segment ?? '')}`,
        });
      } catch (err) {
        this.o.logger.error({ err }, 'the alert could not be recorded');
      }
    }
    return finding;
  }

  private async atStart(latest: AuditSegmentRow | undefined): Promise<TamperFinding | undefined> {
    let lastKey: string | undefined;
    for await (const o of this.o.store.list(this.o.bucket, { prefix: SEGMENT_PREFIX })) {
      if (parseSegmentKey(o.key) && (lastKey === undefined || o.key > lastKey)) lastKey = o.key;
    }
    if (!latest) {
      if (lastKey === undefined) return undefined;
      const range = parseSegmentKey(lastKey);
      // A first segment written by a run that crashed before its row is not a disagreement.
      if (range?.fromSeq === 0 && (await this.onlyOne())) return undefined;
      return {
        kind: 'catalog_mismatch',
        summary: `the audit bucket holds sealed segments up to ${lastKey} but the catalog knows none`,
        details: { segment: lastKey },
      };
    }
    if (lastKey === undefined)
      return {
        kind: 'catalog_mismatch',
        summary: `the catalog lists segment ${latest.key} but the audit bucket holds no segment`,
        details: { segment: latest.key },
      };
    const lastRange = parseSegmentKey(lastKey);
    if (lastKey !== latest.key && lastRange?.fromSeq !== latest.toSeq + 1)
      return {
        kind: 'catalog_mismatch',
        summary: `the catalog's latest segment is ${latest.key}, the audit bucket's is ${lastKey}`,
        details: { segment: latest.key, bucketSegment: lastKey },
      };
    const object = await this.o.store.getBuffer(this.o.bucket, latest.key);
    const objectSha = sha256Hex(object.body);
    if (objectSha !== latest.sha256)
      return {
        kind: 'segment_mismatch',
        summary: `segment object ${latest.key} does not have the SHA-256 the catalog recorded`,
        details: { segment: latest.key, expected: latest.sha256, found: objectSha },
      };
    const problem = rebuildProblem(latest, await eventsOfRange(this.o.catalog, latest.fromSeq, latest.toSeq));
    return problem
      ? { kind: 'catalog_mismatch', summary: problem, details: { segment: latest.key, seq: latest.fromSeq } }
      : undefined;
  }

  private async onlyOne(): Promise<boolean> {
    let n = 0;
    for await (const o of this.o.store.list(this.o.bucket, { prefix: SEGMENT_PREFIX }))
      if (parseSegmentKey(o.key)) n++;
    return n === 1;
  }

  private async tail(latest: AuditSegmentRow, counted: boolean): Promise<TamperFinding | undefined> {
    const [last] = await this.o.catalog.auditEvents({ fromSeq: latest.toSeq, limit: 1 });
    if (last?.seq !== latest.toSeq || last.hash !== latest.lastHash)
      return {
        kind: 'catalog_mismatch',
        summary: `the last sealed audit event ${latest.toSeq} is ${last?.seq === latest.toSeq ? 'changed' : 'missing'} in the catalog`,
        details: {
          seq: latest.toSeq,
          segment: latest.key,
          expectedHash: latest.lastHash,
          foundHash: last?.hash ?? null,
        },
      };
    if (!counted) return undefined;
    const count = await this.o.catalog.auditEventCount(latest.toSeq + 1);
    if (count !== latest.toSeq + 1)
      return {
        kind: 'missing_events',
        summary: `${latest.toSeq + 1 - count} sealed audit event(s) are missing from the catalog`,
        details: { sealed: latest.toSeq + 1, found: count },
      };
    return undefined;
  }

  private async rolling(): Promise<TamperFinding | undefined> {
    let [row] = await this.o.catalog.auditSegments({
      ...(this.rollingAfter !== undefined ? { afterFromSeq: this.rollingAfter } : {}),
      limit: 1,
    });
    if (!row) [row] = await this.o.catalog.auditSegments({ limit: 1 });
    if (!row) return undefined;
    this.rollingAfter = row.fromSeq;
    const problem = rebuildProblem(row, await eventsOfRange(this.o.catalog, row.fromSeq, row.toSeq));
    if (problem)
      return { kind: 'catalog_mismatch', summary: problem, details: { segment: row.key, seq: row.fromSeq } };
    const [leaf] = await this.o.catalog.ledgerLeaves({ fromSeq: row.ledgerSeq, limit: 1 });
    if (
      leaf?.seq !== row.ledgerSeq ||
      leaf.kind !== 'audit_segment' ||
      leaf.recordId !== row.id ||
      leaf.sha256 !== row.sha256
    )
      return {
        kind: 'ledger_mismatch',
        summary: `ledger leaf ${row.ledgerSeq} is not the leaf of segment ${row.id}`,
        details: { segment: row.key, ledgerSeq: row.ledgerSeq },
      };
    return undefined;
  }
}
