import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/**
 * Appends are gathered up to this many bytes into one chunk: one write per line cost an fs.write
 * each (several per record), about 8% of a 2,000-record build's CPU (scripts/bench/export-ready.js
 * under --cpu-prof).
 */
export const SPOOL_FLUSH_BYTES = 64 * 1024;

/**
 * What the spools of one bag may hold in memory together before they go to disk. A 10,000-record
 * bag's spools (manifests, index rows, fields, audit CSV, the ZIP's central directory) come to
 * 11–19 MB (18.5 MB in scripts/bench/export-bag.js) and stay in memory; a 100,000-record bag's
 * all go to files once the budget is spent, and memory stays flat. Below it no file is written:
 * temp files dirtied the page cache that every fsync of a local emulator (or anything else on the
 * disk) then had to flush, which made a 10,000-record build about 2 s slower on this machine.
 */
export const SPOOL_MEMORY_BYTES = 24 * 1024 * 1024;

/**
 * What one record adds to a bag's spools (its manifest lines, index row, embedded fields, CSV
 * row and central directory entry): 1.1-1.9 KB in scripts/bench/export-bag.js, rounded up.
 */
const SPOOL_BYTES_PER_RECORD = 2048;

/**
 * The spools' memory budget for a bag of `records`: the default when they should fit in it, else
 * none. A bag whose spools will go to disk anyway writes them there from the start, rather than
 * first filling the budget (24 MiB at the peak of a 100,000-record build) and then spilling it.
 */
export function spoolMemoryFor(records: number): number {
  return records * SPOOL_BYTES_PER_RECORD <= SPOOL_MEMORY_BYTES ? SPOOL_MEMORY_BYTES : 0;
}

/** The memory the spools of one SpoolDir share. */
interface Budget {
  left: number;
  /** Every spool of the directory still being written goes to its file (the budget ran out). */
  spill(): void;
}

/**
 * A text written line by line while a bag streams and read back once at the end: what has to come
 * after the records in the ZIP (manifests, index rows, embedded fields) waits here. It is kept in
 * memory while the directory's budget allows, then in its file, so memory stays bounded whatever
 * the number of records (about 5 x SPOOL_FLUSH_BYTES per spool once on disk).
 */
export class Spool {
  private out: WriteStream | null = null;
  private failed: Error | null = null;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Chunks kept in memory (none once the spool is on disk), counted against the budget. */
  private chunks: Buffer[] = [];
  private closed = false;
  /** The file's stream holds more than its high-water mark: wait for `drain` before more. */
  private behind = false;
  /** Bytes appended so far. */
  bytes = 0;
  /** Appends so far. */
  count = 0;

  constructor(
    readonly path: string,
    private readonly budget: Budget,
  ) {}

  /** True once the spool has gone to its file. */
  get onDisk(): boolean {
    return this.out !== null;
  }

  /**
   * Appends text (never waits: a build appends several lines per record, and an awaited call
   * each cost more than the lines). Every SPOOL_FLUSH_BYTES what is gathered becomes a chunk, kept
   * in memory or written to the file; the writer calls `drained()` once per record so that the
   * file's stream never holds more than about one chunk beyond its high-water mark.
   */
  append(text: string): void {
    if (this.failed) throw this.failed;
    if (this.closed) throw new Error(`spool ${this.path} is appended to after it was closed`);
    const n = Buffer.byteLength(text);
    this.bytes += n;
    this.count += 1;
    this.pending.push(text);
    this.pendingBytes += n;
    if (this.pendingBytes >= SPOOL_FLUSH_BYTES) this.flush();
  }

  /**
   * Appends bytes as one chunk of their own (what was gathered before them goes first). The
   * buffer is kept as it is, not copied: it must not be changed afterwards.
   */
  appendBytes(chunk: Buffer): void {
    if (this.failed) throw this.failed;
    if (this.closed) throw new Error(`spool ${this.path} is appended to after it was closed`);
    this.flush();
    this.bytes += chunk.length;
    this.count += 1;
    this.keep(chunk);
  }

  /** Null when appending may go on; else a promise that settles when the file has caught up. */
  drained(): Promise<void> | null {
    if (this.failed) return Promise.reject(this.failed);
    const out = this.out;
    if (!this.behind || out === null) return null;
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        out.off('error', onError);
        resolve();
      };
      const onError = (err: Error): void => {
        out.off('drain', onDrain);
        reject(err);
      };
      out.once('drain', onDrain);
      out.once('error', onError);
    });
  }

  /** What was gathered, as one chunk: kept in memory while the budget allows, else to the file. */
  private flush(): void {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
    this.keep(chunk);
  }

  /**
   * A chunk into memory while the budget allows. Past it, every spool of the directory that is
   * still being written goes to its file, not only this one: a large bag's spools then hold no
   * memory at all, instead of the others keeping the whole budget to the end of the build.
   */
  private keep(chunk: Buffer): void {
    if (this.out === null && this.budget.left >= chunk.length) {
      this.budget.left -= chunk.length;
      this.chunks.push(chunk);
      return;
    }
    this.budget.spill();
    this.toDisk();
    this.write(chunk);
  }

  /** Opens the file and moves what memory holds into it (once; never after close). */
  toDisk(): void {
    if (this.out !== null || this.closed || this.failed) return;
    const out = createWriteStream(this.path, { flags: 'wx', highWaterMark: 4 * SPOOL_FLUSH_BYTES });
    out.on('error', (err) => {
      this.failed = err;
    });
    out.on('drain', () => {
      this.behind = false;
    });
    this.out = out;
    for (const chunk of this.release()) this.write(chunk);
  }

  /** Takes the chunks out of memory and gives their bytes back to the budget. */
  private release(): Buffer[] {
    const held = this.chunks;
    this.chunks = [];
    for (const chunk of held) this.budget.left += chunk.length;
    return held;
  }

  private write(chunk: Buffer): void {
    if (!(this.out as WriteStream).write(chunk)) this.behind = true;
  }

  /** Ends the spool; then `open` reads it from the start. */
  async close(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.closed) return;
    this.flush();
    this.closed = true;
    const out = this.out;
    if (out === null) return;
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
    if (this.failed) throw this.failed;
  }

  /** Reads the spool from the start (after `close`). */
  open(): Readable {
    if (!this.closed) throw new Error(`spool ${this.path} is read before it is closed`);
    return this.out === null
      ? Readable.from(this.chunks, { objectMode: false })
      : createReadStream(this.path);
  }

  /** Stops writing, gives its memory back and waits until its file (if any) is closed. */
  async destroy(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
    this.release();
    this.closed = true;
    const out = this.out;
    if (out === null || out.closed) return;
    const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
    out.destroy();
    await closed;
  }
}

/** A private temp directory holding a build's spools; `remove` deletes it and everything in it. */
export class SpoolDir {
  private readonly spools: Spool[] = [];
  private readonly budget: Budget;

  private constructor(
    readonly path: string,
    memoryBytes: number,
  ) {
    this.budget = {
      left: memoryBytes,
      spill: () => {
        for (const spool of this.spools) spool.toDisk();
      },
    };
  }

  /** `memoryBytes`: what the spools may hold in memory together (default SPOOL_MEMORY_BYTES). */
  static async create(parent: string = tmpdir(), memoryBytes = SPOOL_MEMORY_BYTES): Promise<SpoolDir> {
    return new SpoolDir(await mkdtemp(join(parent, 'strongroom-bag-')), memoryBytes);
  }

  spool(name: string): Spool {
    const spool = new Spool(join(this.path, name), this.budget);
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
