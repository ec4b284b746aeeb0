import { Migrator, sql, type Kysely } from 'kysely';
import { ConfigError } from '../errors';
import { systemClock, type Clock } from '../util/clock';
import * as activity from './activity';
import * as alerts from './alerts';
import * as auditQuery from './audit-query';
import * as alpTrades from './alp-trades';
import * as exportAudit from './export-audit';
import * as exportsPart from './exports';
import * as evidence from './evidence';
import type { EvidenceCatalog } from './evidence-types';
import * as documents from './documents';
import { openPostgres, openSqlite, type Durability, type OpenedDatabase } from './dialect';
import { CatalogMigrationProvider } from './migrations';
import * as principals from './principals';
import * as reads from './reads';
import type { CatalogDatabase } from './schema';
import type { LifecycleCatalog } from './types-lifecycle';
import type {
  AlpTradeCatalog,
  ApiTokenInfo,
  AuditEvent,
  Catalog,
  CatalogDialect,
  CatalogRecord,
  CommitResult,
  LedgerEntryKind,
  LedgerLeaf,
  NewAuditEvent,
  NewPrincipal,
  NewRecord,
  Principal,
  RecordPage,
  RecordQuery,
  RecordSelection,
  SelectionMeasure,
  WriteStats,
} from './types';
import { GroupCommitter } from './group-commit';
import { lifecycleCatalog } from './lifecycle';
import * as writes from './writes';

export interface OpenCatalogOptions {
  /** SQLite database file (created with its directory if missing). Used when no databaseUrl. */
  sqlitePath?: string;
  /** PostgreSQL URL; when given, PostgreSQL is used. */
  databaseUrl?: string;
  clock?: Clock;
}

/**
 * Opens the catalog: PostgreSQL when `databaseUrl` is given, else SQLite at `sqlitePath`; runs the
 * migrations (idempotent; concurrent openers are serialised by the migrator's lock).
 */
export async function openCatalog(options: OpenCatalogOptions): Promise<Catalog> {
  let dialect: CatalogDialect;
  let opened: OpenedDatabase;
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    dialect = 'postgres';
    opened = openPostgres(options.databaseUrl);
  } else if (options.sqlitePath !== undefined && options.sqlitePath !== '') {
    dialect = 'sqlite';
    opened = openSqlite(options.sqlitePath);
  } else {
    throw new ConfigError('the catalog needs a databaseUrl (PostgreSQL) or a sqlitePath (SQLite)');
  }
  const { db, durable, closeDurability } = opened;
  try {
    // On PostgreSQL, keep the migration bookkeeping in the schema the catalog lives in: Kysely
    // otherwise finds another schema's table through the search path and skips making its own.
    const schema =
      dialect === 'postgres'
        ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
        : undefined;
    const migrator = new Migrator({
      db,
      provider: new CatalogMigrationProvider(dialect),
      ...(schema ? { migrationTableSchema: schema } : {}),
      migrationTableName: 'catalog_migration',
      migrationLockTableName: 'catalog_migration_lock',
    });
    const { error } = await migrator.migrateToLatest();
    if (error !== undefined) throw error;
    await durable();
  } catch (err) {
    await db.destroy();
    await closeDurability();
    throw err;
  }
  const clock = options.clock ?? systemClock;
  const catalog = new KyselyCatalog(db, dialect, clock, durable, closeDurability);
  return Object.assign(
    catalog,
    lifecycleCatalog(db, clock, (write) => catalog.synced(write)),
  );
}

/** The catalog but its lifecycle half (lifecycle.ts), which openCatalog adds. */
class KyselyCatalog implements Omit<Catalog, keyof LifecycleCatalog> {
  private closed = false;
  private readonly committer: GroupCommitter;

  constructor(
    private readonly db: Kysely<CatalogDatabase>,
    readonly dialect: CatalogDialect,
    private readonly clock: Clock,
    private readonly durable: Durability,
    private readonly closeDurability: () => Promise<void>,
  ) {
    this.committer = new GroupCommitter(
      { db, clock, dialect, insertMode: dialect === 'sqlite' ? 'row' : 'multi', insertSql: new Map() },
      durable,
    );
  }

  /** Every write outside the group committer: acknowledged only once durable. */
  async synced<T>(write: Promise<T>): Promise<T> {
    const result = await write;
    await this.durable();
    return result;
  }

  private get ctx(): writes.WriteContext {
    return { db: this.db, clock: this.clock };
  }

  // Records found are shown (as receipts) only once durable: see GroupCommitter.settled.
  async getRecord(recordId: string): Promise<CatalogRecord | undefined> {
    const found = await reads.getRecord(this.db, recordId);
    if (found) await this.committer.settled();
    return found;
  }
  async searchRecords(query: RecordQuery): Promise<RecordPage> {
    const page = await reads.searchRecords(this.db, query);
    if (page.records.length > 0) await this.committer.settled();
    return page;
  }
  async corrections(recordId: string): Promise<CatalogRecord[]> {
    const found = await reads.corrections(this.db, recordId);
    if (found.length > 0) await this.committer.settled();
    return found;
  }

