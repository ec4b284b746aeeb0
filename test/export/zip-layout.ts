/**
 * A ZIP taken apart field by field, written for the tests from PKWARE's APPNOTE.TXT 6.3.x
 * (not from the writer's code): end of central directory record (4.3.16), ZIP64 end record
 * (4.3.14) and locator (4.3.15), central directory headers (4.3.12), local file headers
 * (4.3.7), data descriptors (4.3.9), extra fields (4.5). Only for archives held in memory.
 */

const u64 = (b: Buffer, at: number): number => Number(b.readBigUInt64LE(at));

export interface ExtraField {
  id: number;
  data: Buffer;
}

function extraFields(b: Buffer): ExtraField[] {
  const out: ExtraField[] = [];
  for (let p = 0; p + 4 <= b.length;) {
    const id = b.readUInt16LE(p);
    const size = b.readUInt16LE(p + 2);
    out.push({ id, data: b.subarray(p + 4, p + 4 + size) });
    p += 4 + size;
  }
  return out;
}

/** The 8-byte values of a ZIP64 extended information extra field (id 0x0001), in order. */
export function zip64Values(extra: ExtraField[]): number[] | null {
  const f = extra.find((e) => e.id === 0x0001);
  if (!f) return null;
  const values: number[] = [];
  for (let p = 0; p + 8 <= f.data.length; p += 8) values.push(u64(f.data, p));
  return values;
}

export interface EndRecord {
  at: number;
  disk: number;
  cdDisk: number;
  entriesHere: number;
  entries: number;
  cdSize: number;
  cdOffset: number;
  commentLength: number;
}

export interface Zip64End {
  at: number;
  recordSize: number;
  madeBy: number;
  needed: number;
  disk: number;
  cdDisk: number;
  entriesHere: number;
  entries: number;
  cdSize: number;
  cdOffset: number;
}

export interface Zip64Locator {
  at: number;
  disk: number;
  zip64EndOffset: number;
  disks: number;
}

export interface CentralHeader {
  at: number;
  madeBy: number;
  needed: number;
  flags: number;
  method: number;
  time: number;
  date: number;
  crc: number;
  compressed32: number;
  uncompressed32: number;
  diskStart: number;
  internal: number;
  external: number;
  offset32: number;
  name: Buffer;
  extra: ExtraField[];
  comment: Buffer;
}

export interface LocalHeader {
  at: number;
  needed: number;
  flags: number;
  method: number;
  time: number;
  date: number;
  crc: number;
  compressed32: number;
  uncompressed32: number;
  name: Buffer;
  extra: ExtraField[];
  dataAt: number;
}

export interface Descriptor {
  at: number;
  signature: number;
  crc: number;
  compressed: number;
  uncompressed: number;
  length: number;
}

export interface Layout {
  end: EndRecord;
  locator: Zip64Locator | null;
  zip64End: Zip64End | null;
  central: CentralHeader[];
  local: LocalHeader[];
  /** Per entry: the data descriptor after its data (bit 3), 8-byte sizes when its local header has ZIP64. */
  descriptors: Array<Descriptor | null>;
  /** Per entry: the sizes and offset after applying the central directory's ZIP64 field. */
  sizes: Array<{ compressed: number; uncompressed: number; offset: number }>;
}

function expectSignature(b: Buffer, sig: number, what: string, at: number): void {
  if (b.length < 4 || b.readUInt32LE(0) !== sig) throw new Error(`no ${what} signature at ${at}`);
}

/** The central directory header (4.3.12) at `p` of `b` (which starts at file offset `base`). */
export function centralHeader(b: Buffer, p: number, base = 0): { header: CentralHeader; length: number } {
  expectSignature(b.subarray(p), 0x02014b50, 'central directory header', base + p);
  const nameLength = b.readUInt16LE(p + 28);
  const extraLength = b.readUInt16LE(p + 30);
  const commentLength = b.readUInt16LE(p + 32);
  const x = p + 46 + nameLength;
  const header: CentralHeader = {
    at: base + p,
    madeBy: b.readUInt16LE(p + 4),
    needed: b.readUInt16LE(p + 6),
    flags: b.readUInt16LE(p + 8),
    method: b.readUInt16LE(p + 10),
    time: b.readUInt16LE(p + 12),
    date: b.readUInt16LE(p + 14),
    crc: b.readUInt32LE(p + 16),
    compressed32: b.readUInt32LE(p + 20),
    uncompressed32: b.readUInt32LE(p + 24),
    diskStart: b.readUInt16LE(p + 34),
    internal: b.readUInt16LE(p + 36),
    external: b.readUInt32LE(p + 38),
    offset32: b.readUInt32LE(p + 42),
    name: b.subarray(p + 46, x),
    extra: extraFields(b.subarray(x, x + extraLength)),
    comment: b.subarray(x + extraLength, x + extraLength + commentLength),
  };
  return { header, length: 46 + nameLength + extraLength + commentLength };
}

