import type { AlpTradeSource } from '../records/alp-trade-facts';
import type { ExportCatalog, ExportCriteria } from './export-types';
import type { EvidenceCatalog } from './evidence-types';
import type { LifecycleCatalog } from './types-lifecycle';

/**
 * The catalog's public types: what callers put in and get back. Timestamps are `Date`s, business
 * dates are `YYYY-MM-DD` strings, hashes are lower-case hex. Absent optional facts are `null`.
 */

export type CatalogDialect = 'sqlite' | 'postgres';

/** A record as the write path (or reindex) hands it to the catalog. */
export interface NewRecord {
  /** Matches `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`; chosen by the sender, unique in the archive. */
  recordId: string;
  recordType: string;
  /** Version of the record type's schema the record was validated against (1, 2, ...). */
  schemaVersion: number;
  /** `YYYY-MM-DD`: the date the record is about (drives the object key and searches). */
  businessDate: string;
  clientId?: string | null;
  accountId?: string | null;
  /** Free text chosen by the records part, e.g. `XHKG:0700`. */
  instrument?: string | null;
  orderId?: string | null;
  tradeId?: string | null;
  bucket: string;
  objectKey: string;
  /** SHA-256 (hex) of the stored bytes. */
  sha256: string;
  /** CRC-64/XZ (ECMA) as an unsigned decimal string, as OSS reports it. */
  crc64: string;
  /** MD5 (base64) of the stored bytes. */
  md5: string;
  size: number;
  contentType: string;
  retentionClass: string;
  retainUntil: Date;
  ingestedAt: Date;
  /** Principal that ingested the record. */
  principalId: string;
  /** For corrections: the id of the record this one corrects. */
  amends?: string | null;
  /** For documents: the document type (e.g. `contract_note_pdf`, `voice_recording`). */
  documentType?: string | null;
  /** For documents: the original file name. */
  fileName?: string | null;
  /**
   * What the record says about an ALP trade (`alpTradeFacts(record)`: an `alp_trade`, or a
   * correction of one), written with the row in the same transaction and folded into the
   * trade's facts. Absent or null: the record says nothing about ALP trades.
   */
  alpTradeSource?: AlpTradeSource | null;
}

/** A record row as the catalog holds it. */
export interface CatalogRecord {
  recordId: string;
  recordType: string;
  schemaVersion: number;
  businessDate: string;
  clientId: string | null;
  accountId: string | null;
  instrument: string | null;
  orderId: string | null;
  tradeId: string | null;
  bucket: string;
  objectKey: string;
  sha256: string;
  crc64: string;
  md5: string;
  size: number;
  contentType: string;
  retentionClass: string;
  retainUntil: Date;
  ingestedAt: Date;
  principalId: string;
  /** Index of the record's leaf in the ledger (0-based). */
  ledgerSeq: number;
  amends: string | null;
  documentType: string | null;
  fileName: string | null;
}

