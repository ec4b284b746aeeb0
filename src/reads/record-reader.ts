import type { Readable } from 'node:stream';
import type { Catalog, CatalogRecord, RecordPage, RecordQuery } from '../catalog';
import { NotFoundError, StorageProtocolError } from '../errors';
import { toReceipt } from '../ingest/receipt';
import type { Receipt } from '../ingest/types';
import { silentLogger, type Logger } from '../log';
import type { GetOptions, ObjectInfo, ObjectStore } from '../storage/types';

/** A record as the archive describes it: its catalog row, its receipt and what corrects it. */
export interface RecordView {
  record: CatalogRecord;
  receipt: Receipt;
  /** Ids of the correction records that amend it, in ledger order. */
  correctedBy: string[];
}

/**
 * What the archive vouches for about stored bytes, from the catalog (what was verified at
 * ingest) and the store (what is there now). The API sends these as headers
 * (x-strongroom-sha256, ...), the export builder writes them into its manifest.
 */
export interface ContentIntegrity {
  /** SHA-256 (hex) recorded at ingest. */
  sha256: string;
  /** CRC-64 (unsigned decimal) recorded at ingest. */
  crc64: string;
  size: number;
  /** The store's ETag, unquoted. */
  etag: string;
  contentType: string;
  /** A document's original file name; null for records. */
  fileName: string | null;
}

/** A record's stored bytes, opened. A whole-object body fails at its end if its CRC-64 is off. */
export interface RecordContent {
  record: CatalogRecord;
  info: ObjectInfo;
  body: Readable;
  integrity: ContentIntegrity;
}

export interface OpenOptions extends GetOptions {
  /** Where a lost object is reported (a request's logger carries its request id). */
  logger?: Logger;
}

export interface RecordReaderOptions {
  catalog: Pick<Catalog, 'getRecord' | 'searchRecords' | 'corrections'>;
  store: Pick<ObjectStore, 'get'>;
  logger?: Logger;
}

/**
 * The record read service: lookup, search, and the stored bytes of a record, with the rule that
 * a record catalogued but missing from OSS is a store failure (502, logged at error), never a
 * 404. The API (src/http/routes/records.ts) uses it, and the export builder will.
 */
export class RecordReader {
  private readonly catalog: RecordReaderOptions['catalog'];
  private readonly store: RecordReaderOptions['store'];
  private readonly logger: Logger;

  constructor(options: RecordReaderOptions) {
    this.catalog = options.catalog;
    this.store = options.store;
    this.logger = options.logger ?? silentLogger();
  }

  /** The catalog row of a record; NotFoundError when there is none. */
  async find(recordId: string): Promise<CatalogRecord> {
    const record = await this.catalog.getRecord(recordId);
    if (!record) throw new NotFoundError(`no record ${recordId}`);
    return record;
  }

  /** The record, its receipt and its corrections. */
  async describe(recordId: string): Promise<RecordView> {
    const record = await this.find(recordId);
    const corrections = await this.catalog.corrections(recordId);
    return { record, receipt: toReceipt(record), correctedBy: corrections.map((c) => c.recordId) };
  }

  search(query: RecordQuery): Promise<RecordPage> {
    return this.catalog.searchRecords(query);
  }

  /** Opens the stored bytes of a record found by id (see openRecord). */
  async open(recordId: string, options: OpenOptions = {}): Promise<RecordContent> {
    return this.openRecord(await this.find(recordId), options);
  }

  /**
   * Opens the stored bytes of a catalogued record. An object the catalog names but the store does
   * not have is StorageProtocolError: the archive lost something it vouched for.
   */
  async openRecord(record: CatalogRecord, options: OpenOptions = {}): Promise<RecordContent> {
    const { logger = this.logger, ...get } = options;
    let object: { info: ObjectInfo; body: Readable };
    try {
      object = await this.store.get(record.bucket, record.objectKey, get);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      logger.error(
        { err, bucket: record.bucket, key: record.objectKey },
        'a catalogued record has no object in the store',
      );
      throw new StorageProtocolError(
        `record ${record.recordId} is catalogued but its object is missing from the store`,
      );
    }
    const { info, body } = object;
    return { record, info, body, integrity: integrityOf(record, info) };
  }
}

export function integrityOf(record: CatalogRecord, info: ObjectInfo): ContentIntegrity {
  return {
    sha256: record.sha256,
    crc64: record.crc64,
    size: info.size,
    etag: info.etag,
    contentType: record.contentType || info.contentType || 'application/octet-stream',
    fileName: record.fileName,
  };
}
