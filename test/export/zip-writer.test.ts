import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { endRecords, writeCentralHeader } from '../../src/export/zip-format';
import { SpoolDir } from '../../src/export/spool';
import { ZipWriter, type DirectorySink } from '../../src/export/zip-writer';
import { centralHeader, parseZip, zip64Values, type Layout } from './zip-layout';
import {
  bsdtarStream,
  collect,
  pythonInfo,
  pythonTest,
  unzipTest,
  yauzlEntries,
  zipinfo,
} from './zip-readers';

const TIME = new Date('2026-11-28T03:00:00Z');
/** MS-DOS time and date of TIME (APPNOTE 4.4.6): 03:00:00 and 2026-11-28. */
const DOS_TIME = 3 << 11;
const DOS_DATE = ((2026 - 1980) << 9) | (11 << 5) | 28;
/** UNIX, spec 4.5 (4.4.2) / S_IFREG | 0644 and the MS-DOS archive bit (4.4.15). */
const MADE_BY = 0x032d;
const EXTERNAL = 0x81a40020;

interface Entry {
  name: string;
  data: Buffer;
  as: 'buffer' | 'stream';
  compress: boolean;
}

/** Some text that deflates, and bytes that do not. */
const text = (n: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => `line ${i}: records and proofs\n`).join(''));

const ENTRIES: Entry[] = [
  { name: 'bag/bagit.txt', data: Buffer.from('BagIt-Version: 1.0\n'), as: 'buffer', compress: false },
  { name: 'bag/check.txt', data: Buffer.from('123456789'), as: 'buffer', compress: false },
  { name: 'bag/data/big.txt', data: text(4000), as: 'buffer', compress: true },
  { name: 'bag/data/empty', data: Buffer.alloc(0), as: 'buffer', compress: false },
  { name: 'bag/data/empty-stream', data: Buffer.alloc(0), as: 'stream', compress: false },
  { name: 'bag/data/empty-deflated', data: Buffer.alloc(0), as: 'stream', compress: true },
  { name: 'bag/data/random.bin', data: randomBytes(300_000), as: 'stream', compress: false },
  { name: 'bag/data/text-deflated.txt', data: text(20000), as: 'stream', compress: true },
  {
    name: 'bag/data/Zürich-報告-€.txt',
    data: Buffer.from('non-ASCII name ✓\n'),
    as: 'stream',
    compress: false,
  },
];

/** `data` as a stream of odd-sized chunks. */
function chunked(data: Buffer, size = 7777): Readable {
  const parts: Buffer[] = [];
  for (let p = 0; p < data.length; p += size) parts.push(data.subarray(p, p + size));
  return Readable.from(parts);
}

