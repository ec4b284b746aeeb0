import type { Kysely, Transaction } from 'kysely';
import { ConflictError } from '../errors';
import { commitGroup, translate, type WriteContext, type WriteOp } from './group';
import type { GroupCommitter } from './group-commit';
import { leafHash } from './hashing';
import { toDbTime, toLedgerLeaf } from './mappers';
import type { CatalogDatabase } from './schema';
import type {
  AuditEvent,
  CommitResult,
  LedgerEntryKind,
  LedgerLeaf,
  NewAuditEvent,
  NewRecord,
} from './types';
import { HEX64, RECORD_ID, fail, type Issue } from './validate';

/**
 * The catalog's writes. Records and audit events go through the group committer (group.ts,
 * group-commit.ts): many in one transaction. Ledger entries for sealed segments and exports are
 * rare and written alone here, with the same counter discipline (see group.ts).
 */

export type { WriteContext } from './group';
export { legibleText } from './group';

type Trx = Transaction<CatalogDatabase>;

/** Writes one op through `committer` when there is one, else alone in its own transaction. */
async function writeOne(ctx: WriteContext, committer: GroupCommitter | null, op: WriteOp): Promise<unknown> {
  const outcome = committer ? await committer.write(op) : (await commitGroup(ctx, [op]))[0]!;
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/**
 * Record row + ledger leaf (+ audit event when given), committed together. An existing record id
 * writes nothing and returns the existing row (`created: false`): the caller compares sha256.
 */
export async function commitRecord(
  ctx: WriteContext,
  committer: GroupCommitter | null,
  record: NewRecord,
  audit: NewAuditEvent | null,
): Promise<CommitResult> {
  return (await writeOne(ctx, committer, { kind: 'record', record, audit })) as CommitResult;
}

export async function appendAudit(
  ctx: WriteContext,
  committer: GroupCommitter | null,
  event: NewAuditEvent,
): Promise<AuditEvent> {
  return (await writeOne(ctx, committer, { kind: 'audit', event })) as AuditEvent;
}

async function takeSeq(trx: Trx, name: 'ledger'): Promise<number> {
  const row = await trx
    .updateTable('counters')
    .set((eb) => ({ next_value: eb('next_value', '+', 1) }))
    .where('name', '=', name)
    .returning('next_value')
    .executeTakeFirst();
  if (!row) throw new Error(`catalog counter ${name} is missing`);
  return row.next_value - 1;
}

class LeafExists extends Error {
  constructor(readonly leaf: LedgerLeaf) {
    super('leaf exists');
  }
}

/** A ledger leaf for a sealed audit segment or an export. Same id and sha256 again: the existing leaf. */
export async function appendLedgerEntry(
  ctx: { db: Kysely<CatalogDatabase>; clock: WriteContext['clock'] },
  entry: { kind: Exclude<LedgerEntryKind, 'record'>; id: string; sha256: string },
): Promise<LedgerLeaf> {
  const issues: Issue[] = [];
  if (entry.kind !== 'audit_segment' && entry.kind !== 'export') {
    issues.push({ path: ['kind'], message: 'must be audit_segment or export' });
  }
  if (!RECORD_ID.test(entry.id)) issues.push({ path: ['id'], message: 'must be an id like a record id' });
  if (!HEX64.test(entry.sha256))
    issues.push({ path: ['sha256'], message: 'must be 64 lower-case hex digits' });
  if (issues.length > 0) fail('invalid ledger entry', issues);
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const seq = await takeSeq(trx, 'ledger');
      const existing = await trx
        .selectFrom('ledger_leaves')
        .selectAll()
        .where('kind', '=', entry.kind)
        .where('record_id', '=', entry.id)
        .executeTakeFirst();
      if (existing && existing.sha256 !== entry.sha256) {
        throw new ConflictError(`the ledger already holds ${entry.kind} ${entry.id} with different content`);
      }
      // Roll back (and so return the taken seq): nothing to write.
      if (existing) throw new LeafExists(toLedgerLeaf(existing));
      const row = await trx
        .insertInto('ledger_leaves')
        .values({
          seq,
          kind: entry.kind,
          record_id: entry.id,
          sha256: entry.sha256,
          leaf_hash: leafHash(entry),
          created_at: toDbTime(ctx.clock.now()),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toLedgerLeaf(row);
    });
  } catch (err) {
    if (err instanceof LeafExists) return err.leaf;
    throw translate(err);
  }
}
