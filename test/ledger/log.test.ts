import { randomBytes } from 'node:crypto';
import { ConflictError } from '../../src/errors';
import { signCheckpoint } from '../../src/ledger/checkpoint';
import { integrate } from '../../src/ledger/integrate';
import { latestCheckpoint, listCheckpoints, publishCheckpoint } from '../../src/ledger/log';
import { verifyLog } from '../../src/ledger/log-verify';
import { signerVerifierKey, type VerifierKey } from '../../src/ledger/note';
import { TileReader } from '../../src/ledger/reader';
import { MemoryTileStore } from '../../src/ledger/tile-store';
import { checkpointKey, entriesKey, tileKey } from '../../src/ledger/tiles';
import { makeTlogProof, parseTlogProof, tlogProver, verifyTlogProof } from '../../src/ledger/tlog-proof';
import { inclusionProof } from '../../src/ledger/proof';
import { TiledInclusionProver } from '../../src/ledger/tile-prover';
import { leafData } from '../../src/catalog/hashing';
import { NaiveTree } from './naive';
import { ecdsaSigner, ed25519Signer } from './signers';

const ORIGIN = 'strongroom.test/ledger';
const leaves = (n: number, from = 0): Buffer[] =>
  Array.from({ length: n }, (_, i) =>
    leafData({ kind: 'record', id: `r-${from + i}`, sha256: (from + i).toString(16).padStart(64, '0') }),
  );

async function grow(
  store: MemoryTileStore,
  signer: ReturnType<typeof ed25519Signer>,
  all: Buffer[],
  sizes: number[],
): Promise<void> {
  let at = 0;
  for (const s of sizes) {
    const r = await integrate({ store, fromSize: BigInt(at), leaves: all.slice(at, s) });
    await publishCheckpoint({ store, signer, origin: ORIGIN, size: r.size, root: r.root });
    at = s;
  }
}

