import type { Insertable, Kysely, Selectable } from 'kysely';
import { CatalogConflictError, LedgerConflictError } from '../errors';
import { isUniqueViolation } from './db-errors';
import type { AuditSegmentRow, CheckpointRow, RestoredLeaf, StsAttribution } from './evidence-types';
import { insertRows, recordRow, takeSeqs, translate, type WriteContext } from './group';
import { AUDIT_GENESIS_HASH, auditEventHash, leafHash } from './hashing';
import { fromDbTime, toDbTime } from './mappers';
import type {
  AuditSegmentsTable,
  AuditEventsTable,
  CatalogDatabase,
  LedgerCheckpointsTable,
  LedgerLeavesTable,
  RecordsTable,
  StsAttributionsTable,
} from './schema';
import type { AuditEvent } from './types';
import { HEX64, RECORD_ID, fail, validateRecord } from './validate';

/**
 * The catalog's index of the evidence in the audit bucket (checkpoints, sealed segments), the
 * importers' bookkeeping, STS attributions, job requests, and reindex's verbatim restores. Rare
 * writes, each in a transaction of its own (the caller awaits durability).
 */

type Db = Kysely<CatalogDatabase>;

const count = (row: { n: number | string | bigint } | undefined): number => Number(row?.n ?? 0);

function toCheckpoint(row: Selectable<LedgerCheckpointsTable>): CheckpointRow {
  return {
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash,
    key: row.object_key,
    createdAt: fromDbTime(row.created_at),
  };
}

function toSegment(row: Selectable<AuditSegmentsTable>): AuditSegmentRow {
  return {
    id: row.id,
    fromSeq: Number(row.from_seq),
    toSeq: Number(row.to_seq),
    key: row.object_key,
    sha256: row.sha256,
    lastHash: row.last_hash,
    ledgerSeq: Number(row.ledger_seq),
    createdAt: fromDbTime(row.created_at),
  };
}

function toSts(row: Selectable<StsAttributionsTable>): StsAttribution {
  return {
    accessKeyId: row.access_key_id,
    purpose: row.purpose,
    exportId: row.export_id,
    recipient: row.recipient,
    roleArn: row.role_arn,
    expiresAt: row.expires_at === null ? null : fromDbTime(row.expires_at),
    registeredAt: fromDbTime(row.registered_at),
  };
}

/** Inserts a row unless one with the same key exists; the existing row (or the new one) is returned. */
async function insertOnce<T>(
  insert: () => Promise<unknown>,
  find: () => Promise<T | undefined>,
): Promise<{ row: T; created: boolean }> {
  const existing = await find();
  if (existing !== undefined) return { row: existing, created: false };
  try {
    await insert();
  } catch (err) {
    if (!isUniqueViolation(err)) throw translate(err);
    const raced = await find();
    if (raced === undefined) throw translate(err);
    return { row: raced, created: false };
  }
  const row = await find();
  if (row === undefined) throw new Error('catalog: a row vanished right after its insert');
  return { row, created: true };
}

export async function addCheckpoint(
  ctx: WriteContext,
  c: Omit<CheckpointRow, 'createdAt'> & { createdAt?: Date },
): Promise<CheckpointRow> {
  if (!Number.isSafeInteger(c.treeSize) || c.treeSize < 0 || !HEX64.test(c.rootHash) || c.key === '')
    fail('invalid checkpoint row', [{ path: ['checkpoint'], message: 'size, 64-hex root and key required' }]);
  const find = async () => {
    const row = await ctx.db
      .selectFrom('ledger_checkpoints')
      .selectAll()
      .where('tree_size', '=', c.treeSize)
      .executeTakeFirst();
    return row ? toCheckpoint(row) : undefined;
  };
  const { row } = await insertOnce(
    () =>
      ctx.db
        .insertInto('ledger_checkpoints')
        .values({
          tree_size: c.treeSize,
          root_hash: c.rootHash,
          object_key: c.key,
          created_at: toDbTime(c.createdAt ?? ctx.clock.now()),
        })
        .execute(),
    find,
  );
  if (row.rootHash !== c.rootHash || row.key !== c.key)
    throw new LedgerConflictError(
      `the catalog already holds checkpoint ${c.treeSize} with root ${row.rootHash}, not ${c.rootHash}`,
    );
  return row;
}

export async function latestCheckpointRow(db: Db): Promise<CheckpointRow | undefined> {
  const row = await db
    .selectFrom('ledger_checkpoints')
    .selectAll()
    .orderBy('tree_size', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toCheckpoint(row) : undefined;
}

export async function checkpointRows(
  db: Db,
  page: { afterSize?: number; limit: number },
): Promise<CheckpointRow[]> {
  let q = db.selectFrom('ledger_checkpoints').selectAll();
  if (page.afterSize !== undefined) q = q.where('tree_size', '>', page.afterSize);
  const rows = await q.orderBy('tree_size').limit(pageLimit(page.limit, 1000)).execute();
  return rows.map(toCheckpoint);
}

function pageLimit(limit: number, max: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max)
    fail('invalid page', [{ path: ['limit'], message: `must be an integer from 1 to ${max}` }]);
  return limit;
}

