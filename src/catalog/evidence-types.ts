import type { Alert, NewAlert } from '../alerts/types';
import type {
  AuditEvent,
  AuditOutcome,
  AuditSource,
  LedgerEntryKind,
  NewAuditEvent,
  NewRecord,
} from './types';

/**
 * What the catalog keeps for the evidence ledger and the complete audit trail (migration 0006,
 * migration-evidence.ts): the index of checkpoints and sealed segments, the audit queries, the
 * importers' positions, STS attributions, alerts and job requests.
 */

/** A signed checkpoint stored in the audit bucket, as the catalog indexes it. */
export interface CheckpointRow {
  treeSize: number;
  /** RFC 9162 root, hex. */
  rootHash: string;
  /** Object key, `ledger/checkpoint/<size, 20 digits>`. */
  key: string;
  createdAt: Date;
}

/** A sealed audit segment: consecutive events as one NDJSON object in the audit bucket, one ledger leaf. */
export interface AuditSegmentRow {
  /** The leaf id, `audit-<fromSeq, 20 digits>-<toSeq, 20 digits>`. */
  id: string;
  fromSeq: number;
  toSeq: number;
  key: string;
  /** SHA-256 (hex) of the object's bytes: the leaf's sha256. */
  sha256: string;
  /** Hash of the segment's last event (event `toSeq`). */
  lastHash: string;
  ledgerSeq: number;
  createdAt: Date;
}

/** Filters of an audit query; all optional, combined with AND. */
export interface AuditQuery {
  /** Events at or after this instant. */
  from?: Date;
  /** Events before this instant. */
  to?: Date;
  principalId?: string;
  action?: string;
  outcome?: AuditOutcome;
  target?: string;
  source?: AuditSource;
  /** Keyset: events with a larger seq than this. */
  afterSeq?: number;
  /** 1..10000. */
  limit: number;
}

/** An STS session the archive obtained, and what for (how imported access is attributed). */
export interface StsAttribution {
  accessKeyId: string;
  /** e.g. `export`, `disposition`. */
  purpose: string;
  exportId: string | null;
  recipient: string | null;
  roleArn: string | null;
  expiresAt: Date | null;
  registeredAt: Date;
}

/** A leaf put back by reindex exactly where the tiles hold it; a record leaf may bring its row. */
export interface RestoredLeaf {
  seq: number;
  kind: LedgerEntryKind;
  id: string;
  sha256: string;
  /** The record's row (kind record); absent when its object could not be read back. */
  record?: NewRecord;
}

export interface EvidenceCatalog {
  /** Records a stored checkpoint (idempotent; another root for a known size is a LedgerConflictError). */
  addCheckpoint(c: Omit<CheckpointRow, 'createdAt'> & { createdAt?: Date }): Promise<CheckpointRow>;
  latestCheckpointRow(): Promise<CheckpointRow | undefined>;
  /** Checkpoints by size, ascending, after `afterSize`, at most `limit` (1..1000). */
  checkpointRows(page: { afterSize?: number; limit: number }): Promise<CheckpointRow[]>;
  /** Ledger leaves with seq below `n` (dense leaves: n). */
  ledgerLeafCount(belowSeq: number): Promise<number>;

  /** Records a sealed segment (idempotent; another object for a known range is a LedgerConflictError). */
  addAuditSegment(s: Omit<AuditSegmentRow, 'createdAt'> & { createdAt?: Date }): Promise<AuditSegmentRow>;
  latestAuditSegment(): Promise<AuditSegmentRow | undefined>;
  /** Segments by fromSeq, ascending, starting after `afterFromSeq`, at most `limit` (1..1000). */
  auditSegments(page: { afterFromSeq?: number; limit: number }): Promise<AuditSegmentRow[]>;
  /** Audit events with seq below `n` (dense events: n). */
  auditEventCount(belowSeq: number): Promise<number>;
  /** Audit events matching the filters, by seq, at most `limit`. */
  queryAudit(query: AuditQuery): Promise<AuditEvent[]>;
  /** The ids among `eventIds` that are in the trail already (importers' dedupe). */
  existingEventIds(eventIds: readonly string[]): Promise<string[]>;
  /** Events per source, for the posture report. */
  auditEventCountsBySource(): Promise<{ source: AuditSource; count: number }[]>;

  importPosition(name: string): Promise<string | undefined>;
  setImportPosition(name: string, position: string): Promise<void>;
  /** The keys among `keys` already imported. */
  importedLogObjects(keys: readonly string[]): Promise<string[]>;
  markLogObjectImported(o: { key: string; sourceBucket: string; lines: number }): Promise<void>;

  /** Registers an STS access key id (idempotent for the same facts). */
  registerStsAttribution(a: Omit<StsAttribution, 'registeredAt'>): Promise<StsAttribution>;
  stsAttribution(accessKeyId: string): Promise<StsAttribution | undefined>;

  /** A new alert, or the open one with the same dedupe key (`created` false). */
  raiseAlert(alert: NewAlert & { id: string; raisedAt: Date }): Promise<{ alert: Alert; created: boolean }>;
  getAlert(id: string): Promise<Alert | undefined>;
  /** Alerts, newest first, open ones only unless `all`. */
  listAlerts(query: {
    all?: boolean;
    limit: number;
    before?: { raisedAt: Date; id: string };
  }): Promise<Alert[]>;
  openAlertCount(): Promise<number>;
  /** Acknowledges an open alert and appends `audit` in the same transaction. */
  acknowledgeAlert(
    id: string,
    ack: { by: string; reason: string; at: Date },
    audit: NewAuditEvent,
  ): Promise<{ alert: Alert; event: AuditEvent }>;

  /** Asks whichever instance leads job `name` to run it now. */
  requestJob(name: string): Promise<void>;
  jobRequestedAt(name: string): Promise<Date | undefined>;

  /** Reindex: leaves appended exactly at their seqs (the first must be the ledger's size). */
  restoreLedgerLeaves(leaves: readonly RestoredLeaf[]): Promise<void>;
  /** Reindex: sealed events put back verbatim (the first seq must be the trail's size; hashes checked). */
  restoreAuditEvents(events: readonly AuditEvent[]): Promise<void>;
}
