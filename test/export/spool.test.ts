/**
 * A spool gathers appends (up to SPOOL_FLUSH_BYTES) into chunks, kept in memory while its
 * directory's budget allows and in its file after: what is read back after close is exactly what
 * was appended, in order, either way; a destroyed spool writes nothing more and gives its memory back.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { SPOOL_FLUSH_BYTES, SpoolDir } from '../../src/export/spool';

function lines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${i} ${'é'.repeat(i % 7)} ${'x'.repeat(i % 113)}\n`);
}

test('appends across many chunks read back in order, byte for byte, from memory', async () => {
  const dir = await SpoolDir.create();
  try {
    const spool = dir.spool('lines.txt');
    const all = lines(20_000);
    for (const line of all) spool.append(line);
    const joined = all.join('');
    expect(Buffer.byteLength(joined)).toBeGreaterThan(10 * SPOOL_FLUSH_BYTES);
    expect(spool.bytes).toBe(Buffer.byteLength(joined));
    expect(spool.count).toBe(all.length);
    await spool.close();
    expect(spool.onDisk).toBe(false);
    expect(existsSync(spool.path)).toBe(false);
    expect(await text(spool.open())).toBe(joined);
  } finally {
    await dir.remove();
  }
});

test('past the budget a spool goes to its file, what memory held first, and reads back the same', async () => {
  // Room for three chunks: the first spool takes them; when the second needs one, both go to
  // their files (what memory held first).
  const dir = await SpoolDir.create(undefined, 3 * SPOOL_FLUSH_BYTES + 100);
  try {
    const a = dir.spool('a.txt');
    const b = dir.spool('b.txt');
    const all = lines(20_000);
    let n = 0;
    for (const line of all) {
      a.append(line);
      if (n++ % 3 === 0) b.append(line);
      const waits = [a.drained(), b.drained()].filter((p) => p !== null);
      if (waits.length > 0) await Promise.all(waits);
    }
    await a.close();
    await b.close();
    expect(a.onDisk && b.onDisk).toBe(true);
    const joined = all.join('');
    expect(await text(a.open())).toBe(joined);
    expect(await readFile(a.path, 'utf8')).toBe(joined);
    const third = all.filter((_, i) => i % 3 === 0).join('');
    expect(await readFile(b.path, 'utf8')).toBe(third);
    expect(b.bytes).toBe(Buffer.byteLength(third));
  } finally {
    await dir.remove();
  }
  expect(existsSync(dir.path)).toBe(false);
});

test('a short spool reads back at close; a destroyed one gives its memory back; reading early is refused', async () => {
  const dir = await SpoolDir.create(undefined, 2 * SPOOL_FLUSH_BYTES);
  try {
    const short = dir.spool('short.txt');
    short.append('a\n');
    short.append('b\n');
    expect(() => short.open()).toThrow(/before it is closed/);
    await short.close();
    expect(await text(short.open())).toBe('a\nb\n');
    const dropped = dir.spool('dropped.txt');
    dropped.append('x'.repeat(SPOOL_FLUSH_BYTES));
    await dropped.destroy();
    // Its chunk's memory is back: the next spool keeps two chunks in memory again.
    const next = dir.spool('next.txt');
    next.append('y'.repeat(SPOOL_FLUSH_BYTES));
    next.append('z'.repeat(SPOOL_FLUSH_BYTES - 10));
    await next.close();
    expect(next.onDisk).toBe(false);
    expect((await text(next.open())).length).toBe(2 * SPOOL_FLUSH_BYTES - 10);
  } finally {
    await dir.remove();
  }
});

test('when the budget runs out every spool still being written goes to disk; a closed one stays in memory', async () => {
  const dir = await SpoolDir.create(undefined, 3 * SPOOL_FLUSH_BYTES);
  try {
    const done = dir.spool('done.txt');
    done.append('d'.repeat(SPOOL_FLUSH_BYTES));
    await done.close();
    const a = dir.spool('a.txt');
    const b = dir.spool('b.txt');
    a.append('a'.repeat(SPOOL_FLUSH_BYTES));
    b.appendBytes(Buffer.from('b'.repeat(100)));
    expect([done.onDisk, a.onDisk, b.onDisk]).toEqual([false, false, false]);
    // A fourth chunk does not fit: a and b go to their files, with what memory held of them.
    b.appendBytes(Buffer.alloc(SPOOL_FLUSH_BYTES, 0x62));
    expect([done.onDisk, a.onDisk, b.onDisk]).toEqual([false, true, true]);
    a.append('tail\n');
    await a.close();
    await b.close();
    expect(await readFile(a.path, 'utf8')).toBe(`${'a'.repeat(SPOOL_FLUSH_BYTES)}tail\n`);
    expect(await readFile(b.path, 'utf8')).toBe('b'.repeat(100 + SPOOL_FLUSH_BYTES));
    expect(b.count).toBe(2);
    expect(await text(done.open())).toBe('d'.repeat(SPOOL_FLUSH_BYTES));
    expect(() => done.append('late')).toThrow(/after it was closed/);
    // What the spilled spools held is given back: a new spool keeps its chunk in memory.
    const next = dir.spool('next.txt');
    next.append('n'.repeat(SPOOL_FLUSH_BYTES));
    await next.close();
    expect(next.onDisk).toBe(false);
  } finally {
    await dir.remove();
  }
});
