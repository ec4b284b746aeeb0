/**
 * Alerts: evidence that something is wrong and a person must look (the catalog disagrees with
 * what was sealed or checkpointed, a fixity sweep found a damaged or foreign object, an import
 * fell behind ActionTrail's window). An alert is logged at error, counted in a metric, reported
 * by `doctor` and `/readyz`, and stays open until a principal acknowledges it (an audited act).
 * Alerts are never deleted.
 *
 * This file is the seam between the parts that raise alerts (the ledger's checkpointer and
 * tamper checks, fixity sweeps) and the part that keeps them (src/alerts, over the catalog).
 */
export type AlertSource = 'ledger' | 'audit' | 'fixity' | 'import' | 'export' | 'retention';

export interface NewAlert {
  source: AlertSource;
  /** A stable kind within the source, e.g. `catalog_mismatch`, `checksum_mismatch`, `foreign_object`. */
  kind: string;
  /** One line a person reads first. */
  summary: string;
  /** Where it is (bucket/key, ledger index, audit seq...) and what was expected and found; no secrets. */
  details: Record<string, unknown>;
  /**
   * Raising again an open alert with the same key adds nothing (a sweep that runs every hour
   * does not open a new alert each time for the same damaged object).
   */
  dedupeKey?: string;
}

export interface Alert extends NewAlert {
  id: string;
  raisedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  acknowledgement: string | null;
}

export interface AlertSink {
  /** Records the alert (or finds the open one with its dedupe key) and returns it. */
  raise(alert: NewAlert): Promise<Alert>;
}
