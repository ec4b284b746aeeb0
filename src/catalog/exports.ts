import type { Kysely, Selectable } from 'kysely';
import { CatalogConflictError, NotFoundError } from '../errors';
import type { ExportBag, ExportLink, ExportRow, NewExport } from './export-types';
import type { WriteContext } from './group';
import { fromDbTime, toDbTime } from './mappers';
import type { CatalogDatabase, Timestamp } from './schema';
import { insertAuditEvents, requireEvents } from './trx-writes';
import type { LedgerLeaf, NewAuditEvent } from './types';
import { appendLedgerEntry } from './writes';

/** The export tables as Kysely sees them (migration-exports.ts). */
export interface ExportsTable {
  export_id: string;
  status: string;
  reference: string;
  recipient: string;
  purpose: string;
  criteria: string;
  include_audit: number;
  requested_by: string;
  created_at: Timestamp;
  record_count: number;
  record_bytes: number;
  ledger_size: number;
  audit_size: number;
  attempts: number;
  checkpoint: string | null;
  failure: string | null;
  bag_bucket: string | null;
  bag_key: string | null;
  bag_sha256: string | null;
  bag_size: number | null;
  ledger_index: number | null;
  finished_at: Timestamp | null;
}

export interface ExportLinksTable {
  export_id: string;
  issued_at: Timestamp;
  expires_at: Timestamp;
  issued_by: string;
  access_key_id: string;
}

type Db = Kysely<CatalogDatabase & { exports: ExportsTable; export_links: ExportLinksTable }>;
const tables = (db: Kysely<CatalogDatabase>): Db =>
  db.withTables<{ exports: ExportsTable; export_links: ExportLinksTable }>();

function toExport(r: Selectable<ExportsTable>): ExportRow {
  const bag: ExportBag | null =
    r.bag_key !== null && r.bag_bucket !== null && r.bag_sha256 !== null && r.ledger_index !== null
      ? {
          bucket: r.bag_bucket,
          key: r.bag_key,
          sha256: r.bag_sha256,
          size: Number(r.bag_size),
          ledgerIndex: Number(r.ledger_index),
        }
      : null;
  return {
    exportId: r.export_id,
    status: r.status as ExportRow['status'],
    reference: r.reference,
    recipient: JSON.parse(r.recipient) as ExportRow['recipient'],
    purpose: r.purpose,
    criteria: JSON.parse(r.criteria) as ExportRow['criteria'],
    includeAudit: r.include_audit === 1,
    requestedBy: r.requested_by,
    createdAt: fromDbTime(r.created_at),
    recordCount: Number(r.record_count),
    recordBytes: Number(r.record_bytes),
    ledgerSize: Number(r.ledger_size),
    auditSize: Number(r.audit_size),
    attempts: Number(r.attempts),
    checkpoint: r.checkpoint,
    failure: r.failure,
    bag,
    finishedAt: r.finished_at === null ? null : fromDbTime(r.finished_at),
  };
}

async function mustGet(db: Db, exportId: string): Promise<ExportRow> {
  const row = await db.selectFrom('exports').selectAll().where('export_id', '=', exportId).executeTakeFirst();
  if (!row) throw new NotFoundError(`no export ${exportId}`);
  return toExport(row);
}

/** The export's row and the audit event of its request, in one transaction (both or neither). */
export async function createExport(
  ctx: WriteContext,
  e: NewExport,
  event: NewAuditEvent,
): Promise<ExportRow> {
  requireEvents([event]);
  await ctx.db.transaction().execute(async (trx) => {
    await tables(trx)
      .insertInto('exports')
      .values({
        export_id: e.exportId,
        status: 'building',
        reference: e.reference,
        recipient: JSON.stringify(e.recipient),
        purpose: e.purpose,
        criteria: JSON.stringify(e.criteria),
        include_audit: e.includeAudit ? 1 : 0,
        requested_by: e.requestedBy,
        created_at: toDbTime(e.createdAt),
        record_count: e.recordCount,
        record_bytes: e.recordBytes,
        ledger_size: e.ledgerSize,
        audit_size: e.auditSize,
        attempts: 0,
        checkpoint: null,
        failure: null,
        bag_bucket: null,
        bag_key: null,
        bag_sha256: null,
        bag_size: null,
        ledger_index: null,
        finished_at: null,
      })
      .execute();
    await insertAuditEvents(trx, [event], ctx.clock.now());
  });
  return mustGet(tables(ctx.db), e.exportId);
}

