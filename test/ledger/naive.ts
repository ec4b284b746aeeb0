import { createHash } from 'node:crypto';
import type { NodeId } from '../../src/ledger/hash';
import type { HashSource } from '../../src/ledger/proof';

/**
 * RFC 9162 §2.1 written out literally (recursive MTH, PATH and SUBPROOF over an array of leaf
 * data), with no code shared with src/ledger: the oracle the library is tested against.
 */

const sha = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export const naiveLeafHash = (d: Uint8Array): Buffer => sha(Buffer.from([0]), d);
const node = (l: Buffer, r: Buffer): Buffer => sha(Buffer.from([1]), l, r);

function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

/** A naive tree over leaf hashes, with memoised MTH of ranges. */
export class NaiveTree {
  private readonly memo = new Map<string, Buffer>();
  constructor(readonly leaves: Buffer[]) {}

  static ofData(data: Uint8Array[]): NaiveTree {
    return new NaiveTree(data.map(naiveLeafHash));
  }

  mth(lo: number, hi: number): Buffer {
    if (hi === lo) return sha();
    if (hi - lo === 1) return this.leaves[lo] as Buffer;
    const key = `${lo}:${hi}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const s = k(hi - lo);
    const h = node(this.mth(lo, lo + s), this.mth(lo + s, hi));
    this.memo.set(key, h);
    return h;
  }

  root(n: number): Buffer {
    return this.mth(0, n);
  }

  path(m: number, lo: number, hi: number): Buffer[] {
    if (hi - lo <= 1) return [];
    const s = k(hi - lo);
    if (m < s) return [...this.path(m, lo, lo + s), this.mth(lo + s, hi)];
    return [...this.path(m - s, lo + s, hi), this.mth(lo, lo + s)];
  }

  inclusion(m: number, n: number): Buffer[] {
    return this.path(m, 0, n);
  }

  private subproof(m: number, lo: number, hi: number, b: boolean): Buffer[] {
    const n = hi - lo;
    if (m === n) return b ? [] : [this.mth(lo, hi)];
    const s = k(n);
    if (m <= s) return [...this.subproof(m, lo, lo + s, b), this.mth(lo + s, hi)];
    return [...this.subproof(m - s, lo + s, hi, false), this.mth(lo, lo + s)];
  }

  consistency(m: number, n: number): Buffer[] {
    return this.subproof(m, 0, n, true);
  }

  /** The tree as a HashSource (perfect subtrees straight from the naive MTH). */
  source(size: number): HashSource & { reads: number } {
    const mth = (lo: number, hi: number): Buffer => this.mth(lo, hi);
    const src = {
      reads: 0,
      async nodeHashes(ids: readonly NodeId[]): Promise<Buffer[]> {
        src.reads += ids.length;
        return ids.map(({ level, index }) => {
          const lo = Number(index) * 2 ** level;
          const hi = lo + 2 ** level;
          if (hi > size) throw new Error(`node ${level}/${index} is outside the tree of size ${size}`);
          return mth(lo, hi);
        });
      },
    };
    return src;
  }
}

/** The leaves of the RFC 6962 / transparency-dev test trees: "" 00 10 2021 3031 40414243 … */
export const REFERENCE_LEAVES: Buffer[] = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((h) => Buffer.from(h, 'hex'));
