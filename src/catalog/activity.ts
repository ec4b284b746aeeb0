import { sql, type Kysely } from 'kysely';
import { ValidationError } from '../errors';
import { toDbTime } from './mappers';
import type { CatalogDatabase } from './schema';
import type { CatalogDialect } from './types';

/**
 * Counts for the posture report's pictures: records ingested per Hong Kong day, audit events
 * per action. Full scans of the rows in range (there is no index on ingested_at, to spare every
 * ingest its upkeep); the report runs rarely.
 */

type Db = Kysely<CatalogDatabase>;

export async function recordsIngestedPerDay(
  db: Db,
  dialect: CatalogDialect,
  from: Date,
  to: Date,
): Promise<{ date: string; count: number }[]> {
  if (!(from.getTime() < to.getTime())) {
    throw new ValidationError('from must be before to', {
      details: [{ path: ['from'], message: 'before to' }],
    });
  }
  // Hong Kong is UTC+08:00 all year: the day is the UTC instant shifted by 8 hours.
  const day =
    dialect === 'postgres'
      ? sql<string>`to_char((ingested_at at time zone 'UTC') + interval '8 hours', 'YYYY-MM-DD')`
      : sql<string>`date(ingested_at, '+8 hours')`;
  const rows = await db
    .selectFrom('records')
    .select([day.as('day'), (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('ingested_at', '>=', toDbTime(from))
    .where('ingested_at', '<', toDbTime(to))
    .groupBy(day)
    .orderBy(day)
    .execute();
  return rows.map((r) => ({ date: r.day, count: Number(r.n) }));
}

export async function auditEventCounts(db: Db): Promise<{ action: string; count: number }[]> {
  const rows = await db
    .selectFrom('audit_events')
    .select(['action', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('action')
    .orderBy('action')
    .execute();
  return rows.map((r) => ({ action: r.action, count: Number(r.n) }));
}