/** A ZIP held in memory, taken apart. */
export function parseZip(b: Buffer): Layout {
  return parseZipFrom((at, length) => b.subarray(at, at + length), b.length);
}

/** A ZIP of `size` bytes read through `read(offset, length)` (e.g. a file bigger than a Buffer). */
export function parseZipFrom(read: (at: number, length: number) => Buffer, size: number): Layout {
  const endAt = size - 22; // no archive comment
  const t = read(endAt, 22);
  expectSignature(t, 0x06054b50, 'end of central directory', endAt);
  const end: EndRecord = {
    at: endAt,
    disk: t.readUInt16LE(4),
    cdDisk: t.readUInt16LE(6),
    entriesHere: t.readUInt16LE(8),
    entries: t.readUInt16LE(10),
    cdSize: t.readUInt32LE(12),
    cdOffset: t.readUInt32LE(16),
    commentLength: t.readUInt16LE(20),
  };
  let locator: Zip64Locator | null = null;
  let zip64End: Zip64End | null = null;
  const l = endAt - 20;
  const lb = l >= 0 ? read(l, 20) : Buffer.alloc(0);
  if (lb.length === 20 && lb.readUInt32LE(0) === 0x07064b50) {
    locator = { at: l, disk: lb.readUInt32LE(4), zip64EndOffset: u64(lb, 8), disks: lb.readUInt32LE(16) };
    const at = locator.zip64EndOffset;
    const z = read(at, 56);
    expectSignature(z, 0x06064b50, 'ZIP64 end of central directory', at);
    zip64End = {
      at,
      recordSize: u64(z, 4),
      madeBy: z.readUInt16LE(12),
      needed: z.readUInt16LE(14),
      disk: z.readUInt32LE(16),
      cdDisk: z.readUInt32LE(20),
      entriesHere: u64(z, 24),
      entries: u64(z, 32),
      cdSize: u64(z, 40),
      cdOffset: u64(z, 48),
    };
  }
  const entries = zip64End ? zip64End.entries : end.entries;
  const cdOffset = zip64End ? zip64End.cdOffset : end.cdOffset;
  const cdSize = zip64End ? zip64End.cdSize : end.cdSize;
  const b = read(cdOffset, cdSize);
  const central: CentralHeader[] = [];
  const local: LocalHeader[] = [];
  const descriptors: Array<Descriptor | null> = [];
  const sizes: Layout['sizes'] = [];
  let p = 0;
  for (let i = 0; i < entries; i++) {
    const { header: c, length } = centralHeader(b, p, cdOffset);
    central.push(c);
    p += length;
    // 4.5.3: the ZIP64 field holds, in this order, only the values whose header field is all ones.
    const z64 = [...(zip64Values(c.extra) ?? [])];
    const pick = (v32: number): number => (v32 === 0xffffffff ? (z64.shift() as number) : v32);
    const uncompressed = pick(c.uncompressed32);
    const compressed = pick(c.compressed32);
    const offset = pick(c.offset32);
    sizes.push({ compressed, uncompressed, offset });

    const h = read(offset, 30);
    expectSignature(h, 0x04034b50, 'local file header', offset);
    const ln = h.readUInt16LE(26);
    const le = h.readUInt16LE(28);
    const v = read(offset + 30, ln + le);
    const lh: LocalHeader = {
      at: offset,
      needed: h.readUInt16LE(4),
      flags: h.readUInt16LE(6),
      method: h.readUInt16LE(8),
      time: h.readUInt16LE(10),
      date: h.readUInt16LE(12),
      crc: h.readUInt32LE(14),
      compressed32: h.readUInt32LE(18),
      uncompressed32: h.readUInt32LE(22),
      name: v.subarray(0, ln),
      extra: extraFields(v.subarray(ln, ln + le)),
      dataAt: offset + 30 + ln + le,
    };
    local.push(lh);
    if ((lh.flags & 0x0008) === 0) {
      descriptors.push(null);
      continue;
    }
    const at = lh.dataAt + compressed;
    const d = read(at, 24);
    const signed = d.readUInt32LE(0) === 0x08074b50;
    const q = signed ? 4 : 0;
    const wide = zip64Values(lh.extra) !== null; // 4.3.9.2
    descriptors.push({
      at,
      signature: signed ? 0x08074b50 : 0,
      crc: d.readUInt32LE(q),
      compressed: wide ? u64(d, q + 4) : d.readUInt32LE(q + 4),
      uncompressed: wide ? u64(d, q + 12) : d.readUInt32LE(q + 8),
      length: q + 4 + (wide ? 16 : 8),
    });
  }
  if (p !== cdSize) throw new Error('central directory size');
  return { end, locator, zip64End, central, local, descriptors, sizes };
}
