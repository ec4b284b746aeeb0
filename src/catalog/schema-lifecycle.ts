import type { Timestamp } from './schema';

/** The tables of migration 0010 (migration-lifecycle.ts), as Kysely sees them. */

export interface HoldsTable {
  id: string;
  name: string;
  matter: string;
  reason: string;
  client_id: string | null;
  account_id: string | null;
  record_type: string | null;
  from_date: string | null;
  to_date: string | null;
  has_record_ids: number;
  placed_by: string;
  placed_at: Timestamp;
}

export interface HoldRecordsTable {
  hold_id: string;
  record_id: string;
}

export interface HoldReleasesTable {
  hold_id: string;
  released_by: string;
  reason: string;
  released_at: Timestamp;
}

export interface RetentionEventsTable {
  id: string;
  client_id: string;
  event: string;
  at: Timestamp;
  recorded_by: string;
  recorded_at: Timestamp;
}

export interface RetentionChangesTable {
  record_id: string;
  retention_event_id: string;
  previous: Timestamp;
  retain_until: Timestamp;
  changed_at: Timestamp;
}

export interface DispositionsTable {
  id: string;
  proposed_by: string;
  proposed_at: Timestamp;
  reason: string;
  as_of: Timestamp;
  selection: string;
  item_count: number;
}

export interface DispositionItemsTable {
  disposition_id: string;
  record_id: string;
  bucket: string;
  object_key: string;
  description_key: string | null;
  sha256: string;
}

export interface DispositionApprovalsTable {
  disposition_id: string;
  approved_by: string;
  approved_at: Timestamp;
  note: string;
}

export interface DispositionResultsTable {
  disposition_id: string;
  record_id: string;
  outcome: string;
  detail: string;
  at: Timestamp;
}

export interface RecordDispositionsTable {
  record_id: string;
  disposition_id: string;
  disposed_at: Timestamp;
  ledger_seq: number;
}

export interface FixitySweepsTable {
  id: string;
  kind: string;
  bucket: string | null;
  sample_ppm: number;
  started_at: Timestamp;
  initiated: string;
}

export interface FixityProgressTable {
  sweep_id: string;
  step: number;
  /** JSON of the sweep's state (phase, cursor, counts). */
  state: string;
  at: Timestamp;
}

export interface FixityProblemsTable {
  sweep_id: string;
  /** `<kind>\n<bucket>\n<key>`: a problem is reported once per sweep. */
  problem_key: string;
  /** Order found (for the report). */
  position: number;
  /** JSON of the FixityProblem. */
  problem: string;
  found_at: Timestamp;
}

export interface FixityResultsTable {
  sweep_id: string;
  finished_at: Timestamp;
  report_key: string;
  report_sha256: string;
  /** JSON of the sweep's counts. */
  summary: string;
  problems: number;
  ledger_seq: number;
}

export interface LifecycleDatabase {
  holds: HoldsTable;
  hold_records: HoldRecordsTable;
  hold_releases: HoldReleasesTable;
  retention_events: RetentionEventsTable;
  retention_changes: RetentionChangesTable;
  dispositions: DispositionsTable;
  disposition_items: DispositionItemsTable;
  disposition_approvals: DispositionApprovalsTable;
  disposition_results: DispositionResultsTable;
  record_dispositions: RecordDispositionsTable;
  fixity_sweeps: FixitySweepsTable;
  fixity_progress: FixityProgressTable;
  fixity_problems: FixityProblemsTable;
  fixity_results: FixityResultsTable;
}
