import { sql, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { NotFoundError } from '../errors';
import type { Clock } from '../util/clock';
import { appendLeaf } from './group';
import { fromDbTime, toDbTime } from './mappers';
import { isDisposed } from './retention';
import type { CatalogDatabase } from './schema';
import type { FixityResultsTable, FixitySweepsTable } from './schema-lifecycle';
import { insertAuditEvents, requireEvents } from './trx-writes';
import type { CatalogRecord, NewAuditEvent } from './types';
import type {
  CataloguedObject,
  FixityKind,
  FixityProblemRow,
  FixityRecord,
  FixityResultRow,
  FixitySweepRow,
  NewFixitySweep,
} from './types-lifecycle';
import { HEX64, RECORD_ID, fail } from './validate';

type Db = Kysely<CatalogDatabase>;

function toSweep(r: Selectable<FixitySweepsTable>): FixitySweepRow {
  return {
    id: r.id,
    kind: r.kind as FixityKind, // CHECK constraint limits the values
    bucket: r.bucket,
    samplePpm: r.sample_ppm,
    initiated: r.initiated,
    startedAt: fromDbTime(r.started_at),
  };
}

function toResult(r: Selectable<FixityResultsTable>): FixityResultRow {
  return {
    sweepId: r.sweep_id,
    finishedAt: fromDbTime(r.finished_at),
    reportKey: r.report_key,
    reportSha256: r.report_sha256,
    summary: r.summary,
    problems: r.problems,
    ledgerSeq: r.ledger_seq,
  };
}

export async function startFixitySweep(db: Db, clock: Clock, s: NewFixitySweep): Promise<FixitySweepRow> {
  if (!RECORD_ID.test(s.id)) fail('invalid fixity sweep', [{ path: ['id'], message: 'must be an id' }]);
  if (!Number.isInteger(s.samplePpm) || s.samplePpm < 1 || s.samplePpm > 1_000_000)
    fail('invalid fixity sweep', [{ path: ['samplePpm'], message: '1 to 1000000' }]);
  const now = clock.now();
  await db
    .insertInto('fixity_sweeps')
    .values({
      id: s.id,
      kind: s.kind,
      bucket: s.bucket,
      sample_ppm: s.samplePpm,
      started_at: toDbTime(now),
      initiated: s.initiated,
    })
    .execute();
  return { ...s, startedAt: now };
}

export async function unfinishedFixitySweep(db: Db, kind: FixityKind): Promise<FixitySweepRow | undefined> {
  const row = await db
    .selectFrom('fixity_sweeps as s')
    .selectAll('s')
    .where('s.kind', '=', kind)
    .where(sql<SqlBool>`not exists (select 1 from fixity_results r where r.sweep_id = s.id)`)
    .orderBy('s.started_at', 'desc')
    .orderBy('s.id', 'desc')
    .executeTakeFirst();
  return row ? toSweep(row) : undefined;
}

export async function fixityProgress(
  db: Db,
  sweepId: string,
): Promise<{ step: number; state: string } | undefined> {
  const row = await db
    .selectFrom('fixity_progress')
    .select(['step', 'state'])
    .where('sweep_id', '=', sweepId)
    .orderBy('step', 'desc')
    .executeTakeFirst();
  return row ? { step: row.step, state: row.state } : undefined;
}

export async function saveFixityProgress(
  db: Db,
  clock: Clock,
  sweepId: string,
  step: number,
  state: string,
): Promise<void> {
  await db
    .insertInto('fixity_progress')
    .values({ sweep_id: sweepId, step, state, at: toDbTime(clock.now()) })
    .execute();
}

export async function addFixityProblems(
  db: Db,
  clock: Clock,
  sweepId: string,
  problems: { key: string; position: number; problem: string }[],
): Promise<number> {
  if (problems.length === 0) return 0;
  const at = toDbTime(clock.now());
  let added = 0;
  for (const p of problems) {
    const r = await db
      .insertInto('fixity_problems')
      .values({
        sweep_id: sweepId,
        problem_key: p.key,
        position: p.position,
        problem: p.problem,
        found_at: at,
      })
      .onConflict((oc) => oc.columns(['sweep_id', 'problem_key']).doNothing())
      .executeTakeFirst();
    added += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  return added;
}

export async function fixityProblems(db: Db, sweepId: string): Promise<FixityProblemRow[]> {
  const rows = await db
    .selectFrom('fixity_problems')
    .selectAll()
    .where('sweep_id', '=', sweepId)
    .orderBy('position')
    .orderBy('problem_key')
    .execute();
  return rows.map((r) => ({
    key: r.problem_key,
    position: r.position,
    problem: r.problem,
    foundAt: fromDbTime(r.found_at),
  }));
}

export async function finishFixitySweep(
  db: Db,
  clock: Clock,
  result: { sweepId: string; reportKey: string; reportSha256: string; summary: string; problems: number },
  event: NewAuditEvent,
): Promise<FixityResultRow> {
  requireEvents([event]);
  if (!HEX64.test(result.reportSha256))
    fail('invalid fixity result', [{ path: ['reportSha256'], message: 'must be 64 lower-case hex digits' }]);
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    const sweep = await trx
      .selectFrom('fixity_sweeps')
      .select('id')
      .where('id', '=', result.sweepId)
      .executeTakeFirst();
    if (!sweep) throw new NotFoundError(`no fixity sweep ${result.sweepId}`);
    // The report's leaf (ledger first: the lock order of group.ts), then its row and event.
    const { seq } = await appendLeaf(
      trx,
      { kind: 'verification_report', id: result.sweepId, sha256: result.reportSha256 },
      now,
    );
    const row = {
      sweep_id: result.sweepId,
      finished_at: toDbTime(now),
      report_key: result.reportKey,
      report_sha256: result.reportSha256,
      summary: result.summary,
      problems: result.problems,
      ledger_seq: seq,
    };
    await trx.insertInto('fixity_results').values(row).execute();
    await insertAuditEvents(trx, [event], now);
    return toResult(row);
  });
}

