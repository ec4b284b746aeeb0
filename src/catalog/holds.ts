import { sql, type Kysely, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import { FourEyesError, HoldReleasedError, NotFoundError } from '../errors';
import type { Clock } from '../util/clock';
import { isBusinessDate } from './validate';
import { isUniqueViolation } from './db-errors';
import { fromDbTime, toDbTime, toRecord } from './mappers';
import type { CatalogDatabase } from './schema';
import type { HoldsTable } from './schema-lifecycle';
import { dbMessage, insertAuditEvents, requireEvents } from './trx-writes';
import type { CatalogRecord, NewAuditEvent } from './types';
import type { Hold, HoldCriteria, NewHold } from './types-lifecycle';
import { RECORD_ID, fail, type Issue } from './validate';

type Db = Kysely<CatalogDatabase>;

/** Most record ids one hold names. */
export const MAX_HOLD_RECORD_IDS = 10_000;

/**
 * Whether hold `h` (an alias of `holds`) covers the row of `records` in the query: every
 * criterion given matches; named record ids cover their corrections too.
 */
export function holdCovers(h: string): RawBuilder<SqlBool> {
  const H = sql.raw(h);
  return sql<SqlBool>`(${H}.client_id is null or ${H}.client_id = records.client_id)
    and (${H}.account_id is null or ${H}.account_id = records.account_id)
    and (${H}.record_type is null or ${H}.record_type = records.record_type)
    and (${H}.from_date is null or records.business_date >= ${H}.from_date)
    and (${H}.to_date is null or records.business_date <= ${H}.to_date)
    and (${H}.has_record_ids = 0 or exists (select 1 from hold_records hr where hr.hold_id = ${H}.id
      and (hr.record_id = records.record_id or hr.record_id = records.amends)))`;
}

/** The row of `records` in the query is under an active hold. */
export const underActiveHold: RawBuilder<SqlBool> = sql<SqlBool>`exists (select 1 from holds ah
  where not exists (select 1 from hold_releases ahr where ahr.hold_id = ah.id) and ${holdCovers('ah')})`;

function validateHold(h: NewHold): void {
  const issues: Issue[] = [];
  const c = h.criteria;
  if (!RECORD_ID.test(h.id)) issues.push({ path: ['id'], message: 'must be an id' });
  for (const [field, v] of [
    ['name', h.name],
    ['matter', h.matter],
    ['reason', h.reason],
  ] as const)
    if (v.trim().length === 0) issues.push({ path: [field], message: 'required' });
  if (c.recordIds !== undefined) {
    if (c.recordIds.length === 0 || c.recordIds.length > MAX_HOLD_RECORD_IDS)
      issues.push({ path: ['criteria', 'recordIds'], message: `1 to ${MAX_HOLD_RECORD_IDS} record ids` });
    c.recordIds.forEach((id, i) => {
      if (!RECORD_ID.test(id))
        issues.push({ path: ['criteria', 'recordIds', String(i)], message: 'not a record id' });
    });
  }
  for (const d of ['from', 'to'] as const)
    if (c[d] !== undefined && !isBusinessDate(c[d]))
      issues.push({ path: ['criteria', d], message: 'YYYY-MM-DD' });
  const given = [c.recordIds, c.clientId, c.accountId, c.type, c.from, c.to].filter((v) => v !== undefined);
  if (given.length === 0) issues.push({ path: ['criteria'], message: 'at least one criterion' });
  if (issues.length > 0) fail('invalid hold', issues);
}

async function toHolds(db: Db, rows: Selectable<HoldsTable>[]): Promise<Hold[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const named = new Map<string, string[]>();
  const withIds = rows.filter((r) => r.has_record_ids === 1).map((r) => r.id);
  if (withIds.length > 0) {
    const recs = await db
      .selectFrom('hold_records')
      .select(['hold_id', 'record_id'])
      .where('hold_id', 'in', withIds)
      .orderBy('hold_id')
      .orderBy('record_id')
      .execute();
    for (const r of recs)
      (named.get(r.hold_id) ?? named.set(r.hold_id, []).get(r.hold_id)!).push(r.record_id);
  }
  const releases = new Map(
    (await db.selectFrom('hold_releases').selectAll().where('hold_id', 'in', ids).execute()).map((r) => [
      r.hold_id,
      { releasedBy: r.released_by, reason: r.reason, releasedAt: fromDbTime(r.released_at) },
    ]),
  );
  return rows.map((r) => {
    const criteria: HoldCriteria = {};
    if (r.has_record_ids === 1) criteria.recordIds = named.get(r.id) ?? [];
    if (r.client_id !== null) criteria.clientId = r.client_id;
    if (r.account_id !== null) criteria.accountId = r.account_id;
    if (r.record_type !== null) criteria.type = r.record_type;
    if (r.from_date !== null) criteria.from = r.from_date;
    if (r.to_date !== null) criteria.to = r.to_date;
    return {
      id: r.id,
      name: r.name,
      matter: r.matter,
      reason: r.reason,
      criteria,
      placedBy: r.placed_by,
      placedAt: fromDbTime(r.placed_at),
      release: releases.get(r.id) ?? null,
    };
  });
}

export async function getHold(db: Db, id: string): Promise<Hold | undefined> {
  const rows = await db.selectFrom('holds').selectAll().where('id', '=', id).execute();
  return (await toHolds(db, rows))[0];
}

export async function listHolds(db: Db): Promise<Hold[]> {
  const rows = await db.selectFrom('holds').selectAll().orderBy('placed_at', 'desc').orderBy('id').execute();
  return toHolds(db, rows);
}

export async function placeHold(db: Db, clock: Clock, hold: NewHold, event: NewAuditEvent): Promise<Hold> {
  validateHold(hold);
  requireEvents([event]);
  const now = clock.now();
  const c = hold.criteria;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('holds')
      .values({
        id: hold.id,
        name: hold.name,
        matter: hold.matter,
        reason: hold.reason,
        client_id: c.clientId ?? null,
        account_id: c.accountId ?? null,
        record_type: c.type ?? null,
        from_date: c.from ?? null,
        to_date: c.to ?? null,
        has_record_ids: c.recordIds !== undefined ? 1 : 0,
        placed_by: hold.placedBy,
        placed_at: toDbTime(now),
      })
      .execute();
    const ids = [...new Set(c.recordIds ?? [])];
    for (let i = 0; i < ids.length; i += 500)
      await trx
        .insertInto('hold_records')
        .values(ids.slice(i, i + 500).map((record_id) => ({ hold_id: hold.id, record_id })))
        .execute();
    await insertAuditEvents(trx, [event], now);
  });
  return (await getHold(db, hold.id))!;
}