  /** Everything committed so far is durable (see GroupCommitter.settled). */
  settled(): Promise<void> {
    return this.committer.settled();
  }
  commitRecord(record: NewRecord, audit: NewAuditEvent): Promise<CommitResult> {
    return writes.commitRecord(this.committer, record, audit);
  }
  indexFromStore(record: NewRecord): Promise<CommitResult> {
    return writes.commitRecord(this.committer, record, null);
  }

  appendLedgerEntry(entry: {
    kind: Exclude<LedgerEntryKind, 'record'>;
    id: string;
    sha256: string;
  }): Promise<LedgerLeaf> {
    return this.synced(writes.appendLedgerEntry(this.ctx, entry));
  }
  ledgerLeaves(range?: { fromSeq?: number; limit?: number }): Promise<LedgerLeaf[]> {
    return reads.ledgerLeaves(this.db, range);
  }
  ledgerSize(): Promise<number> {
    return reads.counterValue(this.db, 'ledger');
  }

  appendAudit(event: NewAuditEvent): Promise<AuditEvent> {
    return writes.appendAudit(this.committer, event);
  }
  auditEvents(range?: { fromSeq?: number; limit?: number }): Promise<AuditEvent[]> {
    return reads.auditEvents(this.db, range);
  }
  auditSize(): Promise<number> {
    return reads.counterValue(this.db, 'audit');
  }
  auditEventsOfSelection(
    selection: RecordSelection,
    range: { fromSeq?: number; belowSeq: number; limit?: number },
  ): Promise<AuditEvent[]> {
    return exportAudit.auditEventsOfSelection(this.db, this.dialect, selection, range);
  }
  auditSeqsOfSelection(
    selection: RecordSelection,
    range: { fromSeq?: number; belowSeq: number; limit?: number },
  ): Promise<number[]> {
    return exportAudit.auditSeqsOfSelection(this.db, this.dialect, selection, range);
  }
  auditEventsAt(seqs: readonly number[]): Promise<AuditEvent[]> {
    return exportAudit.auditEventsAt(this.db, seqs);
  }
  measureSelection(selection: RecordSelection): Promise<SelectionMeasure> {
    return exportAudit.measureSelection(this.db, this.dialect, selection);
  }

  addPrincipal(principal: NewPrincipal): Promise<Principal> {
    return this.synced(principals.addPrincipal(this.ctx, principal));
  }
  getPrincipal(id: string): Promise<Principal | undefined> {
    return principals.getPrincipal(this.ctx, id);
  }
  findPrincipalByName(name: string): Promise<Principal | undefined> {
    return principals.findPrincipalByName(this.ctx, name);
  }
  listPrincipals(): Promise<Principal[]> {
    return principals.listPrincipals(this.ctx);
  }
  disablePrincipal(id: string): Promise<Principal> {
    return this.synced(principals.disablePrincipal(this.ctx, id));
  }
  addTokenHash(principalId: string, tokenHash: string): Promise<ApiTokenInfo> {
    return this.synced(principals.addTokenHash(this.ctx, principalId, tokenHash));
  }
  revokeToken(tokenHash: string): Promise<ApiTokenInfo> {
    return this.synced(principals.revokeToken(this.ctx, tokenHash));
  }
  listTokens(principalId: string): Promise<ApiTokenInfo[]> {
    return principals.listTokens(this.ctx, principalId);
  }
  findPrincipalByTokenHash(tokenHash: string): Promise<Principal | undefined> {
    return principals.findPrincipalByTokenHash(this.ctx, tokenHash);
  }
  markTokenUsed(tokenHash: string): Promise<void> {
    return this.synced(principals.markTokenUsed(this.ctx, tokenHash));
  }

  addAlpTradeSources: AlpTradeCatalog['addAlpTradeSources'] = (sources) =>
    this.synced(alpTrades.addAlpTradeSources(this.db, this.dialect, sources));
  alpTradeMonth: AlpTradeCatalog['alpTradeMonth'] = (month, alpId) =>
    alpTrades.alpTradeMonth(this.db, month, alpId);
  alpIdsWithTrades: AlpTradeCatalog['alpIdsWithTrades'] = (month) =>
    alpTrades.alpIdsWithTrades(this.db, month);
  alpTradeFact: AlpTradeCatalog['alpTradeFact'] = (id) => alpTrades.alpTradeFact(this.db, id);
  alpTradesWithoutFacts: AlpTradeCatalog['alpTradesWithoutFacts'] = (limit) =>
    alpTrades.alpTradesWithoutFacts(this.db, limit);

  recordsIngestedPerDay: Catalog['recordsIngestedPerDay'] = (from, to) =>
    activity.recordsIngestedPerDay(this.db, this.dialect, from, to);
  auditEventCounts: Catalog['auditEventCounts'] = () => activity.auditEventCounts(this.db);
  async documentsOfType(
    ...a: Parameters<Catalog['documentsOfType']>
  ): ReturnType<Catalog['documentsOfType']> {
    const found = await documents.documentsOfType(this.db, ...a);
    if (found.length > 0) await this.committer.settled();
    return found;
  }

