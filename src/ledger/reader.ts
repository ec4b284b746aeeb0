import { HASH_SIZE, type NodeId } from './hash';
import type { HashSource } from './proof';
import type { TileStore } from './tile-store';
import {
  checkHashTile,
  decodeEntryBundle,
  entriesKey,
  TILE_HEIGHT,
  TILE_WIDTH,
  tileKey,
  tileWidth,
} from './tiles';
import { TileNodes } from './tile-nodes';
import { tileOfNode } from './tree';

/**
 * Reads the tree of `size` leaves back from its tiles: any perfect subtree's hash (so roots and
 * proofs of this tree and of every smaller one, see proof.ts), each tile fetched once per call
 * and kept in a small cache. A partial tile that is gone (a later full tile replaced it in a
 * store that allows deletion) is read from the full tile, as tlog-tiles allows.
 */
export class TileReader implements HashSource {
  /** Tiles by key, least recently used first; each with its subtrees, computed once (TileNodes). */
  private readonly cache = new Map<string, Promise<TileNodes>>();
  private readonly cacheTiles: number;
  /** Tile objects fetched (cache misses). */
  fetches = 0;

  constructor(
    private readonly store: TileStore,
    readonly size: bigint,
    options?: { cacheTiles?: number },
  ) {
    this.cacheTiles = options?.cacheTiles ?? 64;
  }

  /** Tile (level, index) of this tree (partial when it is the rightmost one). */
  tile(level: number, index: bigint): Promise<TileNodes> {
    const width = tileWidth(level, index, this.size);
    if (width === 0)
      return Promise.reject(new RangeError(`tile ${level}/${index} is not in a tree of size ${this.size}`));
    const key = tileKey(level, index, width);
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const p = this.fetchTile(level, index, width);
    this.cache.set(key, p);
    p.catch(() => this.cache.delete(key));
    while (this.cache.size > this.cacheTiles) this.cache.delete(this.cache.keys().next().value as string);
    return p;
  }

  private async fetchTile(level: number, index: bigint, width: number): Promise<TileNodes> {
    this.fetches++;
    const key = tileKey(level, index, width);
    let bytes = await this.store.get(key);
    let stored = width;
    if (!bytes && width < TILE_WIDTH) {
      bytes = await this.store.get(tileKey(level, index));
      stored = TILE_WIDTH;
    }
    if (!bytes) throw new RangeError(`ledger tile ${key} is missing`);
    checkHashTile(bytes, stored);
    return new TileNodes(bytes.subarray(0, width * HASH_SIZE), width);
  }

  async nodeHashes(ids: readonly NodeId[]): Promise<Buffer[]> {
    const tiles = new Map<string, Promise<TileNodes>>(); // each tile once per call, whatever the cache
    return Promise.all(
      ids.map(async (id) => {
        if ((id.index + 1n) << BigInt(id.level) > this.size)
          throw new RangeError(`node ${id.level}/${id.index} is not in a tree of size ${this.size}`);
        const t = tileOfNode(id);
        const k = `${t.level}/${t.index}`;
        let p = tiles.get(k);
        if (!p) tiles.set(k, (p = this.tile(t.level, t.index)));
        const nodes = await p;
        const r = id.level % TILE_HEIGHT;
        const h = nodes.node(r, Number(id.index - (t.index << BigInt(TILE_HEIGHT - r))));
        if (h === undefined)
          throw new RangeError(`node ${id.level}/${id.index} is not in tile ${t.level}/${t.index}`);
        return h;
      }),
    );
  }
}

/** The leaf data in entry bundle `index` of the tree of `size` leaves. */
export async function readEntryBundle(store: TileStore, index: bigint, size: bigint): Promise<Buffer[]> {
  const width = tileWidth(0, index, size);
  if (width === 0) throw new RangeError(`entry bundle ${index} is not in a tree of size ${size}`);
  const key = entriesKey(index, width);
  let bytes = await store.get(key);
  if (!bytes && width < TILE_WIDTH) bytes = await store.get(entriesKey(index));
  if (!bytes) throw new RangeError(`ledger entry bundle ${key} is missing`);
  const entries = decodeEntryBundle(bytes);
  if (entries.length < width)
    throw new RangeError(`entry bundle ${key} holds ${entries.length} entries, not ${width}`);
  return entries.slice(0, width);
}

/**
 * The leaf data of entries `from` .. `size - 1` in ledger order, from the entry bundles alone
 * (what `reindex` restores ledger order from). Reads up to `prefetch` bundles ahead.
 */
export async function* readLeaves(
  store: TileStore,
  size: bigint,
  options?: { from?: bigint; prefetch?: number },
): AsyncGenerator<{ index: bigint; data: Buffer }> {
  const from = options?.from ?? 0n;
  const prefetch = Math.max(1, options?.prefetch ?? 4);
  if (from < 0n || from > size)
    throw new RangeError(`cannot read leaves from ${from} in a tree of size ${size}`);
  const first = from >> BigInt(TILE_HEIGHT);
  const end = (size + BigInt(TILE_WIDTH) - 1n) >> BigInt(TILE_HEIGHT);
  const ahead: Promise<Buffer[]>[] = [];
  let next = first;
  const fill = (): void => {
    while (ahead.length < prefetch && next < end) {
      const p = readEntryBundle(store, next, size);
      p.catch(() => undefined); // surfaced when awaited below
      ahead.push(p);
      next++;
    }
  };
  for (let b = first; b < end; b++) {
    fill();
    const entries = await (ahead.shift() as Promise<Buffer[]>);
    const base = b << BigInt(TILE_HEIGHT);
    for (let i = 0; i < entries.length; i++) {
      const index = base + BigInt(i);
      if (index >= from) yield { index, data: entries[i] as Buffer };
    }
  }
}
