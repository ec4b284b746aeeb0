import type { AuditEvent } from '../catalog/types';
import type { SerializedError } from '../catalog/remote-protocol';
import type { BagPhase, BagRecord, BagResult, BuildBagInput } from './types';

/**
 * The messages between the serving thread and a bag's worker thread (bag-thread.ts, bag-worker.ts;
 * docs/decisions/0026-bag-worker.md). The serving thread reads the records (catalog, proofs, GETs)
 * and uploads the ZIP; the worker checks the records and writes the bag. Bytes cross in batches, in
 * ArrayBuffers that are transferred, never cloned. Records come in fresh buffers, under credit in
 * bytes; the ZIP goes in a few buffers of the worker's that come back once copied, so neither
 * queue grows with the bag and the ZIP's bytes leave no garbage on either side.
 */

/** What buildBag is given, but the records, the audit trail and the callbacks. */
export type WorkerBagInput = Omit<BuildBagInput, 'records' | 'auditEvents' | 'onPhase'>;

/** A record's catalog facts as they cross: a BagRecord without its ways to read the bytes. */
export type WireRecordFacts = Omit<BagRecord, 'open' | 'read'>;

/** A record read whole on the serving thread: its bytes are `[offset, offset + length)` of the batch's buffer. */
export interface WireWholeRecord {
  facts: WireRecordFacts;
  offset: number;
  /** As read (the worker checks it against `facts.size`). */
  length: number;
  crc64?: string;
}

export type ToWorker =
  /** Records read whole, in bag order; `bytes` holds all of theirs, back to back. */
  | { t: 'records'; records: WireWholeRecord[]; bytes: ArrayBuffer }
  /** A record that streams (larger than READ_WHOLE_MAX_BYTES): its chunks follow, then `streamEnd`. */
  | { t: 'streamStart'; facts: WireRecordFacts }
  | { t: 'chunk'; bytes: ArrayBuffer }
  | { t: 'streamEnd' }
  | { t: 'recordsEnd' }
  | { t: 'audit'; events: AuditEvent[] }
  | { t: 'auditEnd' }
  /** A buffer of the ZIP's, given back once the serving thread has copied its bytes out. */
  | { t: 'taken'; bytes: ArrayBuffer }
  /** The build failed on the serving thread's side (a read, the catalog, the upload): stop and clean up. */
  | { t: 'abort'; error: SerializedError };

export type FromWorker =
  /** The worker has used this many more of the bytes it was sent (credit back). */
  | { t: 'used'; bytes: number }
  /** The next `length` bytes of the ZIP, at the start of `bytes` (one of the worker's few buffers). */
  | { t: 'zip'; bytes: ArrayBuffer; length: number }
  | { t: 'phase'; phase: BagPhase; records: number }
  /** The ZIP has ended (every `zip` message before it) and this is the bag. */
  | { t: 'done'; result: BagResult }
  | { t: 'failed'; error: SerializedError };

/** How many bytes a batch of audit events is counted as (their JSON, roughly), for credit. */
export const AUDIT_EVENT_BYTES = 512;

/** What a record's facts count for credit, beside its bytes (both sides count the same). */
export const factsCost = (facts: WireRecordFacts): number => 256 + facts.proof.length;

/**
 * `parts` copied once, back to back, into a buffer of their own, to be transferred: a part may be
 * a view of a shared pool slab, which must never be transferred (or cloned whole).
 */
export function packed(parts: readonly Buffer[], total: number): ArrayBuffer {
  const own = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const part of parts) at += part.copy(own, at);
  return own.buffer as ArrayBuffer;
}
