import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { criteriaSearch } from './criteria';
import { toAuditEvent } from './mappers';
import { recordConditions, type RecordCondition } from './reads';
import type { CatalogDatabase } from './schema';
import type { AuditEvent, CatalogDialect, RecordSelection, SelectionMeasure } from './types';
import { fail, pageRange, validateQuery, type Issue } from './validate';

/**
 * The audit trail of an export's records, selected in the database: the events whose target is
 * a record the export's criteria select (src/export/selection.ts `selectRecords`), in seq order.
 * The builder used to read the whole trail below the export's audit size and keep the events
 * whose target was in a set of the bagged ids: a set that grew with the bag (8 MB at 100,000
 * records), over a trail that every access-log import makes longer. Here each page costs one
 * probe of audit_events_by_target (target, seq) per selected record (the index covers the
 * inner query: no event row is read but the page's), whatever the length of the trail. Plans:
 * SQLite's is held by test/catalog/selection-audit-plan.test.ts; PostgreSQL 15's was read by
 * hand on a trail of 1,000,000 events (20,000 records): the target index (an index-only scan, in
 * a merge join or a nested loop), then the primary key, never a scan of audit_events.
 */

type Db = Kysely<CatalogDatabase>;

/** Most record ids a selection may name (as POST /v1/exports allows): each is a bound parameter. */
export const MAX_SELECTION_IDS = 10_000;

/**
 * A condition's column. For named record ids the selection compares each record in code
 * (`r.businessDate >= from` on the strings, an unchecked date included), so the business date is
 * compared as the same text here: on PostgreSQL a `date` compared with a string that is no
 * calendar day would fail. A search checks its dates first (validateQuery) and compares the column.
 */
function columnOf(c: RecordCondition, dialect: CatalogDialect, asText: boolean): Expression<unknown> {
  if (c.column !== 'business_date' || !asText) return sql.ref(c.column);
  return dialect === 'postgres' ? sql`cast(business_date as text) collate "C"` : sql.ref('business_date');
}

/**
 * The selection's records as a query (columns chosen by the caller): `ledger_seq < ledgerSize`,
 * the named ids if any, and the search's conditions, as selectRecords applies them.
 */
function selectedRecords(db: Db, dialect: CatalogDialect, selection: RecordSelection) {
  const { criteria, ledgerSize } = selection;
  const ids = criteria.recordIds;
  const search = criteriaSearch(criteria);
  let records = db.selectFrom('records').where('ledger_seq', '<', ledgerSize);
  if (ids !== undefined) records = records.where('record_id', 'in', ids);
  for (const c of recordConditions(search))
    records = records.where(columnOf(c, dialect, ids !== undefined), c.op, c.value);
  return records;
}

/** The ids of the selection's records, comparable with audit_events.target. */
function selectedRecordIds(db: Db, dialect: CatalogDialect, selection: RecordSelection) {
  // PostgreSQL: record_id is `collate "C"`, target the default collation; the comparison takes
  // the target's, or audit_events_by_target could not serve it (equality is bytewise in both).
  const recordId = dialect === 'postgres' ? sql<string>`record_id collate "default"` : sql<string>`record_id`;
  return selectedRecords(db, dialect, selection).select(recordId.as('id'));
}

/**
 * Checks a selection as every reader of one does (ledger size, at most MAX_SELECTION_IDS ids, the
 * search's own rules), after the caller's own `issues`; refuses them all together as `what`.
 */
function checkSelection(selection: RecordSelection, what: string, issues: Issue[] = []): void {
  const { criteria, ledgerSize } = selection;
  if (!Number.isSafeInteger(ledgerSize) || ledgerSize < 0)
    issues.push({ path: ['ledgerSize'], message: 'must be a non-negative integer' });
  const ids = criteria.recordIds;
  if (ids !== undefined && ids.length > MAX_SELECTION_IDS)
    issues.push({ path: ['criteria', 'recordIds'], message: `at most ${MAX_SELECTION_IDS} record ids` });
  if (issues.length > 0) fail(what, issues);
  if (ids === undefined) validateQuery(criteriaSearch(criteria));
}

/**
 * What a selection holds, counted by the database in one query: its records, their bytes and the
 * newest ledger leaf among them (-1 when none). POST /v1/exports used to read every selected row
 * to count them (a 200,000-record request read 200,000 rows before it answered).
 */