/** Search filters; all optional and combined with AND. Dates are inclusive `YYYY-MM-DD`. */
export interface RecordQuery {
  recordType?: string;
  fromDate?: string;
  toDate?: string;
  clientId?: string;
  accountId?: string;
  instrument?: string;
  orderId?: string;
  tradeId?: string;
  /** Page size, 1..1000 (default 100). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page of a search, ordered by (businessDate, recordId). */
export interface RecordPage {
  records: CatalogRecord[];
  /** Present when more records follow; pass it back as `cursor`. */
  nextCursor?: string;
}

/** What a ledger leaf stands for. */
/**
 * What a ledger leaf stands for. `verification_report` and `disposition` are leaf kinds of the
 * ledger (src/ledger); the catalog's CHECK constraint and writes still admit only the first three.
 */
export type LedgerEntryKind = 'record' | 'audit_segment' | 'export' | 'verification_report' | 'disposition';

export interface LedgerLeaf {
  /** 0-based, dense: the leaf index in the Merkle log. */
  seq: number;
  kind: LedgerEntryKind;
  /** The id of the entry: a record id for `record`, else the segment or export id. */
  recordId: string;
  /** SHA-256 (hex) of the entry's bytes (the record's stored object, the segment, the bag manifest). */
  sha256: string;
  /** RFC 9162 leaf hash (hex); see `leafHash`. */
  leafHash: string;
  createdAt: Date;
}

export type AuditOutcome = 'allowed' | 'denied' | 'error';

/**
 * Where an audit event comes from: `api`, the archive's own requests (its API, its CLI, its
 * recovery); `oss-access-log`, a line of an OSS access log (access that may have bypassed the
 * archive); `actiontrail`, a control-plane event (docs/decisions/0014-audit-sources.md).
 */
export type AuditSource = 'api' | 'oss-access-log' | 'actiontrail';
export const AUDIT_SOURCES: readonly AuditSource[] = ['api', 'oss-access-log', 'actiontrail'];

/** An audit event as a caller describes it; the catalog assigns seq and hashes. */
export interface NewAuditEvent {
  /** Default: a new `evt_<uuid>`. */
  eventId?: string;
  /** Default: the catalog clock's now. */
  at?: Date;
  /** Null when the caller could not be identified (e.g. a bad token). */
  principalId: string | null;
  /** What was attempted, e.g. `record.ingest`, `record.read`, `export.create`. */
  action: string;
  /** What it was attempted on, e.g. a record id or an export id. */
  target?: string | null;
  outcome: AuditOutcome;
  ip?: string | null;
  requestId?: string | null;
  /** Extra facts (JSON-serialisable). Stored as canonical JSON text (sorted keys). */
  details?: Record<string, unknown> | null;
  /** Default `api`. */
  source?: AuditSource;
}

export interface AuditEvent {
  /** 0-based, dense. */
  seq: number;
  eventId: string;
  at: Date;
  principalId: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  requestId: string | null;
  /** The exact JSON text stored and hashed (parse it to read the facts), or null. */
  details: string | null;
  source: AuditSource;
  /** Hash of the previous event; 64 zeros for seq 0. */
  prevHash: string;
  /** See `auditEventHash`. */
  hash: string;
}

export type Role = 'ingest' | 'reader' | 'compliance' | 'auditor' | 'admin';
export type PrincipalKind = 'user' | 'system';
export const ROLES: readonly Role[] = ['ingest', 'reader', 'compliance', 'auditor', 'admin'];
export const PRINCIPAL_KINDS: readonly PrincipalKind[] = ['user', 'system'];

export interface NewPrincipal {
  /** Default: generated, `usr_<24 hex>` for users and `sys_<24 hex>` for systems. */
  id?: string;
  /** Unique login or system name. */
  name: string;
  role: Role;
  kind: PrincipalKind;
  /** Principal id of whoever created it (null for the bootstrap admin). */
  createdBy?: string | null;
}

export interface Principal {
  id: string;
  name: string;
  role: Role;
  kind: PrincipalKind;
  disabledAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
}

/** An API token's bookkeeping; the token itself is never stored, only its SHA-256. */
export interface ApiTokenInfo {
  tokenHash: string;
  principalId: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Outcome of `commitRecord` / `indexFromStore`. */
export type CommitResult =
  | {
      /** The record, its ledger leaf (and for commitRecord its audit event) were written. */
      created: true;
      record: CatalogRecord;
      ledgerSeq: number;
      /** Seq of the audit event (commitRecord only). */
      auditSeq?: number;
    }
  | {
      /**
       * A record with this id already existed: nothing was written (no leaf, no audit event).
       * Compare `record.sha256` and append the audit event that fits (retry or conflict).
       */
      created: false;
      record: CatalogRecord;
      ledgerSeq: number;
    };

export interface RecordCatalog {
  getRecord(recordId: string): Promise<CatalogRecord | undefined>;
  searchRecords(query: RecordQuery): Promise<RecordPage>;
  /** Corrections that amend `recordId`, in ledger order. */
  corrections(recordId: string): Promise<CatalogRecord[]>;
  /** One transaction: record row, its ledger leaf (seq assigned here), the audit event. */
  commitRecord(record: NewRecord, audit: NewAuditEvent): Promise<CommitResult>;
  /**
   * Reindex from the object store: inserts the record and its leaf if the id is not catalogued
   * (never updates a row: an existing one is returned with created false); no audit event.
   */
  indexFromStore(record: NewRecord): Promise<CommitResult>;
}

export interface LedgerCatalog {
  /** Append a leaf for a non-record entry (sealed audit segment, export); returns it. */
  appendLedgerEntry(entry: {
    kind: Exclude<LedgerEntryKind, 'record'>;
    id: string;
    sha256: string;
  }): Promise<LedgerLeaf>;
  /** Leaves with seq >= fromSeq (default 0), ascending, at most `limit` (default 1000, max 10000). */
  ledgerLeaves(range?: { fromSeq?: number; limit?: number }): Promise<LedgerLeaf[]>;
  /** Number of leaves (the next seq). */
  ledgerSize(): Promise<number>;
}

export interface AuditCatalog {
  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
  /** Events with seq >= fromSeq (default 0), ascending, at most `limit` (default 1000, max 10000). */
  auditEvents(range?: { fromSeq?: number; limit?: number }): Promise<AuditEvent[]>;
  /** Number of events appended so far (the next seq, from the serialising counter). */
  auditSize(): Promise<number>;
}

/**
 * The audit trail of an export's records (apart from AuditCatalog, which verifyAuditChain and
 * its callers take whole).
 */
export interface SelectionAuditCatalog {
  /**
   * Events with fromSeq (default 0) <= seq < belowSeq whose target is a record the selection
   * selects (exactly the records src/export/selection.ts `selectRecords` yields for it), ascending,
   * at most `limit` (default 1000, max 10000): the audit trail of an export's records.
   */
  auditEventsOfSelection(
    selection: RecordSelection,
    range: { fromSeq?: number; belowSeq: number; limit?: number },
  ): Promise<AuditEvent[]>;
  /**
   * The seqs of the events auditEventsOfSelection gives for the same range, at most `limit`
   * (default 1000, max 100000), ascending. One call costs about what one page of
   * auditEventsOfSelection costs (a probe per selected record), so a reader that keeps few events
   * in memory at a time takes many seqs here and reads their rows with auditEventsAt.
   */
  auditSeqsOfSelection(
    selection: RecordSelection,
    range: { fromSeq?: number; belowSeq: number; limit?: number },
  ): Promise<number[]>;
  /** The events with these seqs (ascending, each once, at most 1000), in seq order. */
  auditEventsAt(seqs: readonly number[]): Promise<AuditEvent[]>;
  /**
   * What the selection holds (the records selectRecords yields for it), counted in one query:
   * records, their bytes, the newest ledger leaf among them (-1 when none).
   */
  measureSelection(selection: RecordSelection): Promise<SelectionMeasure>;
}

export interface SelectionMeasure {
  records: number;
  bytes: number;
  lastLedgerSeq: number;
}

/**
 * The records an export's criteria select: with `recordIds`, those of them that exist and match
 * the other criteria; else those a search with the criteria finds. Either way only records whose
 * ledger leaf is below `ledgerSize`.
 */
export interface RecordSelection {
  criteria: ExportCriteria;
  ledgerSize: number;
}

export interface PrincipalCatalog {
  addPrincipal(principal: NewPrincipal): Promise<Principal>;
  getPrincipal(id: string): Promise<Principal | undefined>;
  findPrincipalByName(name: string): Promise<Principal | undefined>;
  /** All principals, ordered by name. */
  listPrincipals(): Promise<Principal[]>;
  /** Sets disabledAt (once); its tokens stop authenticating. */
  disablePrincipal(id: string): Promise<Principal>;
  /** Stores SHA-256 (hex) of a token for a principal. */
  addTokenHash(principalId: string, tokenHash: string): Promise<ApiTokenInfo>;
  /** Sets revokedAt (once). Returns the token's bookkeeping. */
  revokeToken(tokenHash: string): Promise<ApiTokenInfo>;
  listTokens(principalId: string): Promise<ApiTokenInfo[]>;
  /** The principal owning a non-revoked token, if the principal is enabled; else undefined. */
  findPrincipalByTokenHash(tokenHash: string): Promise<Principal | undefined>;
  /** Records that the token was just used. */
  markTokenUsed(tokenHash: string): Promise<void>;
}

/** What the group committer has done since the catalog was opened (for /metrics and tests). */
export interface WriteStats {
  /** Transactions committed by the group committer. */
  groups: number;
  /** Record and audit writes answered through it. */
  operations: number;
  /** Groups the database refused as a whole, whose operations were then retried one by one. */
  splitGroups: number;
  /** The most operations one group has held. */
  largestGroup: number;
}

/** One (user, currency, category) group of a month's counted trades of one ALP; sums exact. */
export interface AlpTradeGroup {
  userId: string;
  currency: string;
  userCategory: string;
  trades: number;
  /** Trades among them that corrections changed. */
  corrected: number;
  /** Decimal text, exact. */
  quantity: string;
  /** Decimal text, exact: the sum of quantity × price. */
  turnover: string;
}

/** A trade of the month that does not count: cancelled by a correction, or left invalid by one. */
export interface AlpTradeException {
  tradeRecordId: string;
  state: 'cancelled' | 'invalid';
  problem: string | null;
  userId: string;
  currency: string;
}

export interface AlpTradeMonth {
  groups: AlpTradeGroup[];
  exceptions: AlpTradeException[];
}

/** A trade's row in the facts table (for inspection and tests). */
export interface AlpTradeFactRow {
  tradeRecordId: string;
  state: 'counted' | 'cancelled' | 'invalid';
  problem: string | null;
  alpId: string;
  userId: string;
  userCategory: string;
  currency: string;
  month: string;
  executedAt: Date;
  quantity: string;
  price: string;
  turnover: string;
  /** The integer columns hold the exact value (else its text is summed by the application). */
  exact: boolean;
  corrections: number;
}

/** The ALP trade facts behind the ALP monthly top-10 report (alp-trades.ts). */
export interface AlpTradeCatalog {
  /**
   * Stores what archived records said about ALP trades (`alpTradeFacts(record)` of each) and
   * recomputes the facts of every trade they touch. Idempotent: a source already stored (same
   * record id) is skipped. Call it after the record is committed, at ingest and at reindex.
   */
  addAlpTradeSources(sources: readonly AlpTradeSource[]): Promise<{ added: number; tradesUpdated: number }>;
  /** The counted trades of one ALP in a Hong Kong month (`YYYY-MM`), grouped, and the ones that do not count. */
  alpTradeMonth(month: string, alpId: string): Promise<AlpTradeMonth>;
  /** ALPs with counted trades in the month, sorted. */
  alpIdsWithTrades(month: string): Promise<string[]>;
  alpTradeFact(tradeRecordId: string): Promise<AlpTradeFactRow | undefined>;
  /** Ids of catalogued alp_trade records whose facts are missing (a crash between the two writes): reindex them. */
  alpTradesWithoutFacts(limit?: number): Promise<string[]>;
}

/** Counts for the posture report (activity.ts). */
export interface ActivityCatalog {
  /** Records ingested per Hong Kong day (`YYYY-MM-DD`) in [from, to), ascending; days without records left out. */
  recordsIngestedPerDay(from: Date, to: Date): Promise<{ date: string; count: number }[]>;
  /** Audit events per action, by action. */
  auditEventCounts(): Promise<{ action: string; count: number }[]>;
}

/** Documents by type (documents.ts): the archived reports, the EDSP's undertaking or notice. */
export interface DocumentCatalog {
  /**
   * Documents of `documentType` whose business date is in [fromDate, toDate] (each optional), by
   * business date then record id; at most `limit` (default 1000, at most 10000).
   */
  documentsOfType(
    documentType: string,
    range?: { fromDate?: string; toDate?: string; limit?: number },
  ): Promise<CatalogRecord[]>;
}

export interface Catalog
  extends
    RecordCatalog,
    LedgerCatalog,
    AuditCatalog,
    SelectionAuditCatalog,
    PrincipalCatalog,
    AlpTradeCatalog,
    ActivityCatalog,
    EvidenceCatalog,
    ExportCatalog,
    LifecycleCatalog,
    DocumentCatalog {
  readonly dialect: CatalogDialect;
  writeStats(): WriteStats;
  /**
   * Resolves once everything this catalog has committed so far is durable. Record reads that
   * find rows await it themselves; other readers that act on what they saw can call it.
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}
