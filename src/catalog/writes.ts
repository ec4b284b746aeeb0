import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely, Transaction } from 'kysely';
import { ConflictError } from '../errors';
import type { Clock } from '../util/clock';
import { isUniqueViolation } from './db-errors';
import { AUDIT_GENESIS_HASH, auditEventHash, canonicalJson, leafHash, type AuditHashInput } from './hashing';
import { toAuditEvent, toDbTime, toLedgerLeaf, toRecord } from './mappers';
import type { CatalogDatabase, CounterName, RecordsTable } from './schema';
import type {
  AuditEvent,
  CatalogRecord,
  CommitResult,
  LedgerEntryKind,
  LedgerLeaf,
  NewAuditEvent,
  NewRecord,
} from './types';
import { HEX64, RECORD_ID, fail, validateAuditEvent, validateRecord, type Issue } from './validate';

/**
 * The catalog's writes. Sequence numbers (ledger leaf index, audit seq) come from the `counters`
 * table, taken inside the writing transaction with
 *
 *     UPDATE counters SET next_value = next_value + 1 WHERE name = $1 RETURNING next_value
 *
 * On PostgreSQL that row lock is held until commit, so writers in any number of processes queue
 * on it: each sees the previous writer's committed rows, seqs are unique, and a rolled-back
 * transaction rolls its increment back too, so they stay dense (0..n-1, no gaps). On SQLite every
 * write transaction starts with BEGIN IMMEDIATE (dialect.ts), which serialises writers outright.
 * Lock order is always ledger, then audit, so two writers never deadlock.
 */

export interface WriteContext {
  db: Kysely<CatalogDatabase>;
  clock: Clock;
}

type Trx = Transaction<CatalogDatabase>;

async function takeSeq(trx: Trx, name: CounterName): Promise<number> {
  const row = await trx
    .updateTable('counters')
    .set((eb) => ({ next_value: eb('next_value', '+', 1) }))
    .where('name', '=', name)
    .returning('next_value')
    .executeTakeFirst();
  if (!row) throw new Error(`catalog counter ${name} is missing`);
  return row.next_value - 1;
}

/** Thrown inside the transaction to roll it back when the record turns out to exist. */
class RecordExists extends Error {
  constructor(readonly record: CatalogRecord) {
    super('record exists');
  }
}

function recordRow(r: NewRecord, ledgerSeq: number): Insertable<RecordsTable> {
  return {
    record_id: r.recordId,
    record_type: r.recordType,
    schema_version: r.schemaVersion,
    business_date: r.businessDate,
    client_id: r.clientId ?? null,
    account_id: r.accountId ?? null,
    instrument: r.instrument ?? null,
    order_id: r.orderId ?? null,
    trade_id: r.tradeId ?? null,
    bucket: r.bucket,
    object_key: r.objectKey,
    sha256: r.sha256,
    crc64: r.crc64,
    md5: r.md5,
    size: r.size,
    content_type: r.contentType,
    retention_class: r.retentionClass,
    retain_until: toDbTime(r.retainUntil),
    ingested_at: toDbTime(r.ingestedAt),
    principal_id: r.principalId,
    ledger_seq: ledgerSeq,
    amends: r.amends ?? null,
    document_type: r.documentType ?? null,
    file_name: r.fileName ?? null,
  };
}

