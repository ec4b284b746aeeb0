import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { ZipArchiveEntry, ZipArchiveOutputStream } from 'compress-commons';

/**
 * A streamed ZIP (APPNOTE 6.3) through compress-commons, the ZIP layer of `archiver`: one entry at a
 * time, data descriptors for streamed entries, ZIP64 records when an entry, an offset or the entry
 * count needs them. Its readable side goes through a tap that counts and hashes what leaves, so the
 * bag's SHA-256 and size are known when the last byte has been read.
 *
 * Memory: compress-commons keeps one small object per entry for the central directory (about
 * 350 bytes each, measured), which a ZIP writer cannot avoid; file data only passes through.
 */
export class ZipWriter {
  private readonly zip: ZipArchiveOutputStream;
  private readonly hash = createHash('sha256');
  private bytes = 0;
  /** The ZIP as it leaves: read this. */
  readonly output: Readable;

  constructor(private readonly options: { time: Date; compressionLevel: number }) {
    this.zip = new ZipArchiveOutputStream({ zlib: { level: options.compressionLevel } });
    const tap = new Transform({
      transform: (chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) => {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        cb(null, chunk);
      },
    });
    this.zip.on('error', (err: Error) => tap.destroy(err));
    this.zip.pipe(tap);
    this.output = tap;
  }

  /**
   * Adds one file and resolves when its bytes (and data descriptor) are in the ZIP stream. A source
   * that fails is the caller's to notice (the ZIP stream is destroyed through `destroy`).
   */
  add(name: string, source: Readable | Buffer, options: { compress: boolean }): Promise<void> {
    const entry = new ZipArchiveEntry(name);
    entry.setTime(this.options.time);
    entry.setUnixMode(0o644);
    entry.setMethod(options.compress && this.options.compressionLevel > 0 ? 8 : 0);
    return new Promise((resolve, reject) => {
      this.zip.entry(entry, source, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Writes the central directory and ends the stream. */
  finish(): void {
    this.zip.finish();
  }

  /** SHA-256 (hex) and size of everything that has left so far (call after the end). */
  digest(): { sha256: string; size: number } {
    return { sha256: this.hash.copy().digest('hex'), size: this.bytes };
  }

  destroy(err: Error): void {
    this.zip.unpipe();
    this.zip.destroy();
    this.output.destroy(err);
  }
}
