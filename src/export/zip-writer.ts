import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { crc32, createDeflateRaw, deflateRaw } from 'node:zlib';
import {
  CENTRAL_HEADER_SIZE,
  FLAG_DESCRIPTOR,
  FLAG_UTF8,
  MAX16,
  MAX32,
  METHOD_DEFLATED,
  METHOD_STORED,
  VERSION_DEFAULT,
  VERSION_DEFLATE,
  VERSION_ZIP64,
  ZIP64_EXTRA_MAX,
  dataDescriptor,
  dosDateTime,
  endRecords,
  localHeader,
  writeCentralHeader,
  type EntryFields,
} from './zip-format';

const deflateRawAsync = promisify(deflateRaw);

/** Small writes (headers, small entries) are gathered into pieces of this size before they leave. */
const PIECE = 64 * 1024;
/** The central directory is kept in blocks of this size (a header never spans two blocks). */
const CD_BLOCK = 1024 * 1024;

export interface ZipWriterOptions {
  /** Every entry's modification time (MS-DOS, UTC fields): the bag's fixed date. */
  time: Date;
  /** zlib level for entries added with `compress` (0 stores everything). */
  compressionLevel: number;
  /**
   * ZIP64 records everywhere even when nothing needs them: every header's extra field, the ZIP64
   * end records, and the end record's fields at 0xFFFF / 0xFFFFFFFF (for tests of readers).
   */
  forceZip64?: boolean;
  /**
   * Where the central directory's blocks wait until the end (a spool that may go to a file), for
   * ZIPs of hundreds of thousands of entries; without it they wait in memory.
   */
  directory?: DirectorySink;
}

/** Holds the central directory's 1 MiB blocks, in order, until the ZIP's end. */
export interface DirectorySink {
  /** Takes a full block (it is not changed afterwards). */
  appendBytes(block: Buffer): void;
  /** No more blocks; then `open` reads them back. */
  close(): Promise<void>;
  open(): AsyncIterable<unknown>;
}

/**
 * The ZIP's readable side. Bytes are pushed with backpressure honoured (a write waits until the
 * reader has taken what is queued), small writes are gathered into 64 KiB pieces, and everything
 * that leaves is counted and hashed.
 */
class Outlet {
  readonly stream: Readable;
  readonly hash = createHash('sha256');
  bytes = 0;
  private piece = Buffer.allocUnsafe(PIECE);
  private used = 0;
  private waiting: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor() {
    this.stream = new Readable({
      highWaterMark: PIECE,
      read: () => this.wake(null),
      destroy: (err, cb) => {
        this.fail(err ?? new Error('the ZIP stream was destroyed'));
        cb(err);
      },
    });
  }

  /** Queues `chunk` (it must not be changed afterwards); resolves when more may be written. */
  async write(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.used + chunk.length <= PIECE) {
      chunk.copy(this.piece, this.used);
      this.used += chunk.length;
      if (this.used === PIECE) await this.flush();
      return;
    }
    await this.flush();
    if (chunk.length >= PIECE) await this.push(chunk);
    else {
      chunk.copy(this.piece, 0);
      this.used = chunk.length;
    }
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    const out = this.piece.subarray(0, this.used);
    this.piece = Buffer.allocUnsafe(PIECE);
    this.used = 0;
    await this.push(out);
  }

  async end(): Promise<void> {
    await this.flush();
    if (this.failure) throw this.failure;
    this.stream.push(null);
  }

  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.wake(err);
  }

  private async push(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.stream.push(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  private wake(err: Error | null): void {
    const w = this.waiting;
    this.waiting = null;
    if (w === null) return;
    if (err) w.reject(err);
    else w.resolve();
  }
}

/**
 * The central directory as it grows: the headers themselves, serialized as each entry ends, in
 * 1 MiB blocks (about 125 bytes an entry with the bag's names, so 200,000 entries take ~25 MiB,
 * and no JavaScript object per entry).
 */
class CentralDirectory {
  private blocks: Buffer[] = [];
  private block = Buffer.alloc(0);
  private used = 0;
  entries = 0;
  size = 0;

  constructor(private readonly sink: DirectorySink | undefined) {}

  private full(block: Buffer): void {
    if (this.sink) this.sink.appendBytes(block);
    else this.blocks.push(block);
  }

  add(
    e: EntryFields,
    values: { crc: number; compressed: number; uncompressed: number; offset: number },
    force: boolean,
  ): void {
    const most = CENTRAL_HEADER_SIZE + e.name.length + ZIP64_EXTRA_MAX;
    if (this.used + most > this.block.length) {
      if (this.used > 0) this.full(this.block.subarray(0, this.used));
      this.block = Buffer.allocUnsafe(Math.max(CD_BLOCK, most));
      this.used = 0;
    }
    const n = writeCentralHeader(this.block, this.used, e, values, force);
    this.used += n;
    this.size += n;
    this.entries += 1;
  }

  /** The blocks in order, each released from here as it is handed out. */
  async *drain(): AsyncGenerator<Buffer> {
    if (this.used > 0) this.full(this.block.subarray(0, this.used));
    this.block = Buffer.alloc(0);
    this.used = 0;
    if (this.sink) {
      await this.sink.close();
      for await (const chunk of this.sink.open()) yield asBuffer(chunk);
      return;
    }
    const blocks = this.blocks;
    this.blocks = [];
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i] as Buffer;
      blocks[i] = Buffer.alloc(0);
      yield b;
    }
  }
}

