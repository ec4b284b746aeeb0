import { randomBytes } from 'node:crypto';
import { leafData } from '../../src/catalog/hashing';
import { ConflictError } from '../../src/errors';
import { LEAF_KINDS, parseLeafData } from '../../src/ledger/leaf';
import { hashLeaf } from '../../src/ledger/hash';
import { integrate, readEdge } from '../../src/ledger/integrate';
import { consistencyProof, inclusionProof, treeRoot } from '../../src/ledger/proof';
import { readLeaves, TileReader } from '../../src/ledger/reader';
import { MemoryTileStore } from '../../src/ledger/tile-store';
import {
  checkpointKey,
  decodeEntryBundle,
  decodeHashTile,
  encodeEntryBundle,
  encodeHashTile,
  encodeTileIndex,
  entriesKey,
  parseCheckpointKey,
  parseTileKey,
  tileKey,
} from '../../src/ledger/tiles';
import { NaiveTree } from './naive';

describe('tile paths (c2sp.org/tlog-tiles)', () => {
  it('writes N in three-digit groups, all but the last prefixed with x', () => {
    expect(encodeTileIndex(1234067n)).toBe('x001/x234/067');
    expect(encodeTileIndex(0n)).toBe('000');
    expect(encodeTileIndex(999n)).toBe('999');
    expect(encodeTileIndex(1000n)).toBe('x001/000');
    expect(encodeTileIndex(2n ** 56n)).toBe('x072/x057/x594/x037/x927/936');
    expect(tileKey(0, 1234067n)).toBe('ledger/tile/0/x001/x234/067');
    expect(tileKey(2, 5n, 17)).toBe('ledger/tile/2/005.p/17');
    expect(entriesKey(1234067n, 1)).toBe('ledger/tile/entries/x001/x234/067.p/1');
    expect(checkpointKey(42n)).toBe('ledger/checkpoint/00000000000000000042');
    expect(parseCheckpointKey('ledger/checkpoint/00000000000000000042')).toBe(42n);
    expect(parseCheckpointKey('ledger/checkpoint/42')).toBeUndefined();
    expect(() => tileKey(0, 0n, 0)).toThrow(RangeError);
    expect(() => tileKey(64, 0n)).toThrow(RangeError);
  });

  it('parses exactly what it writes, and nothing else', () => {
    for (const k of [tileKey(0, 1234067n), tileKey(3, 7n, 255), entriesKey(1000n), entriesKey(0n, 9)])
      expect(parseTileKey(k)).toBeDefined();
    expect(parseTileKey(tileKey(3, 7n, 255))).toEqual({ kind: 'hash', level: 3, index: 7n, width: 255 });
    expect(parseTileKey(entriesKey(1000n))).toEqual({ kind: 'entries', index: 1000n, width: 256 });
    for (const bad of [
      'ledger/tile/0/1234067',
      'ledger/tile/0/x000/067',
      'ledger/tile/0/067.p/256',
      'ledger/tile/0/067.p/0',
      'ledger/tile/0/067.p/07',
      'ledger/tile/01/067',
      'ledger/tile/64/067',
      'ledger/tile/0/x067',
    ])
      expect(parseTileKey(bad)).toBeUndefined();
  });
});

describe('tile encodings', () => {
  it('hash tiles are the hashes concatenated; a wrong length is refused', () => {
    const hs = [randomBytes(32), randomBytes(32)];
    const b = encodeHashTile(hs);
    expect(b).toHaveLength(64);
    expect(decodeHashTile(b, 2)).toEqual(hs);
    expect(() => decodeHashTile(b, 3)).toThrow(RangeError);
    expect(() => encodeHashTile([Buffer.alloc(31)])).toThrow(RangeError);
  });

  it('entry bundles are uint16 big-endian length-prefixed', () => {
    const b = encodeEntryBundle([Buffer.from('ab'), Buffer.alloc(0), Buffer.alloc(300, 7)]);
    expect(b.subarray(0, 4).toString('hex')).toBe('00026162');
    expect(b.subarray(4, 8).toString('hex')).toBe('0000012c');
    expect(decodeEntryBundle(b).map((e) => e.length)).toEqual([2, 0, 300]);
    expect(() => decodeEntryBundle(b.subarray(0, b.length - 1))).toThrow(RangeError);
    expect(() => decodeEntryBundle(Buffer.from([0]))).toThrow(RangeError);
    expect(() => encodeEntryBundle([Buffer.alloc(65_536)])).toThrow(RangeError);
  });
});

