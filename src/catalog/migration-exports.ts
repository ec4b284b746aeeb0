import { sql, type Kysely } from 'kysely';
import type { Types } from './migrations';
import type { CatalogDialect } from './types';

/**
 * Migration 0012: SFC access requests (issue 11). `exports` holds one row per request and its
 * state (`building`, `ready`, `failed`); `export_links` one row per signed link issued: when, until
 * when, by whom and the STS access key id, never the URL or any secret.
 */
export async function exportTables(db: Kysely<unknown>, dialect: CatalogDialect, t: Types): Promise<void> {
  const strict = dialect === 'postgres' ? sql`` : sql`strict`;
  await db.schema
    .createTable('exports')
    .addColumn('export_id', t.id, (c) => c.primaryKey())
    .addColumn('status', t.text, (c) => c.notNull())
    .addColumn('reference', t.text, (c) => c.notNull())
    .addColumn('recipient', t.text, (c) => c.notNull())
    .addColumn('purpose', t.text, (c) => c.notNull())
    .addColumn('criteria', t.text, (c) => c.notNull())
    .addColumn('include_audit', t.int, (c) => c.notNull())
    .addColumn('requested_by', t.text, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('record_count', t.bigint, (c) => c.notNull())
    .addColumn('record_bytes', t.bigint, (c) => c.notNull())
    .addColumn('ledger_size', t.bigint, (c) => c.notNull())
    .addColumn('audit_size', t.bigint, (c) => c.notNull())
    .addColumn('attempts', t.int, (c) => c.notNull())
    .addColumn('checkpoint', t.text)
    .addColumn('failure', t.text)
    .addColumn('bag_bucket', t.text)
    .addColumn('bag_key', t.text)
    .addColumn('bag_sha256', t.text)
    .addColumn('bag_size', t.bigint)
    .addColumn('ledger_index', t.bigint)
    .addColumn('finished_at', t.timestamp)
    .addCheckConstraint('exports_status', sql`status in ('building', 'ready', 'failed')`)
    .addCheckConstraint(
      'exports_ready_has_bag',
      sql`status <> 'ready' or (bag_key is not null and bag_sha256 is not null and ledger_index is not null)`,
    )
    .modifyEnd(strict)
    .execute();
  await db.schema.createIndex('exports_by_status').on('exports').columns(['status', 'created_at']).execute();
  await db.schema
    .createTable('export_links')
    .addColumn('export_id', t.id, (c) => c.notNull().references('exports.export_id'))
    .addColumn('issued_at', t.timestamp, (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('issued_by', t.text, (c) => c.notNull())
    .addColumn('access_key_id', t.text, (c) => c.notNull())
    .modifyEnd(strict)
    .execute();
  await db.schema.createIndex('export_links_by_export').on('export_links').columns(['export_id']).execute();
}