async function insertLeaf(
  trx: Trx,
  now: Date,
  entry: { seq: number; kind: LedgerEntryKind; id: string; sha256: string },
): Promise<LedgerLeaf> {
  const row = await trx
    .insertInto('ledger_leaves')
    .values({
      seq: entry.seq,
      kind: entry.kind,
      record_id: entry.id,
      sha256: entry.sha256,
      leaf_hash: leafHash(entry),
      created_at: toDbTime(now),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toLedgerLeaf(row);
}

async function findRecord(db: Kysely<CatalogDatabase>, recordId: string): Promise<CatalogRecord | undefined> {
  const row = await db.selectFrom('records').selectAll().where('record_id', '=', recordId).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/**
 * Record row + ledger leaf (+ audit event when given) in one transaction. An existing record id
 * writes nothing and returns the existing row (`created: false`): the caller compares sha256.
 */
export async function commitRecord(
  ctx: WriteContext,
  input: NewRecord,
  audit: NewAuditEvent | null,
): Promise<CommitResult> {
  validateRecord(input);
  if (audit) validateAuditEvent(audit);
  const known = await findRecord(ctx.db, input.recordId);
  if (known) return { created: false, record: known, ledgerSeq: known.ledgerSeq };
  try {
    return await ctx.db.transaction().execute(async (trx): Promise<CommitResult> => {
      const seq = await takeSeq(trx, 'ledger');
      // Holding the ledger lock, no other writer can be inserting this record: look again.
      const raced = await findRecord(trx, input.recordId);
      if (raced) throw new RecordExists(raced);
      const clash = await trx
        .selectFrom('records')
        .select('record_id')
        .where('bucket', '=', input.bucket)
        .where('object_key', '=', input.objectKey)
        .executeTakeFirst();
      if (clash) {
        throw new ConflictError(
          `object ${input.bucket}/${input.objectKey} is already indexed as record ${clash.record_id}`,
        );
      }
      await insertLeaf(trx, ctx.clock.now(), {
        seq,
        kind: 'record',
        id: input.recordId,
        sha256: input.sha256,
      });
      const row = await trx
        .insertInto('records')
        .values(recordRow(input, seq))
        .returningAll()
        .executeTakeFirstOrThrow();
      const event = audit ? await insertAudit(trx, ctx.clock, audit) : undefined;
      return {
        created: true,
        record: toRecord(row),
        ledgerSeq: seq,
        ...(event ? { auditSeq: event.seq } : {}),
      };
    });
  } catch (err) {
    if (err instanceof RecordExists) {
      return { created: false, record: err.record, ledgerSeq: err.record.ledgerSeq };
    }
    throw translate(err);
  }
}

/** A ledger leaf for a sealed audit segment or an export. Same id and sha256 again: the existing leaf. */
export async function appendLedgerEntry(
  ctx: WriteContext,
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
      return await insertLeaf(trx, ctx.clock.now(), { seq, ...entry });
    });
  } catch (err) {
    if (err instanceof LeafExists) return err.leaf;
    throw translate(err);
  }
}

class LeafExists extends Error {
  constructor(readonly leaf: LedgerLeaf) {
    super('leaf exists');
  }
}

export async function appendAudit(ctx: WriteContext, event: NewAuditEvent): Promise<AuditEvent> {
  validateAuditEvent(event);
  try {
    return await ctx.db.transaction().execute((trx) => insertAudit(trx, ctx.clock, event));
  } catch (err) {
    throw translate(err);
  }
}

/** A unique violation left after the checks above (e.g. a reused event id) is a conflict. */
function translate(err: unknown): unknown {
  return isUniqueViolation(err)
    ? new ConflictError('conflicts with an existing catalog entry', { cause: err })
    : err;
}

/**
 * Control characters written as `\uXXXX`, so that hostile input (a NUL in a record id, say) is
 * recorded legibly and the same on both databases: PostgreSQL text cannot hold NUL at all.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

export function legibleText(value: string): string {
  return value.replace(CONTROL_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const legibleOrNull = (value: string | null | undefined): string | null =>
  value == null ? null : legibleText(value);

/** Appends one audit event inside `trx`: takes the audit seq, links to the previous hash. */
async function insertAudit(trx: Trx, clock: Clock, e: NewAuditEvent): Promise<AuditEvent> {
  const seq = await takeSeq(trx, 'audit');
  let prevHash = AUDIT_GENESIS_HASH;
  if (seq > 0) {
    const prev = await trx
      .selectFrom('audit_events')
      .select('hash')
      .where('seq', '=', seq - 1)
      .executeTakeFirst();
    if (!prev)
      throw new Error(`audit event ${seq - 1} is missing: the audit chain is broken, refusing to append`);
    prevHash = prev.hash;
  }
  const fields: AuditHashInput = {
    seq,
    eventId: e.eventId ?? `evt_${randomUUID()}`,
    at: e.at ?? clock.now(),
    principalId: legibleOrNull(e.principalId),
    action: legibleText(e.action),
    target: legibleOrNull(e.target),
    outcome: e.outcome,
    ip: legibleOrNull(e.ip),
    requestId: legibleOrNull(e.requestId),
    details: e.details == null ? null : canonicalJson(e.details),
    prevHash,
  };
  const row = await trx
    .insertInto('audit_events')
    .values({
      seq,
      event_id: fields.eventId,
      at: toDbTime(fields.at),
      principal_id: fields.principalId,
      action: fields.action,
      target: fields.target,
      outcome: fields.outcome,
      ip: fields.ip,
      request_id: fields.requestId,
      details: fields.details,
      prev_hash: prevHash,
      hash: auditEventHash(fields),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAuditEvent(row);
}