const data = (n: number, seed = 0): Buffer[] =>
  Array.from({ length: n }, (_, i) =>
    Buffer.from(`strongroom-leaf-v1\nrecord\nid-${seed}-${i}\n${'0'.repeat(64)}\n`),
  );

async function build(sizes: number[], leaves: Buffer[]): Promise<MemoryTileStore> {
  const store = new MemoryTileStore();
  let at = 0;
  for (const s of sizes) {
    const r = await integrate({ store, fromSize: BigInt(at), leaves: leaves.slice(at, s) });
    expect(r.size).toBe(BigInt(s));
    at = s;
  }
  return store;
}

describe('integration onto a tiled tree', () => {
  it('a tree of 70,000 has the tiles of the spec example', async () => {
    const store = await build([70_000], data(70_000));
    const keys = [...store.objects.keys()];
    const count = (re: RegExp): number => keys.filter((k) => re.test(k)).length;
    expect(count(/^ledger\/tile\/0\/[x\d/]+$/)).toBe(273);
    expect(keys).toContain(tileKey(0, 273n, 112));
    expect(keys).toContain(tileKey(1, 0n));
    expect(keys).toContain(tileKey(1, 1n, 17));
    expect(keys).toContain(tileKey(2, 0n, 1));
    expect(count(/^ledger\/tile\/entries\/[x\d/]+$/)).toBe(273);
    expect(keys).toContain(entriesKey(273n, 112));
    expect(keys).toHaveLength(273 + 1 + 1 + 1 + 1 + 273 + 1);
  });

  it('a tree of 256: a full level-0 tile and a partial level-1 tile of width 1', async () => {
    const store = await build([256], data(256));
    expect([...store.objects.keys()].sort()).toEqual(
      [tileKey(0, 0n), tileKey(1, 0n, 1), entriesKey(0n)].sort(),
    );
  });

  it('in steps: keeps every partial tile, writes only what changed, and gives the RFC root', async () => {
    const leaves = data(70_000);
    const naive = NaiveTree.ofData(leaves);
    const steps = [1, 2, 255, 256, 257, 300, 511, 512, 65_535, 65_536, 65_537, 70_000];
    const store = new MemoryTileStore();
    let at = 0;
    for (const s of steps) {
      const r = await integrate({ store, fromSize: BigInt(at), leaves: leaves.slice(at, s) });
      expect(r.root.equals(naive.root(s))).toBe(true);
      at = s;
    }
    // Partial tiles of every integrated size are still there.
    expect(store.objects.has(tileKey(0, 0n, 1))).toBe(true);
    expect(store.objects.has(tileKey(0, 0n, 255))).toBe(true);
    expect(store.objects.has(tileKey(1, 0n, 255))).toBe(true);
    expect(store.objects.has(entriesKey(1n, 44))).toBe(true);
    // No integration rewrote an object with other bytes (MemoryTileStore would have thrown) and
    // none wrote an unchanged partial tile again: level 1's 001.p/1 was written once, at 512.
    const reader = new TileReader(store, 70_000n);
    for (const s of steps) expect((await treeRoot(reader, BigInt(s))).equals(naive.root(s))).toBe(true);
    expect((await integrate({ store, fromSize: 70_000n, leaves: [] })).root.equals(naive.root(70_000))).toBe(
      true,
    );
  });

  it('proofs read back from tiles equal the naive ones, around 256 and 65,536', async () => {
    const leaves = data(65_800, 1);
    const naive = NaiveTree.ofData(leaves);
    const store = await build([100, 256, 257, 65_535, 65_536, 65_537, 65_800], leaves);
    for (const n of [256, 257, 65_535, 65_536, 65_537, 65_800]) {
      const reader = new TileReader(store, BigInt(n));
      for (const m of [0, 255, 256, n - 1, Math.floor(n / 3)].filter((x) => x < n)) {
        expect(await inclusionProof(reader, BigInt(m), BigInt(n))).toEqual(naive.inclusion(m, n));
      }
      for (const m of [1, 100, 255, 256, 257, 65_535, 65_536].filter((x) => x <= n)) {
        expect(await consistencyProof(reader, BigInt(m), BigInt(n))).toEqual(naive.consistency(m, n));
      }
    }
  });

  it('one reader shared by the proofs of every leaf (an export) gives the naive proofs, each tile read once', async () => {
    const n = 1300;
    const leaves = data(n, 4);
    const naive = NaiveTree.ofData(leaves);
    const store = await build([n], leaves);
    const reader = new TileReader(store, BigInt(n));
    for (let m = 0; m < n; m++)
      expect(await inclusionProof(reader, BigInt(m), BigInt(n))).toEqual(naive.inclusion(m, n));
    // Level 0: 6 tiles (5 full, one partial of 20); level 1: one partial tile.
    expect(reader.fetches).toBe(7);
  });

  it('an inclusion proof on a 65,800-leaf log reads at most one tile per level', async () => {
    const leaves = data(65_800, 2);
    const store = await build([65_800], leaves);
    const reader = new TileReader(store, 65_800n, { cacheTiles: 0 });
    await inclusionProof(reader, 1234n, 65_800n);
    expect(reader.fetches).toBeLessThanOrEqual(6);
  });

  it('a run cut short is resumed; other leaves under existing keys are a ConflictError', async () => {
    const leaves = data(1000, 3);
    const store = new MemoryTileStore();
    await integrate({ store, fromSize: 0n, leaves: leaves.slice(0, 10) });
    // Crash: the store fails after 3 more objects.
    const create = store.create.bind(store);
    let left = 3;
    store.create = async (k, b) => {
      if (left-- <= 0) throw new Error('power cut');
      return create(k, b);
    };
    await expect(
      integrate({ store, fromSize: 10n, leaves: leaves.slice(10, 700), concurrency: 1 }),
    ).rejects.toThrow('power cut');
    store.create = create;
    const resumed = await integrate({ store, fromSize: 10n, leaves: leaves.slice(10, 700) });
    expect(resumed.existed).toBe(3);
    expect(resumed.root.equals(NaiveTree.ofData(leaves).root(700))).toBe(true);
    // The same leaves once more: every object is already there.
    const again = await integrate({ store, fromSize: 10n, leaves: leaves.slice(10, 700) });
    expect(again.created).toBe(0);
    // Other leaves from the same size would overwrite: refused.
    await expect(integrate({ store, fromSize: 10n, leaves: data(690, 4) })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('refuses to integrate from a size whose tiles were never written', async () => {
    const store = await build([300], data(300));
    await expect(integrate({ store, fromSize: 299n, leaves: data(1) })).rejects.toThrow(/missing/);
    await expect(readEdge(store, 300n)).resolves.toMatchObject({ size: 300n });
  });

  it('rebuilds the list of leaf data from the entry bundles, in order', async () => {
    const leaves = data(700, 5);
    const store = await build([5, 300, 700], leaves);
    const all: Buffer[] = [];
    for await (const e of readLeaves(store, 700n)) {
      expect(e.index).toBe(BigInt(all.length));
      all.push(e.data);
    }
    expect(all).toEqual(leaves);
    const tail: bigint[] = [];
    for await (const e of readLeaves(store, 300n, { from: 250n })) tail.push(e.index);
    expect(tail).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(250 + i)));
    expect(hashLeaf(all[3] as Buffer).equals(NaiveTree.ofData(leaves).leaves[3] as Buffer)).toBe(true);
    store.objects.delete(entriesKey(1n));
    const it = readLeaves(store, 700n);
    await expect(
      (async () => {
        for await (const _ of it) void _;
      })(),
    ).rejects.toThrow(/missing/);
  });
});

describe('leaf data', () => {
  it('parses what leafData writes, for every kind, and nothing else', () => {
    for (const kind of LEAF_KINDS) {
      const entry = { kind, id: `id-${kind}`, sha256: 'ab'.repeat(32) };
      expect(parseLeafData(leafData(entry))).toEqual({ ok: true, entry });
    }
    for (const bad of [
      'strongroom-leaf-v1\nrecord\nid\nAB\n',
      'strongroom-leaf-v1\nrecord\nid\n' + 'ab'.repeat(32),
      'strongroom-leaf-v2\nrecord\nid\n' + 'ab'.repeat(32) + '\n',
      'strongroom-leaf-v1\nreceipt\nid\n' + 'ab'.repeat(32) + '\n',
      'strongroom-leaf-v1\nrecord\n\n' + 'ab'.repeat(32) + '\n',
    ])
      expect(parseLeafData(Buffer.from(bad)).ok).toBe(false);
    expect(parseLeafData(Buffer.from([0xff])).ok).toBe(false);
  });
});
