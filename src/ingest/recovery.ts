import path from 'node:path/posix';
import { AuditScope } from '../audit/scope';
import type { Catalog, CommitResult, NewRecord, RestoredLeaf } from '../catalog';
import { alpTradeFacts, type AlpTradeSource } from '../records/alp-trade-facts';
import type { BucketPlan } from '../config';
import {
  canonicalBytes,
  CONTENT_META,
  decodeFileName,
  parseRecordMetadata,
  RECORD_SCHEMA_VERSION,
  validateRecord,
  type ArchiveRecord,
  type RecordMetadata,
} from '../records';
import type { ObjectSeal } from '../records/seal';
import { adoptionMismatch } from '../storage/adoption';
import { digestBuffer, digestStream } from '../storage/checksums';
import type { ObjectInfo, ObjectStore } from '../storage/types';
import type { Clock } from '../util/clock';
import { catalogRow, type StoredObject } from './catalog-row';

/**
 * Recovery: walks every records bucket and makes the catalog agree with OSS, which is the system
 * of record. Two modes (the `strongroom reconcile` and `strongroom reindex` commands):
 *
 * - `reconcile` (after a crash): objects written but not catalogued are read back, their SHA-256
 *   checked against the metadata written with them (src/storage/adoption.ts, the rule the write
 *   path adopts by, which takes only objects the archive sealed itself, src/records/seal.ts) and
 *   the record re-validated, then committed with an audit event naming the reconcile; an object
 *   without a valid seal is reported as `foreign`, anything else that does not check out as a
 *   `problem`; neither is ever committed.
 * - `reindex` does the same into an empty or partial catalog without audit events (the catalog is
 *   an index: rebuilding it records no access).
 *
 * Records are `<type>/<yyyy>/<mm>/<dd>/<id>.json`. A document is two objects: its file, and its
 * description at `<id>.json` whose metadata names the file's key, SHA-256, CRC-64, size and name.
 * Rows are built by catalogRow, as the write path builds them, with their ALP trade source: a
 * reindexed catalog gives the same ALP reports. Last, in both modes, trades catalogued without
 * their facts (by a version of the archive that did not write them with the row) are read back
 * and their facts, and their corrections', added (`alpFactsRepaired`).
 */

export type RecoveryMode = 'reconcile' | 'reindex';

export type RecoveryOutcome =
  /** In the catalog already, with the same SHA-256. */
  | 'catalogued'
  /** Was missing from the catalog; verified by SHA-256 and committed now. */
  | 'committed'
  /** Cannot be committed; see `reason`. Needs a person to look. */
  | 'problem'
  /**
   * Not written by this archive (no valid seal, or an ingest time its Last-Modified belies):
   * never committed; see `reason`. Someone wrote into a records bucket with the OSS keys.
   */
  | 'foreign';

export interface RecoveryItem {
  bucket: string;
  key: string;
  recordId: string | null;
  outcome: RecoveryOutcome;
  reason?: string;
  ledgerSeq?: number;
}

export interface RecoveryReport {
  mode: RecoveryMode;
  scanned: number;
  catalogued: number;
  committed: number;
  /** Objects not committed: problems and foreign objects alike. */
  problems: RecoveryItem[];
  /** How many of the problems are foreign objects. */
  foreign: number;
  /** Catalogued ALP trades (and their corrections) whose missing trade facts were added. */
  alpFactsRepaired: number;
  /** Every item (only the committed and problem ones when `verbose` is off). */
  items: RecoveryItem[];
}

/** A leaf as the ledger's tiles hold it (reindex restores the catalog's ledger in this order). */
export type TileLeaf = Omit<RestoredLeaf, 'record'>;

export interface RecoveryDeps {
  store: Pick<ObjectStore, 'list' | 'get' | 'getBuffer'>;
  catalog: Pick<
    Catalog,
    | 'getRecord'
    | 'commitRecord'
    | 'indexFromStore'
    | 'appendAudit'
    | 'alpTradesWithoutFacts'
    | 'addAlpTradeSources'
    | 'corrections'
  > &
    Partial<Pick<Catalog, 'restoreLedgerLeaves'>>;
  /**
   * reindex: the leaves of the ledger's tiles past the catalog's ledger (src/evidence/restore.ts).
   * Their records are put back at exactly these seqs (restoreLedgerLeaves), so the catalog's
   * ledger is the signed log again; records not in the tiles (ingested after the last
   * checkpoint) are appended after them.
   */
  ledgerOrder?: readonly TileLeaf[];
  /** The records buckets and their days (bucketPlan of the configuration). */
  plan: Pick<BucketPlan, 'records'>;
  /** The archive's seal: only objects it sealed are committed. */
  seal: ObjectSeal;
  clock?: Clock;
}

