/**
 * Where a record lives: its business date, object key and the fields the catalog indexes.
 *
 * Business date, per type (the calendar date as written, in the record's own offset, never
 * converted to UTC or to the server's zone: a trade at 2026-11-21T07:00+08:00 is dated the 21st):
 *   order, alp_order     receivedAt
 *   trade, alp_trade     executedAt
 *   contract_note        issueDate
 *   document             documentDate, else recordedAt
 *   correction           correctedAt (its own date, not the amended record's)
 */
import { ValidationError } from '../errors';
import { checkRecordId } from './ids';
import type { ArchiveRecord, DocumentRecord, RecordType } from './schemas';

/** The record's business date, YYYY-MM-DD. */
export function businessDate(record: ArchiveRecord): string {
  switch (record.recordType) {
    case 'order':
    case 'alp_order':
      return record.receivedAt.slice(0, 10);
    case 'trade':
    case 'alp_trade':
      return record.executedAt.slice(0, 10);
    case 'contract_note':
      return record.issueDate;
    case 'document': {
      const date = record.documentDate ?? record.recordedAt?.slice(0, 10);
      if (date === undefined) throw new ValidationError('a document needs documentDate or recordedAt');
      return date;
    }
    case 'correction':
      return record.correctedAt.slice(0, 10);
  }
}

function datePrefix(recordType: RecordType, date: string, recordId: unknown): string {
  const check = checkRecordId(recordId);
  if (!check.ok)
    throw new ValidationError(`cannot build a key: ${check.reason}`, {
      details: [{ path: 'recordId', message: check.reason, code: 'invalid_record_id' }],
    });
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(date);
  if (!m)
    throw new ValidationError(`cannot build a key: business date ${JSON.stringify(date)} is not YYYY-MM-DD`);
  return `${recordType}/${m[1]}/${m[2]}/${m[3]}/${check.id}`;
}

/** `<recordType>/<yyyy>/<mm>/<dd>/<recordId>.json`: where the record's canonical JSON is stored. */
export function objectKey(record: ArchiveRecord): string {
  return `${datePrefix(record.recordType, businessDate(record), record.recordId)}.json`;
}

/** Extension used for a file without a usable one. */
export const DEFAULT_FILE_EXTENSION = '.bin';
/** Extension used for a `.json` file, so that it can never take its own description's key. */
export const JSON_FILE_EXTENSION = '.json-file';

/**
 * The extension a stored file keeps: the last dot-suffix of the base name, lower-cased, reduced
 * to [a-z0-9], at most 16 characters (`Report.PDF` -> `.pdf`, `x.tar.gz` -> `.gz`). Names without
 * one (`README`, `.profile`, `x.`, `x.日本`) get `.bin`. A `.json` file gets `.json-file`: the
 * description of the document already has the `.json` key.
 */
export function fileExtension(fileName: string): string {
  const base = fileName.split(/[/\\]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return DEFAULT_FILE_EXTENSION;
  const ext = base
    .slice(dot + 1)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 16);
  if (ext === '') return DEFAULT_FILE_EXTENSION;
  if (ext === 'json') return JSON_FILE_EXTENSION;
  return `.${ext}`;
}

/**
 * `document/<yyyy>/<mm>/<dd>/<recordId><.ext>`: where a document's file is stored, next to its
 * description (objectKey). The file name defaults to the description's `fileName`.
 */
export function documentKey(description: DocumentRecord, fileName: string = description.fileName): string {
  return `${datePrefix('document', businessDate(description), description.recordId)}${fileExtension(fileName)}`;
}

/** What the catalog indexes for search; null where the record has no such field. */
export interface BusinessFields {
  recordType: RecordType;
  businessDate: string;
  clientId: string | null;
  accountId: string | null;
  /** `<exchange>:<code>`, e.g. `XHKG:0700`. */
  instrument: string | null;
  orderId: string | null;
  tradeId: string | null;
  /**
   * Every other id the record names (order, trade, note ids, amended and related record ids),
   * sorted and unique, so that a search by one id finds the records that mention it.
   */
  relatedIds: string[];
}

type Fields = Omit<BusinessFields, 'recordType' | 'businessDate'>;

function only(ids: readonly string[] | undefined): string | null {
  return ids !== undefined && ids.length === 1 ? (ids[0] ?? null) : null;
}

function fieldsOf(record: ArchiveRecord): Fields {
  switch (record.recordType) {
    case 'order':
    case 'alp_order':
      return {
        clientId: record.clientId ?? null,
        accountId: record.accountId,
        instrument: `${record.instrument.exchange}:${record.instrument.code}`,
        orderId: record.orderId,
        tradeId: null,
        relatedIds: [record.orderId],
      };
    case 'trade':
    case 'alp_trade':
      return {
        clientId: record.clientId ?? null,
        accountId: record.accountId,
        instrument: `${record.instrument.exchange}:${record.instrument.code}`,
        orderId: record.orderId,
        tradeId: record.tradeId,
        relatedIds: [record.orderId, record.tradeId],
      };
    case 'contract_note':
      return {
        clientId: record.clientId,
        accountId: record.accountId ?? null,
        instrument: null,
        orderId: null,
        tradeId: only(record.tradeIds),
        relatedIds: [
          record.noteId,
          ...record.tradeIds,
          ...(record.documentRecordId ? [record.documentRecordId] : []),
        ],
      };
    case 'document':
      return {
        clientId: record.clientId ?? null,
        accountId: record.accountId ?? null,
        instrument: null,
        orderId: only(record.orderIds),
        tradeId: only(record.tradeIds),
        relatedIds: [
          ...(record.orderIds ?? []),
          ...(record.tradeIds ?? []),
          ...(record.noteIds ?? []),
          ...(record.relatedRecordIds ?? []),
        ],
      };
    case 'correction': {
      const base: Fields = record.replacement
        ? fieldsOf(record.replacement)
        : { clientId: null, accountId: null, instrument: null, orderId: null, tradeId: null, relatedIds: [] };
      return { ...base, relatedIds: [record.amends, ...base.relatedIds] };
    }
  }
}

/** The searchable fields of a record, for the catalog. */
export function businessFields(record: ArchiveRecord): BusinessFields {
  const fields = fieldsOf(record);
  return {
    recordType: record.recordType,
    businessDate: businessDate(record),
    ...fields,
    relatedIds: [...new Set(fields.relatedIds)].sort(),
  };
}
