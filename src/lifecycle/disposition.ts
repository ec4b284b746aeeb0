import type { Catalog, Disposition, DispositionItem, DispositionResult, RetainedRecord } from '../catalog';
import { descriptionKeyOf } from '../catalog';
import { timeOrderedUuid } from '../catalog/legible';
import type { NewAuditEvent } from '../catalog/types';
import { ImmutableError, NotEligibleError, NotFoundError, RetentionPolicyError } from '../errors';
import type { Logger } from '../log';
import type { BucketAdmin, ObjectStore } from '../storage/types';
import { systemClock, type Clock } from '../util/clock';
import type { Acting } from './holds';

const DAY_MS = 86_400_000;
const PAGE = 1000;

/** Deletes exactly the keys it was made for (STS credentials of the disposition role, scoped to them). */
export interface ScopedDeleter {
  delete(key: string): Promise<void>;
}

/** Makes a deleter for these keys of one bucket; the service identity itself can never delete. */
export type DeleterFactory = (
  dispositionId: string,
  bucket: string,
  keys: readonly string[],
) => Promise<ScopedDeleter>;

export interface EligibleRecord {
  recordId: string;
  bucket: string;
  key: string;
  sha256: string;
  retentionClass: string;
  retainUntil: string;
  /** When the bucket's own protection of the object ends (its Last-Modified plus the policy's days). */
  protectedUntil: string | null;
}

/**
 * Disposition (issue 12): records past their retain-until, past the bucket's own protection and
 * under no active hold are listed; a compliance principal proposes a batch, a second one approves
 * it (four eyes, also in the database), and only then are the objects deleted, through STS
 * credentials of the disposition role scoped to exactly those keys. Each disposed record leaves a
 * tombstone (ledger leaf `disposition`, its row kept and marked); a delete OSS refuses is
 * reported, never retried around. Eligibility is checked again just before each delete (a hold
 * placed after the proposal still stops it).
 */
