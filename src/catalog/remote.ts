import { Worker } from 'node:worker_threads';
import { UnavailableError } from '../errors';
import { keepHeapFlags } from '../runtime/heap';
import { compiledScript } from '../runtime/worker-script';
import { systemClock, type Clock } from '../util/clock';
import {
  deserializeError,
  type CallMessage,
  type RemoteMethod,
  type ReplyMessage,
  type WorkerInit,
} from './remote-protocol';
import { openSqliteReader } from './dialect';
import * as principals from './principals';
import * as reads from './reads';
import type { Catalog, CatalogDialect, WriteStats } from './types';
import { forwardedLifecycle } from './lifecycle';
import type { LifecycleCatalog } from './types-lifecycle';

/**
 * The SQLite catalog in a worker thread. better-sqlite3 is synchronous: on the serving thread,
 * every statement and commit of the catalog holds up every request. Here the catalog (with its
 * group commit and WAL syncs) runs on the other core, and this side only passes messages
 * (docs/decisions/0003-catalog-thread.md). The interface is the Catalog's, unchanged: values
 * cross the thread by structured clone (Dates included), typed errors are rebuilt by code.
 */
export async function openCatalogInWorker(options: { sqlitePath: string; clock?: Clock }): Promise<Catalog> {
  const remote = new RemoteCatalog(options.sqlitePath, options.clock ?? systemClock);
  try {
    await remote.ready;
  } catch (err) {
    await remote.close();
    throw err;
  }
  return Object.assign(remote, remote.lifecycle);
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** The catalog but its lifecycle half, which openCatalogInWorker adds (`lifecycle`: every method forwarded). */
class RemoteCatalog implements Omit<Catalog, keyof LifecycleCatalog> {
  readonly dialect: CatalogDialect = 'sqlite';
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stats: WriteStats = { groups: 0, operations: 0, splitGroups: 0, largestGroup: 0 };
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private readerHandle: ReturnType<typeof openSqliteReader> | null = null;
  /** terminate() on a thread that has already exited never settles: skip it then. */
  private exited = false;

  constructor(
    private readonly sqlitePath: string,
    private readonly clock: Clock,
  ) {
    this.worker = new Worker(compiledScript(__dirname, 'catalog/catalog-worker.js', 'the catalog worker'), {
      workerData: { sqlitePath } satisfies WorkerInit,
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    keepHeapFlags(this.worker);
    this.ready = new Promise<void>((resolve, reject) =>
      this.pending.set(0, {
        resolve: () => resolve(),
        reject: (err) => {
          // The worker could not open the catalog: nothing more is sent to it.
          this.failure ??= err instanceof Error ? err : new Error(String(err));
          reject(err);
        },
      }),
    );
    this.worker.on('message', (msg: ReplyMessage) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) {
        this.stats = msg.stats;
        p.resolve(msg.value);
      } else {
        p.reject(deserializeError(msg.error));
      }
    });
    const fail = (err: Error): void => {
      this.failure ??= new UnavailableError('the catalog worker stopped; restart the service', {
        cause: err,
      });
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      this.exited = true;
      // Also while closing: a call still pending now will never be answered.
      if (!this.closing || this.pending.size > 0) fail(new Error(`catalog worker exited with code ${code}`));
    });
  }

  private read<T>(query: () => Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new UnavailableError('the catalog is closed'));
    return query();
  }

  private call<T>(method: RemoteMethod, ...args: unknown[]): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing && method !== 'close')
      return Promise.reject(new UnavailableError('the catalog is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args, now: this.clock.now().getTime() } satisfies CallMessage);
    });
  }

  /** Opened once the worker has created and migrated the database. */
  private get reader(): ReturnType<typeof openSqliteReader> {
    this.readerHandle ??= openSqliteReader(this.sqlitePath);
    return this.readerHandle;
  }

  writeStats(): WriteStats {
    return { ...this.stats };
  }

  readonly lifecycle: LifecycleCatalog = forwardedLifecycle((method, args) => this.call(method, ...args));

  // Point reads on this thread, through the read-only connection (see openSqliteReader): a few
  // microseconds each, and no wait behind the worker's commits. Bulk reads go to the worker.
  getRecord: Catalog['getRecord'] = async (id) => {
    const found = await this.read(() => reads.getRecord(this.reader.db, id));
    // Seen here before the worker's sync of it may have finished: wait for that (settled).
    if (found) await this.call('settled');
    return found;
  };
  settled: Catalog['settled'] = () => this.call('settled');
  searchRecords: Catalog['searchRecords'] = (...a) => this.call('searchRecords', ...a);
  corrections: Catalog['corrections'] = (...a) => this.call('corrections', ...a);
  commitRecord: Catalog['commitRecord'] = (...a) => this.call('commitRecord', ...a);
  indexFromStore: Catalog['indexFromStore'] = (...a) => this.call('indexFromStore', ...a);
  appendLedgerEntry: Catalog['appendLedgerEntry'] = (...a) => this.call('appendLedgerEntry', ...a);
  ledgerLeaves: Catalog['ledgerLeaves'] = (...a) => this.call('ledgerLeaves', ...a);
  ledgerSize: Catalog['ledgerSize'] = () => this.call('ledgerSize');
  appendAudit: Catalog['appendAudit'] = (...a) => this.call('appendAudit', ...a);
  auditEvents: Catalog['auditEvents'] = (...a) => this.call('auditEvents', ...a);
  auditSize: Catalog['auditSize'] = () => this.call('auditSize');
  auditEventsOfSelection: Catalog['auditEventsOfSelection'] = (...a) =>
    this.call('auditEventsOfSelection', ...a);
  auditSeqsOfSelection: Catalog['auditSeqsOfSelection'] = (...a) => this.call('auditSeqsOfSelection', ...a);
  auditEventsAt: Catalog['auditEventsAt'] = (...a) => this.call('auditEventsAt', ...a);
  measureSelection: Catalog['measureSelection'] = (...a) => this.call('measureSelection', ...a);
  addPrincipal: Catalog['addPrincipal'] = (...a) => this.call('addPrincipal', ...a);
  getPrincipal: Catalog['getPrincipal'] = (id) =>
    this.read(() => principals.getPrincipal({ db: this.reader.db, clock: this.clock }, id));
  findPrincipalByName: Catalog['findPrincipalByName'] = (...a) => this.call('findPrincipalByName', ...a);
  listPrincipals: Catalog['listPrincipals'] = () => this.call('listPrincipals');
  disablePrincipal: Catalog['disablePrincipal'] = (...a) => this.call('disablePrincipal', ...a);
  addTokenHash: Catalog['addTokenHash'] = (...a) => this.call('addTokenHash', ...a);
  revokeToken: Catalog['revokeToken'] = (...a) => this.call('revokeToken', ...a);
  listTokens: Catalog['listTokens'] = (...a) => this.call('listTokens', ...a);
  findPrincipalByTokenHash: Catalog['findPrincipalByTokenHash'] = (hash) =>
    this.read(() => principals.findPrincipalByTokenHash({ db: this.reader.db, clock: this.clock }, hash));
  markTokenUsed: Catalog['markTokenUsed'] = (...a) => this.call('markTokenUsed', ...a);
  addAlpTradeSources: Catalog['addAlpTradeSources'] = (...a) => this.call('addAlpTradeSources', ...a);
  alpTradeMonth: Catalog['alpTradeMonth'] = (...a) => this.call('alpTradeMonth', ...a);
  alpIdsWithTrades: Catalog['alpIdsWithTrades'] = (...a) => this.call('alpIdsWithTrades', ...a);
  alpTradeFact: Catalog['alpTradeFact'] = (...a) => this.call('alpTradeFact', ...a);
  recordsIngestedPerDay: Catalog['recordsIngestedPerDay'] = (...a) =>
    this.call('recordsIngestedPerDay', ...a);
  auditEventCounts: Catalog['auditEventCounts'] = () => this.call('auditEventCounts');
  documentsOfType: Catalog['documentsOfType'] = (...a) => this.call('documentsOfType', ...a);
  alpTradesWithoutFacts: Catalog['alpTradesWithoutFacts'] = (...a) =>
    this.call('alpTradesWithoutFacts', ...a);
  createExport: Catalog['createExport'] = (...a) => this.call('createExport', ...a);
  getExport: Catalog['getExport'] = (...a) => this.call('getExport', ...a);
  listExports: Catalog['listExports'] = (...a) => this.call('listExports', ...a);
  exportsBuilding: Catalog['exportsBuilding'] = () => this.call('exportsBuilding');
  startExportBuild: Catalog['startExportBuild'] = (...a) => this.call('startExportBuild', ...a);
  completeExport: Catalog['completeExport'] = (...a) => this.call('completeExport', ...a);
  failExport: Catalog['failExport'] = (...a) => this.call('failExport', ...a);
  addExportLink: Catalog['addExportLink'] = (...a) => this.call('addExportLink', ...a);
  exportLinks: Catalog['exportLinks'] = (...a) => this.call('exportLinks', ...a);
  addCheckpoint: Catalog['addCheckpoint'] = (...a) => this.call('addCheckpoint', ...a);
  latestCheckpointRow: Catalog['latestCheckpointRow'] = () => this.call('latestCheckpointRow');
  checkpointRows: Catalog['checkpointRows'] = (...a) => this.call('checkpointRows', ...a);
  ledgerLeafCount: Catalog['ledgerLeafCount'] = (...a) => this.call('ledgerLeafCount', ...a);
  addAuditSegment: Catalog['addAuditSegment'] = (...a) => this.call('addAuditSegment', ...a);
  latestAuditSegment: Catalog['latestAuditSegment'] = () => this.call('latestAuditSegment');
  auditSegments: Catalog['auditSegments'] = (...a) => this.call('auditSegments', ...a);
  auditEventCount: Catalog['auditEventCount'] = (...a) => this.call('auditEventCount', ...a);
  queryAudit: Catalog['queryAudit'] = (...a) => this.call('queryAudit', ...a);
  existingEventIds: Catalog['existingEventIds'] = (...a) => this.call('existingEventIds', ...a);
  auditEventCountsBySource: Catalog['auditEventCountsBySource'] = () => this.call('auditEventCountsBySource');
  importPosition: Catalog['importPosition'] = (...a) => this.call('importPosition', ...a);
  setImportPosition: Catalog['setImportPosition'] = (...a) => this.call('setImportPosition', ...a);
  importedLogObjects: Catalog['importedLogObjects'] = (...a) => this.call('importedLogObjects', ...a);
  markLogObjectImported: Catalog['markLogObjectImported'] = (...a) =>
    this.call('markLogObjectImported', ...a);
  registerStsAttribution: Catalog['registerStsAttribution'] = (...a) =>
    this.call('registerStsAttribution', ...a);
  stsAttribution: Catalog['stsAttribution'] = (...a) => this.call('stsAttribution', ...a);
  raiseAlert: Catalog['raiseAlert'] = (...a) => this.call('raiseAlert', ...a);
  getAlert: Catalog['getAlert'] = (...a) => this.call('getAlert', ...a);
  listAlerts: Catalog['listAlerts'] = (...a) => this.call('listAlerts', ...a);
  openAlertCount: Catalog['openAlertCount'] = () => this.call('openAlertCount');
  acknowledgeAlert: Catalog['acknowledgeAlert'] = (...a) => this.call('acknowledgeAlert', ...a);
  requestJob: Catalog['requestJob'] = (...a) => this.call('requestJob', ...a);
  jobRequestedAt: Catalog['jobRequestedAt'] = (...a) => this.call('jobRequestedAt', ...a);
  restoreLedgerLeaves: Catalog['restoreLedgerLeaves'] = (...a) => this.call('restoreLedgerLeaves', ...a);
  restoreAuditEvents: Catalog['restoreAuditEvents'] = (...a) => this.call('restoreAuditEvents', ...a);

  /** Waits for the writes asked for (the worker's own close flushes its group committer), then stops the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (!this.failure) await this.call<void>('close');
      } finally {
        await this.readerHandle?.close();
        if (!this.exited) await this.worker.terminate();
      }
    })();
    return this.closing;
  }
}
