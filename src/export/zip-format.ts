/**
 * The records of a ZIP file as PKWARE's APPNOTE.TXT 6.3.x lays them out (section numbers below),
 * little-endian, for src/export/zip-writer.ts. Only what a streamed writer needs: local file
 * header, data descriptor, central directory header, the ZIP64 extended information extra field,
 * the ZIP64 end of central directory record and locator, and the end of central directory record.
 */

export const SIG_LOCAL = 0x04034b50; // 4.3.7
export const SIG_DESCRIPTOR = 0x08074b50; // 4.3.9.3
export const SIG_CENTRAL = 0x02014b50; // 4.3.12
export const SIG_ZIP64_END = 0x06064b50; // 4.3.14
export const SIG_ZIP64_LOCATOR = 0x07064b50; // 4.3.15
export const SIG_END = 0x06054b50; // 4.3.16

/** 4.4.4 general purpose bit flag: bit 3, CRC-32 and sizes follow the data in a data descriptor. */
export const FLAG_DESCRIPTOR = 0x0008;
/** Bit 11 (language encoding flag, EFS): the name is UTF-8 (APPNOTE appendix D). */
export const FLAG_UTF8 = 0x0800;

export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;

/** 4.4.3.2: 1.0 default, 2.0 deflate, 4.5 ZIP64. */
export const VERSION_DEFAULT = 10;
export const VERSION_DEFLATE = 20;
export const VERSION_ZIP64 = 45;
/** 4.4.2: upper byte 3 = UNIX (so the external attributes hold a mode), lower byte the spec version 4.5. */
export const VERSION_MADE_BY = (3 << 8) | VERSION_ZIP64;
/** 4.4.15 external attributes: UNIX mode S_IFREG | 0644 in the high 16 bits, MS-DOS archive bit (0x20) low. */
export const EXTERNAL_ATTRS_FILE = ((0o100644 << 16) | 0x20) >>> 0;

/** A 4-byte field at this value (or a 2-byte field at 0xFFFF) means "see the ZIP64 record" (4.4.1.4, 4.5.3). */
export const MAX32 = 0xffffffff;
export const MAX16 = 0xffff;

export const LOCAL_HEADER_SIZE = 30;
export const CENTRAL_HEADER_SIZE = 46;
export const ZIP64_END_SIZE = 56;
export const ZIP64_LOCATOR_SIZE = 20;
export const END_SIZE = 22;
/** ZIP64 extra field header id (4.5.2) and the most it holds: sizes, offset (4.5.3; no disk number). */
export const ZIP64_EXTRA_ID = 0x0001;
export const ZIP64_EXTRA_MAX = 4 + 3 * 8;

/** Writes an unsigned 64-bit value held in a number (exact up to 2^53, far past any ZIP here). */
export function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32LE(value % 0x100000000, at);
  buf.writeUInt32LE(Math.floor(value / 0x100000000), at + 4);
}

/**
 * MS-DOS date and time (4.4.6) of `time` in UTC, so that the same instant gives the same bytes on
 * any machine; two-second resolution, clamped to what the format holds (1980 to 2107).
 */
export function dosDateTime(time: Date): { date: number; time: number } {
  const year = time.getUTCFullYear();
  if (year < 1980) return { date: (1 << 5) | 1, time: 0 };
  if (year > 2107) return { date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | 29 };
  return {
    date: ((year - 1980) << 9) | ((time.getUTCMonth() + 1) << 5) | time.getUTCDate(),
    time: (time.getUTCHours() << 11) | (time.getUTCMinutes() << 5) | (time.getUTCSeconds() >> 1),
  };
}

/** What the local and central headers of one entry share. */
export interface EntryFields {
  name: Buffer;
  flags: number;
  method: number;
  versionNeeded: number;
  dos: { date: number; time: number };
}

/**
 * Local file header (4.3.7). With `zip64` both sizes are 0xFFFFFFFF and a ZIP64 extra field
 * holds them as 8-byte values (4.5.3: "This entry in the Local header MUST include BOTH original
 * and compressed file size fields"); for a streamed entry (bit 3) CRC-32 and sizes are zero
 * (4.4.4) and, with the ZIP64 extra present, the data descriptor's sizes are 8 bytes (4.3.9.2).
 */
export function localHeader(
  e: EntryFields,
  values: { crc: number; compressed: number; uncompressed: number },
  zip64: boolean,
): Buffer {
  const extra = zip64 ? 20 : 0;
  const buf = Buffer.allocUnsafe(LOCAL_HEADER_SIZE + e.name.length + extra);
  buf.writeUInt32LE(SIG_LOCAL, 0);
  buf.writeUInt16LE(e.versionNeeded, 4);
  buf.writeUInt16LE(e.flags, 6);
  buf.writeUInt16LE(e.method, 8);
  buf.writeUInt16LE(e.dos.time, 10);
  buf.writeUInt16LE(e.dos.date, 12);
  buf.writeUInt32LE(values.crc, 14);
  buf.writeUInt32LE(zip64 ? MAX32 : values.compressed, 18);
  buf.writeUInt32LE(zip64 ? MAX32 : values.uncompressed, 22);
  buf.writeUInt16LE(e.name.length, 26);
  buf.writeUInt16LE(extra, 28);
  e.name.copy(buf, LOCAL_HEADER_SIZE);
  if (zip64) {
    const at = LOCAL_HEADER_SIZE + e.name.length;
    buf.writeUInt16LE(ZIP64_EXTRA_ID, at);
    buf.writeUInt16LE(16, at + 2);
    writeU64(buf, values.uncompressed, at + 4);
    writeU64(buf, values.compressed, at + 12);
  }
  return buf;
}