export interface RecoveryOptions {
  mode: RecoveryMode;
  /** Called for every object looked at (progress display). */
  onItem?: (item: RecoveryItem, scanned: number) => void;
  verbose?: boolean;
}

export async function recoverFromStore(
  deps: RecoveryDeps,
  options: RecoveryOptions,
): Promise<RecoveryReport> {
  const report: RecoveryReport = {
    mode: options.mode,
    scanned: 0,
    catalogued: 0,
    committed: 0,
    problems: [],
    foreign: 0,
    alpFactsRepaired: 0,
    items: [],
  };
  const order = options.mode === 'reindex' ? deps.ledgerOrder : undefined;
  const held = new Map<string, { row: NewRecord; item: RecoveryItem }>();
  const inLedger = new Set(order?.filter((l) => l.kind === 'record').map((l) => l.id));
  const later: { row: NewRecord; item: RecoveryItem }[] = [];
  // In ledger order every row waits: the tiles' leaves go back first, then the others.
  const hold = order
    ? (row: NewRecord, item: RecoveryItem): boolean => {
        if (inLedger.has(row.recordId) && !held.has(row.recordId)) held.set(row.recordId, { row, item });
        else later.push({ row, item });
        return true;
      }
    : undefined;
  for (const planned of deps.plan.records) {
    const klass = { name: planned.className, days: planned.days };
    const describedFiles = new Set<string>();
    const otherFiles: string[] = [];
    for await (const obj of deps.store.list(planned.bucket)) {
      if (!obj.key.endsWith('.json')) {
        otherFiles.push(obj.key);
        continue;
      }
      report.scanned++;
      const item = await recoverOne(deps, planned.bucket, obj.key, klass, options.mode, describedFiles, hold);
      if (item) tally(report, item, options);
    }
    for (const key of otherFiles) {
      if (describedFiles.has(key)) continue;
      report.scanned++;
      tally(
        report,
        {
          bucket: planned.bucket,
          key,
          recordId: null,
          outcome: 'problem',
          reason:
            'a file with no document description: the upload did not finish its commit; send the document again',
        },
        options,
      );
    }
  }
  if (order) {
    await restoreOrder(deps, order, held, (item) => tally(report, item, options));
    for (const { row, item } of later) {
      const committed = await deps.catalog.indexFromStore(row);
      tally(
        report,
        committed.record.sha256 !== row.sha256
          ? {
              ...item,
              outcome: 'problem',
              reason: `record ${row.recordId} is catalogued with another SHA-256`,
            }
          : {
              ...item,
              outcome: committed.created ? 'committed' : 'catalogued',
              ledgerSeq: committed.ledgerSeq,
            },
        options,
      );
    }
  }
  await repairAlpFacts(deps, report);
  return report;
}

/** Puts the tiles' leaves back at their seqs, each record leaf with the row read from its bucket. */
async function restoreOrder(
  deps: RecoveryDeps,
  order: readonly TileLeaf[],
  held: Map<string, { row: NewRecord; item: RecoveryItem }>,
  tallyItem: (item: RecoveryItem) => void,
): Promise<void> {
  const restore = deps.catalog.restoreLedgerLeaves;
  if (!restore) throw new Error('reindex in ledger order needs a catalog with restoreLedgerLeaves');
  const leaves: RestoredLeaf[] = [];
  for (const leaf of order) {
    const h = leaf.kind === 'record' ? held.get(leaf.id) : undefined;
    if (leaf.kind === 'record' && !h) {
      tallyItem({
        bucket: '(ledger)',
        key: `leaf ${leaf.seq}`,
        recordId: leaf.id,
        outcome: 'problem',
        reason: `record ${leaf.id} is in the ledger (leaf ${leaf.seq}) but no valid object of it was found`,
        ledgerSeq: leaf.seq,
      });
    } else if (h && h.row.sha256 !== leaf.sha256) {
      tallyItem({
        ...h.item,
        outcome: 'problem',
        reason: `the object hashes to ${h.row.sha256}, its ledger leaf ${leaf.seq} says ${leaf.sha256}`,
        ledgerSeq: leaf.seq,
      });
      leaves.push({ ...leaf });
      continue;
    }
    leaves.push(h ? { ...leaf, record: h.row } : { ...leaf });
    if (h) tallyItem({ ...h.item, outcome: 'committed', ledgerSeq: leaf.seq });
  }
  for (let i = 0; i < leaves.length; i += 1000) await restore.call(deps.catalog, leaves.slice(i, i + 1000));
}

/** Trades per round of the repair. */
const REPAIR_BATCH = 500;