  createExport: Catalog['createExport'] = (e, event) =>
    this.synced(exportsPart.createExport(this.ctx, e, event));
  getExport: Catalog['getExport'] = (id) => exportsPart.getExport(this.ctx, id);
  listExports: Catalog['listExports'] = (page) => exportsPart.listExports(this.ctx, page);
  exportsBuilding: Catalog['exportsBuilding'] = () => exportsPart.exportsBuilding(this.ctx);
  startExportBuild: Catalog['startExportBuild'] = (id, checkpoint) =>
    this.synced(exportsPart.startExportBuild(this.ctx, id, checkpoint));
  completeExport: Catalog['completeExport'] = (id, bag) =>
    this.synced(exportsPart.completeExport(this.ctx, id, bag));
  failExport: Catalog['failExport'] = (id, reason) =>
    this.synced(exportsPart.failExport(this.ctx, id, reason));
  addExportLink: Catalog['addExportLink'] = (link) => this.synced(exportsPart.addExportLink(this.ctx, link));
  exportLinks: Catalog['exportLinks'] = (id) => exportsPart.exportLinks(this.ctx, id);
  // Evidence (evidence.ts, audit-query.ts, alerts.ts): rare writes, each durable before it returns.
  addCheckpoint: EvidenceCatalog['addCheckpoint'] = (c) => this.synced(evidence.addCheckpoint(this.ctx, c));
  latestCheckpointRow: EvidenceCatalog['latestCheckpointRow'] = () => evidence.latestCheckpointRow(this.db);
  checkpointRows: EvidenceCatalog['checkpointRows'] = (page) => evidence.checkpointRows(this.db, page);
  ledgerLeafCount: EvidenceCatalog['ledgerLeafCount'] = (below) => evidence.ledgerLeafCount(this.db, below);
  addAuditSegment: EvidenceCatalog['addAuditSegment'] = (s) =>
    this.synced(evidence.addAuditSegment(this.ctx, s));
  latestAuditSegment: EvidenceCatalog['latestAuditSegment'] = () => evidence.latestAuditSegment(this.db);
  auditSegments: EvidenceCatalog['auditSegments'] = (page) => evidence.auditSegments(this.db, page);
  auditEventCount: EvidenceCatalog['auditEventCount'] = (below) => evidence.auditEventCount(this.db, below);
  queryAudit: EvidenceCatalog['queryAudit'] = (q) => auditQuery.queryAudit(this.db, q);
  existingEventIds: EvidenceCatalog['existingEventIds'] = (ids) => auditQuery.existingEventIds(this.db, ids);
  auditEventCountsBySource: EvidenceCatalog['auditEventCountsBySource'] = () =>
    auditQuery.auditEventCountsBySource(this.db);
  importPosition: EvidenceCatalog['importPosition'] = (name) => evidence.importPosition(this.db, name);
  setImportPosition: EvidenceCatalog['setImportPosition'] = (name, position) =>
    this.synced(evidence.setImportPosition(this.ctx, name, position));
  importedLogObjects: EvidenceCatalog['importedLogObjects'] = (keys) =>
    evidence.importedLogObjects(this.db, keys);
  markLogObjectImported: EvidenceCatalog['markLogObjectImported'] = (o) =>
    this.synced(evidence.markLogObjectImported(this.ctx, o));
  registerStsAttribution: EvidenceCatalog['registerStsAttribution'] = (a) =>
    this.synced(evidence.registerStsAttribution(this.ctx, a));
  stsAttribution: EvidenceCatalog['stsAttribution'] = (id) => evidence.stsAttribution(this.db, id);
  raiseAlert: EvidenceCatalog['raiseAlert'] = (a) => this.synced(alerts.raiseAlert(this.ctx, a));
  getAlert: EvidenceCatalog['getAlert'] = (id) => alerts.getAlert(this.db, id);
  listAlerts: EvidenceCatalog['listAlerts'] = (q) => alerts.listAlerts(this.db, q);
  openAlertCount: EvidenceCatalog['openAlertCount'] = () => alerts.openAlertCount(this.db);
  acknowledgeAlert: EvidenceCatalog['acknowledgeAlert'] = (id, ack, audit) =>
    this.synced(alerts.acknowledgeAlert(this.ctx, id, ack, audit));
  requestJob: EvidenceCatalog['requestJob'] = (name) => this.synced(evidence.requestJob(this.ctx, name));
  jobRequestedAt: EvidenceCatalog['jobRequestedAt'] = (name) => evidence.jobRequestedAt(this.db, name);
  restoreLedgerLeaves: EvidenceCatalog['restoreLedgerLeaves'] = (leaves) =>
    this.synced(evidence.restoreLedgerLeaves(this.ctx, leaves));
  restoreAuditEvents: EvidenceCatalog['restoreAuditEvents'] = (events) =>
    this.synced(evidence.restoreAuditEvents(this.ctx, events));

  writeStats(): WriteStats {
    return this.committer.writeStats();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.committer.flush();
    await this.db.destroy();
    await this.closeDurability();
  }
}
