import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Types } from './migrations';
import type { CatalogDialect } from './types';

/**
 * Migration 0010: the tables of the archive's life over the years (issue 12), every one
 * append-only, so that nothing here is ever updated or deleted (the `records` rows are never
 * changed either: issue 8). What a record's retention, holds and disposal are is computed from
 * these rows:
 *
 * - legal holds: `holds` (with its criteria), `hold_records` (the record ids it names),
 *   `hold_releases` (one per hold, from another principal than the one who placed it);
 * - retention: `retention_events` (a client's relationship ended at...), `retention_changes`
 *   (a record's retain-until moved later, never earlier);
 * - disposition: `dispositions` (a proposed batch), `disposition_items`, `disposition_approvals`
 *   (one, by a second principal), `disposition_results` (one per item), `record_dispositions`
 *   (the disposed mark: the record's row stays, its tombstone is a ledger leaf);
 * - fixity: `fixity_sweeps`, `fixity_progress` (checkpoints of a sweep, to resume it),
 *   `fixity_problems`, `fixity_results` (the sealed report: its object and ledger leaf).
 *
 * The database itself refuses what the rules forbid: UPDATE and DELETE on every table, a release
 * or an approval by the principal who placed the hold or proposed the batch, a retention change
 * that is not later than the record's retain-until.
 */
export const LIFECYCLE_TABLES = [
  'holds',
  'hold_records',
  'hold_releases',
  'retention_events',
  'retention_changes',
  'dispositions',
  'disposition_items',
  'disposition_approvals',
  'disposition_results',
  'record_dispositions',
  'fixity_sweeps',
  'fixity_progress',
  'fixity_problems',
  'fixity_results',
] as const;

function hex64(dialect: CatalogDialect, column: string): RawBuilder<unknown> {
  const ref = sql.ref(column);
  return dialect === 'postgres'
    ? sql`${ref} ~ '^[0-9a-f]{64}$'`
    : sql`length(${ref}) = 64 and ${ref} not glob '*[^0-9a-f]*'`;
}

function oneOf(column: string, values: readonly string[]): RawBuilder<unknown> {
  return sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}

export async function lifecycleTables(db: Kysely<unknown>, dialect: CatalogDialect, t: Types): Promise<void> {
  if (dialect === 'postgres') return createTables(db, dialect, t);
  // Kysely runs SQLite migrations outside a transaction (see migration-ledger-kinds.ts): all or nothing here.
  await sql`begin immediate`.execute(db);
  try {
    await createTables(db, dialect, t);
    await sql`commit`.execute(db);
  } catch (err) {
    await sql`rollback`.execute(db);
    throw err;
  }
}

