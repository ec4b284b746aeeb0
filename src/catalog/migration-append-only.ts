import { sql, type Kysely } from 'kysely';
import type { CatalogDialect } from './types';

/**
 * Migration 0005: append-only that holds whatever the connection's settings (issue 8, item 1).
 *
 * Before it, the UPDATE and DELETE triggers of 0001 guarded `audit_events` and `ledger_leaves`,
 * but on SQLite `INSERT OR REPLACE` (and `REPLACE INTO`, `UPDATE OR REPLACE`) with an existing
 * key went round them: REPLACE deletes the conflicting row without firing DELETE triggers unless
 * `recursive_triggers` is on, and a hostile writer does not turn it on. `counters` could be set
 * back to 0 the same way, and `records` had no protection at all.
 *
 * What the database now refuses, on both SQLite and PostgreSQL:
 * - `audit_events`, `ledger_leaves`, `counters`: an INSERT whose key (primary key or any unique
 *   key) exists already, refused by a BEFORE INSERT trigger, so that no conflict resolution ever
 *   runs (SQLite). `counters` takes no INSERT at all (its rows are made by migration 0001).
 *   PostgreSQL has no REPLACE; its `INSERT ... ON CONFLICT DO UPDATE` fires the statement-level
 *   UPDATE triggers of 0001 and is refused by them (tested).
 * - `records`: an INSERT over an existing row (record id, ledger seq, or bucket and key); a row
 *   that does not match its ledger leaf (kind `record`, the same record id and SHA-256), so a
 *   deleted row cannot come back with other content; an UPDATE of any column except
 *   `retain_until`, which may only move later (a retention extension); on PostgreSQL, TRUNCATE.
 *   `INSERT ... ON CONFLICT DO UPDATE` fires the same row-level UPDATE trigger.
 *   DELETE of a record row stays possible: disposition (after retention) removes rows, and
 *   leaves its tombstone in the ledger.
 *
 * The refusals of a duplicate key say "existing row" and are recognised as unique violations
 * (db-errors.ts), so the catalog answers a duplicate as it did when the index refused it.
 * Dropping the triggers remains possible for someone with the database file or DDL rights: the
 * ledger's sealing, checkpoints and verification catch that. A later SQLite migration that
 * rebuilds one of these tables must make these triggers again (as 0004 does for its own).
 */
export async function appendOnly(db: Kysely<unknown>, dialect: CatalogDialect): Promise<void> {
  await (dialect === 'postgres' ? postgres(db) : sqlite(db));
}

/** Every column of `records` but retain_until: never changed once the row is written. */
export const IMMUTABLE_RECORD_COLUMNS = [
  'record_id',
  'record_type',
  'schema_version',
  'business_date',
  'client_id',
  'account_id',
  'instrument',
  'order_id',
  'trade_id',
  'bucket',
  'object_key',
  'sha256',
  'crc64',
  'md5',
  'size',
  'content_type',
  'retention_class',
  'ingested_at',
  'principal_id',
  'ledger_seq',
  'amends',
  'document_type',
  'file_name',
] as const;

/** The marker of a duplicate key refused by a trigger (db-errors.ts recognises it). */
export const EXISTING_ROW_MARKER = 'INSERT over an existing row refused';

/** Key columns of each append-only table: one `exists` per unique key, each served by its index. */
const UNIQUE_KEYS: Record<'audit_events' | 'ledger_leaves' | 'records', string[][]> = {
  audit_events: [['seq'], ['event_id']],
  ledger_leaves: [['seq'], ['kind', 'record_id']],
  records: [['record_id'], ['ledger_seq'], ['bucket', 'object_key']],
};

function existsClause(table: string, keys: string[][]): string {
  return keys
    .map(
      (cols) => `exists (select 1 from ${table} where ${cols.map((c) => `${c} = new.${c}`).join(' and ')})`,
    )
    .join(' or ');
}

async function sqlite(db: Kysely<unknown>): Promise<void> {
  for (const [table, keys] of Object.entries(UNIQUE_KEYS)) {
    await sql
      .raw(
        `create trigger ${table}_no_replace before insert on ${table} ` +
          `when ${existsClause(table, keys)} ` +
          `begin select raise(abort, '${table} is append-only: ${EXISTING_ROW_MARKER}'); end`,
      )
      .execute(db);
  }
  await sql`create trigger counters_no_insert before insert on counters
    begin select raise(abort, 'counters are made once, by the migrations: INSERT refused'); end`.execute(db);
  await sql`create trigger records_match_leaf before insert on records
    when not exists (select 1 from ledger_leaves where seq = new.ledger_seq and kind = 'record'
      and record_id = new.record_id and sha256 = new.sha256)
    begin select raise(abort, 'records: a row must match its ledger leaf (kind record, same id and SHA-256)'); end`.execute(
    db,
  );
  const changed = IMMUTABLE_RECORD_COLUMNS.map((c) => `new.${c} is not old.${c}`).join(' or ');
  await sql
    .raw(
      `create trigger records_immutable before update on records when ${changed} ` +
        `begin select raise(abort, 'records are never changed: UPDATE refused (only retain_until may move later)'); end`,
    )
    .execute(db);
  await sql`create trigger records_retain_until_forward before update of retain_until on records
    when new.retain_until < old.retain_until
    begin select raise(abort, 'records: retain_until only moves later'); end`.execute(db);
}

async function postgres(db: Kysely<unknown>): Promise<void> {
  // ON CONFLICT DO UPDATE is refused by the UPDATE triggers of 0001; a plain duplicate by the
  // unique indexes. Nothing REPLACEs on PostgreSQL, so only `counters` and `records` need more.
  await sql`create function strongroom_refuse_insert() returns trigger language plpgsql as $$
    begin
      raise exception '% is made once, by the migrations: INSERT refused', tg_table_name;
    end
    $$`.execute(db);
  await sql`create trigger counters_no_insert before insert on counters
    for each statement execute function strongroom_refuse_insert()`.execute(db);

  const changed = IMMUTABLE_RECORD_COLUMNS.map((c) => `new.${c} is distinct from old.${c}`).join(' or ');
  await sql
    .raw(
      `create function strongroom_records_guard() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        if not exists (select 1 from ledger_leaves where seq = new.ledger_seq and kind = 'record'
            and record_id = new.record_id and sha256 = new.sha256) then
          raise exception 'records: a row must match its ledger leaf (kind record, same id and SHA-256)';
        end if;
        return new;
      end if;
      if ${changed} then
        raise exception 'records are never changed: UPDATE refused (only retain_until may move later)';
      end if;
      if new.retain_until < old.retain_until then
        raise exception 'records: retain_until only moves later';
      end if;
      return new;
    end
    $$`,
    )
    .execute(db);
  await sql`create trigger records_guard before insert or update on records
    for each row execute function strongroom_records_guard()`.execute(db);
  await sql`create trigger records_no_truncate before truncate on records
    for each statement execute function strongroom_refuse_change()`.execute(db);
}
