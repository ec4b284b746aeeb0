import type { Kysely, Selectable } from 'kysely';
import type { Alert, AlertSource, NewAlert } from '../alerts/types';
import { AlertAcknowledgedError, NotFoundError } from '../errors';
import { isUniqueViolation } from './db-errors';
import { buildAuditRows } from './audit-rows';
import { insertRows, takeSeqs, translate, type WriteContext } from './group';
import { canonicalJson } from './hashing';
import { fromDbTime, toDbTime } from './mappers';
import type { AlertsTable, CatalogDatabase } from './schema';
import type { AuditEvent, NewAuditEvent } from './types';
import { fail, validateAuditEvent } from './validate';

/**
 * Alerts in the catalog: raised (one open alert per dedupe key), listed, acknowledged once with
 * the acknowledging principal's audit event in the same transaction; never deleted (the database
 * refuses DELETE and any change but the acknowledgement, migration-evidence.ts).
 */

type Db = Kysely<CatalogDatabase>;

function toAlert(row: Selectable<AlertsTable>): Alert {
  return {
    id: row.id,
    source: row.source as AlertSource, // written from the AlertSource type only
    kind: row.kind,
    summary: row.summary,
    details: JSON.parse(row.details) as Record<string, unknown>,
    ...(row.dedupe_key !== null ? { dedupeKey: row.dedupe_key } : {}),
    raisedAt: fromDbTime(row.raised_at),
    acknowledgedAt: row.acknowledged_at === null ? null : fromDbTime(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    acknowledgement: row.acknowledgement,
  };
}

async function openByKey(db: Db, dedupeKey: string): Promise<Alert | undefined> {
  const row = await db
    .selectFrom('alerts')
    .selectAll()
    .where('dedupe_key', '=', dedupeKey)
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return row ? toAlert(row) : undefined;
}

export async function raiseAlert(
  ctx: WriteContext,
  alert: NewAlert & { id: string; raisedAt: Date },
): Promise<{ alert: Alert; created: boolean }> {
  if (alert.kind === '' || alert.summary === '')
    fail('invalid alert', [{ path: ['kind'], message: 'kind and summary are required' }]);
  if (alert.dedupeKey !== undefined) {
    const open = await openByKey(ctx.db, alert.dedupeKey);
    if (open) return { alert: open, created: false };
  }
  try {
    await ctx.db
      .insertInto('alerts')
      .values({
        id: alert.id,
        source: alert.source,
        kind: alert.kind,
        summary: alert.summary,
        details: canonicalJson(alert.details),
        dedupe_key: alert.dedupeKey ?? null,
        raised_at: toDbTime(alert.raisedAt),
        acknowledged_at: null,
        acknowledged_by: null,
        acknowledgement: null,
      })
      .execute();
  } catch (err) {
    // Another instance raised the same alert meanwhile.
    if (alert.dedupeKey !== undefined && isUniqueViolation(err)) {
      const open = await openByKey(ctx.db, alert.dedupeKey);
      if (open) return { alert: open, created: false };
    }
    throw translate(err);
  }
  const stored = await getAlert(ctx.db, alert.id);
  if (!stored) throw new Error('catalog: an alert vanished right after its insert');
  return { alert: stored, created: true };
}

export async function getAlert(db: Db, id: string): Promise<Alert | undefined> {
  const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toAlert(row) : undefined;
}

export async function listAlerts(
  db: Db,
  query: { all?: boolean; limit: number; before?: { raisedAt: Date; id: string } },
): Promise<Alert[]> {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1000)
    fail('invalid alert list', [{ path: ['limit'], message: 'must be an integer from 1 to 1000' }]);
  let q = db.selectFrom('alerts').selectAll();
  if (!query.all) q = q.where('acknowledged_at', 'is', null);
  const before = query.before;
  if (before)
    q = q.where((eb) =>
      eb(eb.refTuple('raised_at', 'id'), '<', eb.tuple(toDbTime(before.raisedAt), before.id)),
    );
  const rows = await q.orderBy('raised_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map(toAlert);
}

export async function openAlertCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom('alerts')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Acknowledges an open alert; the audit event of the acknowledgement commits with it. */
export async function acknowledgeAlert(
  ctx: WriteContext,
  id: string,
  ack: { by: string; reason: string; at: Date },
  audit: NewAuditEvent,
): Promise<{ alert: Alert; event: AuditEvent }> {
  if (ack.by === '' || ack.reason.trim() === '')
    fail('invalid acknowledgement', [{ path: ['reason'], message: 'a principal and a reason are required' }]);
  validateAuditEvent(audit);
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError(`no alert ${id}`);
      if (row.acknowledged_at !== null)
        throw new AlertAcknowledgedError(
          `alert ${id} was acknowledged already, by ${row.acknowledged_by} at ${fromDbTime(row.acknowledged_at).toISOString()}`,
        );
      await trx
        .updateTable('alerts')
        .set({ acknowledged_at: toDbTime(ack.at), acknowledged_by: ack.by, acknowledgement: ack.reason })
        .where('id', '=', id)
        .execute();
      const base = await takeSeqs(trx, 'audit', 1);
      const built = await buildAuditRows(trx, base, [audit], ctx.clock.now());
      await insertRows(trx, ctx, 'audit_events', built.rows);
      const updated = await trx
        .selectFrom('alerts')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return { alert: toAlert(updated), event: built.events[0] as AuditEvent };
    });
  } catch (err) {
    throw translate(err);
  }
}
