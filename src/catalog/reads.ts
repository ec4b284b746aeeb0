import type { Kysely } from 'kysely';
import { runCompiled } from './compiled';
import { toAuditEvent, toLedgerLeaf, toRecord } from './mappers';
import type { CatalogDatabase, CounterName } from './schema';
import type { AuditEvent, CatalogRecord, LedgerLeaf, RecordPage, RecordQuery } from './types';
import { RECORD_ID, fail, isBusinessDate, pageRange, validateQuery } from './validate';

type Db = Kysely<CatalogDatabase>;

const DEFAULT_PAGE = 100;

/**
 * Keyset pagination over (business_date, record_id), a total order (record ids are unique and
 * compared bytewise on both databases). The cursor is opaque to callers: base64url of
 * `["v1", businessDate, recordId]`, the last row of the page.
 */
export function encodeCursor(last: { businessDate: string; recordId: string }): string {
  return Buffer.from(JSON.stringify(['v1', last.businessDate, last.recordId]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { businessDate: string; recordId: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 3 &&
    parsed[0] === 'v1' &&
    typeof parsed[1] === 'string' &&
    typeof parsed[2] === 'string' &&
    isBusinessDate(parsed[1]) &&
    RECORD_ID.test(parsed[2])
  ) {
    return { businessDate: parsed[1], recordId: parsed[2] };
  }
  return fail('invalid cursor', [{ path: ['cursor'], message: 'not a cursor returned by a previous page' }]);
}

export async function getRecord(db: Db, recordId: string): Promise<CatalogRecord | undefined> {
  const [row] = await runCompiled(
    db,
    'getRecord',
    (q, id) => q.selectFrom('records').selectAll().where('record_id', '=', id!),
    [recordId],
  );
  return row ? toRecord(row) : undefined;
}

/** A column a record search compares, and how (searchRecords; the audit trail of an export's records). */
export interface RecordCondition {
  column:
    'record_type' | 'client_id' | 'account_id' | 'instrument' | 'order_id' | 'trade_id' | 'business_date';
  op: '=' | '>=' | '<=';
  value: string;
}

/** The filters of a search, as conditions combined with AND (written once for every reader of a selection). */
export function recordConditions(q: Omit<RecordQuery, 'limit' | 'cursor'>): RecordCondition[] {
  const out: RecordCondition[] = [];
  const equals = [
    ['record_type', q.recordType],
    ['client_id', q.clientId],
    ['account_id', q.accountId],
    ['instrument', q.instrument],
    ['order_id', q.orderId],
    ['trade_id', q.tradeId],
  ] as const;
  for (const [column, value] of equals) {
    if (value !== undefined) out.push({ column, op: '=', value });
  }
  if (q.fromDate !== undefined) out.push({ column: 'business_date', op: '>=', value: q.fromDate });
  if (q.toDate !== undefined) out.push({ column: 'business_date', op: '<=', value: q.toDate });
  return out;
}

export async function searchRecords(db: Db, q: RecordQuery): Promise<RecordPage> {
  validateQuery(q);
  const limit = q.limit ?? DEFAULT_PAGE;
  const after = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
  let query = db.selectFrom('records').selectAll();
  for (const c of recordConditions(q)) query = query.where(c.column, c.op, c.value);
  if (after !== undefined) {
    query = query.where((eb) =>
      eb(eb.refTuple('business_date', 'record_id'), '>', eb.tuple(after.businessDate, after.recordId)),
    );
  }
  const rows = await query
    .orderBy('business_date')
    .orderBy('record_id')
    .limit(limit + 1)
    .execute();
  const records = rows.slice(0, limit).map(toRecord);
  const last = records[records.length - 1];
  return rows.length > limit && last ? { records, nextCursor: encodeCursor(last) } : { records };
}

export async function corrections(db: Db, recordId: string): Promise<CatalogRecord[]> {
  const rows = await db
    .selectFrom('records')
    .selectAll()
    .where('amends', '=', recordId)
    .orderBy('ledger_seq')
    .execute();
  return rows.map(toRecord);
}

export async function ledgerLeaves(
  db: Db,
  range?: { fromSeq?: number; limit?: number },
): Promise<LedgerLeaf[]> {
  const { fromSeq, limit } = pageRange(range);
  const rows = await db
    .selectFrom('ledger_leaves')
    .selectAll()
    .where('seq', '>=', fromSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toLedgerLeaf);
}

export async function auditEvents(
  db: Db,
  range?: { fromSeq?: number; limit?: number },
): Promise<AuditEvent[]> {
  const { fromSeq, limit } = pageRange(range);
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('seq', '>=', fromSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toAuditEvent);
}

/** The next value of a counter: the number of ledger leaves / audit events handed out. */
export async function counterValue(db: Db, name: CounterName): Promise<number> {
  const row = await db
    .selectFrom('counters')
    .select('next_value')
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) throw new Error(`catalog counter ${name} is missing`);
  return row.next_value;
}