export async function measureSelection(
  db: Db,
  dialect: CatalogDialect,
  selection: RecordSelection,
): Promise<SelectionMeasure> {
  checkSelection(selection, 'invalid record selection');
  if (selection.criteria.recordIds?.length === 0) return { records: 0, bytes: 0, lastLedgerSeq: -1 };
  const row = await selectedRecords(db, dialect, selection)
    .select((eb) => [
      eb.fn.countAll().as('records'),
      eb.fn.coalesce(eb.fn.sum('size'), sql.lit(0)).as('bytes'),
      eb.fn.coalesce(eb.fn.max('ledger_seq'), sql.lit(-1)).as('last'),
    ])
    .executeTakeFirstOrThrow();
  // PostgreSQL answers count and sum of bigints as text.
  return { records: Number(row.records), bytes: Number(row.bytes), lastLedgerSeq: Number(row.last) };
}

/** Most seqs auditSeqsOfSelection gives at once (numbers: 800 KB at most). */
export const MAX_SELECTION_SEQS = 100_000;
/** Most events auditEventsAt reads at once. */
export const MAX_EVENTS_AT = 1_000;

/**
 * The seqs of a page (null when the page is empty whatever the database holds), ascending: from
 * the index alone (target, seq), no event row is read. Its cost is one probe per selected record,
 * whatever the page's length, so a caller that wants few rows at a time asks for many seqs here
 * and reads their rows by seq (auditEventsAt). Exported so that a plan of it can be read.
 */
export function selectionSeqQuery(
  db: Db,
  dialect: CatalogDialect,
  selection: RecordSelection,
  range: { fromSeq?: number; belowSeq: number; limit?: number },
  maxLimit: number,
) {
  const { fromSeq, limit } = pageRange(range, maxLimit);
  const issues: Issue[] = [];
  if (!Number.isSafeInteger(range.belowSeq) || range.belowSeq < 0)
    issues.push({ path: ['belowSeq'], message: 'must be a non-negative integer' });
  checkSelection(selection, 'invalid audit selection', issues);
  const ids = selection.criteria.recordIds;
  if (ids?.length === 0 || fromSeq >= range.belowSeq) return null;
  const records = selectedRecordIds(db, dialect, selection);
  return db
    .selectFrom('audit_events')
    .select('seq')
    .where('target', 'in', records)
    .where('seq', '>=', fromSeq)
    .where('seq', '<', range.belowSeq)
    .orderBy('seq')
    .limit(limit);
}

/**
 * The query of one page of events (null when the page is empty whatever the database holds);
 * apart so that a test can read the database's plan of it.
 */
export function selectionAuditQuery(
  db: Db,
  dialect: CatalogDialect,
  selection: RecordSelection,
  range: { fromSeq?: number; belowSeq: number; limit?: number },
) {
  const page = selectionSeqQuery(db, dialect, selection, range, 10_000);
  if (page === null) return null;
  // Then the page's rows by primary key. PostgreSQL, told `seq in (subquery)` of 10,000 rows,
  // judged a scan of the whole table cheaper than as many index reads (a full scan per page of a
  // long trail); given an array it cannot see into, it reads through the index.
  const events = db.selectFrom('audit_events').selectAll();
  return (
    dialect === 'postgres'
      ? events.where(sql<SqlBool>`seq = any(array(${page}))`)
      : events.where('seq', 'in', page)
  ).orderBy('seq');
}

export async function auditEventsOfSelection(
  db: Db,
  dialect: CatalogDialect,
  selection: RecordSelection,
  range: { fromSeq?: number; belowSeq: number; limit?: number },
): Promise<AuditEvent[]> {
  const query = selectionAuditQuery(db, dialect, selection, range);
  if (query === null) return [];
  return (await query.execute()).map(toAuditEvent);
}

export async function auditSeqsOfSelection(
  db: Db,
  dialect: CatalogDialect,
  selection: RecordSelection,
  range: { fromSeq?: number; belowSeq: number; limit?: number },
): Promise<number[]> {
  const query = selectionSeqQuery(db, dialect, selection, range, MAX_SELECTION_SEQS);
  if (query === null) return [];
  // PostgreSQL answers bigints as text.
  return (await query.execute()).map((r) => Number(r.seq));
}

export async function auditEventsAt(db: Db, seqs: readonly number[]): Promise<AuditEvent[]> {
  const issues: Issue[] = [];
  if (seqs.length > MAX_EVENTS_AT) issues.push({ path: ['seqs'], message: `at most ${MAX_EVENTS_AT} seqs` });
  seqs.forEach((seq, i) => {
    if (!Number.isSafeInteger(seq) || seq < 0)
      issues.push({ path: ['seqs', String(i)], message: 'must be a non-negative integer' });
    else if (i > 0 && seq <= (seqs[i - 1] as number))
      issues.push({ path: ['seqs', String(i)], message: 'seqs must be ascending, each once' });
  });
  if (issues.length > 0) fail('invalid audit seqs', issues.slice(0, 10));
  if (seqs.length === 0) return [];
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('seq', 'in', [...seqs])
    .orderBy('seq')
    .execute();
  return rows.map(toAuditEvent);
}
