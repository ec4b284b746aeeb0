/**
 * The audit sealer: consecutive events of the catalog's trail written as one segment
 * (src/audit/segment.ts) to the audit bucket, create-only, each a ledger leaf of kind
 * `audit_segment`, indexed with addAuditSegment. A segment holds at most `sealEvents` events;
 * a shorter one is sealed once `sealSeconds` passed since the last seal. `serve` runs it on one
 * leader (src/audit/jobs.ts); `sealNow` seals everything pending.
 *
 * As it seals it checks, incrementally, that the catalog still holds what was sealed
 * (`SealedCheck`, src/audit/sealed-check.ts); while it does not, nothing new is sealed and an
 * alert is raised.
 *
 * Crash safety: the object, then the leaf, then the segment row. The object is create-only and
 * adopted when the same bytes are there already; when it was there (a crashed run), the sealer
 * looks for the leaf that run may have appended (from the last segment's leaf on) before
 * appending one, so a restart never seals a range twice.
 */
import type { AlertSink } from '../alerts/types';
import type { Catalog } from '../catalog';
import type { AuditSegmentRow } from '../catalog/evidence-types';
import { AUDIT_GENESIS_HASH } from '../catalog/hashing';
import type { AuditEvent } from '../catalog/types';
import type { Logger } from '../log';
import type { ObjectStore } from '../storage/types';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import { SealedCheck, type SealedCheckCatalog, type TamperFinding } from './sealed-check';
import {
  SEGMENT_CONTENT_TYPE,
  parseSegmentKey,
  segmentBytes,
  segmentId,
  segmentKey,
  segmentKeyPrefix,
  sha256Hex,
} from './segment';

export type SealerCatalog = SealedCheckCatalog &
  Pick<
    Catalog,
    'auditSize' | 'auditEvents' | 'addAuditSegment' | 'appendLedgerEntry' | 'ledgerLeaves' | 'ledgerSize'
  >;

export interface SealerOptions {
  catalog: SealerCatalog;
  store: Pick<ObjectStore, 'putBuffer' | 'getBuffer' | 'list'>;
  /** The audit bucket. */
  bucket: string;
  /** Most events in one segment (audit.sealEvents). */
  sealEvents: number;
  /** A shorter segment is sealed once this long passed since the last seal (audit.sealSeconds). */
  sealSeconds: number;
  logger: Logger;
  alerts?: AlertSink;
  clock?: Clock;
}

export interface SealResult {
  sealed: AuditSegmentRow[];
  /** Set when the catalog disagrees with what was sealed: nothing was sealed. */
  tamper?: TamperFinding;
}

const PAGE = 10_000;

