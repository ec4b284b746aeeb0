import { createHash } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buildBag, type BagRecord, type BuildBagInput } from '../../src/export';
import { buildBagInWorker } from '../../src/export/bag-thread';
import { READ_WHOLE_MAX_BYTES } from '../../src/export/bag-writer';
import { fixedChunks } from '../../src/storage/chunks';
import type { AuditEvent } from '../../src/catalog/types';
import { auditEvents, fixtureRecords, jsonRecord, removeDir, type FixtureRecord } from './fixtures';

// buildBagInWorker (the builder's way: records read here, the bag written in a worker thread)
// against buildBag on this thread. The refusals are tested through both in bag.test.ts.

/** The fixture records, one JSON record above READ_WHOLE_MAX_BYTES (streamed) and `small` more. */
function manyRecords(small: number, bytesEach = 300): FixtureRecord[] {
  const out = fixtureRecords();
  out.push(
    jsonRecord(
      { recordType: 'trade', recordId: 'T-BIG-000001', notes: 'x'.repeat(READ_WHOLE_MAX_BYTES + 12_345) },
      '2026-11-20',
      { clientId: 'C-1001' },
    ),
  );
  for (let i = 0; i < small; i++) {
    out.push(
      jsonRecord(
        { recordType: 'trade', recordId: `T-MANY-${String(i).padStart(6, '0')}`, pad: 'y'.repeat(bytesEach) },
        '2026-11-21',
        { clientId: `C-${1000 + (i % 7)}`, accountId: `A-${i % 13}` },
      ),
    );
  }
  return out;
}

/**
 * Each record read whole when small (as the builder gives them), opened as a stream in chunks
 * otherwise. Proofs are texts of a proof's size, not proofs: verifying them is bag.test.ts's part,
 * and a real ledger of thousands of leaves is slow to make in a test.
 */
function inputOf(records: FixtureRecord[], tmpDir: string, events: AuditEvent[]): BuildBagInput {
  return {
    request: {
      exportId: 'exp_thread',
      reference: 'SFC/T/1',
      purpose: 'worker equivalence',
      recipient: { name: 'Officer', organisation: 'SFC' },
      criteria: { type: 'trade' },
    },
    sourceOrganization: 'Example Securities Ltd',
    baggedAt: new Date('2026-11-28T03:00:00Z'),
    records: records.map((r): BagRecord => ({
      ...r.meta,
      open: () => Readable.from(chunks(r.bytes, 64 * 1024)),
      ...(r.bytes.length <= READ_WHOLE_MAX_BYTES ? { read: () => Promise.resolve({ bytes: r.bytes }) } : {}),
      proof: `c2sp.org/tlog-proof@v1\nindex ${r.meta.recordId}\n${'A'.repeat(700)}\n`,
    })),
    auditEvents: events,
    checkpoint: 'strongroom.test/ledger\n1\nAA==\n',
    verifierKey: 'strongroom.test/ledger+00000000+AA==',
    tmpDir,
  };
}

function chunks(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out.length > 0 ? out : [b];
}

/** Audit events about `records`, `perRecord` each (ascending seq). */
function manyEvents(records: FixtureRecord[], perRecord: number): AuditEvent[] {
  const base = auditEvents(records);
  const out: AuditEvent[] = [];
  let seq = 1;
  for (let k = 0; k < perRecord; k++)
    for (const e of base) out.push({ ...e, seq: seq++, eventId: `evt_${seq}` });
  return out;
}

async function sha256Of(stream: Readable): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    h.update(chunk);
    size += chunk.length;
  }
  return { sha256: h.digest('hex'), size };
}

