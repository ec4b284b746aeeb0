import type { ColumnType } from 'kysely';
import type { LifecycleDatabase } from './schema-lifecycle';

/**
 * The catalog's tables as Kysely sees them (snake_case, as in the database). Timestamps are
 * written as ISO 8601 UTC strings (`Date#toISOString`) on both databases: SQLite keeps that text,
 * PostgreSQL parses it into `timestamptz` and hands back a `Date`. Business dates are strings on
 * both (PostgreSQL `date`, returned as text by the pool's type parser). 64-bit integers come back
 * as numbers (the pool's int8 parser refuses values beyond 2^53).
 */
export type Timestamp = ColumnType<Date | string, string, string>;

export interface RecordsTable {
  record_id: string;
  record_type: string;
  schema_version: number;
  business_date: string;
  client_id: string | null;
  account_id: string | null;
  instrument: string | null;
  order_id: string | null;
  trade_id: string | null;
  bucket: string;
  object_key: string;
  sha256: string;
  crc64: string;
  md5: string;
  size: number;
  content_type: string;
  retention_class: string;
  retain_until: Timestamp;
  ingested_at: Timestamp;
  principal_id: string;
  ledger_seq: number;
  amends: string | null;
  document_type: string | null;
  file_name: string | null;
}

export interface LedgerLeavesTable {
  seq: number;
  kind: string;
  record_id: string;
  sha256: string;
  leaf_hash: string;
  created_at: Timestamp;
}

export interface AuditEventsTable {
  seq: number;
  event_id: string;
  at: Timestamp;
  principal_id: string | null;
  action: string;
  target: string | null;
  outcome: string;
  ip: string | null;
  request_id: string | null;
  details: string | null;
  /** `api`, `oss-access-log`, `actiontrail` (CHECK); defaults to `api` (migration 0006). */
  source: string;
  prev_hash: string;
  hash: string;
}

/** A signed checkpoint stored in the audit bucket (migration-evidence.ts). */
export interface LedgerCheckpointsTable {
  tree_size: number;
  root_hash: string;
  object_key: string;
  created_at: Timestamp;
}

export interface AuditSegmentsTable {
  id: string;
  from_seq: number;
  to_seq: number;
  object_key: string;
  sha256: string;
  last_hash: string;
  ledger_seq: number;
  created_at: Timestamp;
}

export interface ImportPositionsTable {
  name: string;
  position: string;
  updated_at: Timestamp;
}

export interface ImportedLogObjectsTable {
  object_key: string;
  source_bucket: string;
  lines: number;
  imported_at: Timestamp;
}

export interface StsAttributionsTable {
  access_key_id: string;
  purpose: string;
  export_id: string | null;
  recipient: string | null;
  role_arn: string | null;
  expires_at: Timestamp | null;
  registered_at: Timestamp;
}

export interface AlertsTable {
  id: string;
  source: string;
  kind: string;
  summary: string;
  /** JSON text. */
  details: string;
  dedupe_key: string | null;
  raised_at: Timestamp;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  acknowledgement: string | null;
}

export interface JobRequestsTable {
  name: string;
  requested_at: Timestamp;
}

/** Serialising counters: `ledger` and `audit`, each the next seq to hand out. */
export interface CountersTable {
  name: string;
  next_value: number;
}

export interface PrincipalsTable {
  id: string;
  name: string;
  role: string;
  kind: string;
  disabled_at: Timestamp | null;
  created_at: Timestamp;
  created_by: string | null;
}

export interface ApiTokensTable {
  token_hash: string;
  principal_id: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** What an archived record said about an ALP trade (migration-alp-trades.ts). */
export interface AlpTradeSourcesTable {
  source_record_id: string;
  trade_record_id: string;
  kind: string;
  /** JSON of the AlpTradeSource. */
  payload: string;
}

/**
 * One ALP trade after its corrections. The integer columns are written as decimal text
 * (both databases store them as 64-bit integers) and summed with the results cast to text.
 */
export interface AlpTradeFactsTable {
  trade_record_id: string;
  state: string;
  problem: string | null;
  alp_id: string;
  user_id: string;
  user_category: string;
  currency: string;
  month_hk: string;
  /** user_id, currency, user_category joined by U+001F. */
  group_key: string;
  executed_at: Timestamp;
  quantity: string;
  price: string;
  turnover: string;
  quantity_int: ColumnType<string | number, string, string>;
  /** turnover × 10^4 (alp-trades.ts TURNOVER_SCALE). */
  turnover_e4: ColumnType<string | number, string, string>;
  exact: number;
  corrections: number;
}

export interface CatalogDatabase extends LifecycleDatabase {
  alp_trade_sources: AlpTradeSourcesTable;
  alp_trade_facts: AlpTradeFactsTable;
  records: RecordsTable;
  ledger_leaves: LedgerLeavesTable;
  audit_events: AuditEventsTable;
  counters: CountersTable;
  principals: PrincipalsTable;
  api_tokens: ApiTokensTable;
  ledger_checkpoints: LedgerCheckpointsTable;
  audit_segments: AuditSegmentsTable;
  import_positions: ImportPositionsTable;
  imported_log_objects: ImportedLogObjectsTable;
  sts_attributions: StsAttributionsTable;
  alerts: AlertsTable;
  job_requests: JobRequestsTable;
}

export type CounterName = 'ledger' | 'audit';
