import { randomBytes } from 'node:crypto';
import { hashChildren, hashLeaf, type NodeId } from '../../src/ledger/hash';
import { consistencyProof, inclusionProof, treeRoot } from '../../src/ledger/proof';
import { verifyConsistency, verifyInclusion } from '../../src/ledger/verify-proof';
import { mulberry32 } from '../../src/emulator/faults';
import { NaiveTree } from './naive';

/**
 * Proofs generated from a hash source against the literal RFC 9162 tree, for random sizes and
 * the sizes where tiles roll over; then every proof mutated the ways the transparency-dev vectors
 * mutate them, and verification compared with the oracle: a mutated claim verifies exactly when
 * it is what the naive tree says (index, size, leaf, root and proof all its own).
 */

const rand = mulberry32(20240610);
const below = (n: number): number => Math.floor(rand() * n);
const leaves = Array.from({ length: 66_000 }, (_, i) => randomBytes(8 + (i % 5)));
const tree = NaiveTree.ofData(leaves);

const SIZES = [
  1,
  2,
  3,
  4,
  5,
  7,
  8,
  9,
  15,
  16,
  17,
  31,
  33,
  127,
  128,
  129,
  255,
  256,
  257,
  511,
  512,
  513,
  65_535,
  65_536,
  65_537,
  65_792,
  ...Array.from({ length: 12 }, () => 1 + below(66_000)),
];

describe('proofs against a naive tree', () => {
  it.each(SIZES)('size %i: roots, inclusion proofs and consistency proofs', async (n) => {
    const src = tree.source(n);
    expect((await treeRoot(src, BigInt(n))).equals(tree.root(n))).toBe(true);
    const indexes = new Set([0, n - 1, Math.floor(n / 2), below(n), below(n), below(n)]);
    for (const m of indexes) {
      src.reads = 0;
      const proof = await inclusionProof(src, BigInt(m), BigInt(n));
      expect(proof).toEqual(tree.inclusion(m, n));
      expect(src.reads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n + 1)) + 2);
      expect(verifyInclusion(BigInt(m), BigInt(n), tree.leaves[m] as Buffer, proof, tree.root(n))).toEqual({
        ok: true,
      });
    }
    const olds = new Set([1, n, Math.max(1, n - 1), 1 + below(n), 1 + below(n)]);
    for (const m of olds) {
      src.reads = 0;
      const proof = await consistencyProof(src, BigInt(m), BigInt(n));
      expect(proof).toEqual(tree.consistency(m, n));
      expect(src.reads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n + 1)) + 2);
      expect(verifyConsistency(BigInt(m), BigInt(n), proof, tree.root(m), tree.root(n))).toEqual({
        ok: true,
      });
    }
  });
});

const flip = (b: Buffer, bit: number): Buffer => {
  const c = Buffer.from(b);
  c[bit >> 3] = (c[bit >> 3] as number) ^ (1 << (bit & 7));
  return c;
};
const same = (a: readonly Buffer[], b: readonly Buffer[]): boolean =>
  a.length === b.length && a.every((x, i) => x.equals(b[i] as Buffer));