/** Resolves once `dir` is empty (the worker removes its spool directory as it stops), or fails after 10 s. */
async function emptied(dir: string): Promise<string[]> {
  const until = Date.now() + 10_000;
  for (;;) {
    const left = await readdir(dir);
    if (left.length === 0 || Date.now() > until) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a bag written in a worker thread', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bag-thread-test-'));
  });
  afterEach(() => removeDir(dir));

  it('is byte for byte the bag buildBag writes on this thread (whole and streamed records, audit in several batches)', async () => {
    const records = manyRecords(2_000);
    const events = manyEvents(records, 2);
    const phases: string[] = [];
    // One input for both: its records can be read twice.
    const input = inputOf(records, dir, events);
    const here = buildBag(input);
    const there = buildBagInWorker({
      ...input,
      onPhase: (phase, n) => phases.push(`${phase}:${n}`),
    });
    const [a, b] = await Promise.all([sha256Of(here.stream), sha256Of(there.stream)]);
    expect(b).toEqual(a);
    const [ra, rb] = await Promise.all([here.done, there.done]);
    expect(rb).toEqual(ra);
    expect(rb).toMatchObject({ records: records.length, auditEvents: events.length, sha256: a.sha256 });
    expect(phases).toEqual([
      'records:0',
      `audit:${records.length}`,
      `index:${records.length}`,
      `tags:${records.length}`,
      `end:${records.length}`,
    ]);
    expect(await emptied(dir)).toEqual([]);
  });

  it('gives the ZIP in chunks of the size asked for (the part size of the upload), handed over to it', async () => {
    const records = manyRecords(1_500);
    const input = inputOf(records, dir, manyEvents(records, 1));
    const here = buildBag(input);
    const there = buildBagInWorker(input, { chunkBytes: 100 * 1024 });
    const sizes: number[] = [];
    const parts: Buffer[] = [];
    const collect = (async () => {
      for await (const chunk of there.stream as AsyncIterable<Buffer>) {
        sizes.push(chunk.length);
        parts.push(chunk);
      }
    })();
    const [a] = await Promise.all([sha256Of(here.stream), collect]);
    const zip = Buffer.concat(parts);
    expect(createHash('sha256').update(zip).digest('hex')).toBe(a.sha256);
    expect(sizes.length).toBeGreaterThan(5);
    expect(sizes.slice(0, -1).every((n) => n === 100 * 1024)).toBe(true);
    expect(sizes[sizes.length - 1]).toBeLessThanOrEqual(100 * 1024);
    // Each whole chunk is taken by fixedChunks as a part of that size, as it is (no copy).
    const whole = parts.slice(0, -1);
    const taken: Buffer[] = [];
    for await (const part of fixedChunks(Readable.from(whole), 100 * 1024)) taken.push(part);
    expect(taken.every((part, i) => part === whole[i])).toBe(true);
    expect((await there.done).sha256).toBe(a.sha256);
    await here.done;
  });

  it('fills the chunks its reader gives back again, and the bag is unchanged', async () => {
    const records = manyRecords(1_500);
    const input = inputOf(records, dir, manyEvents(records, 1));
    const here = buildBag(input);
    const there = buildBagInWorker(input, { chunkBytes: 100 * 1024 });
    const recycle = there.recycle;
    if (recycle === undefined) throw new Error('buildBagInWorker takes chunks back');
    const h = createHash('sha256');
    const seen = new Set<ArrayBufferLike>();
    let chunks = 0;
    for await (const chunk of there.stream as AsyncIterable<Buffer>) {
      h.update(chunk);
      chunks += 1;
      seen.add(chunk.buffer);
      recycle(chunk); // as the upload does once a part is up: the worker's next bytes go into it
    }
    expect(h.digest('hex')).toBe((await sha256Of(here.stream)).sha256);
    expect(chunks).toBeGreaterThan(5);
    expect(seen.size).toBeLessThan(chunks);
    await Promise.all([here.done, there.done]);
  });

  it('fails with the error of a read on this side, and the worker removes its spools', async () => {
    const records = manyRecords(200);
    const input = inputOf(records, dir, []);
    const failing = (input.records as BagRecord[]).map((r, i) =>
      i === 150 ? { ...r, read: () => Promise.reject(new Error('connection reset by OSS')) } : r,
    );
    const build = buildBagInWorker({ ...input, records: failing });
    await expect(sha256Of(build.stream)).rejects.toThrow('connection reset by OSS');
    await expect(build.done).rejects.toThrow('connection reset by OSS');
    expect(await emptied(dir)).toEqual([]);
  });

  it('fails when its reader stops reading and destroys the stream, and the worker removes its spools', async () => {
    const build = buildBagInWorker(inputOf(manyRecords(3_000, 4_000), dir, []));
    let seen = 0;
    for await (const chunk of build.stream as AsyncIterable<Buffer>) {
      seen += chunk.length;
      if (seen > 1024 * 1024) break;
    }
    await expect(build.done).rejects.toThrow('the bag stream was closed before its end');
    expect(await emptied(dir)).toEqual([]);
  });

  it('stops reading records while its ZIP is not read (memory stays bounded)', async () => {
    const records = manyRecords(4_000, 8_000);
    const input = inputOf(records, dir, []);
    let reads = 0;
    const counted = (input.records as BagRecord[]).map((r) =>
      r.read ? { ...r, read: () => ((reads += 1), (r.read as NonNullable<BagRecord['read']>)()) } : r,
    );
    const build = buildBagInWorker({ ...input, records: counted });
    // Nobody reads the stream: the worker's ZIP waits, then the records sent to it, then the reads.
    let before = -1;
    while (before !== reads) {
      before = reads;
      await new Promise((r) => setTimeout(r, 300));
    }
    // ~32 MB of records: at most the credit (4 MiB sent, 4 MiB of ZIP, the stream's 1 MiB) and
    // what the worker and its spools have taken are read before everything waits.
    expect(reads).toBeGreaterThan(100);
    expect(reads).toBeLessThan(2_500);
    const { size } = await sha256Of(build.stream);
    const result = await build.done;
    expect(result.records).toBe(records.length);
    expect(result.size).toBe(size);
    expect(reads).toBe(records.length - 1);
  });
});
