/**
 * A spool gathers appends (up to SPOOL_FLUSH_BYTES) before writing them: what is read back after
 * close is exactly what was appended, in order, across many flushes; a destroyed spool writes
 * nothing more.
 */
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { SPOOL_FLUSH_BYTES, SpoolDir } from '../../src/export/spool';

test('appends across many flushes read back in order, byte for byte, with their counts', async () => {
  const dir = await SpoolDir.create();
  try {
    const spool = dir.spool('lines.txt');
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const line = `${i} ${'é'.repeat(i % 7)} ${'x'.repeat(i % 113)}\n`;
      lines.push(line);
      await spool.append(line);
    }
    const all = lines.join('');
    expect(Buffer.byteLength(all)).toBeGreaterThan(10 * SPOOL_FLUSH_BYTES);
    expect(spool.bytes).toBe(Buffer.byteLength(all));
    expect(spool.count).toBe(lines.length);
    await spool.close();
    expect(await text(spool.open())).toBe(all);
    expect(await readFile(spool.path, 'utf8')).toBe(all);
  } finally {
    await dir.remove();
  }
});

test('a short spool (below one flush) is written at close; a destroyed one is removed cleanly', async () => {
  const dir = await SpoolDir.create();
  try {
    const short = dir.spool('short.txt');
    await short.append('a\n');
    await short.append('b\n');
    await short.close();
    expect(await readFile(short.path, 'utf8')).toBe('a\nb\n');
    const dropped = dir.spool('dropped.txt');
    await dropped.append('never\n');
    await dropped.destroy();
  } finally {
    await dir.remove();
  }
});