export class DispositionService {
  private readonly clock: Clock;
  constructor(
    private readonly deps: {
      catalog: Catalog;
      store: Pick<ObjectStore, 'head'>;
      admin: Pick<BucketAdmin, 'getRetention'>;
      eventClasses: readonly string[];
      deleter: DeleterFactory;
      logger: Logger;
      clock?: Clock;
    },
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Records eligible as of `asOf`, by record id (at most `limit`, after `afterRecordId`). */
  async eligible(asOf: Date, page: { afterRecordId?: string; limit: number }): Promise<EligibleRecord[]> {
    const out: EligibleRecord[] = [];
    let after = page.afterRecordId;
    const policies = new Map<string, number>();
    while (out.length < page.limit) {
      const rows = await this.deps.catalog.eligibleRecords({
        asOf,
        eventClasses: this.deps.eventClasses,
        ...(after !== undefined ? { afterRecordId: after } : {}),
        limit: PAGE,
      });
      for (const r of rows) {
        const protectedUntil = await this.protectedUntil(r, policies);
        if (protectedUntil !== null && protectedUntil > asOf) continue;
        out.push(view(r, protectedUntil));
        if (out.length >= page.limit) break;
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.record.recordId;
    }
    return out;
  }

  private async protectedUntil(r: RetainedRecord, policies: Map<string, number>): Promise<Date | null> {
    let days = policies.get(r.record.bucket);
    if (days === undefined) {
      days = (await this.deps.admin.getRetention(r.record.bucket))?.days ?? 0;
      policies.set(r.record.bucket, days);
    }
    if (days === 0) return null;
    try {
      const info = await this.deps.store.head(r.record.bucket, r.record.objectKey);
      return new Date(info.lastModified.getTime() + days * DAY_MS);
    } catch (err) {
      // Already gone from OSS (a fixity problem, not a reason to keep it listed): nothing protects it.
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  list(): Promise<Disposition[]> {
    return this.deps.catalog.listDispositions();
  }

  async get(
    id: string,
  ): Promise<{ disposition: Disposition; items: DispositionItem[]; results: DispositionResult[] }> {
    const found = await this.deps.catalog.getDisposition(id);
    if (!found) throw new NotFoundError(`no disposition ${id}`, { hint: 'GET /v1/dispositions lists them' });
    return found;
  }

  /** A batch: the records named (each must be eligible now), or every eligible record as of `asOf`. */
  async propose(
    input: { reason: string; recordIds?: string[]; asOf?: Date },
    { principal, audit }: Acting,
  ): Promise<Disposition> {
    const id = `dsp_${timeOrderedUuid(this.clock.now().getTime())}`;
    audit.set({ target: id });
    const asOf = input.asOf ?? this.clock.now();
    const eligible = await this.eligible(asOf, { limit: 10_000 });
    let chosen = eligible;
    if (input.recordIds !== undefined) {
      const byId = new Map(eligible.map((e) => [e.recordId, e]));
      const refused = input.recordIds.filter((rid) => !byId.has(rid));
      if (refused.length > 0)
        throw new NotEligibleError(
          `${refused.length} record(s) are not eligible for disposition as of ${asOf.toISOString()}`,
          {
            details: refused.slice(0, 100).map((recordId) => ({ recordId })),
            hint: 'GET /v1/disposition?asOf=DATE lists the eligible records (retained, held or protected ones are not)',
          },
        );
      chosen = input.recordIds.map((rid) => byId.get(rid)!);
    }
    if (chosen.length === 0)
      throw new NotEligibleError(`no record is eligible for disposition as of ${asOf.toISOString()}`);
    const items: DispositionItem[] = [];
    for (const e of chosen) {
      const record = await this.deps.catalog.getRecord(e.recordId);
      items.push({
        recordId: e.recordId,
        bucket: e.bucket,
        objectKey: e.key,
        descriptionKey: record ? descriptionKeyOf(record) : null,
        sha256: e.sha256,
      });
    }
    return audit.within(
      'allowed',
      { operation: 'disposition.propose', records: items.length, asOf: asOf.toISOString() },
      (event) =>
        this.deps.catalog.proposeDisposition(
          {
            id,
            proposedBy: principal.id,
            reason: input.reason,
            asOf,
            selection: input.recordIds !== undefined ? 'list' : 'eligible',
            items,
          },
          event,
        ),
    );
  }

  /** The second principal's approval (FourEyesError for the proposer), then the deletes. */
  async approve(
    dispositionId: string,
    note: string,
    { principal, audit }: Acting,
  ): Promise<{ disposition: Disposition; results: DispositionResult[] }> {
    audit.set({ target: dispositionId });
    audit.note({ operation: 'disposition.approve' });
    const approved = await audit.within('allowed', { note }, (event) =>
      this.deps.catalog.approveDisposition({ dispositionId, approvedBy: principal.id, note }, event),
    );
    const base: NewAuditEvent = audit.event('allowed');
    const results = await this.execute(approved.id, base);
    const after = await this.deps.catalog.getDisposition(approved.id);
    return { disposition: after!.disposition, results };
  }

  /** Deletes the approved items that have no result yet (a retry after a crash does the rest). */
  async execute(dispositionId: string, base: NewAuditEvent): Promise<DispositionResult[]> {
    const found = await this.deps.catalog.getDisposition(dispositionId);
    if (!found) throw new NotFoundError(`no disposition ${dispositionId}`);
    const done = new Set(found.results.map((r) => r.recordId));
    const pending = found.items.filter((i) => !done.has(i.recordId));
    const stillEligible = new Set(
      (await this.eligible(this.clock.now(), { limit: 1_000_000 })).map((e) => e.recordId),
    );
    const results: DispositionResult[] = [];
    const byBucket = new Map<string, DispositionItem[]>();
    for (const item of pending)
      (byBucket.get(item.bucket) ?? byBucket.set(item.bucket, []).get(item.bucket)!).push(item);
    for (const [bucket, items] of byBucket) {
      for (const chunk of chunks(items)) {
        const keys = chunk.flatMap((i) =>
          i.descriptionKey ? [i.objectKey, i.descriptionKey] : [i.objectKey],
        );
        const deleter = await this.deps.deleter(dispositionId, bucket, keys);
        for (const item of chunk)
          results.push(await this.one(dispositionId, item, deleter, stillEligible.has(item.recordId), base));
      }
    }
    return results;
  }

  private async one(
    dispositionId: string,
    item: DispositionItem,
    deleter: ScopedDeleter,
    eligible: boolean,
    base: NewAuditEvent,
  ): Promise<DispositionResult> {
    const event = (outcome: NewAuditEvent['outcome'], details: Record<string, unknown>): NewAuditEvent => ({
      ...base,
      target: item.recordId,
      outcome,
      details: {
        operation: 'disposition.delete',
        disposition: dispositionId,
        bucket: item.bucket,
        key: item.objectKey,
        sha256: item.sha256,
        ...details,
      },
    });
    const record = (outcome: 'disposed' | 'refused' | 'skipped', detail: string, e: NewAuditEvent) =>
      this.deps.catalog.recordDispositionResult({ dispositionId, recordId: item.recordId, outcome, detail }, [
        e,
      ]);
    if (!eligible) {
      const detail = 'no longer eligible (a hold, a later retain-until, or already disposed): not deleted';
      return (await record('skipped', detail, event('denied', { result: 'skipped' }))).result;
    }
    try {
      // The description first: a file without its description is still found (and reported) by fixity.
      if (item.descriptionKey) await deleteOnce(deleter, item.descriptionKey);
      await deleteOnce(deleter, item.objectKey);
    } catch (err) {
      if (err instanceof ImmutableError || err instanceof RetentionPolicyError) {
        const detail = `OSS refused the delete (still protected): ${err.message}`;
        this.deps.logger.warn(
          { dispositionId, recordId: item.recordId },
          'disposition: OSS refused a delete',
        );
        return (await record('refused', detail, event('denied', { result: 'refused', reason: err.message })))
          .result;
      }
      throw err;
    }
    return (await record('disposed', 'deleted; tombstone written', event('allowed', { result: 'disposed' })))
      .result;
  }
}

/** A delete that finds the object gone already (a retry after a crash) is done. */
async function deleteOnce(deleter: ScopedDeleter, key: string): Promise<void> {
  try {
    await deleter.delete(key);
  } catch (err) {
    if (err instanceof NotFoundError) return;
    throw err;
  }
}

/** Items per STS session: the session policy names each key and STS takes at most 2048 characters. */
function chunks(items: DispositionItem[]): DispositionItem[][] {
  const out: DispositionItem[][] = [];
  let current: DispositionItem[] = [];
  let size = 0;
  for (const item of items) {
    const cost = item.bucket.length + item.objectKey.length + (item.descriptionKey?.length ?? 0) + 60;
    if (current.length > 0 && size + cost > 1700) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += cost;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function view(r: RetainedRecord, protectedUntil: Date | null): EligibleRecord {
  return {
    recordId: r.record.recordId,
    bucket: r.record.bucket,
    key: r.record.objectKey,
    sha256: r.record.sha256,
    retentionClass: r.record.retentionClass,
    retainUntil: r.retainUntil.toISOString(),
    protectedUntil: protectedUntil ? protectedUntil.toISOString() : null,
  };
}
