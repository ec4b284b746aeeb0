import { foldRange, perfectRoot, rangeNodes, type NodeId } from './hash';
import { TILE_HEIGHT, TILE_WIDTH, tileLevels } from './tiles';

/** A tile's content: the hashes at `level` (of subtrees of height 8 * level), tile index `index`. */
export interface Tile {
  level: number;
  index: bigint;
  hashes: Buffer[];
}

/**
 * The hash of a perfect subtree from the tile that holds it: a node of height 8L + r is the
 * perfect root over 2^r consecutive hashes of one tile at level L.
 */
export function nodeFromTile(id: NodeId, tileHashes: readonly Buffer[], tileIndex: bigint): Buffer {
  const r = id.level % TILE_HEIGHT;
  const first = (id.index << BigInt(r)) - tileIndex * BigInt(TILE_WIDTH);
  const count = 1 << r;
  if (first < 0n || first + BigInt(count) > BigInt(tileHashes.length))
    throw new RangeError(
      `node ${id.level}/${id.index} is not in tile ${Math.floor(id.level / TILE_HEIGHT)}/${tileIndex}`,
    );
  return perfectRoot(tileHashes, Number(first), count);
}

/** The tile (level, index) that holds a perfect subtree. */
export function tileOfNode(id: NodeId): { level: number; index: bigint } {
  const level = Math.floor(id.level / TILE_HEIGHT);
  const r = id.level % TILE_HEIGHT;
  return { level, index: id.index >> BigInt(TILE_HEIGHT - r) };
}

/**
 * The right edge of a tiled tree: for each tile level, the hashes of its rightmost, unfinished
 * tile. Appending leaf hashes finishes tiles (handed to `onFull`, in order: a tile before the
 * tile above it that it completes); the edge alone gives the root and the partial tiles.
 */
export class TreeBuilder {
  private readonly rows: Buffer[][];
  private sizeNow: bigint;

  /** `rows[L]` = hashes of the partial tile at level L of a tree of `size` (tileWidth of it). */
  constructor(size = 0n, rows: Buffer[][] = []) {
    const levels = tileLevels(size);
    if (rows.length > levels + 1) throw new RangeError('more edge rows than the tree has levels');
    for (let l = 0; l < levels; l++) {
      const want = Number((size >> BigInt(TILE_HEIGHT * l)) % BigInt(TILE_WIDTH));
      if ((rows[l]?.length ?? 0) !== want) throw new RangeError(`edge row ${l} must hold ${want} hashes`);
    }
    this.rows = rows.map((r) => [...r]);
    this.sizeNow = size;
  }

  get size(): bigint {
    return this.sizeNow;
  }

  /** Appends one leaf hash; calls onFull for each tile it completes. */
  append(leafHash: Buffer, onFull?: (tile: Tile) => void): void {
    this.sizeNow += 1n;
    let level = 0;
    let hash = leafHash;
    for (;;) {
      const row = this.rows[level] ?? (this.rows[level] = []);
      row.push(hash);
      if (row.length < TILE_WIDTH) return;
      const index = (this.sizeNow >> BigInt(TILE_HEIGHT * (level + 1))) - 1n;
      onFull?.({ level, index, hashes: row });
      hash = perfectRoot(row);
      this.rows[level] = [];
      level++;
    }
  }

  /** The partial tiles of the current size (the rows that are not empty), lowest level first. */
  partialTiles(): Tile[] {
    const out: Tile[] = [];
    this.rows.forEach((hashes, level) => {
      if (hashes.length > 0)
        out.push({ level, index: this.sizeNow >> BigInt(TILE_HEIGHT * (level + 1)), hashes: [...hashes] });
    });
    return out;
  }

  /** MTH of the tree as it is now. */
  root(): Buffer {
    const hashes = rangeNodes(0n, this.sizeNow).map((id) => {
      const t = tileOfNode(id);
      return nodeFromTile(id, this.rows[t.level] ?? [], t.index);
    });
    return foldRange(hashes);
  }
}
