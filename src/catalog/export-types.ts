import type { LedgerLeaf, NewAuditEvent } from './types';

/**
 * What the catalog keeps of SFC access requests (issue 11; migration 0012, migration-exports.ts):
 * one row per export with its state, and one row per signed link issued (never the URL: when it
 * was issued, until when, by whom, and the STS access key id that signed it, which is public).
 */

export type ExportStatus = 'building' | 'ready' | 'failed';

export interface ExportRecipient {
  name: string;
  organisation: string;
  email?: string | null;
}

/** The pinned selection of POST /v1/exports (all optional, combined with AND). */
export interface ExportCriteria {
  recordIds?: string[];
  type?: string;
  from?: string;
  to?: string;
  clientId?: string;
  accountId?: string;
  instrument?: string;
  orderId?: string;
  tradeId?: string;
}

export interface NewExport {
  exportId: string;
  reference: string;
  recipient: ExportRecipient;
  purpose: string;
  criteria: ExportCriteria;
  includeAudit: boolean;
  requestedBy: string;
  createdAt: Date;
  recordCount: number;
  recordBytes: number;
  /**
   * The selection's cut-off: only records with a leaf below it are selected (a rebuild selects the
   * same). One past the newest leaf among the records selected when asked for (ExportService.measure).
   */
  ledgerSize: number;
  /** The audit trail's size when asked for: the bag's audit events are below it. */
  auditSize: number;
}

export interface ExportBag {
  bucket: string;
  key: string;
  sha256: string;
  size: number;
  ledgerIndex: number;
}

export interface ExportRow extends NewExport {
  status: ExportStatus;
  /** Why it failed (a sentence, never a secret). */
  failure: string | null;
  /** Builds started (a restart after a crash starts another). */
  attempts: number;
  /**
   * The signed checkpoint the bag's proofs refer to, fixed by the first build: a rebuild after a
   * crash makes the same bytes, so an upload that had completed is adopted, not duplicated.
   */
  checkpoint: string | null;
  bag: ExportBag | null;
  finishedAt: Date | null;
}

export interface ExportLink {
  exportId: string;
  issuedAt: Date;
  expiresAt: Date;
  issuedBy: string;
  /** The STS access key id the URL is signed with (an id, not a secret). */
  accessKeyId: string;
}

export interface ExportCatalog {
  /** The row and the audit event of the request commit together (docs/ARCHITECTURE.md). */
  createExport(e: NewExport, event: NewAuditEvent): Promise<ExportRow>;
  getExport(exportId: string): Promise<ExportRow | undefined>;
  /** Newest first, at most `limit` (1..1000), before the export `before` when given. */
  listExports(page: { limit: number; before?: string }): Promise<ExportRow[]>;
  /** Exports still building (what a restarted builder resumes), oldest first. */
  exportsBuilding(): Promise<ExportRow[]>;
  /** A build starts: attempts + 1, and the checkpoint kept when none was yet. Returns the row. */
  startExportBuild(exportId: string, checkpoint: string): Promise<ExportRow>;
  /** The bag is stored: its ledger leaf (kind `export`, idempotent) and the row marked ready. */
  completeExport(
    exportId: string,
    bag: Omit<ExportBag, 'ledgerIndex'>,
  ): Promise<{ row: ExportRow; leaf: LedgerLeaf }>;
  failExport(exportId: string, reason: string): Promise<ExportRow>;
  addExportLink(link: ExportLink): Promise<void>;
  exportLinks(exportId: string): Promise<ExportLink[]>;
}
