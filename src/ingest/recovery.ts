import path from 'node:path/posix';
import { AuditScope } from '../audit/scope';
import type { Catalog, CommitResult } from '../catalog';
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
 *   path adopts by) and the record re-validated, then committed with an audit event naming the
 *   reconcile; anything that does not check out is reported, never committed.
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
  | 'problem';

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
  problems: RecoveryItem[];
  /** Catalogued ALP trades (and their corrections) whose missing trade facts were added. */
  alpFactsRepaired: number;
  /** Every item (only the committed and problem ones when `verbose` is off). */
  items: RecoveryItem[];
}

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
  >;
  /** The records buckets and their days (bucketPlan of the configuration). */
  plan: Pick<BucketPlan, 'records'>;
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
    alpFactsRepaired: 0,
    items: [],
  };
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
      const item = await recoverOne(deps, planned.bucket, obj.key, klass, options.mode, describedFiles);
      tally(report, item, options);
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
  await repairAlpFacts(deps, report);
  return report;
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
  if (item.outcome === 'problem') report.problems.push(item);
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
): Promise<RecoveryItem> {
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
  let meta: RecordMetadata;
  try {
    meta = parseRecordMetadata(info.meta);
  } catch (err) {
    return problem(`metadata is not the archive's: ${(err as Error).message}`);
  }
  const digests = digestBuffer(body);
  // The object's metadata must vouch for its bytes, by the rule the write path adopts by.
  const mismatch = adoptionMismatch(info, digests, { adopt: { sameMeta: [] }, meta: {} });
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
