import type { Readable } from 'node:stream';
import type { AuditScope } from '../audit/scope';
import type { Principal } from '../auth/types';
import type { Semaphore } from '../util/semaphore';

/**
 * What a write is made for: who sends it (their id goes into the object metadata and the row),
 * the audit event it contributes to, and the PUT slots it shares.
 */
export interface WriteContext {
  principal: Principal;
  /**
   * The event of this write (src/audit/scope.ts): the write path records it, in the catalog
   * transaction of a new record, or on its own for a repeat or a conflict. Anything that fails
   * before the write path decides about the record is left to the scope's owner.
   */
  audit: AuditScope;
  /**
   * Bounds the OSS PUTs made for this request at once (a batch shares one among its lines, so
   * lines can validate and commit while others hold the PUT slots). None: unbounded.
   */
  putSlots?: Semaphore;
}

/** Proof of what was stored: returned on ingest and by GET /v1/records/:id. */
export interface Receipt {
  recordId: string;
  recordType: string;
  schemaVersion: number;
  bucket: string;
  key: string;
  /** SHA-256 hex of the stored bytes (for records: the RFC 8785 canonical form). */
  sha256: string;
  /** CRC-64/XZ as OSS reports it (unsigned decimal), confirmed by the store. */
  crc64: string;
  size: number;
  /** Leaf index in the ledger (Merkle log). */
  ledgerSeq: number;
  /** ISO 8601: the object is protected until then. */
  retainUntil: string;
  ingestedAt: string;
  /** Principal id of the sender. */
  principal: string;
}

export interface IngestResult {
  /** created: stored now (201). existing: same id and same bytes were already stored (200). */
  status: 'created' | 'existing';
  receipt: Receipt;
}

export interface DocumentUpload {
  /** The JSON description (a `document` record). */
  description: unknown;
  body: Readable;
  fileName?: string;
  contentType?: string;
  /** Declared size, if the sender gave one. */
  size?: number;
}

/**
 * The write path (../shared/docs/DESIGN.md, docs/ARCHITECTURE.md): validate, canonicalise, hash,
 * create-only PUT with checksums, one catalog transaction (record + ledger leaf + audit event),
 * receipt. Throws ValidationError (400), RecordConflictError (409: same id, different content),
 * ObjectKeyTakenError (409: the key holds another object), RetentionNotLockedError (503),
 * ChecksumMismatchError / UnavailableError (the sender retries).
 */
export interface IngestService {
  ingestRecord(input: unknown, ctx: WriteContext): Promise<IngestResult>;
  ingestDocument(upload: DocumentUpload, ctx: WriteContext): Promise<IngestResult>;
}