function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('a ZIP entry source must yield bytes');
}

function encodeName(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length === 0 || bytes.length > MAX16) throw new Error(`ZIP entry name of ${bytes.length} bytes`);
  if (name.startsWith('/') || name.includes('\\') || name.includes('\0'))
    throw new Error(
      `ZIP entry name ${JSON.stringify(name)} is not a relative path with "/" (APPNOTE 4.4.17)`,
    );
  return bytes;
}

/**
 * A streamed ZIP (APPNOTE 6.3.x), written here rather than by a library so that memory stays flat
 * at hundreds of thousands of entries (docs/decisions/0009-export-bag.md, addendum):
 *
 * - A Buffer entry is written with its CRC-32 and sizes in the local header.
 * - A stream entry has general purpose bit 3: CRC-32 (node:zlib) and sizes are computed as it
 *   streams and follow it in a data descriptor. Its size is unknown when the header is written, so
 *   the header carries a ZIP64 extra field with zero sizes and the descriptor has 8-byte sizes
 *   (APPNOTE 4.3.9.2, 4.5.3; what Info-ZIP zip writes for a stream, and what unzip reads).
 * - Names are UTF-8 (bit 11); times are the bag's fixed date in MS-DOS form (UTC fields), so the
 *   same input gives the same bytes.
 * - The central directory gets a ZIP64 extra field for an entry whose size or offset does not fit
 *   in 4 bytes; the ZIP64 end records follow when the entry count (65,535), the directory's size
 *   or its offset (4 GiB) need them.
 * - Deflate is raw deflate from node:zlib; `compress: false` (or level 0) stores.
 *
 * Memory: the central directory, serialized as entries end (~125 bytes an entry; in memory, or
 * in `directory` when given), and at most one 64 KiB piece plus the readable side's 64 KiB queue;
 * file data only passes through.
 */
export class ZipWriter {
  private readonly outlet = new Outlet();
  private readonly cd: CentralDirectory;
  private readonly dos: { date: number; time: number };
  private readonly force: boolean;
  private offset = 0;
  private busy = false;
  private finished = false;
  private current: Readable | null = null;
  /** The ZIP as it leaves: read this. */
  readonly output: Readable;

  constructor(private readonly options: ZipWriterOptions) {
    this.dos = dosDateTime(options.time);
    this.force = options.forceZip64 === true;
    this.cd = new CentralDirectory(options.directory);
    this.output = this.outlet.stream;
  }

