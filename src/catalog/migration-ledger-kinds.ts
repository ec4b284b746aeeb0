import { sql, type Kysely } from 'kysely';
import type { CatalogDialect } from './types';

/** Every kind of ledger leaf (docs/EVIDENCE.md; src/catalog/hashing.ts writes them). */
export const LEDGER_KINDS = ['record', 'audit_segment', 'export', 'verification_report', 'disposition'];

const kindCheck = sql.raw(`kind in (${LEDGER_KINDS.map((k) => `'${k}'`).join(', ')})`);

/**
 * Migration 0004: the ledger takes fixity reports (`verification_report`) and disposition
 * tombstones (`disposition`) besides records, audit segments and exports.
 *
 * PostgreSQL swaps the CHECK constraint. SQLite cannot alter a CHECK, so the table is rebuilt
 * as sqlite.org/lang_altertable.html section 7 says: foreign keys off, in one transaction a copy
 * with the new constraint, the old table dropped (its rows and the append-only triggers with
 * it: DROP fires no triggers), the copy renamed, the triggers made again, the foreign keys
 * checked, commit. Kysely runs SQLite migrations outside a transaction on the one connection,
 * so the transaction is this function's own.
 */
export async function ledgerKinds(db: Kysely<unknown>, dialect: CatalogDialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table ledger_leaves drop constraint ledger_leaves_kind`.execute(db);
    await sql`alter table ledger_leaves add constraint ledger_leaves_kind check (${kindCheck})`.execute(db);
    return;
  }
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await sql`drop table if exists ledger_leaves_next`.execute(db);
      await sql`create table ledger_leaves_next (
        seq integer primary key,
        kind text not null,
        record_id text not null,
        sha256 text not null,
        leaf_hash text not null,
        created_at text not null,
        constraint ledger_leaves_entry_unique unique (kind, record_id),
        constraint ledger_leaves_seq_nonnegative check (seq >= 0),
        constraint ledger_leaves_kind check (${kindCheck}),
        constraint ledger_leaves_sha256_hex check (length(sha256) = 64 and sha256 not glob '*[^0-9a-f]*'),
        constraint ledger_leaves_leaf_hash_hex check (length(leaf_hash) = 64 and leaf_hash not glob '*[^0-9a-f]*')
      ) strict`.execute(db);
      await sql`insert into ledger_leaves_next (seq, kind, record_id, sha256, leaf_hash, created_at)
        select seq, kind, record_id, sha256, leaf_hash, created_at from ledger_leaves order by seq`.execute(
        db,
      );
      await sql`drop table ledger_leaves`.execute(db);
      await sql`alter table ledger_leaves_next rename to ledger_leaves`.execute(db);
      for (const op of ['update', 'delete']) {
        await sql
          .raw(
            `create trigger ledger_leaves_no_${op} before ${op} on ledger_leaves ` +
              `begin select raise(abort, 'ledger_leaves is append-only: ${op.toUpperCase()} refused'); end`,
          )
          .execute(db);
      }
      const broken = await sql<{ table: string }>`pragma foreign_key_check`.execute(db);
      if (broken.rows.length > 0)
        throw new Error(`migration 0004 would break ${broken.rows.length} foreign key(s); nothing changed`);
      await sql`commit`.execute(db);
    } catch (err) {
      await sql`rollback`.execute(db);
      throw err;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
