import type { CatalogRecord, NewAuditEvent } from './types';

/**
 * The catalog's side of the archive's life over the years (issue 12): legal holds, retention
 * changes, dispositions and fixity sweeps. Every table behind these is append-only
 * (migration-lifecycle.ts); a record's row in `records` is never changed: its effective
 * retain-until and its disposed mark are computed from the rows here.
 */

/** What a hold covers: every field given must match (AND); `recordIds` also covers their corrections. */
export interface HoldCriteria {
  recordIds?: string[];
  clientId?: string;
  accountId?: string;
  /** A record type. */
  type?: string;
  /** Business dates, inclusive, YYYY-MM-DD. */
  from?: string;
  to?: string;
}

export interface NewHold {
  id: string;
  name: string;
  matter: string;
  reason: string;
  criteria: HoldCriteria;
  placedBy: string;
}

export interface HoldRelease {
  releasedBy: string;
  reason: string;
  releasedAt: Date;
}

export interface Hold {
  id: string;
  name: string;
  matter: string;
  reason: string;
  criteria: HoldCriteria;
  placedBy: string;
  placedAt: Date;
  /** Null while the hold is active. */
  release: HoldRelease | null;
}

export type RetentionEventKind = 'relationship_ended';

export interface NewRetentionEvent {
  id: string;
  clientId: string;
  event: RetentionEventKind;
  at: Date;
  recordedBy: string;
}

export interface RetentionEvent extends NewRetentionEvent {
  recordedAt: Date;
}

/** A record's retain-until moved later (never earlier: the database refuses it). */
export interface RetentionChange {
  recordId: string;
  retentionEventId: string;
  previous: Date;
  retainUntil: Date;
  changedAt: Date;
}

/** A record with its effective retain-until (its row's, or the latest change's). */
export interface RetainedRecord {
  record: CatalogRecord;
  retainUntil: Date;
}

export interface DispositionItem {
  recordId: string;
  bucket: string;
  objectKey: string;
  /** A document's description object (deleted with its file); null for other records. */
  descriptionKey: string | null;
  /** The record's SHA-256, named by its tombstone. */
  sha256: string;
}

export interface NewDisposition {
  id: string;
  proposedBy: string;
  reason: string;
  asOf: Date;
  selection: 'list' | 'eligible';
  items: DispositionItem[];
}

export interface DispositionApproval {
  approvedBy: string;
  approvedAt: Date;
  note: string;
}

export interface Disposition {
  id: string;
  proposedBy: string;
  proposedAt: Date;
  reason: string;
  asOf: Date;
  selection: 'list' | 'eligible';
  itemCount: number;
  approval: DispositionApproval | null;
  /** Items with a result so far. */
  done: number;
}

export type DispositionOutcome = 'disposed' | 'refused' | 'skipped';

export interface DispositionResult {
  recordId: string;
  outcome: DispositionOutcome;
  detail: string;
  at: Date;
}

/** The disposed mark of a record: its row stays; the tombstone is ledger leaf `ledgerSeq`. */
export interface DispositionMark {
  recordId: string;
  dispositionId: string;
  disposedAt: Date;
  ledgerSeq: number;
}

export type FixityKind = 'head' | 'deep';

export interface NewFixitySweep {
  id: string;
  kind: FixityKind;
  /** One records bucket, or null for all of them. */
  bucket: string | null;
  /** Share of catalogued objects checked, in parts per million (1,000,000: all). */
  samplePpm: number;
  /** Who or what started it (`cli`, `schedule`), as JSON text. */
  initiated: string;
}

export interface FixitySweepRow extends NewFixitySweep {
  startedAt: Date;
}

export interface FixityResultRow {
  sweepId: string;
  finishedAt: Date;
  reportKey: string;
  reportSha256: string;
  /** JSON of the sweep's counts. */
  summary: string;
  problems: number;
  ledgerSeq: number;
}

export interface FixityProblemRow {
  key: string;
  position: number;
  /** JSON of the problem. */
  problem: string;
  foundAt: Date;
}

/** Where a listed object stands in the catalog. */
/** What a fixity sweep needs of a record (fixityRecords reads these columns only). */
export type FixityRecord = Pick<
  CatalogRecord,
  'recordId' | 'recordType' | 'bucket' | 'objectKey' | 'sha256' | 'crc64' | 'size' | 'ledgerSeq'
>;

export interface CataloguedObject {
  key: string;
  recordId: string;
  ledgerSeq: number;
  /** `object`: the row's object (a record's JSON, a document's file); `description`: a document's description. */
  role: 'object' | 'description';
  disposed: boolean;
}

