import { createHash } from 'node:crypto';
import path from 'node:path/posix';
import type { Catalog, NewRecord } from '../catalog';
import { bucketPlan, type Config } from '../config';
import {
  businessFields,
  canonicalBytes,
  parseRecordMetadata,
  RECORD_SCHEMA_VERSION,
  validateRecord,
  type ArchiveRecord,
  type DocumentRecord,
} from '../records';
import type { ObjectInfo, ObjectStore } from '../storage/types';
import { CONTENT_META } from './service';

const DAY_MS = 24 * 60 * 60 * 1000;

export type ReconcileOutcome =
  /** In the catalog already, with the same SHA-256. */
  | 'catalogued'
  /** Was missing from the catalog; verified by SHA-256 and committed now. */
  | 'committed'
  /** Cannot be committed; see `reason`. Needs a person to look. */
  | 'problem';

export interface ReconcileItem {
  bucket: string;
  key: string;
  recordId: string | null;
  outcome: ReconcileOutcome;
  reason?: string;
  ledgerSeq?: number;
}

export interface ReconcileReport {
  mode: 'reconcile' | 'reindex';
  scanned: number;
  catalogued: number;
  committed: number;
  problems: ReconcileItem[];
  /** Every item (only the committed and problem ones when `verbose` is off). */
  items: ReconcileItem[];
}

export interface ReconcileOptions {
  mode: 'reconcile' | 'reindex';
  /** Called for every object looked at (progress display). */
  onItem?: (item: ReconcileItem, scanned: number) => void;
  verbose?: boolean;
}

/**
 * Walks every records bucket and makes the catalog agree with OSS, which is the system of record.
 *
 * `reconcile` (after a crash): objects written but not catalogued are read back, their SHA-256
 * checked against the metadata written with them and the record re-validated, then committed
 * with an audit event naming the reconcile; anything that does not check out is reported, never
 * committed. `reindex` does the same into an empty or partial catalog without audit events
 * (the catalog is an index: rebuilding it records no access).
 *
 * Records are `<type>/<yyyy>/<mm>/<dd>/<id>.json`. A document is two objects: its file, and its
 * description at `<id>.json` whose metadata names the file's key, SHA-256, CRC-64 and size.
 */
