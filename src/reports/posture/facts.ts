/**
 * The facts the EDSP posture report rests on. Each one may be "not available" (the part that
 * knows it is not built yet, or could not be asked): the report then says so instead of
 * inventing a value. Times are ISO 8601 strings so the facts are JSON as they are.
 */
import type { ReportDueState } from '../calendar';

export type Fact<T> = { available: true; value: T } | { available: false; reason: string };

export function available<T>(value: T): Fact<T> {
  return { available: true, value };
}

export function unavailable<T = never>(reason: string): Fact<T> {
  return { available: false, reason };
}

export type BucketRole = 'records' | 'audit' | 'exports' | 'logs';

export interface RetentionFact {
  /** `None`: no policy (or an InProgress one lapsed). */
  state: 'Locked' | 'InProgress' | 'None';
  days: number | null;
  since: string | null;
}

export interface BucketFacts {
  bucket: string;
  role: BucketRole;
  /** Retention class of a records bucket. */
  className?: string;
  /** Days the archive's configuration asks of this bucket. */
  configuredDays: number;
  exists: boolean;
  retention: Fact<RetentionFact>;
  /** Where its access log goes; null when logging is off. Not asked of the logs bucket itself. */
  logging: Fact<{ targetBucket: string; targetPrefix: string } | null>;
  /** Default server-side encryption; null when none. */
  encryption: Fact<{ algorithm: string; keyId?: string } | null>;
  /** The bucket policy's statement that denies every request not made over HTTPS; null: none. */
  httpsOnly: Fact<{ statement: string } | null>;
}

export interface PrincipalFact {
  id: string;
  name: string;
  role: string;
  kind: 'user' | 'system';
  active: boolean;
}

export interface CheckpointFacts {
  /** The latest signed checkpoint, or null when none was written yet. */
  last: { treeSize: number; at: string } | null;
  /** Checkpoints over time (for the age chart), oldest first. */
  history: { at: string; treeSize: number }[];
}

export interface FixitySweep {
  kind: string;
  startedAt: string;
  finishedAt: string | null;
  checked: number;
  failures: number;
}

export interface AlpReportDue {
  month: string;
  alpId: string;
  dueDate: string;
  warnFrom: string;
  state: ReportDueState;
  /** Whether the month's report for the ALP is archived; null when that cannot be told yet. */
  archived: boolean | null;
}

export interface PostureFacts {
  gatheredAt: string;
  operator: Fact<string>;
  /** The EDSP (cloud provider), its region and the endpoint the archive uses. */
  edsp: Fact<{ provider: string; region: string; endpoint: string }>;
  /** EDSP undertaking (non-HK EDSP, Appendix 1) or notice (HK EDSP) archived as document records. */
  edspDocuments: Fact<{ documentType: string; recordId: string; date: string }[]>;
  /** The bucket every access log must go to. */
  logsBucket: string;
  buckets: Fact<BucketFacts[]>;
  principals: Fact<PrincipalFact[]>;
  checkpoint: Fact<CheckpointFacts>;
  /** Audit events not yet sealed into a locked segment. */
  sealing: Fact<{ unsealedEvents: number; oldestUnsealedAt: string | null }>;
  /** OSS access logs imported into the audit trail up to this time. */
  /** How far the importers have got; `sources`: each position (null: nothing imported yet). */
  logImport: Fact<{ importedUpTo: string | null; sources?: { name: string; position: string | null }[] }>;
  /** Accesses in the imported logs by access keys the archive does not know. */
  unknownKeyAccesses: Fact<{ count: number; since: string; examples: string[] }>;
  fixity: Fact<FixitySweep[]>;
  holds: Fact<{ open: number; oldestSince: string | null }>;
  alpReportsDue: Fact<AlpReportDue[]>;
  signedUrls: Fact<{ maxExpirySeconds: number; httpsOnly: boolean }>;
  /** Records ingested per Hong Kong day, oldest first (the last 90 days). */
  recordsPerDay: Fact<{ date: string; count: number }[]>;
  auditEventsBySource: Fact<{ source: string; count: number }[]>;
}

/** Limits the evaluation applies; operator-configurable (REGULATORY.md: "(confirm)" defaults). */
export interface PostureThresholds {
  minCompliancePrincipals: number;
  checkpointMaxAgeSeconds: number;
  sealingMaxLagSeconds: number;
  logImportMaxLagSeconds: number;
  fixityMaxAgeSeconds: number;
  signedUrlMaxExpirySeconds: number;
}

export const DEFAULT_THRESHOLDS: PostureThresholds = {
  minCompliancePrincipals: 2,
  checkpointMaxAgeSeconds: 24 * 3600,
  sealingMaxLagSeconds: 24 * 3600,
  // OSS writes access logs hourly: two hours and a margin before the trail is behind.
  logImportMaxLagSeconds: 3 * 3600,
  fixityMaxAgeSeconds: 31 * 86_400,
  signedUrlMaxExpirySeconds: 7 * 86_400,
};
