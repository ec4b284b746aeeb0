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
 * Exact sums on both databases: quantity and turnover are each split into an integer part
 * (`*_int`, a signed 64-bit integer) and the fraction in units of 10^-9 (`*_nano`, 0..999999999),
 * both summed by the database in integer arithmetic: SQLite's sum() of integers is exact or
 * raises "integer overflow" (never rounds), PostgreSQL's sum(bigint) is a numeric. A fraction sum
 * overflows only past 9.2e9 rows. A value with more than 9 fraction digits, or an integer part
 * past 2^63-1, is stored with exact = 0 and zeros in those columns; its exact text is summed
 * in the application instead.
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
    .addColumn('executed_at', t.timestamp, (c) => c.notNull())
    .addColumn('quantity', t.text, (c) => c.notNull())
    .addColumn('price', t.text, (c) => c.notNull())
    .addColumn('turnover', t.text, (c) => c.notNull())
    .addColumn('quantity_int', t.bigint, (c) => c.notNull())
    .addColumn('quantity_nano', t.bigint, (c) => c.notNull())
    .addColumn('turnover_int', t.bigint, (c) => c.notNull())
    .addColumn('turnover_nano', t.bigint, (c) => c.notNull())
    .addColumn('exact', t.int, (c) => c.notNull())
    .addColumn('corrections', t.int, (c) => c.notNull())
    .addCheckConstraint('alp_trade_facts_state', sql`state in ('counted', 'cancelled', 'invalid')`)
    .addCheckConstraint('alp_trade_facts_exact', sql`exact in (0, 1)`)
    .addCheckConstraint(
      'alp_trade_facts_parts',
      sql`quantity_int >= 0 and turnover_int >= 0 and quantity_nano >= 0 and quantity_nano < 1000000000 and turnover_nano >= 0 and turnover_nano < 1000000000`,
    )
    .addCheckConstraint('alp_trade_facts_quantity_text', decimalText('quantity'))
    .addCheckConstraint('alp_trade_facts_turnover_text', decimalText('turnover'))
    .modifyEnd(strict)
    .execute();
  // The report's one scan: a month's counted trades of one ALP, grouped by user, currency and
  // category, with everything summed in the index itself (no visit to the table on SQLite).
  await db.schema
    .createIndex('alp_trade_facts_report')
    .on('alp_trade_facts')
    .columns([
      'month_hk',
      'alp_id',
      'state',
      'user_id',
      'currency',
      'user_category',
      'corrections',
      'quantity_int',
      'quantity_nano',
      'turnover_int',
      'turnover_nano',
    ])
    .execute();
  // The few rows the sums cannot take: cancelled, invalid, or not representable in the columns.
  await db.schema
    .createIndex('alp_trade_facts_exceptions')
    .on('alp_trade_facts')
    .columns(['month_hk', 'alp_id'])
    .where(sql<boolean>`state <> 'counted' or exact = 0`)
    .execute();
}
