import { LEDGER_KINDS } from './migration-ledger-kinds';
import { LedgerConflictError } from '../errors';
import { leafRow, takeSeqs, translate, type WriteContext, type WriteOp } from './group';
import type { GroupCommitter } from './group-commit';
import { toDbTime, toLedgerLeaf } from './mappers';
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

/** Writes one op through the group committer (its transaction is shared with the ops asked for meanwhile). */
async function writeOne(committer: GroupCommitter, op: WriteOp): Promise<unknown> {
  const outcome = await committer.write(op);
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/**
 * Record row + ledger leaf (+ audit event when given), committed together. An existing record id
 * writes nothing and returns the existing row (`created: false`): the caller compares sha256.
 */
export async function commitRecord(
  committer: GroupCommitter,
  record: NewRecord,
  audit: NewAuditEvent | null,
): Promise<CommitResult> {
  return (await writeOne(committer, { kind: 'record', record, audit })) as CommitResult;
}

export async function appendAudit(committer: GroupCommitter, event: NewAuditEvent): Promise<AuditEvent> {
  return (await writeOne(committer, { kind: 'audit', event })) as AuditEvent;
}

class LeafExists extends Error {
  constructor(readonly leaf: LedgerLeaf) {
    super('leaf exists');
  }
}

/**
 * A ledger leaf for what is not a record (a sealed audit segment, an export, a verification
 * report, a disposition tombstone). Same id and sha256 again: the existing leaf.
 */
export async function appendLedgerEntry(
  ctx: WriteContext,
  entry: { kind: Exclude<LedgerEntryKind, 'record'>; id: string; sha256: string },
): Promise<LedgerLeaf> {
  const issues: Issue[] = [];
  if ((entry.kind as string) === 'record' || !LEDGER_KINDS.includes(entry.kind)) {
    issues.push({
      path: ['kind'],
      message: `must be one of ${LEDGER_KINDS.filter((k) => k !== 'record').join(', ')}`,
    });
  }
  if (!RECORD_ID.test(entry.id)) issues.push({ path: ['id'], message: 'must be an id like a record id' });
  if (!HEX64.test(entry.sha256))
    issues.push({ path: ['sha256'], message: 'must be 64 lower-case hex digits' });
  if (issues.length > 0) fail('invalid ledger entry', issues);
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      // The counter first: it serialises appends, so a concurrent append of the same entry is seen below.
      const seq = await takeSeqs(trx, 'ledger', 1);
      const existing = await trx
        .selectFrom('ledger_leaves')
        .selectAll()
        .where('kind', '=', entry.kind)
        .where('record_id', '=', entry.id)
        .executeTakeFirst();
      if (existing && existing.sha256 !== entry.sha256) {
        throw new LedgerConflictError(
          `the ledger already holds ${entry.kind} ${entry.id} with different content`,
        );
      }
      // Roll back (and so return the taken seq): nothing to write.
      if (existing) throw new LeafExists(toLedgerLeaf(existing));
      const row = await trx
        .insertInto('ledger_leaves')
        .values(leafRow(seq, entry, toDbTime(ctx.clock.now())))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toLedgerLeaf(row);
    });
  } catch (err) {
    if (err instanceof LeafExists) return err.leaf;
    throw translate(err);
  }
}