describe('verification of mutated proofs, against the oracle', () => {
  const small = NaiveTree.ofData(leaves.slice(0, 300));
  const garbage = randomBytes(32);

  interface Claim {
    m: number;
    n: number;
    leaf: Buffer;
    proof: Buffer[];
    root: Buffer;
  }
  const inclusionValid = (c: Claim): boolean =>
    c.m >= 0 &&
    c.m < c.n &&
    c.n <= 300 &&
    c.leaf.equals(small.leaves[c.m] as Buffer) &&
    c.root.equals(small.root(c.n)) &&
    same(c.proof, small.inclusion(c.m, c.n));

  it('inclusion: every mutation is refused unless it is a true claim', () => {
    let refused = 0;
    for (const n of [1, 2, 3, 5, 8, 9, 13, 64, 100, 255, 256, 257, 299]) {
      for (const m of new Set([0, n - 1, Math.floor(n / 3)])) {
        const base: Claim = {
          m,
          n,
          leaf: small.leaves[m] as Buffer,
          proof: small.inclusion(m, n),
          root: small.root(n),
        };
        const mutants: Claim[] = [
          { ...base, leaf: garbage },
          { ...base, m: m + 1 },
          { ...base, m: m - 1 },
          { ...base, m: m ^ 2 },
          { ...base, n: n * 2 },
          { ...base, n: Math.floor(n / 2) },
          { ...base, root: garbage },
          { ...base, root: Buffer.alloc(0) },
          { ...base, proof: [garbage, ...base.proof] },
          { ...base, proof: [...base.proof, garbage] },
          { ...base, proof: [base.root, ...base.proof] },
          { ...base, proof: [...base.proof, base.root] },
          { ...base, proof: base.proof.slice(1) },
          { ...base, proof: base.proof.slice(0, -1) },
          { ...base, proof: base.proof.map((p) => p.subarray(0, 31)) },
          ...base.proof.map((_, i) => ({
            ...base,
            proof: base.proof.map((p, j) => (j === i ? flip(p, 7 + i) : p)),
          })),
        ];
        expect(verifyInclusion(BigInt(m), BigInt(n), base.leaf, base.proof, base.root).ok).toBe(true);
        for (const c of mutants) {
          const r = verifyInclusion(BigInt(c.m), BigInt(c.n), c.leaf, c.proof, c.root);
          expect(r.ok).toBe(inclusionValid(c));
          if (!r.ok) refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(500);
  });

  it('consistency: every mutation is refused unless it is a true claim', () => {
    let refused = 0;
    const valid = (a: number, b: number, proof: Buffer[], r1: Buffer, r2: Buffer): boolean =>
      a > 0 &&
      a <= b &&
      b <= 300 &&
      r1.equals(small.root(a)) &&
      r2.equals(small.root(b)) &&
      same(proof, small.consistency(a, b));
    for (const [a, b] of [
      [1, 1],
      [1, 2],
      [1, 8],
      [2, 5],
      [3, 7],
      [4, 4],
      [4, 9],
      [6, 8],
      [7, 8],
      [100, 256],
      [255, 256],
      [256, 257],
      [129, 299],
    ] as const) {
      const proof = small.consistency(a, b);
      const r1 = small.root(a);
      const r2 = small.root(b);
      expect(verifyConsistency(BigInt(a), BigInt(b), proof, r1, r2).ok).toBe(true);
      const mutants: Array<[number, number, Buffer[], Buffer, Buffer]> = [
        [a, b, proof, garbage, r2],
        [a, b, proof, r1, garbage],
        [a, b, proof, r2, r1],
        [a + 1, b, proof, r1, r2],
        [a - 1, b, proof, r1, r2],
        [a ^ 2, b, proof, r1, r2],
        [a, b * 2, proof, r1, r2],
        [a, Math.floor(b / 2), proof, r1, r2],
        [a * 2, b, proof, r1, r2],
        [0, b, proof, r1, r2],
        [b, a, proof, r2, r1],
        [a, b, [], r1, r2],
        [a, b, [garbage, ...proof], r1, r2],
        [a, b, [...proof, garbage], r1, r2],
        [a, b, [r1, ...proof], r1, r2],
        [a, b, [...proof, r2], r1, r2],
        [a, b, proof.slice(1), r1, r2],
        [a, b, proof.slice(0, -1), r1, r2],
        ...proof.map((_, i): [number, number, Buffer[], Buffer, Buffer] => [
          a,
          b,
          proof.map((p, j) => (j === i ? flip(p, 3 + i) : p)),
          r1,
          r2,
        ]),
      ];
      for (const [x, y, p, q1, q2] of mutants) {
        const r = verifyConsistency(BigInt(x), BigInt(y), p, q1, q2);
        expect(r.ok).toBe(valid(x, y, p, q1, q2));
        if (!r.ok) refused++;
      }
    }
    expect(refused).toBeGreaterThan(200);
  });

  it('names the problem', () => {
    const p = small.inclusion(3, 8);
    expect(verifyInclusion(8n, 8n, small.leaves[3] as Buffer, p, small.root(8))).toMatchObject({
      problem: 'index_out_of_range',
    });
    expect(verifyInclusion(3n, 8n, Buffer.alloc(31), p, small.root(8))).toMatchObject({
      problem: 'bad_hash_size',
    });
    expect(verifyInclusion(3n, 8n, small.leaves[3] as Buffer, p.slice(1), small.root(8))).toMatchObject({
      problem: 'wrong_proof_size',
    });
    expect(verifyInclusion(3n, 8n, small.leaves[4] as Buffer, p, small.root(8))).toMatchObject({
      problem: 'root_mismatch',
    });
    const c = small.consistency(3, 8);
    expect(verifyConsistency(0n, 8n, c, small.root(3), small.root(8))).toMatchObject({
      problem: 'empty_tree',
    });
    expect(verifyConsistency(8n, 3n, c, small.root(3), small.root(8))).toMatchObject({
      problem: 'size_order',
    });
    expect(verifyConsistency(8n, 8n, c, small.root(8), small.root(8))).toMatchObject({
      problem: 'proof_not_empty',
    });
    expect(verifyConsistency(3n, 8n, [], small.root(3), small.root(8))).toMatchObject({
      problem: 'empty_proof',
    });
    expect(verifyConsistency(3n, 8n, c, small.root(4), small.root(8))).toMatchObject({
      problem: 'root1_mismatch',
    });
    expect(verifyConsistency(3n, 8n, c, small.root(3), small.root(9))).toMatchObject({
      problem: 'root_mismatch',
    });
  });

  it('works above 2^32 leaves (BigInt arithmetic): a proof of an index past 2^40 in a tree of 2^41 + 3', async () => {
    // Every leaf is L but leaf m, which is X: a subtree without m has a hash that depends on its
    // height alone, so any node of a tree no one could store is computed in O(height).
    const n = (1n << 41n) + 3n;
    const m = (1n << 40n) + 12345n;
    const L = hashLeaf(Buffer.from('L'));
    const X = hashLeaf(Buffer.from('X'));
    const uniform: Buffer[] = [L];
    for (let i = 1; i <= 64; i++)
      uniform.push(hashChildren(uniform[i - 1] as Buffer, uniform[i - 1] as Buffer));
    const node = (level: number, index: bigint): Buffer => {
      const lo = index << BigInt(level);
      if (m < lo || m >= lo + (1n << BigInt(level))) return uniform[level] as Buffer;
      if (level === 0) return X;
      return hashChildren(node(level - 1, 2n * index), node(level - 1, 2n * index + 1n));
    };
    const src = { nodeHashes: async (ids: readonly NodeId[]) => ids.map((i) => node(i.level, i.index)) };
    const proof = await inclusionProof(src, m, n);
    expect(proof).toHaveLength(42);
    const root = await treeRoot(src, n);
    expect(verifyInclusion(m, n, X, proof, root)).toEqual({ ok: true });
    expect(verifyInclusion(m + 1n, n, X, proof, root).ok).toBe(false);
    const cp = await consistencyProof(src, m, n);
    expect(verifyConsistency(m, n, cp, await treeRoot(src, m), root)).toEqual({ ok: true });
  });
});
