import { sql, type Kysely, type RawBuilder } from 'kysely';
import { RetentionRaceError } from '../errors';
import type { Clock } from '../util/clock';
import { fromDbTime, toDbTime, toRecord } from './mappers';
import type { CatalogDatabase } from './schema';
import { dbMessage, insertAuditEvents, requireEvents } from './trx-writes';
import type { NewAuditEvent } from './types';
import type { NewRetentionEvent, RetainedRecord, RetentionChange, RetentionEvent } from './types-lifecycle';
import { RECORD_ID, fail } from './validate';

type Db = Kysely<CatalogDatabase>;

/** The effective retain-until of the row of `records` in the query: its own, or its latest change. */
export const effectiveRetainUntil: RawBuilder<Date | string> = sql<Date | string>`coalesce(
  (select max(rc.retain_until) from retention_changes rc where rc.record_id = records.record_id),
  records.retain_until)`;

/** The row of `records` in the query is disposed. */
export const isDisposed = sql<boolean>`exists (select 1 from record_dispositions rd where rd.record_id = records.record_id)`;

export async function commitRetentionEvent(
  db: Db,
  clock: Clock,
  event: NewRetentionEvent,
  changes: { recordId: string; previous: Date; retainUntil: Date }[],
  audit: NewAuditEvent[],
): Promise<RetentionEvent> {
  requireEvents(audit);
  if (!RECORD_ID.test(event.id))
    fail('invalid retention event', [{ path: ['id'], message: 'must be an id' }]);
  if (event.clientId.length === 0)
    fail('invalid retention event', [{ path: ['clientId'], message: 'required' }]);
  const now = clock.now();
  try {
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('retention_events')
        .values({
          id: event.id,
          client_id: event.clientId,
          event: event.event,
          at: toDbTime(event.at),
          recorded_by: event.recordedBy,
          recorded_at: toDbTime(now),
        })
        .execute();
      for (const c of changes) {
        await trx
          .insertInto('retention_changes')
          .values({
            record_id: c.recordId,
            retention_event_id: event.id,
            previous: toDbTime(c.previous),
            retain_until: toDbTime(c.retainUntil),
            changed_at: toDbTime(now),
          })
          .execute();
      }
      await insertAuditEvents(trx, audit, now);
    });
  } catch (err) {
    if (dbMessage(err).includes('retention only moves later'))
      throw new RetentionRaceError('another retention change for one of these records committed first', {
        cause: err,
      });
    throw err;
  }
  return { ...event, recordedAt: now };
}

export async function retentionChanges(db: Db, recordId: string): Promise<RetentionChange[]> {
  const rows = await db
    .selectFrom('retention_changes')
    .selectAll()
    .where('record_id', '=', recordId)
    .orderBy('retain_until')
    .execute();
  return rows.map((r) => ({
    recordId: r.record_id,
    retentionEventId: r.retention_event_id,
    previous: fromDbTime(r.previous),
    retainUntil: fromDbTime(r.retain_until),
    changedAt: fromDbTime(r.changed_at),
  }));
}

export async function clientRetentionEvents(db: Db, clientId: string): Promise<RetentionEvent[]> {
  const rows = await db
    .selectFrom('retention_events')
    .selectAll()
    .where('client_id', '=', clientId)
    .orderBy('recorded_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    clientId: r.client_id,
    event: r.event as 'relationship_ended', // CHECK constraint limits the values
    at: fromDbTime(r.at),
    recordedBy: r.recorded_by,
    recordedAt: fromDbTime(r.recorded_at),
  }));
}

export async function clientRecordsInClasses(
  db: Db,
  clientId: string,
  classes: readonly string[],
  page: { afterRecordId?: string; limit: number },
): Promise<RetainedRecord[]> {
  if (classes.length === 0) return [];
  let q = db
    .selectFrom('records')
    .selectAll('records')
    .select(effectiveRetainUntil.as('effective_retain_until'))
    .where('records.client_id', '=', clientId)
    .where('records.retention_class', 'in', [...classes])
    .where(sql<boolean>`not ${isDisposed}`);
  if (page.afterRecordId !== undefined) q = q.where('records.record_id', '>', page.afterRecordId);
  const rows = await q.orderBy('records.record_id').limit(page.limit).execute();
  return rows.map((r) => ({ record: toRecord(r), retainUntil: fromDbTime(r.effective_retain_until) }));
}
