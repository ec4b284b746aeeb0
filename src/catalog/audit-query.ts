import type { Kysely } from 'kysely';
import type { AuditQuery } from './evidence-types';
import { toAuditEvent, toDbTime } from './mappers';
import type { CatalogDatabase } from './schema';
import { AUDIT_SOURCES, type AuditEvent, type AuditSource } from './types';
import { fail, type Issue } from './validate';

/**
 * Queries of the audit trail: filters combined with AND, ordered by seq, keyset-paginated on seq
 * (a total order). Indexes: (principal_id, seq), (target, seq), (source, seq), (at); the
 * database picks.
 */

type Db = Kysely<CatalogDatabase>;

export const MAX_AUDIT_PAGE = 10_000;

function validDate(d: Date | undefined): boolean {
  return d === undefined || (d instanceof Date && !Number.isNaN(d.getTime()));
}

export function validateAuditQuery(q: AuditQuery): void {
  const issues: Issue[] = [];
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_AUDIT_PAGE)
    issues.push({ path: ['limit'], message: `must be an integer from 1 to ${MAX_AUDIT_PAGE}` });
  if (q.afterSeq !== undefined && (!Number.isSafeInteger(q.afterSeq) || q.afterSeq < -1))
    issues.push({ path: ['cursor'], message: 'not a cursor returned by a previous page' });
  if (!validDate(q.from)) issues.push({ path: ['from'], message: 'must be a valid date' });
  if (!validDate(q.to)) issues.push({ path: ['to'], message: 'must be a valid date' });
  if (q.source !== undefined && !AUDIT_SOURCES.includes(q.source))
    issues.push({ path: ['source'], message: `must be one of ${AUDIT_SOURCES.join(', ')}` });
  if (issues.length > 0) fail('invalid audit query', issues);
}

export async function queryAudit(db: Db, q: AuditQuery): Promise<AuditEvent[]> {
  validateAuditQuery(q);
  let query = db.selectFrom('audit_events').selectAll();
  if (q.principalId !== undefined) query = query.where('principal_id', '=', q.principalId);
  if (q.action !== undefined) query = query.where('action', '=', q.action);
  if (q.outcome !== undefined) query = query.where('outcome', '=', q.outcome);
  if (q.target !== undefined) query = query.where('target', '=', q.target);
  if (q.source !== undefined) query = query.where('source', '=', q.source);
  if (q.from !== undefined) query = query.where('at', '>=', toDbTime(q.from));
  if (q.to !== undefined) query = query.where('at', '<', toDbTime(q.to));
  if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
  const rows = await query.orderBy('seq').limit(q.limit).execute();
  return rows.map(toAuditEvent);
}

export async function existingEventIds(db: Db, ids: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    if (part.length === 0) continue;
    const rows = await db
      .selectFrom('audit_events')
      .select('event_id')
      .where('event_id', 'in', part)
      .execute();
    out.push(...rows.map((r) => r.event_id));
  }
  return out;
}

export async function auditEventCountsBySource(db: Db): Promise<{ source: AuditSource; count: number }[]> {
  const rows = await db
    .selectFrom('audit_events')
    .select(['source', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('source')
    .orderBy('source')
    .execute();
  return rows.map((r) => ({ source: r.source as AuditSource, count: Number(r.n) }));
}