export class AuditSealer {
  private readonly clock: Clock;
  private readonly check: SealedCheck;
  private lastSealAt: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly o: SealerOptions) {
    if (!Number.isSafeInteger(o.sealEvents) || o.sealEvents < 1 || o.sealEvents > 1_000_000)
      throw new RangeError('audit.sealEvents must be an integer from 1 to 1,000,000');
    if (!(o.sealSeconds > 0)) throw new RangeError('audit.sealSeconds must be positive');
    this.clock = o.clock ?? systemClock;
    this.lastSealAt = this.clock.now().getTime();
    this.check = new SealedCheck({
      catalog: o.catalog,
      store: o.store,
      bucket: o.bucket,
      logger: o.logger,
      ...(o.alerts ? { alerts: o.alerts } : {}),
    });
  }

  /** The run of the leader job: full segments, and the rest once `sealSeconds` passed. */
  run(): Promise<SealResult> {
    const due = this.clock.now().getTime() - this.lastSealAt >= this.o.sealSeconds * 1000;
    return this.seal({ partial: due });
  }

  /** Seals every event appended so far (CLI, tests, a clean stop). */
  sealNow(): Promise<SealResult> {
    return this.seal({ partial: true });
  }

  /** One seal at a time in a process (the leader job and a direct call may meet). */
  private seal(opts: { partial: boolean }): Promise<SealResult> {
    const run = this.queue.then(() => this.sealOnce(opts));
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async sealOnce(opts: { partial: boolean }): Promise<SealResult> {
    const tamper = await this.check.beforeSeal(opts.partial);
    if (tamper) return { sealed: [], tamper };
    const sealed: AuditSegmentRow[] = [];
    let latest = await this.o.catalog.latestAuditSegment();
    for (;;) {
      const next = latest ? latest.toSeq + 1 : 0;
      const size = await this.o.catalog.auditSize();
      const pending = size - next;
      if (pending <= 0) break;
      if (pending < this.o.sealEvents && !opts.partial && !(await this.leftByCrash(next))) break;
      const events = await this.consecutive(next, Math.min(pending, this.o.sealEvents));
      if (events.length === 0) break;
      if (events.length < this.o.sealEvents && !opts.partial && !(await this.leftByCrash(next))) break;
      const expectedPrev = latest ? latest.lastHash : AUDIT_GENESIS_HASH;
      if ((events[0] as AuditEvent).prevHash !== expectedPrev) {
        const finding = await this.check.report({
          kind: 'chain_break',
          summary: `audit event ${next} does not link to the last sealed event ${next - 1}`,
          details: {
            seq: next,
            expectedPrevHash: expectedPrev,
            foundPrevHash: (events[0] as AuditEvent).prevHash,
          },
        });
        return { sealed, tamper: finding };
      }
      const row = await this.sealRange(events, latest);
      this.check.sealed(row);
      sealed.push(row);
      latest = row;
    }
    if (sealed.length > 0 || opts.partial) this.lastSealAt = this.clock.now().getTime();
    return { sealed };
  }

  /** Events from `from`, at most `max`, stopping before the first gap (an event not yet committed). */
  private async consecutive(from: number, max: number): Promise<AuditEvent[]> {
    const out: AuditEvent[] = [];
    while (out.length < max) {
      const page = await this.o.catalog.auditEvents({
        fromSeq: from + out.length,
        limit: Math.min(PAGE, max - out.length),
      });
      for (const e of page) {
        if (e.seq !== from + out.length) return out;
        out.push(e);
      }
      if (page.length === 0) break;
    }
    return out;
  }

  /** A segment object of a crashed run starting at `from` (its range is then the one to seal). */
  private async leftByCrash(from: number): Promise<{ fromSeq: number; toSeq: number } | null> {
    for await (const o of this.o.store.list(this.o.bucket, {
      prefix: segmentKeyPrefix(from),
      pageSize: 10,
    })) {
      const range = parseSegmentKey(o.key);
      if (range) return range;
    }
    return null;
  }

  private async sealRange(
    candidates: AuditEvent[],
    latest: AuditSegmentRow | undefined,
  ): Promise<AuditSegmentRow> {
    const from = (candidates[0] as AuditEvent).seq;
    // A crashed run may have written a segment of another length from here: that range wins.
    const crashed = await this.leftByCrash(from);
    let events = candidates;
    if (crashed) {
      events =
        crashed.toSeq - from + 1 <= candidates.length
          ? candidates.slice(0, crashed.toSeq - from + 1)
          : await this.consecutive(from, crashed.toSeq - from + 1);
      if ((events[events.length - 1] as AuditEvent).seq !== crashed.toSeq)
        throw new Error(
          `audit sealer: the catalog lacks events of the segment ${crashed.fromSeq}..${crashed.toSeq}`,
        );
    }
    const last = events[events.length - 1] as AuditEvent;
    const bytes = segmentBytes(events);
    const sha256 = sha256Hex(bytes);
    const id = segmentId(from, last.seq);
    const key = segmentKey(from, last.seq);
    const put = await this.o.store.putBuffer(this.o.bucket, key, bytes, {
      contentType: SEGMENT_CONTENT_TYPE,
      meta: { sha256, 'from-seq': String(from), 'to-seq': String(last.seq) },
      adopt: { sameMeta: ['sha256'] },
    });
    // Only an object that was there already (a crashed run) can have its leaf appended already.
    const leftOver = crashed !== null || put.adoptedFrom !== undefined;
    const leafSeq =
      (leftOver ? await this.crashedLeaf(id, sha256, latest) : null) ?? (await this.appendLeaf(id, sha256));
    const row = await this.o.catalog.addAuditSegment({
      id,
      fromSeq: from,
      toSeq: last.seq,
      key,
      sha256,
      lastHash: last.hash,
      ledgerSeq: leafSeq,
      createdAt: this.clock.now(),
    });
    this.o.logger.info({ segment: id, events: events.length, ledgerSeq: leafSeq }, 'audit segment sealed');
    return row;
  }

  private async appendLeaf(id: string, sha256: string): Promise<number> {
    const leaf = await this.o.catalog.appendLedgerEntry({ kind: 'audit_segment', id, sha256 });
    return leaf.seq;
  }

  /** A leaf a crashed run appended for this segment (after the last segment's leaf, before its row). */
  private async crashedLeaf(
    id: string,
    sha256: string,
    latest: AuditSegmentRow | undefined,
  ): Promise<number | null> {
    let from = latest ? latest.ledgerSeq + 1 : 0;
    const end = await this.o.catalog.ledgerSize();
    while (from < end) {
      const page = await this.o.catalog.ledgerLeaves({ fromSeq: from, limit: PAGE });
      if (page.length === 0) break;
      for (const leaf of page) {
        if (leaf.kind === 'audit_segment' && leaf.recordId === id) {
          if (leaf.sha256 !== sha256)
            throw new Error(`audit sealer: ledger leaf ${leaf.seq} holds segment ${id} with other bytes`);
          this.o.logger.warn(
            { segment: id, ledgerSeq: leaf.seq },
            'audit segment leaf of an interrupted run reused',
          );
          return leaf.seq;
        }
      }
      from = (page[page.length - 1]?.seq ?? from) + 1;
    }
    return null;
  }
}