async function createTables(db: Kysely<unknown>, dialect: CatalogDialect, t: Types): Promise<void> {
  const pg = dialect === 'postgres';
  const strict = pg ? sql`` : sql`strict`;

  // ---------------------------------------------------------------- legal holds
  await db.schema
    .createTable('holds')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('name', t.text, (c) => c.notNull())
    .addColumn('matter', t.text, (c) => c.notNull())
    .addColumn('reason', t.text, (c) => c.notNull())
    .addColumn('client_id', t.text)
    .addColumn('account_id', t.text)
    .addColumn('record_type', t.text)
    .addColumn('from_date', t.date)
    .addColumn('to_date', t.date)
    .addColumn('has_record_ids', t.int, (c) => c.notNull())
    .addColumn('placed_by', t.id, (c) => c.notNull().references('principals.id'))
    .addColumn('placed_at', t.timestamp, (c) => c.notNull())
    .addCheckConstraint('holds_has_record_ids', sql`has_record_ids in (0, 1)`)
    .addCheckConstraint(
      'holds_has_criteria',
      sql`has_record_ids = 1 or client_id is not null or account_id is not null or record_type is not null or from_date is not null or to_date is not null`,
    )
    .modifyEnd(strict)
    .execute();
  await db.schema
    .createTable('hold_records')
    .addColumn('hold_id', t.id, (c) => c.notNull().references('holds.id'))
    .addColumn('record_id', t.id, (c) => c.notNull())
    .addPrimaryKeyConstraint('hold_records_pk', ['hold_id', 'record_id'])
    .modifyEnd(strict)
    .execute();
  await db.schema.createIndex('hold_records_by_record').on('hold_records').columns(['record_id']).execute();
  await db.schema
    .createTable('hold_releases')
    .addColumn('hold_id', t.id, (c) => c.primaryKey().references('holds.id'))
    .addColumn('released_by', t.id, (c) => c.notNull().references('principals.id'))
    .addColumn('reason', t.text, (c) => c.notNull())
    .addColumn('released_at', t.timestamp, (c) => c.notNull())
    .modifyEnd(strict)
    .execute();

  // ---------------------------------------------------------------- retention
  await db.schema
    .createTable('retention_events')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('client_id', t.text, (c) => c.notNull())
    .addColumn('event', t.text, (c) => c.notNull())
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .addColumn('recorded_by', t.id, (c) => c.notNull().references('principals.id'))
    .addColumn('recorded_at', t.timestamp, (c) => c.notNull())
    .addCheckConstraint('retention_events_event', oneOf('event', ['relationship_ended']))
    .modifyEnd(strict)
    .execute();
  await db.schema
    .createIndex('retention_events_by_client')
    .on('retention_events')
    .columns(['client_id', 'at'])
    .execute();
  await db.schema
    .createTable('retention_changes')
    .addColumn('record_id', t.id, (c) => c.notNull().references('records.record_id'))
    .addColumn('retention_event_id', t.id, (c) => c.notNull().references('retention_events.id'))
    .addColumn('previous', t.timestamp, (c) => c.notNull())
    .addColumn('retain_until', t.timestamp, (c) => c.notNull())
    .addColumn('changed_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('retention_changes_pk', ['record_id', 'retention_event_id'])
    .addCheckConstraint('retention_changes_later', sql`retain_until > previous`)
    .modifyEnd(strict)
    .execute();
  await db.schema
    .createIndex('retention_changes_by_record')
    .on('retention_changes')
    .columns(['record_id', 'retain_until'])
    .execute();

  // ---------------------------------------------------------------- disposition
  await db.schema
    .createTable('dispositions')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('proposed_by', t.id, (c) => c.notNull().references('principals.id'))
    .addColumn('proposed_at', t.timestamp, (c) => c.notNull())
    .addColumn('reason', t.text, (c) => c.notNull())
    .addColumn('as_of', t.timestamp, (c) => c.notNull())
    .addColumn('selection', t.text, (c) => c.notNull())
    .addColumn('item_count', t.int, (c) => c.notNull())
    .addCheckConstraint('dispositions_selection', oneOf('selection', ['list', 'eligible']))
    .addCheckConstraint('dispositions_item_count', sql`item_count > 0`)
    .modifyEnd(strict)
    .execute();
  await db.schema
    .createTable('disposition_items')
    .addColumn('disposition_id', t.id, (c) => c.notNull().references('dispositions.id'))
    .addColumn('record_id', t.id, (c) => c.notNull().references('records.record_id'))
    .addColumn('bucket', t.text, (c) => c.notNull())
    .addColumn('object_key', t.text, (c) => c.notNull())
    .addColumn('description_key', t.text)
    .addColumn('sha256', t.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('disposition_items_pk', ['disposition_id', 'record_id'])
    .addCheckConstraint('disposition_items_sha256_hex', hex64(dialect, 'sha256'))
    .modifyEnd(strict)
    .execute();
  await db.schema
    .createTable('disposition_approvals')
    .addColumn('disposition_id', t.id, (c) => c.primaryKey().references('dispositions.id'))
    .addColumn('approved_by', t.id, (c) => c.notNull().references('principals.id'))
    .addColumn('approved_at', t.timestamp, (c) => c.notNull())
    .addColumn('note', t.text, (c) => c.notNull())
    .modifyEnd(strict)
    .execute();
  await db.schema
    .createTable('disposition_results')
    .addColumn('disposition_id', t.id, (c) => c.notNull())
    .addColumn('record_id', t.id, (c) => c.notNull())
    .addColumn('outcome', t.text, (c) => c.notNull())
    .addColumn('detail', t.text, (c) => c.notNull())
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('disposition_results_pk', ['disposition_id', 'record_id'])
    .addForeignKeyConstraint(
      'disposition_results_item',
      ['disposition_id', 'record_id'],
      'disposition_items',
      ['disposition_id', 'record_id'],
    )
    .addCheckConstraint('disposition_results_outcome', oneOf('outcome', ['disposed', 'refused', 'skipped']))
    .modifyEnd(strict)
    .execute();
  await db.schema
    .createTable('record_dispositions')
    .addColumn('record_id', t.id, (c) => c.primaryKey().references('records.record_id'))
    .addColumn('disposition_id', t.id, (c) => c.notNull().references('dispositions.id'))
    .addColumn('disposed_at', t.timestamp, (c) => c.notNull())
    .addColumn('ledger_seq', t.bigint, (c) => c.notNull().unique().references('ledger_leaves.seq'))
    .modifyEnd(strict)
    .execute();

  // ---------------------------------------------------------------- fixity
  await db.schema
    .createTable('fixity_sweeps')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('kind', t.text, (c) => c.notNull())
    .addColumn('bucket', t.text)
    .addColumn('sample_ppm', t.int, (c) => c.notNull())
    .addColumn('started_at', t.timestamp, (c) => c.notNull())
    .addColumn('initiated', t.text, (c) => c.notNull())
    .addCheckConstraint('fixity_sweeps_kind', oneOf('kind', ['head', 'deep']))
    .addCheckConstraint('fixity_sweeps_sample', sql`sample_ppm between 1 and 1000000`)
    .modifyEnd(strict)
    .execute();
  await db.schema
    .createIndex('fixity_sweeps_by_kind')
    .on('fixity_sweeps')
    .columns(['kind', 'started_at'])
    .execute();
  await db.schema
    .createTable('fixity_progress')
    .addColumn('sweep_id', t.id, (c) => c.notNull().references('fixity_sweeps.id'))
    .addColumn('step', t.int, (c) => c.notNull())
    .addColumn('state', t.text, (c) => c.notNull())
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('fixity_progress_pk', ['sweep_id', 'step'])
    .modifyEnd(strict)
    .execute();
  await db.schema
    .createTable('fixity_problems')
    .addColumn('sweep_id', t.id, (c) => c.notNull().references('fixity_sweeps.id'))
    .addColumn('problem_key', t.text, (c) => c.notNull())
    .addColumn('position', t.int, (c) => c.notNull())
    .addColumn('problem', t.text, (c) => c.notNull())
    .addColumn('found_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('fixity_problems_pk', ['sweep_id', 'problem_key'])
    .modifyEnd(strict)
    .execute();
  await db.schema
    .createTable('fixity_results')
    .addColumn('sweep_id', t.id, (c) => c.primaryKey().references('fixity_sweeps.id'))
    .addColumn('finished_at', t.timestamp, (c) => c.notNull())
    .addColumn('report_key', t.text, (c) => c.notNull())
    .addColumn('report_sha256', t.text, (c) => c.notNull())
    .addColumn('summary', t.text, (c) => c.notNull())
    .addColumn('problems', t.int, (c) => c.notNull())
    .addColumn('ledger_seq', t.bigint, (c) => c.notNull().unique().references('ledger_leaves.seq'))
    .addCheckConstraint('fixity_results_sha256_hex', hex64(dialect, 'report_sha256'))
    .modifyEnd(strict)
    .execute();

  await (pg ? protectPostgres(db) : protectSqlite(db));
}

async function protectSqlite(db: Kysely<unknown>): Promise<void> {
  for (const table of LIFECYCLE_TABLES) {
    for (const op of ['update', 'delete']) {
      await sql
        .raw(
          `create trigger ${table}_no_${op} before ${op} on ${table} ` +
            `begin select raise(abort, '${table} is append-only: ${op.toUpperCase()} refused'); end`,
        )
        .execute(db);
    }
  }
  await sql`create trigger hold_releases_four_eyes before insert on hold_releases
    when new.released_by = (select placed_by from holds where id = new.hold_id)
    begin select raise(abort, 'four eyes: a hold is released by another principal than the one who placed it'); end`.execute(
    db,
  );
  await sql`create trigger disposition_approvals_four_eyes before insert on disposition_approvals
    when new.approved_by = (select proposed_by from dispositions where id = new.disposition_id)
    begin select raise(abort, 'four eyes: a disposition is approved by another principal than the one who proposed it'); end`.execute(
    db,
  );
  // Timestamps are ISO 8601 UTC text of one format (toISOString): they compare as text.
  await sql`create trigger retention_changes_only_later before insert on retention_changes
    when new.retain_until <= coalesce(
      (select max(retain_until) from retention_changes where record_id = new.record_id),
      (select retain_until from records where record_id = new.record_id))
    begin select raise(abort, 'retention only moves later: the change is not later than the retain-until'); end`.execute(
    db,
  );
}

async function protectPostgres(db: Kysely<unknown>): Promise<void> {
  for (const table of LIFECYCLE_TABLES) {
    await sql
      .raw(
        `create trigger ${table}_append_only before update or delete or truncate on ${table} ` +
          `for each statement execute function strongroom_refuse_change()`,
      )
      .execute(db);
  }
  // One function per table: PL/pgSQL resolves every `new.<column>` of an expression it runs.
  await sql`create function strongroom_hold_four_eyes() returns trigger language plpgsql as $$
    begin
      if new.released_by = (select placed_by from holds where id = new.hold_id) then
        raise exception 'four eyes: a hold is released by another principal than the one who placed it';
      end if;
      return new;
    end
    $$`.execute(db);
  await sql`create function strongroom_disposition_four_eyes() returns trigger language plpgsql as $$
    begin
      if new.approved_by = (select proposed_by from dispositions where id = new.disposition_id) then
        raise exception 'four eyes: a disposition is approved by another principal than the one who proposed it';
      end if;
      return new;
    end
    $$`.execute(db);
  await sql`create trigger hold_releases_four_eyes before insert on hold_releases
    for each row execute function strongroom_hold_four_eyes()`.execute(db);
  await sql`create trigger disposition_approvals_four_eyes before insert on disposition_approvals
    for each row execute function strongroom_disposition_four_eyes()`.execute(db);
  await sql`create function strongroom_retention_only_later() returns trigger language plpgsql as $$
    begin
      if new.retain_until <= coalesce(
          (select max(retain_until) from retention_changes where record_id = new.record_id),
          (select retain_until from records where record_id = new.record_id)) then
        raise exception 'retention only moves later: the change is not later than the retain-until';
      end if;
      return new;
    end
    $$`.execute(db);
  await sql`create trigger retention_changes_only_later before insert on retention_changes
    for each row execute function strongroom_retention_only_later()`.execute(db);
}
