import type { z } from 'zod';
import { CorrectionSchema } from './correction';
import { DocumentSchema } from './document';
import type { RecordType } from './primitives';
import { AlpOrderSchema, AlpTradeSchema, ContractNoteSchema, OrderSchema, TradeSchema } from './trading';

export {
  CorrectionSchema,
  DocumentSchema,
  AlpOrderSchema,
  AlpTradeSchema,
  ContractNoteSchema,
  OrderSchema,
  TradeSchema,
};
export {
  RECORD_SCHEMA_VERSION,
  RECORD_TYPES,
  SUPPORTED_SCHEMA_VERSIONS,
  isRecordType,
  timestampProblem,
  isIsoDate,
} from './primitives';
export type { RecordType } from './primitives';

export type OrderRecord = z.infer<typeof OrderSchema>;
export type TradeRecord = z.infer<typeof TradeSchema>;
export type ContractNoteRecord = z.infer<typeof ContractNoteSchema>;
export type AlpOrderRecord = z.infer<typeof AlpOrderSchema>;
export type AlpTradeRecord = z.infer<typeof AlpTradeSchema>;
export type DocumentRecord = z.infer<typeof DocumentSchema>;
export type CorrectionRecord = z.infer<typeof CorrectionSchema>;

export type ArchiveRecord =
  | OrderRecord
  | TradeRecord
  | ContractNoteRecord
  | AlpOrderRecord
  | AlpTradeRecord
  | DocumentRecord
  | CorrectionRecord;

/** The record of a given type. */
export type RecordOf<T extends RecordType> = Extract<ArchiveRecord, { recordType: T }>;

/** The schema of each record type, at RECORD_SCHEMA_VERSION. */
export const recordSchemas: { readonly [T in RecordType]: z.ZodType<RecordOf<T>> } = {
  order: OrderSchema,
  trade: TradeSchema,
  contract_note: ContractNoteSchema,
  alp_order: AlpOrderSchema,
  alp_trade: AlpTradeSchema,
  document: DocumentSchema,
  correction: CorrectionSchema,
};

/**
 * Schemas by version. A record stored under an older version is read back (reindex, verify)
 * with the schemas of its version, named in its object metadata.
 */
export const recordSchemasByVersion: Readonly<Record<number, typeof recordSchemas>> = {
  1: recordSchemas,
};