export async function ledgerLeafCount(db: Db, belowSeq: number): Promise<number> {
  return count(
    await db
      .selectFrom('ledger_leaves')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('seq', '<', belowSeq)
      .executeTakeFirst(),
  );
}

export async function auditEventCount(db: Db, belowSeq: number): Promise<number> {
  return count(
    await db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('seq', '<', belowSeq)
      .executeTakeFirst(),
  );
}

export async function addAuditSegment(
  ctx: WriteContext,
  s: Omit<AuditSegmentRow, 'createdAt'> & { createdAt?: Date },
): Promise<AuditSegmentRow> {
  const find = async () => {
    const row = await ctx.db
      .selectFrom('audit_segments')
      .selectAll()
      .where('from_seq', '=', s.fromSeq)
      .executeTakeFirst();
    return row ? toSegment(row) : undefined;
  };
  const { row } = await insertOnce(
    () =>
      ctx.db
        .insertInto('audit_segments')
        .values({
          id: s.id,
          from_seq: s.fromSeq,
          to_seq: s.toSeq,
          object_key: s.key,
          sha256: s.sha256,
          last_hash: s.lastHash,
          ledger_seq: s.ledgerSeq,
          created_at: toDbTime(s.createdAt ?? ctx.clock.now()),
        })
        .execute(),
    find,
  );
  if (row.id !== s.id || row.toSeq !== s.toSeq || row.sha256 !== s.sha256 || row.ledgerSeq !== s.ledgerSeq)
    throw new LedgerConflictError(
      `the catalog already holds segment ${row.id} from event ${s.fromSeq} with other content`,
    );
  return row;
}

export async function latestAuditSegment(db: Db): Promise<AuditSegmentRow | undefined> {
  const row = await db
    .selectFrom('audit_segments')
    .selectAll()
    .orderBy('from_seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toSegment(row) : undefined;
}

export async function auditSegments(
  db: Db,
  page: { afterFromSeq?: number; limit: number },
): Promise<AuditSegmentRow[]> {
  let q = db.selectFrom('audit_segments').selectAll();
  if (page.afterFromSeq !== undefined) q = q.where('from_seq', '>', page.afterFromSeq);
  const rows = await q.orderBy('from_seq').limit(pageLimit(page.limit, 1000)).execute();
  return rows.map(toSegment);
}

export async function importPosition(db: Db, name: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('import_positions')
    .select('position')
    .where('name', '=', name)
    .executeTakeFirst();
  return row?.position;
}

export async function setImportPosition(ctx: WriteContext, name: string, position: string): Promise<void> {
  const now = toDbTime(ctx.clock.now());
  await ctx.db
    .insertInto('import_positions')
    .values({ name, position, updated_at: now })
    .onConflict((oc) => oc.column('name').doUpdateSet({ position, updated_at: now }))
    .execute();
}

export async function importedLogObjects(db: Db, keys: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const part = keys.slice(i, i + 500);
    if (part.length === 0) continue;
    const rows = await db
      .selectFrom('imported_log_objects')
      .select('object_key')
      .where('object_key', 'in', part)
      .execute();
    out.push(...rows.map((r) => r.object_key));
  }
  return out;
}

export async function markLogObjectImported(
  ctx: WriteContext,
  o: { key: string; sourceBucket: string; lines: number },
): Promise<void> {
  await ctx.db
    .insertInto('imported_log_objects')
    .values({
      object_key: o.key,
      source_bucket: o.sourceBucket,
      lines: o.lines,
      imported_at: toDbTime(ctx.clock.now()),
    })
    .onConflict((oc) => oc.column('object_key').doNothing())
    .execute();
}

export async function registerStsAttribution(
  ctx: WriteContext,
  a: Omit<StsAttribution, 'registeredAt'>,
): Promise<StsAttribution> {
  if (!/^[A-Za-z0-9.]{1,128}$/.test(a.accessKeyId) || a.purpose === '')
    fail('invalid STS attribution', [
      { path: ['accessKeyId'], message: 'an access key id and a purpose are required' },
    ]);
  const find = async () => {
    const row = await ctx.db
      .selectFrom('sts_attributions')
      .selectAll()
      .where('access_key_id', '=', a.accessKeyId)
      .executeTakeFirst();
    return row ? toSts(row) : undefined;
  };
  const { row } = await insertOnce(
    () =>
      ctx.db
        .insertInto('sts_attributions')
        .values({
          access_key_id: a.accessKeyId,
          purpose: a.purpose,
          export_id: a.exportId,
          recipient: a.recipient,
          role_arn: a.roleArn,
          expires_at: a.expiresAt === null ? null : toDbTime(a.expiresAt),
          registered_at: toDbTime(ctx.clock.now()),
        })
        .execute(),
    find,
  );
  if (row.purpose !== a.purpose || row.exportId !== a.exportId || row.recipient !== a.recipient)
    throw new CatalogConflictError(`STS access key ${a.accessKeyId} is registered for something else`);
  return row;
}

