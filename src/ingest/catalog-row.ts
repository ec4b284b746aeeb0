import type { NewRecord } from '../catalog/types';
import type { RetentionClass } from '../config';
import { businessFields, type ArchiveRecord } from '../records';
import { alpTradeFacts } from '../records/alp-trade-facts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The object a catalog row points at: the record's canonical JSON, or a document's file. */
export interface StoredObject {
  bucket: string;
  key: string;
  sha256: string;
  crc64: string;
  md5: string;
  size: number;
  contentType: string;
}

/** Everything a record's catalog row is made of. */
export interface RowFacts {
  record: ArchiveRecord;
  stored: StoredObject;
  retentionClass: Pick<RetentionClass, 'name' | 'days'>;
  schemaVersion: number;
  ingestedAt: Date;
  principalId: string;
  /**
   * The earliest Last-Modified of the record's objects, when known (objects adopted from an earlier
   * attempt, or found in OSS by recovery): OSS protects them from then, which may be before
   * `ingestedAt`.
   */
  protectedFrom?: Date | undefined;
  /** A document's file name as given at upload; default the description's `fileName`. */
  fileName?: string | undefined;
}

/**
 * The catalog row of a record: the one builder, used by the write path (src/ingest/service.ts)
 * and by recovery (src/ingest/recovery.ts), so that reindexing a record gives back the row its
 * ingest made.
 *
 * The row carries the record's ALP trade source (`alpTradeFacts`), which the catalog writes in
 * the row's own transaction: ingest and reindex give the same facts, and so the same reports.
 *
 * retainUntil is a lower bound of what OSS protects: the class's days from `ingestedAt` (before
 * the PUT), or from `protectedFrom` when that is earlier.
 */
export function catalogRow(f: RowFacts): NewRecord {
  const { record, stored } = f;
  const fields = businessFields(record);
  const from = Math.min(f.ingestedAt.getTime(), f.protectedFrom?.getTime() ?? Infinity);
  return {
    recordId: record.recordId,
    recordType: record.recordType,
    schemaVersion: f.schemaVersion,
    businessDate: fields.businessDate,
    clientId: fields.clientId,
    accountId: fields.accountId,
    instrument: fields.instrument,
    orderId: fields.orderId,
    tradeId: fields.tradeId,
    bucket: stored.bucket,
    objectKey: stored.key,
    sha256: stored.sha256,
    crc64: stored.crc64,
    md5: stored.md5,
    size: stored.size,
    contentType: stored.contentType,
    retentionClass: f.retentionClass.name,
    retainUntil: new Date(from + f.retentionClass.days * DAY_MS),
    ingestedAt: f.ingestedAt,
    principalId: f.principalId,
    amends: record.recordType === 'correction' ? record.amends : null,
    documentType: record.recordType === 'document' ? record.documentType : null,
    fileName: record.recordType === 'document' ? (f.fileName ?? record.fileName) : null,
    // Committed with the row (one transaction), so no trade can be catalogued without its facts.
    alpTradeSource: alpTradeFacts(record),
  };
}
