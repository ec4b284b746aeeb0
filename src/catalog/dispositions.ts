import { sql, type Kysely, type SqlBool } from 'kysely';
import { DispositionStateError, FourEyesError, NotFoundError } from '../errors';
import type { Clock } from '../util/clock';
import { isUniqueViolation } from './db-errors';
import { appendLeaf } from './group';
import { underActiveHold } from './holds';
import { fromDbTime, toDbTime, toRecord } from './mappers';
import { effectiveRetainUntil, isDisposed } from './retention';
import type { CatalogDatabase } from './schema';
import { dbMessage, insertAuditEvents, requireEvents } from './trx-writes';
import type { NewAuditEvent } from './types';
import type {
  Disposition,
  DispositionItem,
  DispositionMark,
  DispositionOutcome,
  DispositionResult,
  NewDisposition,
  RetainedRecord,
} from './types-lifecycle';
import { HEX64, RECORD_ID, fail, type Issue } from './validate';

type Db = Kysely<CatalogDatabase>;

/** Most records one disposition names. */
export const MAX_DISPOSITION_ITEMS = 10_000;

export async function eligibleRecords(
  db: Db,
  query: { asOf: Date; eventClasses: readonly string[]; afterRecordId?: string; limit: number },
): Promise<RetainedRecord[]> {
  let q = db
    .selectFrom('records')
    .selectAll('records')
    .select(effectiveRetainUntil.as('effective_retain_until'))
    .where(sql<SqlBool>`not ${isDisposed}`)
    .where(sql<SqlBool>`${effectiveRetainUntil} <= ${toDbTime(query.asOf)}`)
    .where(sql<SqlBool>`not ${underActiveHold}`);
  if (query.eventClasses.length > 0) {
    // Event-based classes: kept until their event is known (then its date plus the class's days).
    q = q.where(
      sql<SqlBool>`(records.retention_class not in (${sql.join([...query.eventClasses])})
        or (records.client_id is not null
          and exists (select 1 from retention_events re where re.client_id = records.client_id)))`,
    );
  }
  if (query.afterRecordId !== undefined) q = q.where('records.record_id', '>', query.afterRecordId);
  const rows = await q.orderBy('records.record_id').limit(query.limit).execute();
  return rows.map((r) => ({ record: toRecord(r), retainUntil: fromDbTime(r.effective_retain_until) }));
}

function validateDisposition(d: NewDisposition): void {
  const issues: Issue[] = [];
  if (!RECORD_ID.test(d.id)) issues.push({ path: ['id'], message: 'must be an id' });
  if (d.reason.trim().length === 0) issues.push({ path: ['reason'], message: 'required' });
  if (d.items.length === 0 || d.items.length > MAX_DISPOSITION_ITEMS)
    issues.push({ path: ['items'], message: `1 to ${MAX_DISPOSITION_ITEMS} records` });
  const seen = new Set<string>();
  d.items.forEach((item, i) => {
    if (seen.has(item.recordId)) issues.push({ path: ['items', String(i)], message: 'named twice' });
    seen.add(item.recordId);
    if (!HEX64.test(item.sha256))
      issues.push({ path: ['items', String(i), 'sha256'], message: 'hex SHA-256' });
  });
  if (issues.length > 0) fail('invalid disposition', issues);
}

const dispositionColumns = [
  'd.id',
  'd.proposed_by',
  'd.proposed_at',
  'd.reason',
  'd.as_of',
  'd.selection',
  'd.item_count',
  'a.approved_by',
  'a.approved_at',
  'a.note',
] as const;

function dispositionQuery(db: Db) {
  return db
    .selectFrom('dispositions as d')
    .leftJoin('disposition_approvals as a', 'a.disposition_id', 'd.id')
    .select(dispositionColumns)
    .select(
      sql<number>`(select count(*) from disposition_results dr where dr.disposition_id = d.id)`.as('done'),
    );
}

type DispositionRow = Awaited<ReturnType<ReturnType<typeof dispositionQuery>['execute']>>[number];

function toDisposition(r: DispositionRow): Disposition {
  return {
    id: r.id,
    proposedBy: r.proposed_by,
    proposedAt: fromDbTime(r.proposed_at),
    reason: r.reason,
    asOf: fromDbTime(r.as_of),
    selection: r.selection as Disposition['selection'], // CHECK constraint limits the values
    itemCount: r.item_count,
    approval:
      r.approved_by !== null && r.approved_at !== null
        ? { approvedBy: r.approved_by, approvedAt: fromDbTime(r.approved_at), note: r.note ?? '' }
        : null,
    done: Number(r.done),
  };
}

async function oneDisposition(db: Db, id: string): Promise<Disposition | undefined> {
  const row = await dispositionQuery(db).where('d.id', '=', id).executeTakeFirst();
  return row ? toDisposition(row) : undefined;
}

export async function proposeDisposition(
  db: Db,
  clock: Clock,
  d: NewDisposition,
  event: NewAuditEvent,
): Promise<Disposition> {
  validateDisposition(d);
  requireEvents([event]);
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('dispositions')
      .values({
        id: d.id,
        proposed_by: d.proposedBy,
        proposed_at: toDbTime(now),
        reason: d.reason,
        as_of: toDbTime(d.asOf),
        selection: d.selection,
        item_count: d.items.length,
      })
      .execute();
    for (let i = 0; i < d.items.length; i += 200) {
      await trx
        .insertInto('disposition_items')
        .values(
          d.items.slice(i, i + 200).map((item) => ({
            disposition_id: d.id,
            record_id: item.recordId,
            bucket: item.bucket,
            object_key: item.objectKey,
            description_key: item.descriptionKey,
            sha256: item.sha256,
          })),
        )
        .execute();
    }
    await insertAuditEvents(trx, [event], now);
  });
  return (await oneDisposition(db, d.id))!;
}