describe('checkpoints over tiles', () => {
  const signer = ed25519Signer(randomBytes(32));
  let vkey: VerifierKey;
  beforeAll(async () => {
    vkey = await signerVerifierKey(ORIGIN, signer);
  });

  it('publishes, finds the latest, and refuses what would be inconsistent', async () => {
    const store = new MemoryTileStore();
    const all = leaves(600);
    expect(await latestCheckpoint(store, vkey)).toBeNull();
    await grow(store, signer, all, [3, 256, 300]);
    const latest = await latestCheckpoint(store, vkey);
    expect(latest).toMatchObject({ key: checkpointKey(300n), size: 300n });
    expect(latest?.root.equals(NaiveTree.ofData(all).root(300))).toBe(true);
    expect((await listCheckpointsOf(store)).map((c) => c.size)).toEqual([3n, 256n, 300n]);

    // The same tree again: nothing new is signed.
    const calls = signer.calls;
    const again = await publishCheckpoint({
      store,
      signer,
      origin: ORIGIN,
      size: 300n,
      root: latest?.root as Buffer,
    });
    expect(again.created).toBe(false);
    expect(signer.calls).toBe(calls);
    // Smaller, another root at the same size, a root the tiles do not give.
    await expect(
      publishCheckpoint({ store, signer, origin: ORIGIN, size: 256n, root: latest?.root as Buffer }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      publishCheckpoint({ store, signer, origin: ORIGIN, size: 300n, root: randomBytes(32) }),
    ).rejects.toBeInstanceOf(ConflictError);
    const r = await integrate({ store, fromSize: 300n, leaves: all.slice(300, 400) });
    await expect(
      publishCheckpoint({ store, signer, origin: ORIGIN, size: r.size, root: randomBytes(32) }),
    ).rejects.toBeInstanceOf(ConflictError);
    await publishCheckpoint({ store, signer, origin: ORIGIN, size: r.size, root: r.root });
  });

  it('refuses to sign a tree inconsistent with the latest checkpoint', async () => {
    // A log whose tiles were rewritten from scratch with other leaves (a store that allowed it).
    const store = new MemoryTileStore();
    await grow(store, signer, leaves(10), [10]);
    const other = new MemoryTileStore();
    const forged = await integrate({ store: other, fromSize: 0n, leaves: leaves(20, 1000) });
    for (const [k, v] of other.objects) store.objects.set(k, v);
    await expect(
      publishCheckpoint({ store, signer, origin: ORIGIN, size: forged.size, root: forged.root }),
    ).rejects.toThrow(/not consistent/);
  });

  it('ECDSA P-256 checkpoints verify too', async () => {
    const e = ecdsaSigner();
    const store = new MemoryTileStore();
    const r = await integrate({ store, fromSize: 0n, leaves: leaves(5) });
    await publishCheckpoint({ store, signer: e, origin: ORIGIN, size: r.size, root: r.root });
    const report = await verifyLog({ store, key: await signerVerifierKey(ORIGIN, e) });
    expect(report).toMatchObject({ ok: true, size: 5n, checkpoints: 1 });
  });
});

async function listCheckpointsOf(store: MemoryTileStore): Promise<{ key: string; size: bigint }[]> {
  const out = [];
  for await (const c of listCheckpoints(store)) out.push(c);
  return out;
}

describe('tlog-proof files', () => {
  it('are made from tiles and verify offline with the verifier key alone', async () => {
    const signer = ed25519Signer(randomBytes(32));
    const vkey = await signerVerifierKey(ORIGIN, signer);
    const store = new MemoryTileStore();
    const all = leaves(700);
    await grow(store, signer, all, [300, 700]);
    const cp = (await latestCheckpoint(store, vkey))?.note as string;
    const text = await makeTlogProof({
      source: new TileReader(store, 700n),
      index: 513n,
      checkpoint: cp,
      extra: Buffer.from('hi'),
    });
    expect(text.startsWith('c2sp.org/tlog-proof@v1\nextra aGk=\nindex 513\n')).toBe(true);
    expect(text.endsWith(`\n\n${cp}`)).toBe(true);
    expect(verifyTlogProof(text, { key: vkey, leafData: all[513] as Buffer })).toMatchObject({
      ok: true,
      index: 513n,
    });
    expect(verifyTlogProof(text, { key: vkey, leafData: all[512] as Buffer })).toMatchObject({
      ok: false,
      problem: 'root_mismatch',
    });
    const other = await signerVerifierKey(ORIGIN, ed25519Signer(randomBytes(32)));
    expect(verifyTlogProof(text, { key: other, leafData: all[513] as Buffer })).toMatchObject({
      ok: false,
      problem: 'unverified',
    });
    expect(
      verifyTlogProof(text.replace('index 513', 'index 514'), { key: vkey, leafData: all[513] as Buffer }).ok,
    ).toBe(false);
    expect(
      verifyTlogProof(text.replace('c2sp.org/tlog-proof@v1', 'c2sp.org/tlog-proof@v2'), {
        key: vkey,
        leafData: all[513] as Buffer,
      }),
    ).toMatchObject({
      problem: 'malformed',
    });
    const noExtra = await makeTlogProof({ source: new TileReader(store, 700n), index: 0n, checkpoint: cp });
    const parsed = parseTlogProof(noExtra);
    expect(parsed.ok && parsed.proof.extra).toBeUndefined();
    expect(verifyTlogProof(noExtra, { key: vkey, leafData: all[0] as Buffer }).ok).toBe(true);
    for (const bad of [
      '',
      'c2sp.org/tlog-proof@v1\nindex 01\n\n' + cp,
      'c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\n' + cp,
      'c2sp.org/tlog-proof@v1\nextra !!\nindex 1\n\n' + cp,
    ])
      expect(parseTlogProof(bad).ok).toBe(false);
    await expect(
      makeTlogProof({ source: new TileReader(store, 700n), index: 700n, checkpoint: cp }),
    ).rejects.toThrow(RangeError);
  });
});

describe('proofs of many entries at once', () => {
  it('give exactly the proofs made one at a time, in any order, whatever the memo keeps', async () => {
    const signer = ed25519Signer(randomBytes(32));
    const vkey = await signerVerifierKey(ORIGIN, signer);
    const store = new MemoryTileStore();
    const all = leaves(1000);
    await grow(store, signer, all, [300, 1000]);
    const cp = (await latestCheckpoint(store, vkey))?.note as string;
    const prove = tlogProver(new TileReader(store, 1000n), cp);
    // Ledger order, then a scattered order (an export sorted by date is not in ledger order).
    const order = [...Array.from({ length: 1000 }, (_, i) => i), ...[999, 0, 511, 512, 255, 767, 3, 998]];
    for (const i of order) {
      const text = await prove(BigInt(i));
      expect(text).toBe(
        await makeTlogProof({ source: new TileReader(store, 1000n), index: BigInt(i), checkpoint: cp }),
      );
      expect(verifyTlogProof(text, { key: vkey, leafData: all[i] as Buffer }).ok).toBe(true);
    }
    await expect(prove(1000n)).rejects.toThrow(RangeError);
    // A cache too small for one path drops tiles again and again: the proofs stay right, and
    // each tile it drops is fetched again.
    const reader = new TileReader(store, 1000n, { cacheTiles: 1 });
    const tiny = new TiledInclusionProver(reader, 777n, { maxTiles: 1 });
    for (const i of [0, 1, 776, 500, 501, 256, 767, 768]) {
      const got = await tiny.inclusionProof(BigInt(i));
      const want = await inclusionProof(new TileReader(store, 1000n), BigInt(i), 777n);
      expect(got.map((h) => h.toString('hex'))).toEqual(want.map((h) => h.toString('hex')));
    }
    expect(reader.fetches).toBeGreaterThan(8);
    await expect(tiny.inclusionProof(777n)).rejects.toThrow(RangeError);
    expect(() => new TiledInclusionProver(reader, 1001n)).toThrow(RangeError);
  });
});

describe('verifyLog: the whole log from the bucket alone', () => {
  const signer = ed25519Signer(randomBytes(32));
  let vkey: VerifierKey;
  const all = leaves(70_000);
  const SIZES = [1, 255, 256, 300, 65_536, 65_537, 70_000];
  let pristine: MemoryTileStore;
  beforeAll(async () => {
    vkey = await signerVerifierKey(ORIGIN, signer);
    pristine = new MemoryTileStore();
    await grow(pristine, signer, all, SIZES);
  });
  const copy = (): MemoryTileStore => {
    const s = new MemoryTileStore();
    for (const [k, v] of pristine.objects) s.objects.set(k, Buffer.from(v));
    return s;
  };
  const root = (n: number): Buffer => NaiveTree.ofData(all.slice(0, n)).root(n);

  it('proves scattered leaves of trees with two tile levels and partial tiles, as RFC 9162 says', async () => {
    const naive = NaiveTree.ofData(all);
    for (const size of [65_536n, 65_537n, 70_000n]) {
      const prover = new TiledInclusionProver(new TileReader(pristine, size), size, { maxTiles: 3 });
      const sample = [0n, 1n, 255n, 256n, 65_535n, size - 1n, size / 2n, 4_097n, 333n, size - 257n];
      for (let i = 0n; i < 40n; i++) sample.push((i * 7_919n) % size);
      for (const index of sample) {
        const got = (await prover.inclusionProof(index)).map((h) => h.toString('hex'));
        expect(got).toEqual(naive.inclusion(Number(index), Number(size)).map((h) => h.toString('hex')));
        const one = await inclusionProof(new TileReader(pristine, size), index, size);
        expect(got).toEqual(one.map((h) => h.toString('hex')));
      }
    }
  });

  it('verifies a good log, and from a remembered checkpoint', async () => {
    const report = await verifyLog({ store: pristine, key: vkey });
    expect(report).toMatchObject({ ok: true, size: 70_000n, checkpoints: SIZES.length });
    if (!report.ok) throw new Error(report.message);
    expect(report.latest?.key).toBe(checkpointKey(70_000n));
    expect(
      await verifyLog({ store: pristine, key: vkey, from: { size: 300n, root: root(300) } }),
    ).toMatchObject({ ok: true });
    expect(
      await verifyLog({
        store: pristine,
        key: vkey,
        from: { size: 70_000n, root: report.latest?.root as Buffer },
      }),
    ).toMatchObject({ ok: true });
    expect(await verifyLog({ store: new MemoryTileStore(), key: vkey })).toEqual({
      ok: true,
      size: 0n,
      checkpoints: 0,
      latest: null,
    });
  });

  it('names the first bad place', async () => {
    const cases: Array<[string, (s: MemoryTileStore) => void | Promise<void>, string, string]> = [
      ['a changed entry', (s) => flipByte(s, entriesKey(10n), 7), 'tile_mismatch', tileKey(0, 10n)],
      ['a removed bundle', (s) => void s.objects.delete(entriesKey(3n)), 'entries_missing', entriesKey(3n)],
      [
        'a truncated bundle',
        (s) => void s.objects.set(entriesKey(4n), (s.objects.get(entriesKey(4n)) as Buffer).subarray(0, 100)),
        'entries_mismatch',
        entriesKey(4n),
      ],
      [
        'a partial bundle that disagrees',
        (s) => flipByte(s, entriesKey(1n, 44), 30),
        'entries_mismatch',
        entriesKey(1n, 44),
      ],
      ['a changed level-0 tile', (s) => flipByte(s, tileKey(0, 100n), 0), 'tile_mismatch', tileKey(0, 100n)],
      ['a changed level-1 tile', (s) => flipByte(s, tileKey(1, 0n), 40), 'tile_mismatch', tileKey(1, 0n)],
      [
        'a removed partial tile',
        (s) => void s.objects.delete(tileKey(0, 1n, 44)),
        'tile_missing',
        tileKey(0, 1n, 44),
      ],
      [
        'a changed partial tile',
        (s) => flipByte(s, tileKey(1, 1n, 17), 3),
        'tile_mismatch',
        tileKey(1, 1n, 17),
      ],
      [
        'a checkpoint with a broken signature',
        (s) => flipLastSigByte(s, checkpointKey(300n)),
        'checkpoint_invalid',
        checkpointKey(300n),
      ],
      [
        'a checkpoint under another size',
        (s) => void s.objects.set(checkpointKey(301n), s.objects.get(checkpointKey(300n)) as Buffer),
        'checkpoint_invalid',
        checkpointKey(301n),
      ],
      [
        'a stray object under checkpoint/',
        (s) => void s.objects.set('ledger/checkpoint/latest', Buffer.from('x')),
        'checkpoint_misplaced',
        'ledger/checkpoint/latest',
      ],
      [
        'a validly signed checkpoint of another tree',
        async (s) => {
          const note = await signCheckpoint(
            { origin: ORIGIN, size: 257n, root: randomBytes(32), extensions: [] },
            signer,
          );
          s.objects.set(checkpointKey(257n), Buffer.from(note));
        },
        'root_mismatch',
        checkpointKey(257n),
      ],
    ];
    for (const [what, tamper, problem, where] of cases) {
      const s = copy();
      await tamper(s);
      const report = await verifyLog({ store: s, key: vkey });
      expect({ what, report }).toMatchObject({ what, report: { ok: false, problem, where } });
    }
  });

  it('refuses a remembered checkpoint the log went back from, or that it disagrees with', async () => {
    expect(
      await verifyLog({ store: pristine, key: vkey, from: { size: 80_000n, root: randomBytes(32) } }),
    ).toMatchObject({
      ok: false,
      problem: 'state_ahead',
    });
    expect(
      await verifyLog({ store: pristine, key: vkey, from: { size: 1000n, root: randomBytes(32) } }),
    ).toMatchObject({
      ok: false,
      problem: 'state_mismatch',
    });
  });
});

function flipByte(s: MemoryTileStore, key: string, at: number): void {
  const b = s.objects.get(key);
  if (!b) throw new Error(`no ${key}`);
  b[at] = (b[at] as number) ^ 1;
}

function flipLastSigByte(s: MemoryTileStore, key: string): void {
  const text = (s.objects.get(key) as Buffer).toString('utf8');
  const i = text.length - 6;
  const c = text[i] === 'A' ? 'B' : 'A';
  s.objects.set(key, Buffer.from(text.slice(0, i) + c + text.slice(i + 1)));
}