/**
 * Catalogued `alp_trade` records without trade facts (catalogued before the facts were written
 * with the row): each is read back from OSS with its corrections, checked against its row's
 * SHA-256, and its sources added. A record that cannot be read or does not check out is a problem.
 */
async function repairAlpFacts(deps: RecoveryDeps, report: RecoveryReport): Promise<void> {
  const { catalog, store } = deps;
  const failed = new Set<string>();
  for (;;) {
    const ids = (await catalog.alpTradesWithoutFacts(Math.min(10_000, REPAIR_BATCH + failed.size))).filter(
      (id) => !failed.has(id),
    );
    if (ids.length === 0) return;
    const sources: AlpTradeSource[] = [];
    for (const id of ids) {
      const rows = [await catalog.getRecord(id), ...(await catalog.corrections(id))];
      const found: AlpTradeSource[] = [];
      let problem: { row: { bucket: string; objectKey: string; recordId: string }; reason: string } | null =
        null;
      for (const row of rows) {
        if (!row) continue;
        const read = await readCatalogued(store, row);
        if (typeof read === 'string') {
          problem = { row, reason: read };
          break;
        }
        const source = alpTradeFacts(read);
        if (source) found.push(source);
      }
      if (!problem && !found.some((f) => f.kind === 'trade' && f.tradeRecordId === id)) {
        problem = {
          row: rows[0] ?? { bucket: '', objectKey: '', recordId: id },
          reason: 'the stored object is not an ALP trade',
        };
      }
      if (problem) {
        failed.add(id);
        report.problems.push({
          bucket: problem.row.bucket,
          key: problem.row.objectKey,
          recordId: problem.row.recordId,
          outcome: 'problem',
          reason: `its ALP trade facts cannot be rebuilt: ${problem.reason}`,
        });
        continue;
      }
      sources.push(...found);
      report.alpFactsRepaired++;
    }
    if (sources.length > 0) await catalog.addAlpTradeSources(sources);
  }
}

