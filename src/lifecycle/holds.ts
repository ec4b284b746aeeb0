import type { AuditScope } from '../audit/scope';
import type { Catalog, CatalogRecord, Hold, HoldCriteria } from '../catalog';
import { timeOrderedUuid } from '../catalog/legible';
import { NotFoundError } from '../errors';
import { systemClock, type Clock } from '../util/clock';

export interface PlaceHoldInput {
  name: string;
  matter: string;
  reason: string;
  criteria: HoldCriteria;
}

/** Who acts, and the access's audit event (src/audit/scope.ts). */
export interface Acting {
  principal: { id: string };
  audit: AuditScope;
}

/** Records of a hold shown per page (GET /v1/holds/:id). */
export const HOLD_RECORDS_PAGE = 1000;

/**
 * Legal holds (issue 12). OSS has no object-level hold: the archive keeps them (append-only
 * tables, migration 0010) and disposition consults them, so a held record never leaves. A hold
 * covers by criteria, so records ingested later that match an active hold are held too. A
 * release comes from another compliance principal than the one who placed the hold (four eyes,
 * enforced by the database too); placements, releases and refusals are audit events.
 */
export class HoldService {
  private readonly clock: Clock;
  constructor(private readonly deps: { catalog: Catalog; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  place(input: PlaceHoldInput, { principal, audit }: Acting): Promise<Hold> {
    const id = `hold_${timeOrderedUuid(this.clock.now().getTime())}`;
    audit.set({ target: id });
    return audit.within(
      'allowed',
      {
        operation: 'hold.place',
        name: input.name,
        matter: input.matter,
        criteria: criteriaSummary(input.criteria),
      },
      (event) => this.deps.catalog.placeHold({ id, ...input, placedBy: principal.id }, event),
    );
  }

  /** FourEyesError (403) when the principal placed the hold; HoldReleasedError (409) the second time. */
  async release(holdId: string, reason: string, { principal, audit }: Acting): Promise<Hold> {
    audit.set({ target: holdId });
    audit.note({ operation: 'hold.release' });
    const hold = await this.get(holdId);
    audit.note({ placedBy: hold.placedBy });
    return audit.within('allowed', { reason }, (event) =>
      this.deps.catalog.releaseHold({ holdId, releasedBy: principal.id, reason }, event),
    );
  }

  async get(holdId: string): Promise<Hold> {
    const hold = await this.deps.catalog.getHold(holdId);
    if (!hold) throw new NotFoundError(`no hold ${holdId}`, { hint: 'GET /v1/holds lists them' });
    return hold;
  }

  /** The hold and the records it covers (a page, by record id). */
  async withRecords(
    holdId: string,
    afterRecordId?: string,
  ): Promise<{ hold: Hold; records: CatalogRecord[]; nextCursor?: string }> {
    const hold = await this.get(holdId);
    const records = await this.deps.catalog.recordsUnderHold(holdId, {
      ...(afterRecordId !== undefined ? { afterRecordId } : {}),
      limit: HOLD_RECORDS_PAGE + 1,
    });
    const more = records.length > HOLD_RECORDS_PAGE;
    const page = records.slice(0, HOLD_RECORDS_PAGE);
    return { hold, records: page, ...(more ? { nextCursor: page[page.length - 1]!.recordId } : {}) };
  }

  list(): Promise<Hold[]> {
    return this.deps.catalog.listHolds();
  }

  onRecord(recordId: string): Promise<Hold[]> {
    return this.deps.catalog.holdsOnRecord(recordId);
  }

  /** The posture report's fact (PostureProviders.holds): active holds and the oldest one's date. */
  async posture(): Promise<{ open: number; oldestSince: string | null }> {
    const active = (await this.list()).filter((h) => h.release === null);
    const oldest = active.reduce<Date | null>(
      (m, h) => (m === null || h.placedAt < m ? h.placedAt : m),
      null,
    );
    return { open: active.length, oldestSince: oldest ? oldest.toISOString() : null };
  }
}

function criteriaSummary(c: HoldCriteria): Record<string, unknown> {
  const { recordIds, ...rest } = c;
  return { ...rest, ...(recordIds !== undefined ? { recordIds: recordIds.length } : {}) };
}