export async function getExport(ctx: WriteContext, exportId: string): Promise<ExportRow | undefined> {
  const row = await tables(ctx.db)
    .selectFrom('exports')
    .selectAll()
    .where('export_id', '=', exportId)
    .executeTakeFirst();
  return row ? toExport(row) : undefined;
}

export async function listExports(
  ctx: WriteContext,
  page: { limit: number; before?: string },
): Promise<ExportRow[]> {
  const db = tables(ctx.db);
  let q = db.selectFrom('exports').selectAll();
  if (page.before !== undefined) {
    const before = await mustGet(db, page.before);
    const at = toDbTime(before.createdAt);
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '<', at),
        eb.and([eb('created_at', '=', at), eb('export_id', '<', before.exportId)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('export_id', 'desc')
    .limit(Math.min(Math.max(page.limit, 1), 1000))
    .execute();
  return rows.map(toExport);
}

export async function exportsBuilding(ctx: WriteContext): Promise<ExportRow[]> {
  const rows = await tables(ctx.db)
    .selectFrom('exports')
    .selectAll()
    .where('status', '=', 'building')
    .orderBy('created_at')
    .orderBy('export_id')
    .execute();
  return rows.map(toExport);
}

export async function startExportBuild(
  ctx: WriteContext,
  exportId: string,
  checkpoint: string,
): Promise<ExportRow> {
  const db = tables(ctx.db);
  const current = await mustGet(db, exportId);
  if (current.status !== 'building')
    throw new CatalogConflictError(`export ${exportId} is ${current.status}, not building`);
  await db
    .updateTable('exports')
    .set({ attempts: current.attempts + 1, checkpoint: current.checkpoint ?? checkpoint })
    .where('export_id', '=', exportId)
    .where('status', '=', 'building')
    .execute();
  return mustGet(db, exportId);
}

export async function completeExport(
  ctx: WriteContext,
  exportId: string,
  bag: Omit<ExportBag, 'ledgerIndex'>,
): Promise<{ row: ExportRow; leaf: LedgerLeaf }> {
  const db = tables(ctx.db);
  const current = await mustGet(db, exportId);
  if (current.status === 'failed') throw new CatalogConflictError(`export ${exportId} has failed`);
  // Idempotent: the same id and SHA-256 again returns the leaf already appended (a crash between
  // the two writes, then a rebuild of the same bytes).
  const leaf = await appendLedgerEntry(ctx, { kind: 'export', id: exportId, sha256: bag.sha256 });
  await db
    .updateTable('exports')
    .set({
      status: 'ready',
      bag_bucket: bag.bucket,
      bag_key: bag.key,
      bag_sha256: bag.sha256,
      bag_size: bag.size,
      ledger_index: leaf.seq,
      finished_at: toDbTime(ctx.clock.now()),
    })
    .where('export_id', '=', exportId)
    .execute();
  return { row: await mustGet(db, exportId), leaf };
}

export async function failExport(ctx: WriteContext, exportId: string, reason: string): Promise<ExportRow> {
  const db = tables(ctx.db);
  await db
    .updateTable('exports')
    .set({ status: 'failed', failure: reason, finished_at: toDbTime(ctx.clock.now()) })
    .where('export_id', '=', exportId)
    .where('status', '=', 'building')
    .execute();
  return mustGet(db, exportId);
}

export async function addExportLink(ctx: WriteContext, link: ExportLink): Promise<void> {
  await tables(ctx.db)
    .insertInto('export_links')
    .values({
      export_id: link.exportId,
      issued_at: toDbTime(link.issuedAt),
      expires_at: toDbTime(link.expiresAt),
      issued_by: link.issuedBy,
      access_key_id: link.accessKeyId,
    })
    .execute();
}

export async function exportLinks(ctx: WriteContext, exportId: string): Promise<ExportLink[]> {
  const rows = await tables(ctx.db)
    .selectFrom('export_links')
    .selectAll()
    .where('export_id', '=', exportId)
    .orderBy('issued_at')
    .execute();
  return rows.map((r) => ({
    exportId: r.export_id,
    issuedAt: fromDbTime(r.issued_at),
    expiresAt: fromDbTime(r.expires_at),
    issuedBy: r.issued_by,
    accessKeyId: r.access_key_id,
  }));
}
