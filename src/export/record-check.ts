import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { RecordIntegrityError } from '../errors';
import { Crc64, crc64 } from '../util/crc64';
import { digestsOf } from './hashing-stream';
import type { BagRecord } from './types';

export type IntegrityCheck = 'size' | 'crc64' | 'sha256';

/**
 * Passes a record's stored bytes through while checking them against the catalog: size (as soon
 * as it is exceeded), then CRC-64/XZ (the checksum OSS keeps) and SHA-256 at the end. A mismatch
 * fails the stream with a RecordIntegrityError naming the record, before its last chunk leaves,
 * so a bag holding a bad record never ends. Also yields the SHA-512 for the second manifest and,
 * for small JSON records, the bytes for index.html.
 *
 * A record that arrives in one chunk (most records: a trade is a few hundred bytes) is hashed in
 * one shot at the end; the running hashes are made when a second chunk comes. Three hash objects
 * a record cost more than the hashing of a small record itself (scripts/bench/export-bag.js).
 */
export class RecordCheck extends Transform {
  private running: { sha256: Hash; sha512: Hash; crc: Crc64 } | null = null;
  private seen = 0;
  private held: Buffer | null = null;
  private readonly kept: Buffer[] | null;
  /** Set once the stream has ended and every check passed. */
  digests: { sha256: string; sha512: string } | null = null;

  constructor(
    private readonly record: BagRecord,
    options: { keepUpTo: number },
  ) {
    super();
    this.kept = record.size <= options.keepUpTo ? [] : null;
  }

  /** The record's bytes when they were small enough to keep (after the end). */
  keptBytes(): Buffer | null {
    if (this.kept === null) return null;
    return this.kept.length === 1 ? (this.kept[0] as Buffer) : Buffer.concat(this.kept);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.record.size) {
      cb(mismatch(this.record, 'size', String(this.record.size), `more than ${this.record.size}`));
      return;
    }
    this.kept?.push(chunk);
    // The last chunk waits for the checks in _flush: what has left is never the whole record.
    const previous = this.held;
    this.held = chunk;
    if (previous === null) {
      // The first chunk: hashed when the next one comes, or in one shot at the end.
      cb();
      return;
    }
    const running = this.running ?? this.startRunning(previous);
    running.sha256.update(chunk);
    running.sha512.update(chunk);
    running.crc.update(chunk);
    cb(null, previous);
  }

  private startRunning(first: Buffer): { sha256: Hash; sha512: Hash; crc: Crc64 } {
    const running = { sha256: createHash('sha256'), sha512: createHash('sha512'), crc: new Crc64() };
    running.sha256.update(first);
    running.sha512.update(first);
    running.crc.update(first);
    this.running = running;
    return running;
  }

  /** The three digests of what passed (one shot when it was one chunk or none). */
  private finalDigests(): { crc: string; sha256: string; sha512: string } {
    if (this.running !== null) {
      return {
        crc: this.running.crc.digest(),
        sha256: this.running.sha256.digest('hex'),
        sha512: this.running.sha512.digest('hex'),
      };
    }
    const only = this.held ?? Buffer.alloc(0);
    return { crc: crc64(only), ...digestsOf(only) };
  }

  override _flush(cb: TransformCallback): void {
    try {
      // The size first: a short or long stream is reported as such, whatever it hashes to.
      if (this.seen !== this.record.size)
        throw mismatch(this.record, 'size', String(this.record.size), String(this.seen));
      this.digests = verifyDigests(this.record, this.finalDigests());
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb(null, this.held ?? undefined);
  }
}

function mismatch(
  r: BagRecord,
  check: IntegrityCheck,
  expected: string,
  found: string,
): RecordIntegrityError {
  const what = { size: 'size', crc64: 'CRC-64', sha256: 'SHA-256' }[check];
  return new RecordIntegrityError(
    `record ${r.recordId} (${r.objectKey}): the stored bytes' ${what} is ${found}, the catalog says ${expected}; the export ships nothing`,
    { details: { recordId: r.recordId, objectKey: r.objectKey, check, expected, found } },
  );
}

/** CRC-64, then SHA-256, against the catalog's (throws naming the record); the manifests' digests. */
function verifyDigests(
  record: BagRecord,
  d: { crc: string; sha256: string; sha512: string },
): { sha256: string; sha512: string } {
  if (d.crc !== record.crc64) throw mismatch(record, 'crc64', record.crc64, d.crc);
  if (d.sha256 !== record.sha256.toLowerCase()) throw mismatch(record, 'sha256', record.sha256, d.sha256);
  return { sha256: d.sha256, sha512: d.sha512 };
}

/**
 * The same checks as RecordCheck for a record read whole, before any of it is written: size,
 * CRC-64 (`verifiedCrc64`, the CRC the store already checked these bytes against, stands for
 * computing it again), SHA-256. Throws a RecordIntegrityError naming the record; returns the
 * digests for the manifests.
 */
export function checkWholeRecord(
  record: BagRecord,
  bytes: Buffer,
  verifiedCrc64?: string,
): { sha256: string; sha512: string } {
  if (bytes.length !== record.size) throw mismatch(record, 'size', String(record.size), String(bytes.length));
  return verifyDigests(record, { crc: verifiedCrc64 ?? crc64(bytes), ...digestsOf(bytes) });
}