export async function releaseHold(
  db: Db,
  clock: Clock,
  release: { holdId: string; releasedBy: string; reason: string },
  event: NewAuditEvent,
): Promise<Hold> {
  requireEvents([event]);
  if (release.reason.trim().length === 0)
    fail('invalid release', [{ path: ['reason'], message: 'required' }]);
  const now = clock.now();
  try {
    await db.transaction().execute(async (trx) => {
      const hold = await trx
        .selectFrom('holds')
        .select(['id', 'placed_by'])
        .where('id', '=', release.holdId)
        .executeTakeFirst();
      if (!hold) throw new NotFoundError(`no hold ${release.holdId}`);
      await trx
        .insertInto('hold_releases')
        .values({
          hold_id: release.holdId,
          released_by: release.releasedBy,
          reason: release.reason,
          released_at: toDbTime(now),
        })
        .execute();
      await insertAuditEvents(trx, [event], now);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new HoldReleasedError(`hold ${release.holdId} was released already`);
    if (dbMessage(err).includes('four eyes'))
      throw new FourEyesError(
        `hold ${release.holdId} must be released by another principal than the one who placed it`,
      );
    throw err;
  }
  return (await getHold(db, release.holdId))!;
}

export async function holdsOnRecord(db: Db, recordId: string): Promise<Hold[]> {
  const rows = await db
    .selectFrom('holds as h')
    .innerJoin('records', (j) => j.on('records.record_id', '=', recordId))
    .selectAll('h')
    .where(holdCovers('h'))
    .orderBy('h.placed_at')
    .orderBy('h.id')
    .execute();
  return toHolds(db, rows);
}

export async function recordsUnderHold(
  db: Db,
  holdId: string,
  page: { afterRecordId?: string; limit: number },
): Promise<CatalogRecord[]> {
  let q = db
    .selectFrom('records')
    .innerJoin('holds as h', (j) => j.on('h.id', '=', holdId))
    .selectAll('records')
    .where(holdCovers('h'));
  if (page.afterRecordId !== undefined) q = q.where('records.record_id', '>', page.afterRecordId);
  const rows = await q.orderBy('records.record_id').limit(page.limit).execute();
  return rows.map(toRecord);
}
