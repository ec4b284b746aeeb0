/**
 * The catalog: the database index of records, the ledger leaves, the audit trail and principals.
 * SQLite (a file) by default, PostgreSQL when a URL is given; one Kysely query layer over both.
 * OSS is the system of record: the records index can be rebuilt from it (`indexFromStore`).
 */
export { openCatalog, type OpenCatalogOptions } from './catalog';
export {
  AUDIT_GENESIS_HASH,
  auditEventCanonical,
  auditEventHash,
  canonicalJson,
  leafData,
  leafHash,
  type AuditHashInput,
} from './hashing';
export { criteriaSearch } from './criteria';
export { verifyAuditChain, type AuditChainProblem, type AuditChainReport } from './verify';
export { PRINCIPAL_KINDS, ROLES } from './types';
export type {
  ActivityCatalog,
  AlpTradeCatalog,
  AlpTradeException,
  AlpTradeFactRow,
  AlpTradeGroup,
  AlpTradeMonth,
  ApiTokenInfo,
  AuditCatalog,
  AuditEvent,
  AuditOutcome,
  Catalog,
  CatalogDialect,
  CatalogRecord,
  CommitResult,
  DocumentCatalog,
  LedgerCatalog,
  LedgerEntryKind,
  LedgerLeaf,
  NewAuditEvent,
  NewPrincipal,
  NewRecord,
  Principal,
  PrincipalCatalog,
  PrincipalKind,
  RecordCatalog,
  RecordPage,
  RecordQuery,
  RecordSelection,
  SelectionMeasure,
  Role,
  SelectionAuditCatalog,
  WriteStats,
} from './types';
export type {
  ExportBag,
  ExportCatalog,
  ExportCriteria,
  ExportLink,
  ExportRecipient,
  ExportRow,
  ExportStatus,
  NewExport,
} from './export-types';
export type {
  AuditQuery,
  AuditSegmentRow,
  CheckpointRow,
  EvidenceCatalog,
  RestoredLeaf,
  StsAttribution,
} from './evidence-types';
export type * from './types-lifecycle';
export { descriptionKeyOf } from './fixity';
export { MAX_HOLD_RECORD_IDS } from './holds';
export { MAX_DISPOSITION_ITEMS } from './dispositions';
