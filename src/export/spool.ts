import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Appends are gathered up to this many bytes before they go to the file: one write per line cost
 * an fs.write each (several per record), about 8% of a 2,000-record build's CPU
 * (scripts/bench/export-ready.js under --cpu-prof).
 */
export const SPOOL_FLUSH_BYTES = 64 * 1024;

/**
 * A text file written line by line while a bag streams and read back once at the end: what has to
 * come after the records in the ZIP (manifests, index rows, embedded fields) waits here, on disk,
 * so that memory stays flat whatever the number of records (at most SPOOL_FLUSH_BYTES are held).
 */
export class Spool {
  private readonly out: WriteStream;
  private failed: Error | null = null;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Bytes appended so far. */
  bytes = 0;
  /** Appends so far. */
  count = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { flags: 'wx' });
    this.out.on('error', (err) => {
      this.failed = err;
    });
  }

  /** Appends text; waits when the file is behind. */
  async append(text: string): Promise<void> {
    if (this.failed) throw this.failed;
    const n = Buffer.byteLength(text);
    this.bytes += n;
    this.count += 1;
    this.pending.push(text);
    this.pendingBytes += n;
    if (this.pendingBytes >= SPOOL_FLUSH_BYTES) await this.flush();
  }

  /** Writes what was gathered; waits when the file is behind. */
  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.out.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          this.out.off('error', onError);
          resolve();
        };
        const onError = (err: Error): void => {
          this.out.off('drain', onDrain);
          reject(err);
        };
        this.out.once('drain', onDrain);
        this.out.once('error', onError);
      });
    }
  }

  /** Closes the file; then `open` reads it from the start. */
  async close(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.out.closed) return;
    await this.flush();
    if (this.failed) throw this.failed;
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }

  open(): Readable {
    return createReadStream(this.path);
  }

  /** Stops writing and waits until the file is closed (its open may still be pending). */
  async destroy(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
    if (this.out.closed) return;
    const closed = new Promise<void>((resolve) => this.out.once('close', () => resolve()));
    this.out.destroy();
    await closed;
  }
}

/** A private temp directory holding a build's spools; `remove` deletes it and everything in it. */
export class SpoolDir {
  private readonly spools: Spool[] = [];

  private constructor(readonly path: string) {}

  static async create(parent: string = tmpdir()): Promise<SpoolDir> {
    return new SpoolDir(await mkdtemp(join(parent, 'strongroom-bag-')));
  }

  spool(name: string): Spool {
    const spool = new Spool(join(this.path, name));
    this.spools.push(spool);
    return spool;
  }

  async remove(): Promise<void> {
    // Each file is closed first: a spool whose open is still pending would otherwise create its
    // file after rm listed the directory, and rm would fail with ENOTEMPTY (seen in CI, where
    // that error then hid the build's own).
    await Promise.all(this.spools.map((spool) => spool.destroy()));
    await rm(this.path, { recursive: true, force: true, maxRetries: 3 });
  }
}
