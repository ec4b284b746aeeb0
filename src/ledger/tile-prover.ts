import { foldRange, rangeNodes } from './hash';
import type { TileReader } from './reader';
import type { TileNodes } from './tile-nodes';
import { TILE_HEIGHT } from './tiles';

const TWO_31 = 2 ** 31;

/** The largest power of two below w (w >= 2): RFC 9162's k. */
function splitPoint(w: number): number {
  if (w - 1 < TWO_31) return 1 << (31 - Math.clz32(w - 1));
  let k = TWO_31;
  while (k * 2 < w) k *= 2;
  return k;
}

/** log2(w) when w is a power of two, else -1. */
function exactLog2(w: number): number {
  if (w < TWO_31) return (w & (w - 1)) === 0 ? 31 - Math.clz32(w) : -1;
  let h = 31;
  let p = TWO_31;
  while (p < w) {
    p *= 2;
    h += 1;
  }
  return p === w ? h : -1;
}

/**
 * Inclusion proofs (RFC 9162 §2.1.3.1) of many leaves of one tree, in any order (an export's
 * records, sorted by business date, are scattered over the ledger). Every hash of a path is either
 * a perfect subtree, read from the tile that holds it (TileNodes: one lookup), or the MTH of a
 * range [x, size) on the tree's right edge, of which a tree has fewer than 64, each folded once.
 * Tiles are kept up to `maxTiles` (default 1024, ~16 MB; least recently used dropped), so memory
 * is bounded whatever the number of proofs, and a cached tile is never fetched again. Each answer
 * equals `inclusionProof` (src/ledger/proof.ts) for the same leaf; the arithmetic is in Numbers,
 * so a tree of more than 2^53 leaves is refused.
 */
export class TiledInclusionProver {
  private readonly tiles = new Map<number, TileNodes>();
  private readonly edge = new Map<number, Buffer>();
  private readonly n: number;
  private readonly maxTiles: number;

  constructor(
    private readonly reader: TileReader,
    readonly size: bigint,
    options?: { maxTiles?: number },
  ) {
    if (size > reader.size)
      throw new RangeError(`a tree of size ${size} is not in a reader of size ${reader.size}`);
    if (size > BigInt(Number.MAX_SAFE_INTEGER))
      throw new RangeError(`a tree of size ${size} is too large to prove here`);
    this.n = Number(size);
    this.maxTiles = Math.max(1, options?.maxTiles ?? 1024);
  }

  async inclusionProof(index: bigint): Promise<Buffer[]> {
    if (index < 0n || index >= this.size)
      throw new RangeError(`index ${index} is not in a tree of size ${this.size}`);
    const m = Number(index);
    // PATH(m, D[0:n]) top down: at each split the range of the other side.
    const bounds: number[] = [];
    let lo = 0;
    let hi = this.n;
    while (hi - lo > 1) {
      const k = splitPoint(hi - lo);
      if (m < lo + k) {
        bounds.push(lo + k, hi);
        hi = lo + k;
      } else {
        bounds.push(lo, lo + k);
        lo += k;
      }
    }
    const proof: Buffer[] = [];
    for (let i = bounds.length - 2; i >= 0; i -= 2) {
      const from = bounds[i] as number;
      const to = bounds[i + 1] as number;
      const h = exactLog2(to - from);
      const hash = h >= 0 ? this.perfect(h, from / 2 ** h) : this.rightEdge(from);
      // Most hashes come from a cached tile: no promise, no turn of the microtask queue.
      proof.push(hash instanceof Buffer ? hash : await hash);
    }
    return proof;
  }

  /** MTH(D[from:size]), a range that is not a perfect subtree (only the right edge has those). */
  private rightEdge(from: number): Buffer | Promise<Buffer> {
    const known = this.edge.get(from);
    if (known !== undefined) return known;
    return (async () => {
      const hashes: Buffer[] = [];
      for (const id of rangeNodes(BigInt(from), this.size))
        hashes.push(await this.perfect(id.level, Number(id.index)));
      const h = foldRange(hashes);
      this.edge.set(from, h);
      return h;
    })();
  }

  /** The hash of the perfect subtree of height `level` whose index at that height is `index`. */
  private perfect(level: number, index: number): Buffer | Promise<Buffer> {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const r = level % TILE_HEIGHT;
    const across = 2 ** (TILE_HEIGHT - r); // nodes of this height a tile holds
    const tileIndex = Math.floor(index / across);
    const key = tileIndex * 8 + tileLevel;
    const j = index - tileIndex * across;
    const tile = this.tiles.get(key);
    if (tile !== undefined) {
      this.tiles.delete(key);
      this.tiles.set(key, tile);
      return nodeOf(tile, r, j, tileLevel, tileIndex);
    }
    return this.reader.tile(tileLevel, BigInt(tileIndex)).then((fetched) => {
      this.tiles.set(key, fetched);
      if (this.tiles.size > this.maxTiles) this.tiles.delete(this.tiles.keys().next().value as number);
      return nodeOf(fetched, r, j, tileLevel, tileIndex);
    });
  }
}

function nodeOf(tile: TileNodes, r: number, j: number, tileLevel: number, tileIndex: number): Buffer {
  const hash = tile.node(r, j);
  if (hash === undefined)
    throw new RangeError(
      `tile ${tileLevel}/${tileIndex} (${tile.width} wide) holds no node ${j} of height ${r}`,
    );
  return hash;
}
