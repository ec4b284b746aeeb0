import { HASH_SIZE, hashChildren } from './hash';
import { TILE_HEIGHT } from './tiles';

/**
 * One tile's hashes and the perfect subtrees inside it, held as one buffer a row: row 0 is the
 * tile itself, row r the nodes 2^r of its hashes wide (RFC 9162 interior nodes, computed the first
 * time one is asked for, all rows at once: at most 255 SHA-256 a tile). A tile then costs ~16 KB
 * and a handful of objects, where 256 hashes and a map of their subtrees cost some 60 KB of heap
 * objects: an export's proofs keep hundreds of tiles (docs/decisions/0024-export-memory.md).
 */
export class TileNodes {
  private rows: Buffer[] | null = null;

  constructor(
    private readonly bytes: Buffer,
    readonly width: number,
  ) {}

  /** The hash of node `j` of row `r` (0 <= r < 8), or undefined when the tile does not hold it. */
  node(r: number, j: number): Buffer | undefined {
    if (j < 0 || (j + 1) << r > this.width) return undefined;
    const row = r === 0 ? this.bytes : (this.rows ??= this.interior())[r];
    return row?.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE);
  }

  private interior(): Buffer[] {
    const rows = [this.bytes];
    const at = (row: Buffer, j: number): Buffer => row.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE);
    for (let r = 1; r < TILE_HEIGHT; r++) {
      const below = rows[r - 1] as Buffer;
      const n = this.width >> r;
      const row = Buffer.allocUnsafe(n * HASH_SIZE);
      for (let j = 0; j < n; j++)
        hashChildren(at(below, 2 * j), at(below, 2 * j + 1)).copy(row, j * HASH_SIZE);
      rows.push(row);
    }
    return rows;
  }
}
