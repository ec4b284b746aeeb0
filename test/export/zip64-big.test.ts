import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { ZipWriter } from '../../src/export/zip-writer';
import { parseZipFrom, zip64Values, type Layout } from './zip-layout';
import {
  bsdtarStream,
  pythonInfo,
  pythonTest,
  sparseFile,
  unzipTest,
  yauzlEntries,
  zipinfo,
} from './zip-readers';

/**
 * A ZIP past 4 GiB: a stored 4 GiB + 16 MiB entry streamed from a generator, with small entries
 * before and after it, so that a size, the offsets of the later entries and the central
 * directory's offset all need ZIP64. The big entry is zeros, which the test's sink leaves as
 * holes in a sparse file: the writer still produces (CRC-32s, hashes) every byte, the readers
 * read every byte back, but the disk holds a few KiB.
 */
const MIB = 1024 * 1024;
const BIG = 4096 * MIB + 16 * MIB;
const AFTER = Buffer.from('after the 4 GiB mark\n');
const AFTER_STREAM = Buffer.from('streamed after the 4 GiB mark\n'.repeat(100));

function zeros(total: number): Readable {
  const chunk = Buffer.alloc(MIB);
  let left = total / MIB;
  return new Readable({
    highWaterMark: MIB,
    read() {
      this.push(left-- > 0 ? chunk : null);
    },
  });
}

/** CRC-32 of `n` MiB of zeros, computed here (node:zlib) rather than taken from the writer. */
function zerosCrc(n: number): number {
  const chunk = Buffer.alloc(MIB);
  let crc = 0;
  for (let i = 0; i < n; i++) crc = crc32(chunk, crc);
  return crc;
}

describe('ZipWriter: an archive past 4 GiB', () => {
  let dir: string;
  let file: string;
  let layout: Layout;
  let size: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zip64-big-'));
    file = join(dir, 'big.zip');
    const zip = new ZipWriter({ time: new Date('2026-11-28T03:00:00Z'), compressionLevel: 6 });
    const written = pipeline(zip.output, await sparseFile(file));
    await zip.add('before.txt', Buffer.from('before\n'), { compress: false });
    await zip.add('big.bin', zeros(BIG), { compress: false });
    await zip.add('after.txt', AFTER, { compress: false });
    await zip.add('after-stream.txt', Readable.from([AFTER_STREAM]), { compress: true });
    zip.finish();
    await written;
    size = statSync(file).size;
    expect(zip.digest().size).toBe(size);
    const fd = openSync(file, 'r');
    try {
      layout = parseZipFrom((at, length) => {
        const b = Buffer.alloc(Math.min(length, size - at));
        readSync(fd, b, 0, b.length, at);
        return b;
      }, size);
    } finally {
      closeSync(fd);
    }
  }, 300_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gives the big entry 8-byte sizes in its descriptor and its central header (4.3.9.2, 4.5.3)', () => {
    const i = layout.central.findIndex((c) => c.name.toString() === 'big.bin');
    expect(layout.descriptors[i]).toMatchObject({ compressed: BIG, uncompressed: BIG, length: 24 });
    expect(layout.descriptors[i]?.crc).toBe(zerosCrc(BIG / MIB));
    const c = layout.central[i]; // after before.txt: 30-byte header, 10-byte name, 7 bytes
    expect([c?.uncompressed32, c?.compressed32, c?.offset32]).toEqual([0xffffffff, 0xffffffff, 47]);
    expect(zip64Values(c?.extra ?? [])).toEqual([BIG, BIG]);
  });

  it('gives the entries after it a ZIP64 offset, and the directory the ZIP64 end records (4.3.14, 4.3.15)', () => {
    for (const name of ['after.txt', 'after-stream.txt']) {
      const i = layout.central.findIndex((c) => c.name.toString() === name);
      const c = layout.central[i];
      expect(c?.offset32).toBe(0xffffffff);
      expect(c?.needed).toBe(45);
      expect(layout.sizes[i]?.offset).toBeGreaterThan(2 ** 32);
      expect(zip64Values(c?.extra ?? [])).toEqual([layout.local[i]?.at]);
    }
    expect(layout.zip64End?.cdOffset).toBeGreaterThan(2 ** 32);
    expect(layout.end).toMatchObject({ entries: 4, cdOffset: 0xffffffff });
    expect(layout.locator?.zip64EndOffset).toBe(layout.zip64End?.at);
    expect(layout.end.cdSize).toBe(layout.zip64End?.cdSize);
  });

  it("passes Python's full test (every byte's CRC-32) and lists the right sizes in zipinfo and Python", async () => {
    await pythonTest(file);
    const infos = await pythonInfo(file);
    expect(infos.map((i) => [i.name, i.size])).toEqual([
      ['before.txt', 7],
      ['big.bin', BIG],
      ['after.txt', AFTER.length],
      ['after-stream.txt', AFTER_STREAM.length],
    ]);
    expect(infos[2]?.offset).toBeGreaterThan(2 ** 32);
    const rows = await zipinfo(file);
    expect(rows.map((r) => [r[8], Number(r[3])])).toEqual(infos.map((i) => [i.name, i.size]));
  }, 300_000);

  it('lets unzip -t, yauzl and streaming bsdtar read the entries after the 4 GiB mark', async () => {
    // unzip -t of the big entry itself takes ~45 s of Info-ZIP's CRC on this machine; Python checks it.
    const out = await unzipTest(file, ['before.txt', 'after.txt', 'after-stream.txt']);
    expect(out).toContain('testing: after-stream.txt');
    const { entries } = await yauzlEntries(file, (n) => (n === 'big.bin' ? 'skip' : 'data'));
    expect(entries.map((e) => [e.name, e.size])).toEqual([
      ['before.txt', 7],
      ['big.bin', BIG],
      ['after.txt', AFTER.length],
      ['after-stream.txt', AFTER_STREAM.length],
    ]);
    expect(entries[2]?.data?.equals(AFTER)).toBe(true);
    expect(entries[3]?.data?.equals(AFTER_STREAM)).toBe(true);
    // the streaming reader walks through all 4 GiB to reach the last entry
    const tail = await bsdtarStream(file, ['-xOf', '-', 'after-stream.txt']);
    expect(tail.equals(AFTER_STREAM)).toBe(true);
  }, 300_000);
});