export interface HoldCatalog {
  /** The hold, its record ids and its audit event, in one transaction. */
  placeHold(hold: NewHold, event: NewAuditEvent): Promise<Hold>;
  /**
   * The release and its audit event, in one transaction. The database refuses a release by the
   * principal who placed the hold (FourEyesError) and a second release (HoldReleasedError).
   */
  releaseHold(
    release: { holdId: string; releasedBy: string; reason: string },
    event: NewAuditEvent,
  ): Promise<Hold>;
  getHold(id: string): Promise<Hold | undefined>;
  /** Every hold, newest first. */
  listHolds(): Promise<Hold[]>;
  /** Holds (active or released) whose criteria cover the record. */
  holdsOnRecord(recordId: string): Promise<Hold[]>;
  /** Records the hold's criteria cover (active or not), by record id, after `afterRecordId`. */
  recordsUnderHold(holdId: string, page: { afterRecordId?: string; limit: number }): Promise<CatalogRecord[]>;
}

export interface RetentionCatalog {
  /** The event, the retention changes it makes and their audit events, in one transaction. */
  commitRetentionEvent(
    event: NewRetentionEvent,
    changes: { recordId: string; previous: Date; retainUntil: Date }[],
    audit: NewAuditEvent[],
  ): Promise<RetentionEvent>;
  retentionChanges(recordId: string): Promise<RetentionChange[]>;
  /** The client's retention events, oldest first. */
  clientRetentionEvents(clientId: string): Promise<RetentionEvent[]>;
  /** The client's records of these classes (not disposed), with their effective retain-until. */
  clientRecordsInClasses(
    clientId: string,
    classes: readonly string[],
    page: { afterRecordId?: string; limit: number },
  ): Promise<RetainedRecord[]>;
}

export interface DispositionCatalog {
  /**
   * Records not disposed whose effective retain-until is at or before `asOf`, under no active
   * hold, and (for the event-based classes) whose client has a retention event; by record id.
   */
  eligibleRecords(query: {
    asOf: Date;
    eventClasses: readonly string[];
    afterRecordId?: string;
    limit: number;
  }): Promise<RetainedRecord[]>;
  proposeDisposition(disposition: NewDisposition, event: NewAuditEvent): Promise<Disposition>;
  /** The approval and its event; the database refuses the proposer (FourEyesError) and a second approval. */
  approveDisposition(
    approval: { dispositionId: string; approvedBy: string; note: string },
    event: NewAuditEvent,
  ): Promise<Disposition>;
  getDisposition(
    id: string,
  ): Promise<
    { disposition: Disposition; items: DispositionItem[]; results: DispositionResult[] } | undefined
  >;
  /** Newest first. */
  listDispositions(): Promise<Disposition[]>;
  /** Approved dispositions with items still without a result, oldest first. */
  pendingDispositions(): Promise<string[]>;
  /**
   * One item's result and its audit events, in one transaction; `disposed` also writes the
   * tombstone (ledger leaf `disposition`, id = record id, sha256 = the record's) and the mark.
   */
  recordDispositionResult(
    result: { dispositionId: string; recordId: string; outcome: DispositionOutcome; detail: string },
    events: NewAuditEvent[],
  ): Promise<{ result: DispositionResult; mark: DispositionMark | null }>;
  dispositionOf(recordId: string): Promise<DispositionMark | undefined>;
}

export interface FixityCatalog {
  startFixitySweep(sweep: NewFixitySweep): Promise<FixitySweepRow>;
  /** The latest sweep of the kind that has no result (to resume it). */
  unfinishedFixitySweep(kind: FixityKind): Promise<FixitySweepRow | undefined>;
  /** The latest saved state of a sweep (JSON), and its step. */
  fixityProgress(sweepId: string): Promise<{ step: number; state: string } | undefined>;
  saveFixityProgress(sweepId: string, step: number, state: string): Promise<void>;
  /** Stores problems not stored yet for the sweep (same key: kept once); returns how many were new. */
  addFixityProblems(
    sweepId: string,
    problems: { key: string; position: number; problem: string }[],
  ): Promise<number>;
  fixityProblems(sweepId: string): Promise<FixityProblemRow[]>;
  /** The sweep's ledger leaf (`verification_report`), its result row and audit event, in one transaction. */
  finishFixitySweep(
    result: { sweepId: string; reportKey: string; reportSha256: string; summary: string; problems: number },
    event: NewAuditEvent,
  ): Promise<FixityResultRow>;
  /** Sweeps newest first, with their results. */
  fixitySweeps(query: {
    kind?: FixityKind;
    limit: number;
  }): Promise<{ sweep: FixitySweepRow; result: FixityResultRow | null }[]>;
  fixitySweep(id: string): Promise<{ sweep: FixitySweepRow; result: FixityResultRow | null } | undefined>;
  /** Catalogued records not disposed, by ledger seq after `afterSeq` (-1: from the start). */
  fixityRecords(query: { bucket?: string; afterSeq: number; limit: number }): Promise<FixityRecord[]>;
  countFixityRecords(bucket?: string): Promise<number>;
  /** Which of these keys of a bucket the catalog knows (a row's object, or a document's description). */
  cataloguedObjects(bucket: string, keys: readonly string[]): Promise<CataloguedObject[]>;
}

export interface LifecycleCatalog extends HoldCatalog, RetentionCatalog, DispositionCatalog, FixityCatalog {}
