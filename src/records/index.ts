/**
 * records: what a record is (zod schemas per record type, versioned), how it is checked
 * (validateRecord), how it is stored (RFC 8785 canonical bytes, object key by business date,
 * retention class, object metadata) and what the catalog indexes (businessFields).
 *
 * The stored object is canonicalize(record as sent): validation never alters a record.
 */
export {
  RECORD_SCHEMA_VERSION,
  SUPPORTED_SCHEMA_VERSIONS,
  RECORD_TYPES,
  isRecordType,
  recordSchemas,
  recordSchemasByVersion,
} from './schemas';
export type {
  RecordType,
  RecordOf,
  ArchiveRecord,
  OrderRecord,
  TradeRecord,
  ContractNoteRecord,
  AlpOrderRecord,
  AlpTradeRecord,
  DocumentRecord,
  CorrectionRecord,
} from './schemas';

export { validateRecord, parseRecord, type ValidationResult, type ValidateOptions } from './validate';
export { DEFAULT_JSON_LIMITS, type JsonLimits, type RecordIssue } from './json';
export { canonicalize, canonicalBytes } from './canonical';
export { RECORD_ID_PATTERN, isValidRecordId, checkRecordId, recordIdOf, type RecordIdCheck } from './ids';
export {
  businessDate,
  objectKey,
  documentKey,
  fileExtension,
  businessFields,
  type BusinessFields,
} from './keys';
export { retentionClassFor, uncoveredRecordTypes } from './classes';
export {
  META_PREFIX,
  META_KEYS,
  recordMetadata,
  storedMetadata,
  parseRecordMetadata,
  CONTENT_META,
  encodeFileName,
  decodeFileName,
  type RecordMetadata,
  type RecordMetadataInput,
} from './metadata';