  /**
   * Adds one file and resolves when its bytes (and data descriptor) are queued on `output`. One
   * entry at a time. A source that fails aborts the archive: `output` is destroyed with its error
   * and this rejects with it.
   */
  async add(name: string, source: Readable | Buffer, options: { compress: boolean }): Promise<void> {
    if (this.busy || this.finished)
      throw new Error('ZipWriter: one entry at a time, and none after finish()');
    this.busy = true;
    try {
      const deflate = options.compress && this.options.compressionLevel > 0;
      const nameBytes = encodeName(name);
      await (Buffer.isBuffer(source)
        ? this.addBuffer(nameBytes, source, deflate)
        : this.addStream(nameBytes, source, deflate));
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.destroy(error);
      throw error;
    } finally {
      this.current = null;
      this.busy = false;
    }
  }

  private async addBuffer(name: Buffer, data: Buffer, deflate: boolean): Promise<void> {
    const stored = deflate ? await deflateRawAsync(data, { level: this.options.compressionLevel }) : data;
    const values = { crc: crc32(data), compressed: stored.length, uncompressed: data.length };
    const offset = this.offset;
    const zip64 = this.force || values.compressed >= MAX32 || values.uncompressed >= MAX32;
    const e: EntryFields = {
      name,
      flags: FLAG_UTF8,
      method: deflate ? METHOD_DEFLATED : METHOD_STORED,
      versionNeeded: zip64 || offset >= MAX32 ? VERSION_ZIP64 : deflate ? VERSION_DEFLATE : VERSION_DEFAULT,
      dos: this.dos,
    };
    await this.write(localHeader(e, values, zip64));
    await this.write(stored);
    this.cd.add(e, { ...values, offset }, this.force);
  }

  private async addStream(name: Buffer, source: Readable, deflate: boolean): Promise<void> {
    this.current = source;
    const offset = this.offset;
    const e: EntryFields = {
      name,
      flags: FLAG_UTF8 | FLAG_DESCRIPTOR,
      method: deflate ? METHOD_DEFLATED : METHOD_STORED,
      versionNeeded: VERSION_ZIP64,
      dos: this.dos,
    };
    await this.write(localHeader(e, { crc: 0, compressed: 0, uncompressed: 0 }, true));
    let crc = 0;
    let uncompressed = 0;
    const start = this.offset;
    if (deflate) {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<unknown>) {
          for await (const chunk of chunks) {
            const b = asBuffer(chunk);
            crc = crc32(b, crc);
            uncompressed += b.length;
            yield b;
          }
        },
        createDeflateRaw({ level: this.options.compressionLevel }),
        async (chunks: AsyncIterable<unknown>) => {
          for await (const chunk of chunks) await this.write(asBuffer(chunk));
        },
      );
    } else {
      for await (const chunk of source as AsyncIterable<unknown>) {
        const b = asBuffer(chunk);
        crc = crc32(b, crc);
        uncompressed += b.length;
        await this.write(b);
      }
    }
    const compressed = this.offset - start;
    await this.write(dataDescriptor(crc, compressed, uncompressed, true));
    this.cd.add(e, { crc, compressed, uncompressed, offset }, this.force);
  }

  private write(chunk: Buffer): Promise<void> {
    this.offset += chunk.length;
    return this.outlet.write(chunk);
  }

  /** Writes the central directory (in 64 KiB pieces, waiting for the reader) and the end records, then ends `output`. */
  finish(): void {
    if (this.busy || this.finished) {
      this.destroy(new Error('ZipWriter: finish() while an entry is being written, or twice'));
      return;
    }
    this.finished = true;
    const run = async (): Promise<void> => {
      const offset = this.offset;
      const { entries, size } = this.cd;
      for await (const block of this.cd.drain()) {
        for (let p = 0; p < block.length; p += PIECE) await this.write(block.subarray(p, p + PIECE));
      }
      await this.write(endRecords({ entries, size, offset }, this.force));
      await this.outlet.end();
    };
    run().catch((err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))));
  }

  /** SHA-256 (hex) and size of everything that has left so far (call after the end). */
  digest(): { sha256: string; size: number } {
    return { sha256: this.outlet.hash.copy().digest('hex'), size: this.outlet.bytes };
  }

  /** Aborts the archive: the entry being written stops, `output` is destroyed with `err`. */
  destroy(err: Error): void {
    this.outlet.fail(err);
    this.current?.destroy(err);
    if (!this.output.destroyed) this.output.destroy(err);
  }
}