export async function reconcile(
  store: ObjectStore,
  catalog: Catalog,
  config: Config,
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    mode: options.mode,
    scanned: 0,
    catalogued: 0,
    committed: 0,
    problems: [],
    items: [],
  };
  const classes = new Map(config.buckets.classes.map((c) => [c.name, c]));
  for (const planned of bucketPlan(config).records) {
    const klass = classes.get(planned.className);
    if (!klass) continue;
    const describedFiles = new Set<string>();
    const otherFiles: string[] = [];
    for await (const obj of store.list(planned.bucket)) {
      if (!obj.key.endsWith('.json')) {
        otherFiles.push(obj.key);
        continue;
      }
      report.scanned++;
      const item = await reconcileOne(
        store,
        catalog,
        planned.bucket,
        obj.key,
        klass.name,
        klass.days,
        options.mode,
        describedFiles,
      );
      record(report, item, options);
    }
    for (const key of otherFiles) {
      if (describedFiles.has(key)) continue;
      report.scanned++;
      record(
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
  return report;
}

function record(report: ReconcileReport, item: ReconcileItem, options: ReconcileOptions): void {
  if (item.outcome === 'catalogued') report.catalogued++;
  if (item.outcome === 'committed') report.committed++;
  if (item.outcome === 'problem') report.problems.push(item);
  if (options.verbose || item.outcome !== 'catalogued') report.items.push(item);
  options.onItem?.(item, report.scanned);
}

async function reconcileOne(
  store: ObjectStore,
  catalog: Catalog,
  bucket: string,
  key: string,
  className: string,
  days: number,
  mode: ReconcileOptions['mode'],
  describedFiles: Set<string>,
): Promise<ReconcileItem> {
  const base = { bucket, key };
  const idFromKey = path.basename(key, '.json');
  const existing = await catalog.getRecord(idFromKey);
  if (existing && (existing.objectKey === key || existing.recordType === 'document')) {
    if (existing.recordType === 'document') describedFiles.add(existing.objectKey);
    return { ...base, recordId: idFromKey, outcome: 'catalogued', ledgerSeq: existing.ledgerSeq };
  }

  const problem = (reason: string, recordId: string | null = idFromKey): ReconcileItem => ({
    ...base,
    recordId,
    outcome: 'problem',
    reason,
  });
  const { info, body } = await store.getBuffer(bucket, key);
  let meta;
  try {
    meta = parseRecordMetadata(info.meta);
  } catch (err) {
    return problem(`metadata is not the archive's: ${(err as Error).message}`);
  }
  const sha256 = createHash('sha256').update(body).digest('hex');
  if (sha256 !== meta.sha256)
    return problem(`SHA-256 of the bytes is ${sha256}, the metadata says ${meta.sha256}`, meta.recordId);
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

  let stored: { key: string; sha256: string; crc64: string; md5: string; size: number; contentType: string } =
    {
      key,
      sha256,
      crc64: info.crc64 ?? '',
      md5: createHash('md5').update(body).digest('base64'),
      size: body.length,
      contentType: 'application/json',
    };
  if (rec.recordType === 'document') {
    const file = await verifyDocumentFile(store, bucket, info);
    if (typeof file === 'string') return problem(file, rec.recordId);
    describedFiles.add(file.key);
    stored = file;
  }
  if (!stored.crc64) return problem('the store reported no CRC-64 for the object', rec.recordId);

  const fields = businessFields(rec);
  const ingestedAt = new Date(meta.ingestedAt);
  const row: NewRecord = {
    recordId: rec.recordId,
    recordType: rec.recordType,
    schemaVersion: meta.schemaVersion ?? RECORD_SCHEMA_VERSION,
    businessDate: fields.businessDate,
    clientId: fields.clientId,
    accountId: fields.accountId,
    instrument: fields.instrument,
    orderId: fields.orderId,
    tradeId: fields.tradeId,
    bucket,
    objectKey: stored.key,
    sha256: stored.sha256,
    crc64: stored.crc64,
    md5: stored.md5,
    size: stored.size,
    contentType: stored.contentType,
    retentionClass: className,
    retainUntil: new Date(info.lastModified.getTime() + days * DAY_MS),
    ingestedAt,
    principalId: meta.principal,
    amends: rec.recordType === 'correction' ? (rec as { amends: string }).amends : null,
    documentType: rec.recordType === 'document' ? (rec as DocumentRecord).documentType : null,
    fileName: rec.recordType === 'document' ? ((rec as DocumentRecord).fileName ?? null) : null,
  };
  const result2 =
    mode === 'reindex'
      ? await catalog.upsertFromStore(row)
      : await catalog.commitRecord(row, {
          principalId: meta.principal,
          action: 'records.reconcile',
          target: rec.recordId,
          outcome: 'allowed',
          details: {
            bucket,
            key: stored.key,
            sha256: stored.sha256,
            reason: 'stored before a crash, committed by reconcile',
          },
        });
  if (!result2.created && result2.record.sha256 !== stored.sha256) {
    return problem(`record ${rec.recordId} was catalogued concurrently with another SHA-256`, rec.recordId);
  }
  return {
    ...base,
    recordId: rec.recordId,
    outcome: result2.created ? 'committed' : 'catalogued',
    ledgerSeq: result2.ledgerSeq,
  };
}

/** Reads a document's file back and checks it against its description's metadata (SHA-256, CRC-64, size). */
async function verifyDocumentFile(
  store: ObjectStore,
  bucket: string,
  description: ObjectInfo,
): Promise<
  { key: string; sha256: string; crc64: string; md5: string; size: number; contentType: string } | string
> {
  const fileKey = description.meta[CONTENT_META.key];
  const expectSha = description.meta[CONTENT_META.sha256];
  if (!fileKey || !expectSha) return 'the document description does not name its file';
  let got;
  try {
    got = await store.get(bucket, fileKey);
  } catch (err) {
    return `the document's file ${fileKey} cannot be read: ${(err as Error).message}`;
  }
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of got.body as AsyncIterable<Buffer>) {
    sha.update(chunk);
    md5.update(chunk);
    size += chunk.length;
  }
  const sha256 = sha.digest('hex');
  if (sha256 !== expectSha)
    return `the document's file hashes to ${sha256}, its description says ${expectSha}`;
  if (String(size) !== description.meta[CONTENT_META.size])
    return `the document's file has ${size} bytes, its description says ${description.meta[CONTENT_META.size]}`;
  const crc64 = got.info.crc64 ?? description.meta[CONTENT_META.crc64] ?? '';
  return {
    key: fileKey,
    sha256,
    crc64,
    md5: md5.digest('base64'),
    size,
    contentType: got.info.contentType ?? 'application/octet-stream',
  };
}
