import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Types } from './migrations';
import type { CatalogDialect } from './types';

/** Where an audit event comes from (docs/decisions/0014-audit-sources.md). */
export const AUDIT_SOURCE_VALUES = ['api', 'oss-access-log', 'actiontrail'] as const;

const hexCheck = (dialect: CatalogDialect, column: string): RawBuilder<unknown> =>
  dialect === 'postgres'
    ? sql`${sql.ref(column)} ~ '^[0-9a-f]{64}$'`
    : sql`length(${sql.ref(column)}) = 64 and ${sql.ref(column)} not glob '*[^0-9a-f]*'`;

/**
 * Migration 0006: what the evidence ledger and the complete audit trail keep in the catalog
 * (issue 10; docs/decisions/0014-audit-sources.md, 0015-evidence-jobs.md). The catalog stays an
 * index: every table here but the alerts, the importers' positions and the job requests is
 * rebuilt from the audit bucket by reindex.
 *
 * - `audit_events.source`: `api` (the archive's own requests, and every event before), or
 *   `oss-access-log` / `actiontrail` (imported); hashed in the v2 canonical form (hashing.ts).
 * - `ledger_checkpoints`: the signed checkpoints stored under `ledger/checkpoint/` (size, root,
 *   object key): what the checkpointer integrated, so its work is incremental.
 * - `audit_segments`: the sealed segments under `audit/segment/` and their ledger leaves.
 * - `import_positions`, `imported_log_objects`: where the importers are.
 * - `sts_attributions`: STS access key ids the archive obtained, and for what (an export and its
 *   recipient): how imported access is attributed.
 * - `alerts`: raised, listed, acknowledged (once), never deleted.
 * - `job_requests`: "run this job now" for the instance that leads it.
 *
 * Append-only tables refuse UPDATE and DELETE in the database itself, as audit_events does.
 */