export async function approveDisposition(
  db: Db,
  clock: Clock,
  approval: { dispositionId: string; approvedBy: string; note: string },
  event: NewAuditEvent,
): Promise<Disposition> {
  requireEvents([event]);
  const now = clock.now();
  try {
    await db.transaction().execute(async (trx) => {
      const found = await trx
        .selectFrom('dispositions')
        .select('id')
        .where('id', '=', approval.dispositionId)
        .executeTakeFirst();
      if (!found) throw new NotFoundError(`no disposition ${approval.dispositionId}`);
      await trx
        .insertInto('disposition_approvals')
        .values({
          disposition_id: approval.dispositionId,
          approved_by: approval.approvedBy,
          approved_at: toDbTime(now),
          note: approval.note,
        })
        .execute();
      await insertAuditEvents(trx, [event], now);
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new DispositionStateError(`disposition ${approval.dispositionId} was approved already`);
    if (dbMessage(err).includes('four eyes'))
      throw new FourEyesError(
        `disposition ${approval.dispositionId} must be approved by another principal than the one who proposed it`,
      );
    throw err;
  }
  return (await oneDisposition(db, approval.dispositionId))!;
}

export async function getDisposition(
  db: Db,
  id: string,
): Promise<{ disposition: Disposition; items: DispositionItem[]; results: DispositionResult[] } | undefined> {
  const disposition = await oneDisposition(db, id);
  if (!disposition) return undefined;
  const items = (
    await db
      .selectFrom('disposition_items')
      .selectAll()
      .where('disposition_id', '=', id)
      .orderBy('record_id')
      .execute()
  ).map((r) => ({
    recordId: r.record_id,
    bucket: r.bucket,
    objectKey: r.object_key,
    descriptionKey: r.description_key,
    sha256: r.sha256,
  }));
  const results = (
    await db
      .selectFrom('disposition_results')
      .selectAll()
      .where('disposition_id', '=', id)
      .orderBy('record_id')
      .execute()
  ).map((r) => ({
    recordId: r.record_id,
    outcome: r.outcome as DispositionOutcome, // CHECK constraint limits the values
    detail: r.detail,
    at: fromDbTime(r.at),
  }));
  return { disposition, items, results };
}

export async function listDispositions(db: Db): Promise<Disposition[]> {
  const rows = await dispositionQuery(db).orderBy('d.proposed_at', 'desc').orderBy('d.id').execute();
  return rows.map(toDisposition);
}

export async function pendingDispositions(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('dispositions as d')
    .innerJoin('disposition_approvals as a', 'a.disposition_id', 'd.id')
    .select('d.id')
    .where(
      sql<SqlBool>`(select count(*) from disposition_results dr where dr.disposition_id = d.id) < d.item_count`,
    )
    .orderBy('a.approved_at')
    .orderBy('d.id')
    .execute();
  return rows.map((r) => r.id);
}

export async function recordDispositionResult(
  db: Db,
  clock: Clock,
  result: { dispositionId: string; recordId: string; outcome: DispositionOutcome; detail: string },
  events: NewAuditEvent[],
): Promise<{ result: DispositionResult; mark: DispositionMark | null }> {
  requireEvents(events);
  const now = clock.now();
  let mark: DispositionMark | null = null;
  await db.transaction().execute(async (trx) => {
    const item = await trx
      .selectFrom('disposition_items')
      .select(['sha256'])
      .where('disposition_id', '=', result.dispositionId)
      .where('record_id', '=', result.recordId)
      .executeTakeFirst();
    if (!item)
      throw new NotFoundError(`disposition ${result.dispositionId} does not name ${result.recordId}`);
    if (result.outcome === 'disposed') {
      // The tombstone: a ledger leaf naming the record and its SHA-256 (ledger first: the lock order).
      const { seq } = await appendLeaf(
        trx,
        { kind: 'disposition', id: result.recordId, sha256: item.sha256 },
        now,
      );
      await trx
        .insertInto('record_dispositions')
        .values({
          record_id: result.recordId,
          disposition_id: result.dispositionId,
          disposed_at: toDbTime(now),
          ledger_seq: seq,
        })
        .execute();
      mark = {
        recordId: result.recordId,
        dispositionId: result.dispositionId,
        disposedAt: now,
        ledgerSeq: seq,
      };
    }
    await trx
      .insertInto('disposition_results')
      .values({
        disposition_id: result.dispositionId,
        record_id: result.recordId,
        outcome: result.outcome,
        detail: result.detail,
        at: toDbTime(now),
      })
      .execute();
    await insertAuditEvents(trx, events, now);
  });
  return {
    result: { recordId: result.recordId, outcome: result.outcome, detail: result.detail, at: now },
    mark,
  };
}

export async function dispositionOf(db: Db, recordId: string): Promise<DispositionMark | undefined> {
  const r = await db
    .selectFrom('record_dispositions')
    .selectAll()
    .where('record_id', '=', recordId)
    .executeTakeFirst();
  return r
    ? {
        recordId: r.record_id,
        dispositionId: r.disposition_id,
        disposedAt: fromDbTime(r.disposed_at),
        ledgerSeq: r.ledger_seq,
      }
    : undefined;
}
