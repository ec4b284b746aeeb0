import type { FixityKind } from '../catalog';

/**
 * What a fixity sweep finds (issue 12). `expected` is what the catalog says, `found` what OSS
 * answered; both are short strings a person reads (sizes, checksums, "absent").
 */
export type FixityProblemKind =
  /** A catalogued object OSS does not have (HEAD or GET: 404). */
  | 'missing'
  /** The stored object's size is not the catalogued size. */
  | 'size_mismatch'
  /** The CRC-64 OSS reports (HEAD) or computes over the bytes read (GET) is not the catalogued one. */
  | 'crc64_mismatch'
  /** The SHA-256 in the object's metadata (a record's, or a document description's) is not the catalogued one. */
  | 'sha256_metadata_mismatch'
  /** The SHA-256 of the bytes read (deep sweep) is not the catalogued one. */
  | 'sha256_mismatch'
  /** An object in a record bucket the catalog does not know (written around the archive). */
  | 'unknown_object'
  /** The object could not be read (an error other than 404); `found` says what happened. */
  | 'unreadable';

export interface FixityProblem {
  kind: FixityProblemKind;
  bucket: string;
  key: string;
  /** The catalogued record, when the object is one's. */
  recordId: string | null;
  expected: string;
  found: string;
}

export interface SweepCounts {
  /** Catalogued records in scope (the bucket, not disposed). */
  records: number;
  /** Records checked (the sample). */
  checked: number;
  /** Objects read or looked at (HEAD or GET; a document counts its file and its description). */
  objects: number;
  /** Bytes read and hashed (deep sweep). */
  bytes: number;
  /** Objects listed in the record buckets. */
  listed: number;
  problems: number;
}

export interface SweepOptions {
  kind: FixityKind;
  /** One records bucket; default all of them. */
  bucket?: string;
  /** Share of the records checked, 0 < rate <= 1 (default 1). The LIST is always complete. */
  sample?: number;
  /** Objects in flight at once (default 8). */
  concurrency?: number;
  /** Most objects per second (HEADs, GETs), to leave ingest its speed; default unlimited. */
  rate?: number;
  /** Records per page, and listed objects per lookup: a saved checkpoint each (default 200 and 1000). */
  pageSize?: number;
  /** What started it, for the report and the audit event. */
  initiated: 'cli' | 'schedule' | 'api';
  /** The principal who asked (CLI: none). */
  principalId?: string | null;
  /** Called as the sweep goes (every page of records or listed objects). */
  onProgress?: (p: { phase: 'check' | 'list'; done: number; total: number; problems: number }) => void;
  /** Stops the sweep at the next page; its progress is kept and the next sweep of its kind resumes it. */
  signal?: AbortSignal;
}

export interface FixityReport {
  format: 'strongroom-fixity-report-v1';
  sweepId: string;
  kind: FixityKind;
  bucket: string | null;
  buckets: string[];
  sample: number;
  initiated: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** How many times the sweep was resumed after a stop or a crash. */
  resumed: number;
  counts: SweepCounts;
  problems: FixityProblem[];
}

export interface SweepResult {
  report: FixityReport;
  reportKey: string;
  htmlKey: string;
  reportSha256: string;
  ledgerSeq: number;
}