async function writeZip(
  entries: Entry[],
  forceZip64 = false,
  time = TIME,
  directory?: DirectorySink,
): Promise<Buffer> {
  const zip = new ZipWriter({ time, compressionLevel: 6, forceZip64, ...(directory ? { directory } : {}) });
  const out = collect(zip.output);
  for (const e of entries)
    await zip.add(e.name, e.as === 'buffer' ? e.data : chunked(e.data), { compress: e.compress });
  zip.finish();
  const bytes = await out;
  expect(zip.digest()).toEqual({
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
  });
  return bytes;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zip-writer-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each([
  ['ZIP64 only where needed', false],
  ['ZIP64 forced everywhere', true],
])('ZipWriter (%s): what other readers make of it', (_what, force) => {
  let file: string;
  beforeAll(async () => {
    file = join(dir, `mixed-${force}.zip`);
    await writeZip(ENTRIES, force).then((b) => writeFile(file, b));
  });

  it('passes unzip -t and python3 -m zipfile -t', async () => {
    const out = await unzipTest(file);
    for (const e of ENTRIES) expect(out).toContain(`testing: ${e.name}`);
    await pythonTest(file);
  });

  it('lists in zipinfo with sizes, methods, the fixed date and mode 0644', async () => {
    const rows = await zipinfo(file);
    expect(rows.map((r) => r[8])).toEqual(ENTRIES.map((e) => e.name));
    for (const [i, e] of ENTRIES.entries()) {
      const [mode, version, os, size, , , method, date] = rows[i] as string[];
      expect([mode, version, os, Number(size), method, date]).toEqual([
        '-rw-r--r--',
        '4.5',
        'unx',
        e.data.length,
        e.compress ? 'defN' : 'stor',
        '20261128.030000',
      ]);
    }
  });

  it("gives Python each entry's UTF-8 name, CRC-32, sizes and date", async () => {
    const infos = await pythonInfo(file);
    expect(infos.map((i) => i.name)).toEqual(ENTRIES.map((e) => e.name));
    for (const [i, e] of ENTRIES.entries()) {
      expect(infos[i]).toMatchObject({
        size: e.data.length,
        method: e.compress ? 8 : 0,
        date_time: [2026, 11, 28, 3, 0, 0],
        system: 3,
        external: EXTERNAL,
      });
      expect((infos[i]?.flags as number) & 0x0800).toBe(0x0800);
    }
    expect(infos[1]?.crc).toBe(0xcbf43926); // CRC-32 check value of "123456789"
  });

  it('reads back byte for byte through yauzl', async () => {
    const { entries, entryCount } = await yauzlEntries(file);
    expect(entryCount).toBe(ENTRIES.length);
    expect(entries.map((e) => e.name)).toEqual(ENTRIES.map((e) => e.name));
    for (const [i, e] of ENTRIES.entries()) expect(entries[i]?.data?.equals(e.data)).toBe(true);
  });

  it("reads back byte for byte through libarchive's streaming reader (bsdtar from a pipe)", async () => {
    const listing = (await bsdtarStream(file, ['-tf', '-'])).toString('utf8');
    expect(listing.trim().split('\n')).toEqual(ENTRIES.map((e) => e.name));
    for (const e of ENTRIES) {
      const bytes = await bsdtarStream(file, ['-xOf', '-', e.name]);
      expect(bytes.equals(e.data)).toBe(true);
    }
  });
});

describe('ZipWriter: the bytes, field by field against APPNOTE 6.3.x', () => {
  let auto: Layout;
  let forced: Layout;
  let autoBytes: Buffer;
  beforeAll(async () => {
    autoBytes = await writeZip(ENTRIES);
    auto = parseZip(autoBytes);
    forced = parseZip(await writeZip(ENTRIES, true));
  });

  it('writes a buffer with CRC-32 and sizes in its local header, no descriptor, no ZIP64 (4.3.7)', () => {
    const i = ENTRIES.findIndex((e) => e.name === 'bag/check.txt');
    expect(auto.local[i]).toMatchObject({
      needed: 10,
      flags: 0x0800,
      method: 0,
      time: DOS_TIME,
      date: DOS_DATE,
      crc: 0xcbf43926,
      compressed32: 9,
      uncompressed32: 9,
      extra: [],
    });
    expect(auto.descriptors[i]).toBeNull();
    const deflated = ENTRIES.findIndex((e) => e.name === 'bag/data/big.txt');
    expect(auto.local[deflated]).toMatchObject({ needed: 20, method: 8, flags: 0x0800 });
  });

  it('writes a stream with bit 3, a ZIP64 extra of zero sizes in the local header and an 8-byte descriptor (4.3.9, 4.5.3)', () => {
    const i = ENTRIES.findIndex((e) => e.name === 'bag/data/random.bin');
    const e = ENTRIES[i] as Entry;
    const l = auto.local[i];
    expect(l).toMatchObject({ needed: 45, flags: 0x0808, method: 0, crc: 0 });
    expect([l?.compressed32, l?.uncompressed32]).toEqual([0xffffffff, 0xffffffff]);
    // header id 0x0001, 16 bytes: original size 0, compressed size 0
    const raw = autoBytes.subarray((l?.dataAt ?? 0) - 20, l?.dataAt);
    expect(raw.toString('hex')).toBe(`01001000${'00'.repeat(16)}`);
    expect(auto.descriptors[i]).toEqual({
      at: (l?.dataAt ?? 0) + e.data.length,
      signature: 0x08074b50,
      crc: auto.central[i]?.crc,
      compressed: e.data.length,
      uncompressed: e.data.length,
      length: 24,
    });
    const d = ENTRIES.findIndex((x) => x.name === 'bag/data/text-deflated.txt');
    expect(auto.descriptors[d]?.uncompressed).toBe(ENTRIES[d]?.data.length);
    expect(auto.descriptors[d]?.compressed).toBe(auto.sizes[d]?.compressed);
    expect(auto.sizes[d]?.compressed).toBeLessThan((ENTRIES[d]?.data.length ?? 0) / 4);
  });

  it('writes central headers without ZIP64 when nothing needs it, and a plain end record (4.3.12, 4.3.16)', () => {
    expect(auto.zip64End).toBeNull();
    expect(auto.locator).toBeNull();
    expect(auto.end).toMatchObject({
      disk: 0,
      cdDisk: 0,
      entriesHere: ENTRIES.length,
      entries: ENTRIES.length,
    });
    expect(auto.end.cdOffset + auto.end.cdSize).toBe(auto.end.at);
    for (const [i, c] of auto.central.entries()) {
      const e = ENTRIES[i] as Entry;
      expect(c.name.toString('utf8')).toBe(e.name);
      expect(c).toMatchObject({ madeBy: MADE_BY, external: EXTERNAL, time: DOS_TIME, date: DOS_DATE });
      expect(c).toMatchObject({ internal: 0, diskStart: 0, comment: Buffer.alloc(0), extra: [] });
      expect(c.uncompressed32).toBe(e.data.length);
      expect(c.offset32).toBe(auto.local[i]?.at);
      expect([c.needed, c.flags, c.method]).toEqual([
        auto.local[i]?.needed,
        auto.local[i]?.flags,
        auto.local[i]?.method,
      ]);
    }
    const local0 = auto.local[0]?.at ?? -1;
    expect(local0).toBe(0);
  });

  it('forced: a ZIP64 extra in every header, the 32-bit fields all ones (4.5.3)', () => {
    for (const [i, c] of forced.central.entries()) {
      const e = ENTRIES[i] as Entry;
      expect([c.uncompressed32, c.compressed32, c.offset32]).toEqual([0xffffffff, 0xffffffff, 0xffffffff]);
      expect(c.needed).toBe(45);
      // original size, compressed size, local header offset: in that order
      expect(zip64Values(c.extra)).toEqual([e.data.length, forced.sizes[i]?.compressed, forced.local[i]?.at]);
      expect(c.extra).toHaveLength(1);
      expect(c.extra[0]?.data).toHaveLength(24);
      const local = zip64Values(forced.local[i]?.extra ?? []);
      expect(local).toEqual(e.as === 'stream' ? [0, 0] : [e.data.length, forced.sizes[i]?.compressed]);
    }
  });

  it('forced: the ZIP64 end record, its locator and an end record of all ones (4.3.14 to 4.3.16)', () => {
    const z = forced.zip64End;
    // the directory starts right after the last entry's data descriptor
    const last = ENTRIES.length - 1;
    const lastEnd =
      (forced.local[last]?.dataAt ?? 0) +
      (forced.sizes[last]?.compressed ?? 0) +
      (forced.descriptors[last]?.length ?? 0);
    const cdEnd = (z?.cdOffset ?? 0) + (z?.cdSize ?? 0);
    expect(z).toEqual({
      at: cdEnd,
      recordSize: 44,
      madeBy: MADE_BY,
      needed: 45,
      disk: 0,
      cdDisk: 0,
      entriesHere: ENTRIES.length,
      entries: ENTRIES.length,
      cdSize: z?.cdSize,
      cdOffset: lastEnd,
    });
    expect(forced.locator).toEqual({ at: cdEnd + 56, disk: 0, zip64EndOffset: cdEnd, disks: 1 });
    expect(forced.end).toEqual({
      at: cdEnd + 76,
      disk: 0,
      cdDisk: 0,
      entriesHere: 0xffff,
      entries: 0xffff,
      cdSize: 0xffffffff,
      cdOffset: 0xffffffff,
      commentLength: 0,
    });
  });

  it('forced: a buffer entry is exactly the local header APPNOTE 4.3.7 describes', async () => {
    const bytes = await writeZip([ENTRIES[1] as Entry], true);
    const hex = (n: number, bytes: number): string =>
      Buffer.from(Array.from({ length: bytes }, (_, i) => Math.floor(n / 256 ** i) % 256)).toString('hex');
    const name = Buffer.from('bag/check.txt');
    const expected = [
      '504b0304', // local file header signature
      hex(45, 2), // version needed to extract: 4.5 (ZIP64)
      hex(0x0800, 2), // general purpose bit flag: bit 11, UTF-8 name
      hex(0, 2), // compression method: stored
      hex(DOS_TIME, 2),
      hex(DOS_DATE, 2),
      hex(0xcbf43926, 4), // crc-32 of "123456789"
      'ffffffff', // compressed size: in the ZIP64 extra
      'ffffffff', // uncompressed size: in the ZIP64 extra
      hex(name.length, 2),
      hex(20, 2), // extra field length
      name.toString('hex'),
      hex(1, 2), // ZIP64 extended information extra field
      hex(16, 2), // its size
      hex(9, 8), // original size
      hex(9, 8), // compressed size
      Buffer.from('123456789').toString('hex'),
      '504b0102', // and the central directory follows at once (no descriptor)
    ].join('');
    expect(bytes.subarray(0, expected.length / 2).toString('hex')).toBe(expected);
  });
});

describe('ZipWriter: deterministic bytes', () => {
  it('writes the same bytes for the same input, and others for another date', async () => {
    const a = await writeZip(ENTRIES);
    const b = await writeZip(ENTRIES);
    expect(a.equals(b)).toBe(true);
    const c = await writeZip(ENTRIES, false, new Date('2026-11-29T03:00:00Z'));
    expect(c.equals(a)).toBe(false);
    expect(c.length).toBe(a.length);
  });
});

describe('ZipWriter: more than 65,535 entries', () => {
  const COUNT = 70_000;
  let file: string;
  let layout: Layout;
  let entries: Entry[];
  let bytes: Buffer;
  beforeAll(async () => {
    entries = Array.from({ length: COUNT }, (_, i) => ({
      name: `many/${String(i).padStart(6, '0')}.txt`,
      data: Buffer.from(`entry ${i}\n`),
      as: i % 2 ? 'stream' : 'buffer',
      compress: false,
    }));
    bytes = await writeZip(entries);
    file = join(dir, 'many.zip');
    await writeFile(file, bytes);
    layout = parseZip(bytes);
  }, 120_000);

  it('writes the ZIP64 end record and locator, the count 0xFFFF in the end record (4.4.1.4)', () => {
    expect(layout.zip64End).toMatchObject({ recordSize: 44, entries: COUNT, entriesHere: COUNT, needed: 45 });
    expect(layout.end).toMatchObject({ entries: 0xffff, entriesHere: 0xffff });
    // the directory's size and offset still fit, so they are written as they are
    expect(layout.end.cdOffset).toBe(layout.zip64End?.cdOffset);
    expect(layout.end.cdSize).toBe(layout.zip64End?.cdSize);
    expect(layout.locator?.zip64EndOffset).toBe(layout.zip64End?.at);
    expect(layout.central).toHaveLength(COUNT);
    expect(layout.central.every((c) => c.extra.length === 0)).toBe(true);
  });

  it('writes the same bytes with its central directory (4.6 MB, in 1 MiB blocks) kept in a spool file', async () => {
    const spools = await SpoolDir.create(dir, 0);
    try {
      const spool = spools.spool('central-directory.bin');
      const spooled = await writeZip(entries, false, TIME, spool);
      expect(spool.onDisk).toBe(true);
      expect(spool.count).toBe(5);
      expect(spool.bytes).toBe(layout.end.cdSize);
      expect(spooled.equals(bytes)).toBe(true);
    } finally {
      await spools.remove();
    }
  }, 120_000);

  it('is read whole by unzip, zipinfo, Python, yauzl and streaming bsdtar', async () => {
    const out = await unzipTest(file);
    expect(out).toContain('testing: many/069999.txt');
    expect((await zipinfo(file)).length).toBe(COUNT);
    await pythonTest(file);
    // yauzl lists every entry; reading each through it would take ~30 s, so one in 1,000 is read
    const { entries, entryCount } = await yauzlEntries(file, (n) =>
      n.endsWith('999.txt') ? 'data' : 'skip',
    );
    expect(entryCount).toBe(COUNT);
    expect(entries.map((e) => e.name)).toEqual(
      Array.from({ length: COUNT }, (_, i) => `many/${String(i).padStart(6, '0')}.txt`),
    );
    expect(entries.filter((e) => e.data !== null)).toHaveLength(70);
    expect(entries[69_999]?.data?.toString()).toBe('entry 69999\n');
    const listing = (await bsdtarStream(file, ['-tf', '-'])).toString().trim().split('\n');
    expect(listing).toHaveLength(COUNT);
  }, 120_000);
});

describe('ZipWriter: backpressure', () => {
  it('stops pulling from a source while nobody reads the ZIP, and goes on when read', async () => {
    const zip = new ZipWriter({ time: TIME, compressionLevel: 6 });
    let pulled = 0;
    const chunk = Buffer.alloc(64 * 1024, 1);
    const source = new Readable({
      highWaterMark: 64 * 1024,
      read() {
        pulled += 1;
        this.push(pulled <= 160 ? chunk : null); // 10 MiB
      },
    });
    let added = false;
    const adding = zip.add('big.bin', source, { compress: false }).then(() => (added = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(added).toBe(false);
    expect(pulled).toBeLessThan(8);
    expect(zip.output.readableLength).toBeLessThanOrEqual(2 * 64 * 1024);
    const out = collect(zip.output);
    await adding;
    zip.finish();
    expect((await out).length).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('writes the central directory in pieces, waiting for the reader', async () => {
    const zip = new ZipWriter({ time: TIME, compressionLevel: 6 });
    const sink: Buffer[] = [];
    zip.output.on('data', (c: Buffer) => sink.push(c));
    for (let i = 0; i < 20_000; i++) await zip.add(`d/${i}.txt`, Buffer.from(String(i)), { compress: false });
    zip.output.pause();
    const before = sink.reduce((n, c) => n + c.length, 0);
    zip.finish();
    await new Promise((r) => setTimeout(r, 300));
    // about 1.1 MB of central directory is waiting, yet at most two 64 KiB pieces are queued
    expect(zip.output.readableLength).toBeLessThanOrEqual(2 * 64 * 1024);
    expect(sink.reduce((n, c) => n + c.length, 0)).toBe(before);
    const ended = new Promise((r) => zip.output.once('end', r));
    zip.output.resume();
    await ended;
    expect(sink.every((c) => c.length <= 64 * 1024)).toBe(true);
    expect(parseZip(Buffer.concat(sink)).central).toHaveLength(20_000);
  });
});

describe('ZipWriter: failures abort the archive', () => {
  const failing = (after: number): Readable => {
    let n = 0;
    return new Readable({
      read() {
        if (n++ < after) this.push(Buffer.alloc(10_000, 65));
        else this.destroy(new Error('connection reset by OSS'));
      },
    });
  };

  it.each([
    ['stored', false],
    ['deflated', true],
  ])(
    'a %s source that fails: add rejects, the ZIP errors and never ends, nothing more is added',
    async (_w, compress) => {
      const zip = new ZipWriter({ time: TIME, compressionLevel: 6 });
      let ended = false;
      zip.output.on('end', () => (ended = true));
      const errored = new Promise<Error>((resolve) => zip.output.on('error', resolve));
      zip.output.resume();
      await zip.add('ok.txt', Buffer.from('fine'), { compress: false });
      await expect(zip.add('bad.bin', failing(3), { compress })).rejects.toThrow('connection reset by OSS');
      expect((await errored).message).toBe('connection reset by OSS');
      await expect(zip.add('after.txt', Buffer.from('x'), { compress: false })).rejects.toThrow();
      expect(ended).toBe(false);
      expect(zip.output.destroyed).toBe(true);
    },
  );

  it('a reader that goes away: the entry being written rejects', async () => {
    const zip = new ZipWriter({ time: TIME, compressionLevel: 6 });
    const adding = zip.add('big.bin', failing(1_000_000), { compress: false });
    setTimeout(() => zip.output.destroy(), 50);
    await expect(adding).rejects.toThrow();
  });

  it('refuses names that are not relative paths with "/" (APPNOTE 4.4.17), and two entries at once', async () => {
    for (const name of ['/etc/passwd', 'a\\b.txt', '', 'x'.repeat(70_000)]) {
      const zip = new ZipWriter({ time: TIME, compressionLevel: 6 });
      zip.output.on('error', () => undefined);
      await expect(zip.add(name, Buffer.from('x'), { compress: false })).rejects.toThrow(/ZIP entry name/);
    }
    const zip = new ZipWriter({ time: TIME, compressionLevel: 6 });
    zip.output.resume();
    const first = zip.add('a.txt', chunked(Buffer.alloc(1_000_000)), { compress: false });
    await expect(zip.add('b.txt', Buffer.from('x'), { compress: false })).rejects.toThrow(
      /one entry at a time/,
    );
    await first; // the refused call did not disturb the entry being written
  });
});

describe('ZIP records at the limits (src/export/zip-format.ts)', () => {
  const cd = (entries: number, size: number, offset: number): number =>
    endRecords({ entries, size, offset }, false).length;

  it('writes the ZIP64 end records from 65,535 entries or a 0xFFFFFFFF size or offset on (4.4.1.4)', () => {
    expect(cd(65_534, 100, 100)).toBe(22);
    expect(cd(65_535, 100, 100)).toBe(56 + 20 + 22);
    expect(cd(10, 0xfffffffe, 100)).toBe(22);
    expect(cd(10, 0xffffffff, 100)).toBe(98);
    expect(cd(10, 100, 0xfffffffe)).toBe(22);
    expect(cd(10, 100, 0xffffffff)).toBe(98);
  });

  it('puts in the ZIP64 extra field only the values that do not fit, in the order of 4.5.3', () => {
    const e = {
      name: Buffer.from('n'),
      flags: 0x0800,
      method: 0,
      versionNeeded: 45,
      dos: { date: 0, time: 0 },
    };
    const header = (values: {
      compressed: number;
      uncompressed: number;
      offset: number;
    }): Layout['central'][0] => {
      const buf = Buffer.alloc(200);
      const n = writeCentralHeader(buf, 0, e, { crc: 0, ...values }, false);
      const { header, length } = centralHeader(buf, 0);
      expect(length).toBe(n);
      return header;
    };
    const small = header({ compressed: 0xfffffffe, uncompressed: 0xfffffffe, offset: 0 });
    expect([small.compressed32, small.uncompressed32, small.extra]).toEqual([0xfffffffe, 0xfffffffe, []]);
    const size = header({ compressed: 5, uncompressed: 0xffffffff, offset: 0 });
    expect([size.compressed32, size.uncompressed32]).toEqual([5, 0xffffffff]);
    expect(zip64Values(size.extra)).toEqual([0xffffffff]);
    const both = header({ compressed: 2 ** 33, uncompressed: 2 ** 34, offset: 2 ** 35 + 1 });
    expect(zip64Values(both.extra)).toEqual([2 ** 34, 2 ** 33, 2 ** 35 + 1]);
  });
});