/** Data descriptor (4.3.9) with its signature (4.3.9.4); 8-byte sizes when the local header has ZIP64. */
export function dataDescriptor(
  crc: number,
  compressed: number,
  uncompressed: number,
  zip64: boolean,
): Buffer {
  const buf = Buffer.allocUnsafe(zip64 ? 24 : 16);
  buf.writeUInt32LE(SIG_DESCRIPTOR, 0);
  buf.writeUInt32LE(crc, 4);
  if (zip64) {
    writeU64(buf, compressed, 8);
    writeU64(buf, uncompressed, 16);
  } else {
    buf.writeUInt32LE(compressed, 8);
    buf.writeUInt32LE(uncompressed, 12);
  }
  return buf;
}

/**
 * Writes the central directory header of one entry (4.3.12) into `buf` at `at` and returns its
 * length. A ZIP64 extra field (4.5.3) follows the name when a size or the offset does not fit in
 * 4 bytes (or `forceZip64`); it holds only the fields whose header value is 0xFFFFFFFF, in the
 * fixed order uncompressed size, compressed size, local header offset.
 */
export function writeCentralHeader(
  buf: Buffer,
  at: number,
  e: EntryFields,
  values: { crc: number; compressed: number; uncompressed: number; offset: number },
  forceZip64: boolean,
): number {
  const big = (v: number): boolean => forceZip64 || v >= MAX32;
  const fields = [values.uncompressed, values.compressed, values.offset].filter(big);
  const extra = fields.length === 0 ? 0 : 4 + 8 * fields.length;
  buf.writeUInt32LE(SIG_CENTRAL, at);
  buf.writeUInt16LE(VERSION_MADE_BY, at + 4);
  buf.writeUInt16LE(e.versionNeeded, at + 6);
  buf.writeUInt16LE(e.flags, at + 8);
  buf.writeUInt16LE(e.method, at + 10);
  buf.writeUInt16LE(e.dos.time, at + 12);
  buf.writeUInt16LE(e.dos.date, at + 14);
  buf.writeUInt32LE(values.crc, at + 16);
  buf.writeUInt32LE(big(values.compressed) ? MAX32 : values.compressed, at + 20);
  buf.writeUInt32LE(big(values.uncompressed) ? MAX32 : values.uncompressed, at + 24);
  buf.writeUInt16LE(e.name.length, at + 28);
  buf.writeUInt16LE(extra, at + 30);
  buf.writeUInt16LE(0, at + 32); // file comment length
  buf.writeUInt16LE(0, at + 34); // disk number start
  buf.writeUInt16LE(0, at + 36); // internal file attributes
  buf.writeUInt32LE(EXTERNAL_ATTRS_FILE, at + 38);
  buf.writeUInt32LE(big(values.offset) ? MAX32 : values.offset, at + 42);
  e.name.copy(buf, at + CENTRAL_HEADER_SIZE);
  let p = at + CENTRAL_HEADER_SIZE + e.name.length;
  if (extra > 0) {
    buf.writeUInt16LE(ZIP64_EXTRA_ID, p);
    buf.writeUInt16LE(extra - 4, p + 2);
    p += 4;
    for (const v of fields) {
      writeU64(buf, v, p);
      p += 8;
    }
  }
  return p - at;
}

/**
 * The end of the archive: when the entry count, the central directory's size or its offset does
 * not fit the end of central directory record (or `forceZip64`), the ZIP64 end of central
 * directory record (4.3.14, version 1, no extensible data) and its locator (4.3.15) come first,
 * and the record's fields that do not fit are set to 0xFFFF / 0xFFFFFFFF (4.4.1.4; all of them
 * when forced).
 */
export function endRecords(
  cd: { entries: number; size: number; offset: number },
  forceZip64: boolean,
): Buffer {
  const zip64 = forceZip64 || cd.entries >= MAX16 || cd.size >= MAX32 || cd.offset >= MAX32;
  const buf = Buffer.alloc((zip64 ? ZIP64_END_SIZE + ZIP64_LOCATOR_SIZE : 0) + END_SIZE);
  let p = 0;
  if (zip64) {
    buf.writeUInt32LE(SIG_ZIP64_END, 0);
    writeU64(buf, ZIP64_END_SIZE - 12, 4); // size of the record after this field
    buf.writeUInt16LE(VERSION_MADE_BY, 12);
    buf.writeUInt16LE(VERSION_ZIP64, 14);
    buf.writeUInt32LE(0, 16); // number of this disk
    buf.writeUInt32LE(0, 20); // disk where the central directory starts
    writeU64(buf, cd.entries, 24); // entries on this disk
    writeU64(buf, cd.entries, 32); // entries in total
    writeU64(buf, cd.size, 40);
    writeU64(buf, cd.offset, 48);
    buf.writeUInt32LE(SIG_ZIP64_LOCATOR, 56);
    buf.writeUInt32LE(0, 60); // disk with the ZIP64 end record
    writeU64(buf, cd.offset + cd.size, 64); // its offset: right after the central directory
    buf.writeUInt32LE(1, 72); // total number of disks
    p = ZIP64_END_SIZE + ZIP64_LOCATOR_SIZE;
  }
  const entries = forceZip64 || cd.entries >= MAX16 ? MAX16 : cd.entries;
  buf.writeUInt32LE(SIG_END, p);
  // disk numbers (p + 4, p + 6) stay 0
  buf.writeUInt16LE(entries, p + 8);
  buf.writeUInt16LE(entries, p + 10);
  buf.writeUInt32LE(forceZip64 || cd.size >= MAX32 ? MAX32 : cd.size, p + 12);
  buf.writeUInt32LE(forceZip64 || cd.offset >= MAX32 ? MAX32 : cd.offset, p + 16);
  // comment length (p + 20) stays 0
  return buf;
}