export async function fixitySweeps(
  db: Db,
  query: { kind?: FixityKind; limit: number },
): Promise<{ sweep: FixitySweepRow; result: FixityResultRow | null }[]> {
  let q = db.selectFrom('fixity_sweeps').selectAll();
  if (query.kind !== undefined) q = q.where('kind', '=', query.kind);
  const sweeps = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  if (sweeps.length === 0) return [];
  const results = new Map(
    (
      await db
        .selectFrom('fixity_results')
        .selectAll()
        .where(
          'sweep_id',
          'in',
          sweeps.map((s) => s.id),
        )
        .execute()
    ).map((r) => [r.sweep_id, toResult(r)]),
  );
  return sweeps.map((s) => ({ sweep: toSweep(s), result: results.get(s.id) ?? null }));
}

export async function fixitySweep(
  db: Db,
  id: string,
): Promise<{ sweep: FixitySweepRow; result: FixityResultRow | null } | undefined> {
  const s = await db.selectFrom('fixity_sweeps').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s) return undefined;
  const r = await db.selectFrom('fixity_results').selectAll().where('sweep_id', '=', id).executeTakeFirst();
  return { sweep: toSweep(s), result: r ? toResult(r) : null };
}

/** The columns a sweep uses (no full row, no time conversions: the check phase reads every record). */
const FIXITY_COLUMNS = [
  'records.record_id',
  'records.record_type',
  'records.bucket',
  'records.object_key',
  'records.sha256',
  'records.crc64',
  'records.size',
  'records.ledger_seq',
] as const;

export async function fixityRecords(
  db: Db,
  query: { bucket?: string; afterSeq: number; limit: number },
): Promise<FixityRecord[]> {
  let q = db
    .selectFrom('records')
    .select(FIXITY_COLUMNS)
    .where('records.ledger_seq', '>', query.afterSeq)
    .where(sql<SqlBool>`not ${isDisposed}`);
  if (query.bucket !== undefined) q = q.where('records.bucket', '=', query.bucket);
  const rows = await q.orderBy('records.ledger_seq').limit(query.limit).execute();
  return rows.map((row) => ({
    recordId: row.record_id,
    recordType: row.record_type,
    bucket: row.bucket,
    objectKey: row.object_key,
    sha256: row.sha256,
    crc64: row.crc64,
    size: row.size,
    ledgerSeq: row.ledger_seq,
  }));
}

export async function countFixityRecords(db: Db, bucket?: string): Promise<number> {
  let q = db
    .selectFrom('records')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where(sql<SqlBool>`not ${isDisposed}`);
  if (bucket !== undefined) q = q.where('records.bucket', '=', bucket);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A document's description: `<prefix><recordId>.json` next to its file (src/records/keys.ts). */
export function descriptionKeyOf(
  record: Pick<CatalogRecord, 'recordType' | 'recordId' | 'objectKey'>,
): string | null {
  if (record.recordType !== 'document') return null;
  const slash = record.objectKey.lastIndexOf('/');
  return `${record.objectKey.slice(0, slash + 1)}${record.recordId}.json`;
}

/** The record id a key names, by the archive's key layout (`.../<recordId><.ext>`), or null. */
function recordIdOfKey(key: string): string | null {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const id = dot > 0 ? base.slice(0, dot) : base;
  return RECORD_ID.test(id) ? id : null;
}

export async function cataloguedObjects(
  db: Db,
  bucket: string,
  keys: readonly string[],
): Promise<CataloguedObject[]> {
  const ids = [...new Set(keys.map(recordIdOfKey).filter((id): id is string => id !== null))];
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('records')
    .select(['records.record_id', 'records.record_type', 'records.object_key', 'records.ledger_seq'])
    .select(isDisposed.as('disposed'))
    .where('records.bucket', '=', bucket)
    .where('records.record_id', 'in', ids)
    .execute();
  const wanted = new Set(keys);
  const out: CataloguedObject[] = [];
  for (const row of rows) {
    const record = { recordId: row.record_id, recordType: row.record_type, objectKey: row.object_key };
    const base = {
      recordId: record.recordId,
      ledgerSeq: row.ledger_seq,
      disposed: Boolean(Number(row.disposed)),
    };
    if (wanted.has(record.objectKey)) out.push({ key: record.objectKey, role: 'object', ...base });
    const desc = descriptionKeyOf(record);
    if (desc !== null && wanted.has(desc)) out.push({ key: desc, role: 'description', ...base });
  }
  return out;
}
