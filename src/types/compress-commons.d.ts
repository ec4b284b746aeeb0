/**
 * The part of compress-commons 6.0.2 (the ZIP layer of `archiver`, CommonJS) that src/export uses,
 * checked against node_modules/compress-commons/lib/archivers/zip/*.js. @types/compress-commons
 * describes the ESM-only 7.x line, whose module shape differs.
 */
declare module 'compress-commons' {
  import { Transform } from 'node:stream';

  export class ZipArchiveEntry {
    constructor(name: string);
    getName(): string;
    /** 0 = stored, 8 = deflated. */
    setMethod(method: 0 | 8): void;
    setTime(time: Date, forceLocalTime?: boolean): void;
    /** Permission bits; also marks the entry as made on Unix. */
    setUnixMode(mode: number): void;
    setComment(comment: string): void;
  }

  export interface ZipArchiveOutputStreamOptions {
    /** Always write the ZIP64 end of central directory records. */
    forceZip64?: boolean;
    /** Entry times in local time instead of UTC (default false). */
    forceLocalTime?: boolean;
    zlib?: { level?: number };
  }

  /**
   * A Transform (readable-stream 4) whose readable side is the ZIP. One entry at a time:
   * `entry` calls back when the entry's data has been written (after its data descriptor).
   */
  export class ZipArchiveOutputStream extends Transform {
    constructor(options?: ZipArchiveOutputStreamOptions);
    entry(
      entry: ZipArchiveEntry,
      source: NodeJS.ReadableStream | Buffer | string | null,
      callback: (err: Error | null) => void,
    ): this;
    /** Writes the central directory and ends the stream (after the entry in progress, if any). */
    finish(): void;
    getBytesWritten(): number;
  }
}
