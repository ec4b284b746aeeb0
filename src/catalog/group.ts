import { CompiledQuery, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import { CatalogConflictError } from '../errors';
import type { AlpTradeSource } from '../records/alp-trade-facts';
import type { Clock } from '../util/clock';
import { checkAlpTradeSource, writeAlpTradeSources } from './alp-trades';
import { isUniqueViolation } from './db-errors';
import { buildAuditRows } from './audit-rows';
import { leafHash } from './hashing';
import { toDbTime, toRecord } from './mappers';
import type { CatalogDatabase, CounterName, LedgerLeavesTable, RecordsTable } from './schema';
import type {
  AuditEvent,
  CatalogDialect,
  CatalogRecord,
  CommitResult,
  LedgerEntryKind,
  NewAuditEvent,
  NewRecord,
} from './types';
import { validateAuditEvent, validateRecord } from './validate';

/**
 * The catalog's write group: many records (each with its ledger leaf and audit event) and audit
 * events written in ONE transaction, with a handful of statements whatever the group's size.
 *
 * Sequence numbers come from the `counters` rows, each taken once per group with
 *
 *     UPDATE counters SET next_value = next_value + n WHERE name = $1 RETURNING next_value
 *
 * so the group owns seqs next_value-n .. next_value-1. On PostgreSQL that row lock is held until
 * commit, so writers in any number of processes queue on it; a rolled-back group rolls its
 * increment back, so seqs stay dense. On SQLite every write transaction begins IMMEDIATE
 * (dialect.ts), which serialises writers outright. Lock order is always ledger, then audit.
 *
 * A record's ALP trade source (`NewRecord.alpTradeSource`) is written in the same transaction,
 * after the rows, and the facts of the trades it touches are refolded there (alp-trades.ts): a
 * crash can leave no catalogued trade without its facts (docs/decisions/0013-reports-integration.md).
 *
 * What one operation finds is that operation's answer alone: a record already catalogued comes
 * back `created: false` (the caller compares sha256), an object key indexed under another id is
 * a CatalogConflictError for that record only. Only an error of the database itself (a unique violation
 * nobody checked for, an outage) fails the group; the group committer (group-commit.ts) then
 * retries each operation alone, so one bad operation never sinks the others.
 */

export interface WriteContext {
  db: Kysely<CatalogDatabase>;
  clock: Clock;
  /** PostgreSQL writers of ALP trade facts take an advisory lock (alp-trades.ts); default sqlite. */
  dialect?: CatalogDialect;
  /**
   * How a group's rows are inserted. `row`: one prepared INSERT per row (SQLite, in process: a
   * multi-row VALUES list cost it about 3 times as much per row). `multi` (default): multi-row
   * INSERTs of up to 100 rows (PostgreSQL: one round trip per 100 rows).
   */
  insertMode?: 'row' | 'multi';
  /** SQL text of single-row INSERTs, compiled once per table and column list (insertMode row). */
  insertSql?: Map<string, string>;
}

export type Trx = Transaction<CatalogDatabase>;

export type WriteOp =
  | { kind: 'record'; record: NewRecord; audit: NewAuditEvent | null }
  | { kind: 'audit'; event: NewAuditEvent };

export type WriteOutcome = { ok: true; value: CommitResult | AuditEvent } | { ok: false; error: unknown };

/** Rows per INSERT: far below SQLite's and PostgreSQL's bound-parameter limits (24 columns). */
const ROWS_PER_INSERT = 100;
/** Ids per `IN (...)` lookup. */
const IDS_PER_LOOKUP = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Takes `n` seqs from counter `name` (holding its row lock until commit); returns the first. */
export async function takeSeqs(trx: Trx, name: CounterName, n: number): Promise<number> {
  const row = await trx
    .updateTable('counters')
    .set((eb) => ({ next_value: eb('next_value', '+', n) }))
    .where('name', '=', name)
    .returning('next_value')
    .executeTakeFirst();
  if (!row) throw new Error(`catalog counter ${name} is missing`);
  return row.next_value - n;
}

/** What a ledger leaf commits to (RFC 9162 leaf input: kind, id, SHA-256; src/catalog/hashing.ts). */
export interface LeafEntry {
  kind: LedgerEntryKind;
  id: string;
  sha256: string;
}

/** The ledger_leaves row of `entry` at `seq`: the one place a leaf's row and its hash are made. */
export function leafRow(seq: number, entry: LeafEntry, createdAt: string): Insertable<LedgerLeavesTable> {
  return {
    seq,
    kind: entry.kind,
    record_id: entry.id,
    sha256: entry.sha256,
    leaf_hash: leafHash(entry),
    created_at: createdAt,
  };
}

/**
 * Appends one ledger leaf inside `trx`: takes the next ledger seq and inserts the row. Call it
 * before any audit seq is taken (ledger first, then audit: the lock order). Returns the row.
 */
export async function appendLeaf(
  trx: Trx,
  entry: LeafEntry,
  now: Date,
): Promise<Selectable<LedgerLeavesTable>> {
  const seq = await takeSeqs(trx, 'ledger', 1);
  return trx
    .insertInto('ledger_leaves')
    .values(leafRow(seq, entry, toDbTime(now)))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function recordRow(r: NewRecord, ledgerSeq: number): Insertable<RecordsTable> {
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

export { legibleText, timeOrderedUuid } from './legible';

/** A unique violation left after the checks (e.g. a reused event id) is a conflict. */
export function translate(err: unknown): unknown {
  return isUniqueViolation(err)
    ? new CatalogConflictError('conflicts with an existing catalog entry', { cause: err })
    : err;
}

async function existingRecords(trx: Trx, ids: string[]): Promise<Map<string, CatalogRecord>> {
  const found = new Map<string, CatalogRecord>();
  for (const part of chunks([...new Set(ids)], IDS_PER_LOOKUP)) {
    const rows = await trx.selectFrom('records').selectAll().where('record_id', 'in', part).execute();
    for (const row of rows) found.set(row.record_id, toRecord(row));
  }
  return found;
}

/** `bucket\nkey` -> the record id indexing that object (looked up by the (bucket, object_key) index). */
async function indexedObjects(trx: Trx, records: NewRecord[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const byBucket = new Map<string, Set<string>>();
  for (const r of records) {
    let keys = byBucket.get(r.bucket);
    if (!keys) byBucket.set(r.bucket, (keys = new Set()));
    keys.add(r.objectKey);
  }
  for (const [bucket, keys] of byBucket) {
    for (const part of chunks([...keys], IDS_PER_LOOKUP)) {
      const rows = await trx
        .selectFrom('records')
        .select(['record_id', 'object_key'])
        .where('bucket', '=', bucket)
        .where('object_key', 'in', part)
        .execute();
      for (const row of rows) found.set(`${bucket}\n${row.object_key}`, row.record_id);
    }
  }
  return found;
}

/**
 * Writes `ops` in one transaction of `ctx.db` and returns one outcome per op, in order. Throws
 * (having written nothing) only when the database refuses the group as a whole.
 */
export async function commitGroup(ctx: WriteContext, ops: readonly WriteOp[]): Promise<WriteOutcome[]> {
  const outcomes: (WriteOutcome | undefined)[] = new Array<WriteOutcome | undefined>(ops.length);
  // Edge validation first: an invalid op is answered at once and takes no part in the group.
  const live: number[] = [];
  ops.forEach((op, i) => {
    try {
      if (op.kind === 'record') {
        validateRecord(op.record);
        if (op.record.alpTradeSource) checkAlpTradeSource(op.record.alpTradeSource);
        if (op.audit) validateAuditEvent(op.audit);
      } else {
        validateAuditEvent(op.event);
      }
      live.push(i);
    } catch (error) {
      outcomes[i] = { ok: false, error };
    }
  });
  if (live.length > 0) {
    try {
      await ctx.db.transaction().execute((trx) => writeGroup(trx, ctx, ops, live, outcomes));
    } catch (err) {
      throw translate(err);
    }
  }
  return outcomes.map((o) => o ?? { ok: false, error: new Error('catalog write group lost an outcome') });
}

export type InsertTable = 'ledger_leaves' | 'records' | 'audit_events';

/** Inserts `rows` (all built by the same code, so with the same keys in the same order). */
export async function insertRows<T extends InsertTable>(
  trx: Trx,
  ctx: WriteContext,
  table: T,
  rows: Insertable<CatalogDatabase[T]>[],
): Promise<void> {
  if (rows.length === 0) return;
  if (ctx.insertMode !== 'row') {
    for (const part of chunks(rows, ROWS_PER_INSERT))
      await trx
        .insertInto(table)
        .values(part as never)
        .execute();
    return;
  }
  const columns = Object.keys(rows[0]!);
  const key = `${table}(${columns.join(',')})`;
  const cache = (ctx.insertSql ??= new Map());
  let sqlText = cache.get(key);
  if (sqlText === undefined) {
    const compiled = trx
      .insertInto(table)
      .values(rows[0] as never)
      .compile();
    // One bound parameter per column, in the row's key order (undefined values would be left out).
    if (compiled.parameters.length !== columns.length) {
      throw new Error(
        `catalog: cannot prepare a row insert for ${key}: ${compiled.parameters.length} parameters`,
      );
    }
    sqlText = compiled.sql;
    cache.set(key, sqlText);
  }
  for (const row of rows) {
    const values = row as Record<string, unknown>;
    await trx.executeQuery(
      CompiledQuery.raw(
        sqlText,
        columns.map((c) => values[c]),
      ),
    );
  }
}

async function writeGroup(
  trx: Trx,
  ctx: WriteContext,
  ops: readonly WriteOp[],
  live: number[],
  outcomes: (WriteOutcome | undefined)[],
): Promise<void> {
  const recordOps = live.filter((i) => ops[i]!.kind === 'record');
  const records = recordOps.map((i) => (ops[i] as Extract<WriteOp, { kind: 'record' }>).record);
  const known =
    records.length > 0
      ? await existingRecords(
          trx,
          records.map((r) => r.recordId),
        )
      : new Map();
  const objects = records.length > 0 ? await indexedObjects(trx, records) : new Map<string, string>();

  // Which ops write what, in op order. A record id seen earlier in this group is "existing" for
  // the later op; it is answered once the earlier op's row is known.
  const now = ctx.clock.now();
  const inserting: { index: number; record: NewRecord }[] = [];
  const repeats: { index: number; recordId: string }[] = [];
  const claimed = new Set<string>();
  const auditOps: { index: number; event: NewAuditEvent }[] = [];
  for (const i of live) {
    const op = ops[i]!;
    if (op.kind === 'audit') {
      auditOps.push({ index: i, event: op.event });
      continue;
    }
    const r = op.record;
    const existing = known.get(r.recordId);
    if (existing) {
      outcomes[i] = { ok: true, value: { created: false, record: existing, ledgerSeq: existing.ledgerSeq } };
      continue;
    }
    if (claimed.has(r.recordId)) {
      repeats.push({ index: i, recordId: r.recordId });
      continue;
    }
    const objectId = `${r.bucket}\n${r.objectKey}`;
    const holder = objects.get(objectId);
    if (holder !== undefined) {
      outcomes[i] = {
        ok: false,
        error: new CatalogConflictError(
          `object ${r.bucket}/${r.objectKey} is already indexed as record ${holder}`,
        ),
      };
      continue;
    }
    claimed.add(r.recordId);
    objects.set(objectId, r.recordId);
    inserting.push({ index: i, record: r });
    if (op.audit) auditOps.push({ index: i, event: op.audit });
  }
  auditOps.sort((a, b) => a.index - b.index);

  // Ledger first, then audit (the lock order).
  const ledgerBase = inserting.length > 0 ? await takeSeqs(trx, 'ledger', inserting.length) : 0;
  const auditBase = auditOps.length > 0 ? await takeSeqs(trx, 'audit', auditOps.length) : 0;

  const created = toDbTime(now);
  const leafRows: Insertable<LedgerLeavesTable>[] = [];
  const recordRows: Insertable<RecordsTable>[] = [];
  const written = new Map<string, CatalogRecord>();
  inserting.forEach(({ record }, k) => {
    const seq = ledgerBase + k;
    leafRows.push(leafRow(seq, { kind: 'record', id: record.recordId, sha256: record.sha256 }, created));
    const row = recordRow(record, seq);
    recordRows.push(row);
    written.set(record.recordId, toRecord(row as RecordsRowOut));
  });

  const built = await buildAuditRows(
    trx,
    auditBase,
    auditOps.map((o) => o.event),
    now,
  );
  const auditByIndex = new Map<number, AuditEvent>();
  auditOps.forEach(({ index }, k) => auditByIndex.set(index, built.events[k] as AuditEvent));

  await insertRows(trx, ctx, 'ledger_leaves', leafRows);
  await insertRows(trx, ctx, 'records', recordRows);
  await insertRows(trx, ctx, 'audit_events', built.rows);
  const alpSources = inserting.flatMap(({ record }) =>
    record.alpTradeSource ? [record.alpTradeSource] : ([] as AlpTradeSource[]),
  );
  if (alpSources.length > 0) await writeAlpTradeSources(trx, ctx.dialect ?? 'sqlite', alpSources);

  for (const { index, record } of inserting) {
    const row = written.get(record.recordId)!;
    const event = auditByIndex.get(index);
    outcomes[index] = {
      ok: true,
      value: {
        created: true,
        record: row,
        ledgerSeq: row.ledgerSeq,
        ...(event ? { auditSeq: event.seq } : {}),
      },
    };
  }
  for (const { index, recordId } of repeats) {
    const row = written.get(recordId)!;
    outcomes[index] = { ok: true, value: { created: false, record: row, ledgerSeq: row.ledgerSeq } };
  }
  for (const { index } of auditOps) {
    if (ops[index]!.kind === 'audit') outcomes[index] = { ok: true, value: auditByIndex.get(index)! };
  }
}

/** The inserted row read back as the database would return it (timestamps as ISO text). */
type RecordsRowOut = Parameters<typeof toRecord>[0];
