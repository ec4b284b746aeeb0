import { sql, type Kysely, type Migration, type MigrationProvider, type RawBuilder } from 'kysely';
import { alpTradeFacts } from './migration-alp-trades';
import { appendOnly } from './migration-append-only';
import { exportTables } from './migration-exports';
import { evidenceTables } from './migration-evidence';
import { documentsByType } from './migration-documents';
import { ledgerKinds } from './migration-ledger-kinds';
import { lifecycleTables } from './migration-lifecycle';
import { PRINCIPAL_KINDS, ROLES, type CatalogDialect } from './types';

/**
 * The catalog's migrations, defined in code (no files read at run time, so the compiled dist
 * works). Append new migrations; never edit one that has shipped. Names sort in order.
 *
 * Migrations take `Kysely<unknown>`: the schema they build is what the typed `CatalogDatabase`
 * later describes, so they cannot be typed by it.
 */
export function catalogMigrations(dialect: CatalogDialect): Record<string, Migration> {
  return {
    '2026-11-22-0001-catalog': { up: (db: Kysely<unknown>) => createCatalog(db, dialect) },
    '2026-11-22-0002-group-counters': { up: (db: Kysely<unknown>) => groupCounters(db, dialect) },
    '2026-11-24-0003-alp-trade-facts': {
      up: (db: Kysely<unknown>) => alpTradeFacts(db, dialect, typesFor(dialect)),
    },
    '2026-12-01-0004-ledger-kinds': { up: (db: Kysely<unknown>) => ledgerKinds(db, dialect) },
    '2026-12-01-0005-append-only': { up: (db: Kysely<unknown>) => appendOnly(db, dialect) },
    '2026-12-01-0006-evidence': {
      up: (db: Kysely<unknown>) => evidenceTables(db, dialect, typesFor(dialect)),
    },
    '2026-12-01-0008-documents-by-type': { up: (db: Kysely<unknown>) => documentsByType(db) },
    '2026-12-01-0010-lifecycle': {
      up: (db: Kysely<unknown>) => lifecycleTables(db, dialect, typesFor(dialect)),
    },
    '2026-12-01-0012-exports': { up: (db: Kysely<unknown>) => exportTables(db, dialect, typesFor(dialect)) },
  };
}

export class CatalogMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: CatalogDialect) {}
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(catalogMigrations(this.dialect));
  }
}

export interface Types {
  text: RawBuilder<unknown>;
  /** Ids compared and sorted bytewise on both databases (PostgreSQL collation "C"). */
  id: RawBuilder<unknown>;
  int: RawBuilder<unknown>;
  bigint: RawBuilder<unknown>;
  timestamp: RawBuilder<unknown>;
  date: RawBuilder<unknown>;
}

export function typesFor(dialect: CatalogDialect): Types {
  return dialect === 'postgres'
    ? {
        text: sql`text`,
        id: sql`text collate "C"`,
        int: sql`integer`,
        bigint: sql`bigint`,
        timestamp: sql`timestamptz`,
        date: sql`date`,
      }
    : {
        text: sql`text`,
        id: sql`text`,
        int: sql`integer`,
        bigint: sql`integer`,
        timestamp: sql`text`,
        date: sql`text`,
      };
}

/** A CHECK that `column` is 64 lower-case hex digits. */
function hex64(dialect: CatalogDialect, column: string): RawBuilder<unknown> {
  const ref = sql.ref(column);
  return dialect === 'postgres'
    ? sql`${ref} ~ '^[0-9a-f]{64}$'`
    : sql`length(${ref}) = 64 and ${ref} not glob '*[^0-9a-f]*'`;
}

function oneOf(column: string, values: readonly string[]): RawBuilder<unknown> {
  return sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}

