import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { RecordIntegrityError } from '../errors';
import { Crc64 } from '../util/crc64';
import type { BagRecord } from './types';

export type IntegrityCheck = 'size' | 'crc64' | 'sha256';

/**
 * Passes a record's stored bytes through while checking them against the catalog: size (as soon
 * as it is exceeded), then CRC-64/XZ (the checksum OSS keeps) and SHA-256 at the end. A mismatch
 * fails the stream with a RecordIntegrityError naming the record, before its last chunk leaves,
 * so a bag holding a bad record never ends. Also yields the SHA-512 for the second manifest and,
 * for small JSON records, the bytes for index.html.
 */
export class RecordCheck extends Transform {
  private readonly sha256: Hash = createHash('sha256');
  private readonly sha512: Hash = createHash('sha512');
  private readonly crc = new Crc64();
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
    return this.kept ? Buffer.concat(this.kept) : null;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.record.size) {
      cb(this.mismatch('size', String(this.record.size), `more than ${this.record.size}`));
      return;
    }
    this.sha256.update(chunk);
    this.sha512.update(chunk);
    this.crc.update(chunk);
    this.kept?.push(chunk);
    // The last chunk waits for the checks in _flush: what has left is never the whole record.
    const previous = this.held;
    this.held = chunk;
    cb(null, previous ?? undefined);
  }

  override _flush(cb: TransformCallback): void {
    if (this.seen !== this.record.size) {
      cb(this.mismatch('size', String(this.record.size), String(this.seen)));
      return;
    }
    const crc = this.crc.digest();
    if (crc !== this.record.crc64) {
      cb(this.mismatch('crc64', this.record.crc64, crc));
      return;
    }
    const sha256 = this.sha256.digest('hex');
    if (sha256 !== this.record.sha256.toLowerCase()) {
      cb(this.mismatch('sha256', this.record.sha256, sha256));
      return;
    }
    this.digests = { sha256, sha512: this.sha512.digest('hex') };
    cb(null, this.held ?? undefined);
  }

  private mismatch(check: IntegrityCheck, expected: string, found: string): RecordIntegrityError {
    const r = this.record;
    const what = { size: 'size', crc64: 'CRC-64', sha256: 'SHA-256' }[check];
    return new RecordIntegrityError(
      `record ${r.recordId} (${r.objectKey}): the stored bytes' ${what} is ${found}, the catalog says ${expected}; the export ships nothing`,
      { details: { recordId: r.recordId, objectKey: r.objectKey, check, expected, found } },
    );
  }
}
