import type { Catalog, RetentionChange, RetentionEvent } from '../catalog';
import { timeOrderedUuid } from '../catalog/legible';
import type { NewAuditEvent } from '../catalog/types';
import type { RetentionClass } from '../config';
import { ValidationError } from '../errors';
import { systemClock, type Clock } from '../util/clock';
import type { Acting } from './holds';

const DAY_MS = 86_400_000;
/** Records of a client read per page while computing an event's changes. */
const PAGE = 1000;

export interface RetentionEventInput {
  clientId: string;
  event: 'relationship_ended';
  at: Date;
}

export interface RetentionEventResult {
  event: RetentionEvent;
  /** Records whose retain-until moved later. */
  changed: { recordId: string; previous: string; retainUntil: string }[];
  /** Records already kept at least that long (retain-until never moves earlier). */
  unchanged: number;
}

/**
 * Event-based retention (issue 12): AML records are kept five years after the business
 * relationship ends, an event rather than an upload date. A retention event sets the retain-until
 * of the client's records in the event-based classes to the event's date plus the class's days,
 * only ever later (the database refuses earlier: migration 0010). The event, each change and its
 * audit event commit together; the records' rows are never changed (their effective retain-until
 * is the latest change's).
 */
export class RetentionService {
  private readonly clock: Clock;
  private readonly days: Map<string, number>;

  constructor(
    private readonly deps: {
      catalog: Catalog;
      classes: readonly Pick<RetentionClass, 'name' | 'days'>[];
      /** Classes whose retention runs from an event (default: the AML class `aml-5y`). */
      eventClasses: readonly string[];
      clock?: Clock;
    },
  ) {
    this.clock = deps.clock ?? systemClock;
    this.days = new Map(deps.classes.map((c) => [c.name, c.days]));
    for (const name of deps.eventClasses)
      if (!this.days.has(name)) throw new ValidationError(`retention.eventClasses names no class ${name}`);
  }

  async record(input: RetentionEventInput, { principal, audit }: Acting): Promise<RetentionEventResult> {
    const id = `rev_${timeOrderedUuid(this.clock.now().getTime())}`;
    audit.set({ target: input.clientId });
    const changes: { recordId: string; previous: Date; retainUntil: Date }[] = [];
    let unchanged = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.catalog.clientRecordsInClasses(input.clientId, this.deps.eventClasses, {
        ...(after !== undefined ? { afterRecordId: after } : {}),
        limit: PAGE,
      });
      for (const r of page) {
        const until = new Date(input.at.getTime() + (this.days.get(r.record.retentionClass) ?? 0) * DAY_MS);
        if (until > r.retainUntil)
          changes.push({ recordId: r.record.recordId, previous: r.retainUntil, retainUntil: until });
        else unchanged += 1;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.record.recordId;
    }
    // One event per change, of the same access (principal, address, request id) as the request's.
    const perChange = (e: NewAuditEvent, c: (typeof changes)[number]): NewAuditEvent => ({
      ...e,
      target: c.recordId,
      details: {
        operation: 'retention.change',
        retentionEvent: id,
        clientId: input.clientId,
        previous: c.previous.toISOString(),
        retainUntil: c.retainUntil.toISOString(),
      },
    });
    const event = await audit.within(
      'allowed',
      {
        operation: 'retention.event',
        event: input.event,
        at: input.at.toISOString(),
        changed: changes.length,
        unchanged,
      },
      (e) =>
        this.deps.catalog.commitRetentionEvent(
          { id, clientId: input.clientId, event: input.event, at: input.at, recordedBy: principal.id },
          changes,
          [{ ...e, target: input.clientId }, ...changes.map((c) => perChange(e, c))],
        ),
    );
    return {
      event,
      changed: changes.map((c) => ({
        recordId: c.recordId,
        previous: c.previous.toISOString(),
        retainUntil: c.retainUntil.toISOString(),
      })),
      unchanged,
    };
  }

  /** A record's retain-until as it stands (the row's, or the latest change's) and its changes. */
  async ofRecord(
    recordId: string,
    rowRetainUntil: Date,
  ): Promise<{ retainUntil: string; changes: RetentionChange[] }> {
    const changes = await this.deps.catalog.retentionChanges(recordId);
    const latest = changes.reduce((m, c) => (c.retainUntil > m ? c.retainUntil : m), rowRetainUntil);
    return { retainUntil: latest.toISOString(), changes };
  }
}