export async function evidenceTables(db: Kysely<unknown>, dialect: CatalogDialect, t: Types): Promise<void> {
  const pg = dialect === 'postgres';
  const strict = pg ? sql`` : sql`strict`;
  const sources = sql.raw(AUDIT_SOURCE_VALUES.map((s) => `'${s}'`).join(', '));

  await sql`alter table audit_events add column source text not null default 'api'
    constraint audit_events_source check (source in (${sources}))`.execute(db);
  await db.schema
    .createIndex('audit_events_by_source')
    .on('audit_events')
    .columns(['source', 'seq'])
    .execute();

  await db.schema
    .createTable('ledger_checkpoints')
    .addColumn('tree_size', t.bigint, (c) => c.primaryKey())
    .addColumn('root_hash', t.text, (c) => c.notNull())
    .addColumn('object_key', t.text, (c) => c.notNull().unique())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addCheckConstraint('ledger_checkpoints_size_nonnegative', sql`tree_size >= 0`)
    .addCheckConstraint('ledger_checkpoints_root_hex', hexCheck(dialect, 'root_hash'))
    .modifyEnd(strict)
    .execute();

  await db.schema
    .createTable('audit_segments')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('from_seq', t.bigint, (c) => c.notNull().unique())
    .addColumn('to_seq', t.bigint, (c) => c.notNull().unique())
    .addColumn('object_key', t.text, (c) => c.notNull().unique())
    .addColumn('sha256', t.text, (c) => c.notNull())
    .addColumn('last_hash', t.text, (c) => c.notNull())
    .addColumn('ledger_seq', t.bigint, (c) => c.notNull().unique().references('ledger_leaves.seq'))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addCheckConstraint('audit_segments_range', sql`from_seq >= 0 and to_seq >= from_seq`)
    .addCheckConstraint('audit_segments_sha256_hex', hexCheck(dialect, 'sha256'))
    .addCheckConstraint('audit_segments_last_hash_hex', hexCheck(dialect, 'last_hash'))
    .modifyEnd(strict)
    .execute();

  await db.schema
    .createTable('import_positions')
    .addColumn('name', t.text, (c) => c.primaryKey())
    .addColumn('position', t.text, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .modifyEnd(strict)
    .execute();

  await db.schema
    .createTable('imported_log_objects')
    .addColumn('object_key', t.id, (c) => c.primaryKey())
    .addColumn('source_bucket', t.text, (c) => c.notNull())
    .addColumn('lines', t.int, (c) => c.notNull())
    .addColumn('imported_at', t.timestamp, (c) => c.notNull())
    .modifyEnd(strict)
    .execute();

  await db.schema
    .createTable('sts_attributions')
    .addColumn('access_key_id', t.id, (c) => c.primaryKey())
    .addColumn('purpose', t.text, (c) => c.notNull())
    .addColumn('export_id', t.text)
    .addColumn('recipient', t.text)
    .addColumn('role_arn', t.text)
    .addColumn('expires_at', t.timestamp)
    .addColumn('registered_at', t.timestamp, (c) => c.notNull())
    .modifyEnd(strict)
    .execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('source', t.text, (c) => c.notNull())
    .addColumn('kind', t.text, (c) => c.notNull())
    .addColumn('summary', t.text, (c) => c.notNull())
    .addColumn('details', t.text, (c) => c.notNull())
    .addColumn('dedupe_key', t.text)
    .addColumn('raised_at', t.timestamp, (c) => c.notNull())
    .addColumn('acknowledged_at', t.timestamp)
    .addColumn('acknowledged_by', t.text)
    .addColumn('acknowledgement', t.text)
    .addCheckConstraint(
      'alerts_acknowledged_whole',
      sql`(acknowledged_at is null and acknowledged_by is null and acknowledgement is null)
        or (acknowledged_at is not null and acknowledged_by is not null and acknowledgement is not null)`,
    )
    .modifyEnd(strict)
    .execute();
  // One open alert per dedupe key; acknowledged ones stay, any number of them.
  await db.schema
    .createIndex('alerts_open_dedupe')
    .on('alerts')
    .column('dedupe_key')
    .unique()
    .where(sql.ref('acknowledged_at'), 'is', null)
    .execute();
  await db.schema.createIndex('alerts_by_raised').on('alerts').columns(['raised_at', 'id']).execute();

  await db.schema
    .createTable('job_requests')
    .addColumn('name', t.text, (c) => c.primaryKey())
    .addColumn('requested_at', t.timestamp, (c) => c.notNull())
    .modifyEnd(strict)
    .execute();

  const appendOnly = ['ledger_checkpoints', 'audit_segments', 'sts_attributions'];
  if (pg) {
    for (const table of appendOnly)
      await sql
        .raw(
          `create trigger ${table}_append_only before update or delete or truncate on ${table} ` +
            `for each statement execute function strongroom_refuse_change()`,
        )
        .execute(db);
    await sql`create function strongroom_alert_acknowledge_only() returns trigger language plpgsql as $$
      begin
        if tg_op = 'UPDATE' and old.acknowledged_at is null and new.acknowledged_at is not null
          and new.id = old.id and new.source = old.source and new.kind = old.kind
          and new.summary = old.summary and new.details = old.details
          and new.dedupe_key is not distinct from old.dedupe_key and new.raised_at = old.raised_at then
          return new;
        end if;
        raise exception 'alerts are only acknowledged, once: % refused', tg_op;
      end
      $$`.execute(db);
    await sql`create trigger alerts_acknowledge_only before update or delete on alerts
      for each row execute function strongroom_alert_acknowledge_only()`.execute(db);
    await sql`create trigger alerts_no_truncate before truncate on alerts
      for each statement execute function strongroom_refuse_change()`.execute(db);
    return;
  }
  for (const table of appendOnly) {
    for (const op of ['update', 'delete']) {
      await sql
        .raw(
          `create trigger ${table}_no_${op} before ${op} on ${table} ` +
            `begin select raise(abort, '${table} is append-only: ${op.toUpperCase()} refused'); end`,
        )
        .execute(db);
    }
  }
  await sql`create trigger alerts_acknowledge_only before update on alerts
    when old.acknowledged_at is not null or new.acknowledged_at is null
      or new.id is not old.id or new.source is not old.source or new.kind is not old.kind
      or new.summary is not old.summary or new.details is not old.details
      or new.dedupe_key is not old.dedupe_key or new.raised_at is not old.raised_at
    begin select raise(abort, 'alerts are only acknowledged, once: UPDATE refused'); end`.execute(db);
  await sql`create trigger alerts_no_delete before delete on alerts
    begin select raise(abort, 'alerts are never deleted: DELETE refused'); end`.execute(db);
}
