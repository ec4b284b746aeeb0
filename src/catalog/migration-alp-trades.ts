import { sql, type Kysely } from 'kysely';
import type { Types } from './migrations';
import type { CatalogDialect } from './types';

/**
 * Migration 0003: the ALP trade facts behind the ALP monthly top-10 report (alp-trades.ts,
 * docs/decisions/0010-reports.md). Two tables, both an index like the rest of the catalog
 * (rebuilt from OSS by reindex):
 *
 * - `alp_trade_sources`: what each archived record said about an ALP trade (the trade itself,
 *   or a correction of it), as JSON. Never changed once written.
 * - `alp_trade_facts`: one row per trade, recomputed from its sources whenever one arrives:
 *   the values after corrections, its Hong Kong month, its state (counted, cancelled, invalid).
 *
 * Exact sums on both databases: the quantity as an integer (`quantity_int`) and the turnover as
 * an integer number of 10^-4 (`turnover_e4`), signed 64-bit integers summed by the database in
 * integer arithmetic: SQLite's sum() of integers is exact or raises "integer overflow" (never
 * rounds; the application then sums row by row), PostgreSQL's sum(bigint) is a numeric. A row
 * whose quantity is not an integer (rare: board lots are whole shares), whose turnover has more
 * than 4 fraction digits (HKEX prices have at most 3), or whose value passes 2^63-1 is stored with
 * exact = 0 and zeros in those columns; its exact text is summed by the application instead.
 * Each column summed costs the scan: there are two, as the bare top-10 query has
 * (docs/decisions/0010-reports.md, scripts/bench/alp-report.js).
 */
export async function alpTradeFacts(db: Kysely<unknown>, dialect: CatalogDialect, t: Types): Promise<void> {
  const pg = dialect === 'postgres';
  const strict = pg ? sql`` : sql`strict`;
  const decimalText = (column: string) =>
    pg
      ? sql`${sql.ref(column)} ~ '^(0|[1-9][0-9]*)(\\.[0-9]*[1-9])?$'`
      : sql`${sql.ref(column)} <> '' and ${sql.ref(column)} not glob '*[^0-9.]*'`;

  await db.schema
    .createTable('alp_trade_sources')
    .addColumn('source_record_id', t.id, (c) => c.primaryKey())
    .addColumn('trade_record_id', t.id, (c) => c.notNull())
    .addColumn('kind', t.text, (c) => c.notNull())
    .addColumn('payload', t.text, (c) => c.notNull())
    .addCheckConstraint('alp_trade_sources_kind', sql`kind in ('trade', 'correction')`)
    .modifyEnd(strict)
    .execute();
  await db.schema
    .createIndex('alp_trade_sources_by_trade')
    .on('alp_trade_sources')
    .columns(['trade_record_id'])
    .execute();

  await db.schema
    .createTable('alp_trade_facts')
    .addColumn('trade_record_id', t.id, (c) => c.primaryKey())
    .addColumn('state', t.text, (c) => c.notNull())
    .addColumn('problem', t.text)
    .addColumn('alp_id', t.id, (c) => c.notNull())
    .addColumn('user_id', t.id, (c) => c.notNull())
    .addColumn('user_category', t.text, (c) => c.notNull())
    .addColumn('currency', t.text, (c) => c.notNull())
    .addColumn('month_hk', t.text, (c) => c.notNull())
    // user_id, currency and user_category joined by U+001F (none can contain it: identifiers
    // refuse control characters): grouping on one column costs the scan a third less than on three.
    .addColumn('group_key', t.id, (c) => c.notNull())
    .addColumn('executed_at', t.timestamp, (c) => c.notNull())
    .addColumn('quantity', t.text, (c) => c.notNull())
    .addColumn('price', t.text, (c) => c.notNull())
    .addColumn('turnover', t.text, (c) => c.notNull())
    .addColumn('quantity_int', t.bigint, (c) => c.notNull())
    .addColumn('turnover_e4', t.bigint, (c) => c.notNull())
    .addColumn('exact', t.int, (c) => c.notNull())
    .addColumn('corrections', t.int, (c) => c.notNull())
    .addCheckConstraint('alp_trade_facts_state', sql`state in ('counted', 'cancelled', 'invalid')`)
    .addCheckConstraint('alp_trade_facts_exact', sql`exact in (0, 1)`)
    .addCheckConstraint('alp_trade_facts_parts', sql`quantity_int >= 0 and turnover_e4 >= 0`)
    .addCheckConstraint('alp_trade_facts_quantity_text', decimalText('quantity'))
    .addCheckConstraint('alp_trade_facts_turnover_text', decimalText('turnover'))
    .modifyEnd(strict)
    .execute();
  // The report's one scan: a month's counted trades of one ALP, grouped by user, currency and
  // category (group_key), with everything summed in the index itself (no visit to the table).
  await db.schema
    .createIndex('alp_trade_facts_report')
    .on('alp_trade_facts')
    .columns(['month_hk', 'alp_id', 'state', 'group_key', 'quantity_int', 'turnover_e4'])
    .execute();
  // The few rows the grouped scan leaves to the application: not counted (cancelled, invalid),
  // not representable in the integer columns, or corrected (counted as such in the report).
  await db.schema
    .createIndex('alp_trade_facts_exceptions')
    .on('alp_trade_facts')
    .columns(['month_hk', 'alp_id'])
    .where(sql<boolean>`state <> 'counted' or exact = 0 or corrections > 0`)
    .execute();
}