/** A catalogued record read back from OSS, checked against its row; or why not. */
async function readCatalogued(
  store: Pick<ObjectStore, 'getBuffer'>,
  row: { bucket: string; objectKey: string; sha256: string },
): Promise<ArchiveRecord | string> {
  let body: Buffer;
  try {
    body = (await store.getBuffer(row.bucket, row.objectKey)).body;
  } catch (err) {
    return `${row.bucket}/${row.objectKey} cannot be read: ${(err as Error).message}`;
  }
  const digest = digestBuffer(body).sha256;
  if (digest !== row.sha256) return `the object hashes to ${digest}, the catalog says ${row.sha256}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return 'not JSON';
  }
  const result = validateRecord(parsed);
  return result.ok ? result.record : `not a valid record: ${result.issues.map((i) => i.message).join('; ')}`;
}

function tally(report: RecoveryReport, item: RecoveryItem, options: RecoveryOptions): void {
  if (item.outcome === 'catalogued') report.catalogued++;
  if (item.outcome === 'committed') report.committed++;
  if (item.outcome === 'problem' || item.outcome === 'foreign') report.problems.push(item);
  if (item.outcome === 'foreign') report.foreign++;
  if (options.verbose || item.outcome !== 'catalogued') report.items.push(item);
  options.onItem?.(item, report.scanned);
}

async function recoverOne(
  deps: RecoveryDeps,
  bucket: string,
  key: string,
  klass: { name: string; days: number },
  mode: RecoveryMode,
  describedFiles: Set<string>,
  hold?: (row: NewRecord, item: RecoveryItem) => boolean,
): Promise<RecoveryItem | undefined> {
  const { store, catalog } = deps;
  const base = { bucket, key };
  const idFromKey = path.basename(key, '.json');
  const existing = await catalog.getRecord(idFromKey);
  if (existing && (existing.objectKey === key || existing.recordType === 'document')) {
    if (existing.recordType === 'document') describedFiles.add(existing.objectKey);
    return { ...base, recordId: idFromKey, outcome: 'catalogued', ledgerSeq: existing.ledgerSeq };
  }

  const problem = (reason: string, recordId: string | null = idFromKey): RecoveryItem => ({
    ...base,
    recordId,
    outcome: 'problem',
    reason,
  });
  const { info, body } = await store.getBuffer(bucket, key);
  // Whether this archive wrote the object at all: its seal, and its claimed ingest time against
  // its Last-Modified. A foreign object is reported as such, whatever its metadata claims.
  const own = (found: ObjectInfo) => deps.seal.sealProblem(found);
  const foreign = own(info);
  if (foreign !== undefined)
    return {
      ...base,
      recordId: info.meta['record-id'] ?? idFromKey,
      outcome: 'foreign',
      reason: `not written by this archive: ${foreign}`,
    };
  let meta: RecordMetadata;
  try {
    meta = parseRecordMetadata(info.meta);
  } catch (err) {
    return problem(`metadata is not the archive's: ${(err as Error).message}`);
  }
  const digests = digestBuffer(body);
  // The object's metadata must vouch for its bytes, by the rule the write path adopts by.
  const mismatch = adoptionMismatch(info, digests, { adopt: { sameMeta: [], own }, meta: {} });
  if (mismatch !== undefined)
    return problem(
      `the object does not match its metadata (SHA-256 ${digests.sha256}): ${mismatch}`,
      meta.recordId,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return problem('not JSON', meta.recordId);
  }
  const result = validateRecord(parsed);
  if (!result.ok)
    return problem(
      `not a valid record: ${result.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      meta.recordId,
    );
  const rec: ArchiveRecord = result.record;
  if (!canonicalBytes(parsed).equals(body))
    return problem('the bytes are not the canonical form of the record', rec.recordId);
  if (rec.recordId !== meta.recordId || rec.recordType !== meta.recordType)
    return problem('the metadata names another record', rec.recordId);
  if (existing)
    return problem(
      `record ${rec.recordId} is catalogued at another key (${existing.objectKey}) with SHA-256 ${existing.sha256}`,
      rec.recordId,
    );

  let stored: StoredObject & { lastModified: Date } = {
    bucket,
    key,
    ...digests,
    contentType: 'application/json',
    lastModified: info.lastModified,
  };
  let fileName: string | undefined;
  if (rec.recordType === 'document') {
    const file = await verifyDocumentFile(store, bucket, info);
    if (typeof file === 'string') return problem(file, rec.recordId);
    describedFiles.add(file.key);
    stored = file;
    fileName = decodeFileName(info.meta[CONTENT_META.fileName]);
  }

  const row = catalogRow({
    record: rec,
    stored,
    retentionClass: klass,
    schemaVersion: meta.schemaVersion ?? RECORD_SCHEMA_VERSION,
    ingestedAt: new Date(meta.ingestedAt),
    principalId: meta.principal,
    protectedFrom: new Date(Math.min(info.lastModified.getTime(), stored.lastModified.getTime())),
    fileName,
  });
  // Reindex in ledger order: the row waits for its leaf (restoreOrder), reported there.
  if (hold?.(row, { ...base, recordId: rec.recordId, outcome: 'committed' })) return undefined;
  let committed: CommitResult;
  if (mode === 'reindex') committed = await catalog.indexFromStore(row);
  else {
    const audit = new AuditScope(
      catalog,
      { principalId: meta.principal, action: 'records.reconcile', target: rec.recordId },
      deps.clock ? { clock: deps.clock } : {},
    );
    committed = await audit.within(
      'allowed',
      {
        bucket,
        key: stored.key,
        sha256: stored.sha256,
        reason: 'stored before a crash, committed by reconcile',
      },
      (event) => catalog.commitRecord(row, event),
      (r) => r.created,
    );
  }
  if (!committed.created && committed.record.sha256 !== stored.sha256) {
    return problem(`record ${rec.recordId} was catalogued concurrently with another SHA-256`, rec.recordId);
  }
  return {
    ...base,
    recordId: rec.recordId,
    outcome: committed.created ? 'committed' : 'catalogued',
    ledgerSeq: committed.ledgerSeq,
  };
}

/** Reads a document's file back and checks it against its description's metadata (SHA-256, size). */
async function verifyDocumentFile(
  store: Pick<ObjectStore, 'get'>,
  bucket: string,
  description: ObjectInfo,
): Promise<(StoredObject & { lastModified: Date }) | string> {
  const fileKey = description.meta[CONTENT_META.key];
  const expectSha = description.meta[CONTENT_META.sha256];
  if (!fileKey || !expectSha) return 'the document description does not name its file';
  let got;
  try {
    got = await store.get(bucket, fileKey);
  } catch (err) {
    return `the document's file ${fileKey} cannot be read: ${(err as Error).message}`;
  }
  const file = await digestStream(got.body);
  if (file.sha256 !== expectSha)
    return `the document's file hashes to ${file.sha256}, its description says ${expectSha}`;
  if (String(file.size) !== description.meta[CONTENT_META.size])
    return `the document's file has ${file.size} bytes, its description says ${description.meta[CONTENT_META.size]}`;
  const crc64 = got.info.crc64 ?? description.meta[CONTENT_META.crc64];
  if (!crc64) return 'the store reported no CRC-64 for the object';
  return {
    bucket,
    key: fileKey,
    sha256: file.sha256,
    crc64,
    md5: file.md5,
    size: file.size,
    contentType: got.info.contentType ?? 'application/octet-stream',
    lastModified: got.info.lastModified,
  };
}