export async function stsAttribution(db: Db, accessKeyId: string): Promise<StsAttribution | undefined> {
  const row = await db
    .selectFrom('sts_attributions')
    .selectAll()
    .where('access_key_id', '=', accessKeyId)
    .executeTakeFirst();
  return row ? toSts(row) : undefined;
}

export async function requestJob(ctx: WriteContext, name: string): Promise<void> {
  const now = toDbTime(ctx.clock.now());
  await ctx.db
    .insertInto('job_requests')
    .values({ name, requested_at: now })
    .onConflict((oc) => oc.column('name').doUpdateSet({ requested_at: now }))
    .execute();
}

export async function jobRequestedAt(db: Db, name: string): Promise<Date | undefined> {
  const row = await db
    .selectFrom('job_requests')
    .select('requested_at')
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? fromDbTime(row.requested_at) : undefined;
}

function consecutive(seqs: readonly number[], what: string): void {
  seqs.forEach((s, i) => {
    if (i > 0 && s !== (seqs[i - 1] as number) + 1)
      fail(`${what} to restore are not consecutive`, [
        { path: ['seq'], message: `${s} follows ${seqs[i - 1]}` },
      ]);
  });
}

/**
 * Reindex: ledger leaves (and the rows of the records they stand for) appended at exactly the
 * seqs the tiles give them. The ledger must be exactly `leaves[0].seq` long: one transaction,
 * all or nothing.
 */
export async function restoreLedgerLeaves(ctx: WriteContext, leaves: readonly RestoredLeaf[]): Promise<void> {
  if (leaves.length === 0) return;
  consecutive(
    leaves.map((l) => l.seq),
    'leaves',
  );
  const now = toDbTime(ctx.clock.now());
  const leafRows: Insertable<LedgerLeavesTable>[] = [];
  const recordRows: Insertable<RecordsTable>[] = [];
  for (const l of leaves) {
    if (!RECORD_ID.test(l.id) || !HEX64.test(l.sha256))
      fail('invalid leaf to restore', [{ path: ['leaf', String(l.seq)], message: 'id or sha256 malformed' }]);
    leafRows.push({
      seq: l.seq,
      kind: l.kind,
      record_id: l.id,
      sha256: l.sha256,
      leaf_hash: leafHash({ kind: l.kind, id: l.id, sha256: l.sha256 }),
      created_at: now,
    });
    if (l.record) {
      validateRecord(l.record);
      if (l.kind !== 'record' || l.record.recordId !== l.id || l.record.sha256 !== l.sha256)
        fail('a restored record does not match its leaf', [
          { path: ['leaf', String(l.seq)], message: `leaf ${l.kind} ${l.id} ${l.sha256}` },
        ]);
      recordRows.push(recordRow(l.record, l.seq));
    }
  }
  try {
    await ctx.db.transaction().execute(async (trx) => {
      const base = await takeSeqs(trx, 'ledger', leaves.length);
      if (base !== leaves[0]?.seq)
        throw new LedgerConflictError(
          `the catalog's ledger holds ${base} leaves: leaf ${leaves[0]?.seq} cannot be restored at its place`,
        );
      await insertRows(trx, ctx, 'ledger_leaves', leafRows);
      await insertRows(trx, ctx, 'records', recordRows);
    });
  } catch (err) {
    throw translate(err);
  }
}

/**
 * Reindex: sealed audit events put back verbatim (seq, hashes and all), each hash checked and
 * the chain checked onto the event before the first. The trail must be exactly `events[0].seq` long.
 */
export async function restoreAuditEvents(ctx: WriteContext, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  consecutive(
    events.map((e) => e.seq),
    'audit events',
  );
  events.forEach((e, i) => {
    if (auditEventHash(e) !== e.hash)
      fail('an audit event to restore does not match its hash', [{ path: ['seq'], message: String(e.seq) }]);
    if (i > 0 && e.prevHash !== (events[i - 1] as AuditEvent).hash)
      fail('audit events to restore do not chain', [{ path: ['seq'], message: String(e.seq) }]);
  });
  const rows: Insertable<AuditEventsTable>[] = events.map((e) => ({
    seq: e.seq,
    event_id: e.eventId,
    at: toDbTime(e.at),
    principal_id: e.principalId,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    ip: e.ip,
    request_id: e.requestId,
    details: e.details,
    source: e.source,
    prev_hash: e.prevHash,
    hash: e.hash,
  }));
  try {
    await ctx.db.transaction().execute(async (trx) => {
      const first = events[0] as AuditEvent;
      const base = await takeSeqs(trx, 'audit', events.length);
      if (base !== first.seq)
        throw new LedgerConflictError(
          `the catalog's audit trail holds ${base} events: event ${first.seq} cannot be restored at its place`,
        );
      const prev =
        base === 0
          ? AUDIT_GENESIS_HASH
          : (
              await trx
                .selectFrom('audit_events')
                .select('hash')
                .where('seq', '=', base - 1)
                .executeTakeFirst()
            )?.hash;
      if (prev !== first.prevHash)
        throw new LedgerConflictError(
          `audit event ${first.seq} does not chain onto the catalog's event ${base - 1}`,
        );
      await insertRows(trx, ctx, 'audit_events', rows);
    });
  } catch (err) {
    throw translate(err);
  }
}