async function createCatalog(db: Kysely<unknown>, dialect: CatalogDialect): Promise<void> {
  const t = typesFor(dialect);
  const pg = dialect === 'postgres';
  // SQLite STRICT tables refuse values of the wrong type instead of storing them anyway.
  const strict = pg ? sql`` : sql`strict`;

  await db.schema
    .createTable('counters')
    .addColumn('name', t.text, (c) => c.primaryKey())
    .addColumn('next_value', t.bigint, (c) => c.notNull())
    .addCheckConstraint('counters_next_value_nonnegative', sql`next_value >= 0`)
    .modifyEnd(strict)
    .execute();
  await sql`insert into counters (name, next_value) values ('ledger', 0), ('audit', 0)`.execute(db);

  await db.schema
    .createTable('ledger_leaves')
    .addColumn('seq', t.bigint, (c) => c.primaryKey())
    .addColumn('kind', t.text, (c) => c.notNull())
    .addColumn('record_id', t.id, (c) => c.notNull())
    .addColumn('sha256', t.text, (c) => c.notNull())
    .addColumn('leaf_hash', t.text, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addUniqueConstraint('ledger_leaves_entry_unique', ['kind', 'record_id'])
    .addCheckConstraint('ledger_leaves_seq_nonnegative', sql`seq >= 0`)
    .addCheckConstraint('ledger_leaves_kind', oneOf('kind', ['record', 'audit_segment', 'export']))
    .addCheckConstraint('ledger_leaves_sha256_hex', hex64(dialect, 'sha256'))
    .addCheckConstraint('ledger_leaves_leaf_hash_hex', hex64(dialect, 'leaf_hash'))
    .modifyEnd(strict)
    .execute();

  await db.schema
    .createTable('records')
    .addColumn('record_id', t.id, (c) => c.primaryKey())
    .addColumn('record_type', t.text, (c) => c.notNull())
    .addColumn('schema_version', t.int, (c) => c.notNull())
    .addColumn('business_date', t.date, (c) => c.notNull())
    .addColumn('client_id', t.text)
    .addColumn('account_id', t.text)
    .addColumn('instrument', t.text)
    .addColumn('order_id', t.text)
    .addColumn('trade_id', t.text)
    .addColumn('bucket', t.text, (c) => c.notNull())
    .addColumn('object_key', t.text, (c) => c.notNull())
    .addColumn('sha256', t.text, (c) => c.notNull())
    .addColumn('crc64', t.text, (c) => c.notNull())
    .addColumn('md5', t.text, (c) => c.notNull())
    .addColumn('size', t.bigint, (c) => c.notNull())
    .addColumn('content_type', t.text, (c) => c.notNull())
    .addColumn('retention_class', t.text, (c) => c.notNull())
    .addColumn('retain_until', t.timestamp, (c) => c.notNull())
    .addColumn('ingested_at', t.timestamp, (c) => c.notNull())
    .addColumn('principal_id', t.text, (c) => c.notNull())
    // Every record is a leaf: the row cannot exist without its leaf.
    .addColumn('ledger_seq', t.bigint, (c) => c.notNull().unique().references('ledger_leaves.seq'))
    // No foreign key: a reindex may meet a correction before the record it amends.
    .addColumn('amends', t.id)
    .addColumn('document_type', t.text)
    .addColumn('file_name', t.text)
    .addUniqueConstraint('records_object_unique', ['bucket', 'object_key'])
    .addCheckConstraint('records_sha256_hex', hex64(dialect, 'sha256'))
    .addCheckConstraint('records_size_nonnegative', sql`size >= 0`)
    .addCheckConstraint(
      'records_crc64_decimal',
      pg ? sql`crc64 ~ '^[0-9]{1,20}$'` : sql`crc64 <> '' and crc64 not glob '*[^0-9]*'`,
    )
    .$call((b) =>
      pg
        ? b
        : b.addCheckConstraint(
            'records_business_date_format',
            sql`business_date glob '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'`,
          ),
    )
    .modifyEnd(strict)
    .execute();

  // Searches filter on one column (optionally the type) and page by (business_date, record_id).
  const searchIndexes: [string, string][] = [
    ['records_by_client', 'client_id'],
    ['records_by_account', 'account_id'],
    ['records_by_instrument', 'instrument'],
    ['records_by_order', 'order_id'],
    ['records_by_trade', 'trade_id'],
  ];
  for (const [name, column] of searchIndexes) {
    await db.schema
      .createIndex(name)
      .on('records')
      .columns([column, 'business_date', 'record_id'])
      .where(sql.ref(column), 'is not', null)
      .execute();
  }
  await db.schema
    .createIndex('records_by_date')
    .on('records')
    .columns(['business_date', 'record_id'])
    .execute();
  await db.schema
    .createIndex('records_by_type_date')
    .on('records')
    .columns(['record_type', 'business_date', 'record_id'])
    .execute();
  await db.schema
    .createIndex('records_by_amends')
    .on('records')
    .columns(['amends', 'ledger_seq'])
    .where(sql.ref('amends'), 'is not', null)
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('seq', t.bigint, (c) => c.primaryKey())
    .addColumn('event_id', t.text, (c) => c.notNull().unique())
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .addColumn('principal_id', t.text)
    .addColumn('action', t.text, (c) => c.notNull())
    .addColumn('target', t.text)
    .addColumn('outcome', t.text, (c) => c.notNull())
    .addColumn('ip', t.text)
    .addColumn('request_id', t.text)
    .addColumn('details', t.text)
    .addColumn('prev_hash', t.text, (c) => c.notNull())
    .addColumn('hash', t.text, (c) => c.notNull())
    .addCheckConstraint('audit_events_seq_nonnegative', sql`seq >= 0`)
    .addCheckConstraint('audit_events_outcome', oneOf('outcome', ['allowed', 'denied', 'error']))
    .addCheckConstraint('audit_events_prev_hash_hex', hex64(dialect, 'prev_hash'))
    .addCheckConstraint('audit_events_hash_hex', hex64(dialect, 'hash'))
    .modifyEnd(strict)
    .execute();
  await db.schema
    .createIndex('audit_events_by_principal')
    .on('audit_events')
    .columns(['principal_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('audit_events_by_target')
    .on('audit_events')
    .columns(['target', 'seq'])
    .execute();
  await db.schema.createIndex('audit_events_by_at').on('audit_events').columns(['at']).execute();

  await db.schema
    .createTable('principals')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('name', t.text, (c) => c.notNull().unique())
    .addColumn('role', t.text, (c) => c.notNull())
    .addColumn('kind', t.text, (c) => c.notNull())
    .addColumn('disabled_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('created_by', t.id, (c) => c.references('principals.id'))
    .addCheckConstraint('principals_role', oneOf('role', ROLES))
    .addCheckConstraint('principals_kind', oneOf('kind', PRINCIPAL_KINDS))
    .modifyEnd(strict)
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('token_hash', t.text, (c) => c.primaryKey())
    .addColumn('principal_id', t.id, (c) => c.notNull().references('principals.id'))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('last_used_at', t.timestamp)
    .addColumn('revoked_at', t.timestamp)
    .addCheckConstraint('api_tokens_token_hash_hex', hex64(dialect, 'token_hash'))
    .modifyEnd(strict)
    .execute();
  await db.schema.createIndex('api_tokens_by_principal').on('api_tokens').columns(['principal_id']).execute();

  await (pg ? protectPostgres(db) : protectSqlite(db));
}

/** The database itself refuses to change the audit trail, the ledger and the counters. */
async function protectSqlite(db: Kysely<unknown>): Promise<void> {
  for (const table of ['audit_events', 'ledger_leaves']) {
    for (const op of ['update', 'delete']) {
      await sql
        .raw(
          `create trigger ${table}_no_${op} before ${op} on ${table} ` +
            `begin select raise(abort, '${table} is append-only: ${op.toUpperCase()} refused'); end`,
        )
        .execute(db);
    }
  }
  await sql`create trigger counters_forward_only before update on counters
    when new.name is not old.name or new.next_value is not old.next_value + 1
    begin select raise(abort, 'counters only move forward by one'); end`.execute(db);
  await sql`create trigger counters_no_delete before delete on counters
    begin select raise(abort, 'counters cannot be deleted'); end`.execute(db);
}

async function protectPostgres(db: Kysely<unknown>): Promise<void> {
  await sql`create function strongroom_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % refused', tg_table_name, tg_op;
    end
    $$`.execute(db);
  await sql`create function strongroom_counter_forward_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and new.name = old.name and new.next_value = old.next_value + 1 then
        return new;
      end if;
      raise exception 'counters only move forward by one: % refused', tg_op;
    end
    $$`.execute(db);
  for (const table of ['audit_events', 'ledger_leaves']) {
    // Statement-level: refused even when no row matches, and TRUNCATE too.
    await sql
      .raw(
        `create trigger ${table}_append_only before update or delete or truncate on ${table} ` +
          `for each statement execute function strongroom_refuse_change()`,
      )
      .execute(db);
  }
  await sql`create trigger counters_forward_only before update or delete on counters
    for each row execute function strongroom_counter_forward_only()`.execute(db);
  await sql`create trigger counters_no_truncate before truncate on counters
    for each statement execute function strongroom_refuse_change()`.execute(db);
}

/**
 * Group commit (group.ts) takes n seqs in one UPDATE, so a counter now moves forward by any
 * positive amount, still never back (docs/decisions/0002-group-commit.md). Density of the seqs
 * themselves is what the ledger and audit verifications check.
 */
async function groupCounters(db: Kysely<unknown>, dialect: CatalogDialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`create or replace function strongroom_counter_forward_only() returns trigger language plpgsql as $$
      begin
        if tg_op = 'UPDATE' and new.name = old.name and new.next_value > old.next_value then
          return new;
        end if;
        raise exception 'counters only move forward: % refused', tg_op;
      end
      $$`.execute(db);
    return;
  }
  await sql`drop trigger counters_forward_only`.execute(db);
  await sql`create trigger counters_forward_only before update on counters
    when new.name is not old.name or new.next_value <= old.next_value
    begin select raise(abort, 'counters only move forward'); end`.execute(db);
}
