import { AUDIT_GENESIS_HASH, auditEventHash } from './hashing';
import type { AuditCatalog } from './types';

export type AuditChainProblem =
  /** An event with this seq should exist (the seqs are dense, or the counter says so) and does not. */
  | 'missing'
  /** The event's prev_hash is not the previous event's hash (an earlier event was changed or removed). */
  | 'prev_hash_mismatch'
  /** The event's fields do not hash to its stored hash (the event was changed). */
  | 'hash_mismatch';

export type AuditChainReport =
  | {
      ok: true;
      /** Events checked: seqs 0..count-1. */
      count: number;
      /** Hash of the last event (64 zeros when empty): anchor it elsewhere to catch tail edits. */
      headHash: string;
    }
  | {
      ok: false;
      /** Events that checked out before the first problem (seqs 0..count-1). */
      count: number;
      firstBadSeq: number;
      problem: AuditChainProblem;
      message: string;
    };

/**
 * Walks the whole audit chain in seq order, recomputing every hash. Reports the first seq that
 * is missing (a gap, or events cut off the end below the counter), whose prev_hash does not link
 * to its predecessor, or whose content does not match its hash.
 */
export async function verifyAuditChain(
  catalog: AuditCatalog,
  options?: { pageSize?: number },
): Promise<AuditChainReport> {
  const pageSize = options?.pageSize ?? 1000;
  const expectedCount = await catalog.auditSize();
  let next = 0;
  let prevHash = AUDIT_GENESIS_HASH;
  for (;;) {
    const page = await catalog.auditEvents({ fromSeq: next, limit: pageSize });
    for (const event of page) {
      if (event.seq !== next) {
        return {
          ok: false,
          count: next,
          firstBadSeq: next,
          problem: 'missing',
          message: `audit event ${next} is missing`,
        };
      }
      if (event.prevHash !== prevHash) {
        return {
          ok: false,
          count: next,
          firstBadSeq: next,
          problem: 'prev_hash_mismatch',
          message: `audit event ${next} does not link to event ${next - 1}`,
        };
      }
      if (auditEventHash(event) !== event.hash) {
        return {
          ok: false,
          count: next,
          firstBadSeq: next,
          problem: 'hash_mismatch',
          message: `audit event ${next} does not match its hash`,
        };
      }
      prevHash = event.hash;
      next += 1;
    }
    if (page.length < pageSize) break;
  }
  if (next < expectedCount) {
    return {
      ok: false,
      count: next,
      firstBadSeq: next,
      problem: 'missing',
      message: `audit events ${next}..${expectedCount - 1} are missing (${expectedCount} were appended)`,
    };
  }
  return { ok: true, count: next, headHash: prevHash };
}
