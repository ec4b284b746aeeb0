import { hashLeaf } from './hash';
import type { TileStore } from './tile-store';
import {
  decodeEntryBundle,
  decodeHashTile,
  encodeEntryBundle,
  encodeHashTile,
  entriesKey,
  TILE_HEIGHT,
  TILE_WIDTH,
  tileKey,
  tileLevels,
  tileWidth,
} from './tiles';
import { TreeBuilder, type Tile } from './tree';

/** The right edge of the tiled tree at `size`: its partial tiles and partial entry bundle. */
export interface Edge {
  size: bigint;
  /** rows[L]: hashes of the partial tile at level L (empty when that level has no partial tile). */
  rows: Buffer[][];
  /** Leaf data of the partial entry bundle. */
  entries: Buffer[];
}

async function mustGet(store: TileStore, key: string): Promise<Buffer> {
  const b = await store.get(key);
  if (!b) throw new RangeError(`ledger object ${key} is missing: the tree was never integrated to this size`);
  return b;
}

/** Reads the edge of the tree of `size` from its partial tiles (the ones written for that size). */
export async function readEdge(store: TileStore, size: bigint): Promise<Edge> {
  const levels = tileLevels(size);
  const rows = await Promise.all(
    Array.from({ length: levels }, async (_, level) => {
      const index = size >> BigInt(TILE_HEIGHT * (level + 1));
      const w = tileWidth(level, index, size);
      return w === 0 ? [] : decodeHashTile(await mustGet(store, tileKey(level, index, w)), w);
    }),
  );
  const w = tileWidth(0, size >> BigInt(TILE_HEIGHT), size);
  let entries: Buffer[] = [];
  if (w > 0) {
    entries = decodeEntryBundle(await mustGet(store, entriesKey(size >> BigInt(TILE_HEIGHT), w)));
    if (entries.length !== w)
      throw new RangeError(`entry bundle at size ${size} holds ${entries.length} entries, not ${w}`);
  }
  return { size, rows, entries };
}

/** Runs writes with at most `limit` in flight; the first failure is thrown once all settled. */
class WritePool {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private failed = false;
  created = 0;
  existed = 0;

  constructor(private readonly limit: number) {}

  async add(write: () => Promise<'created' | 'existed'>): Promise<void> {
    if (this.failed) return;
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    const p: Promise<void> = write().then(
      (r) => {
        if (r === 'created') this.created++;
        else this.existed++;
      },
      (err: unknown) => {
        if (!this.failed) {
          this.failed = true;
          this.failure = err;
        }
      },
    );
    const tracked = p.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failed) throw this.failure;
  }
}

export interface IntegrateOptions {
  store: TileStore;
  /** The size the tiles are at now (the latest checkpoint's size; 0 for a new log). */
  fromSize: bigint;
  /** Leaf data of the new entries, in ledger order (index fromSize, fromSize + 1, ...). */
  leaves: readonly Uint8Array[];
  /** Object writes in flight at once (default 8). */
  concurrency?: number;
}

export interface Integrated {
  size: bigint;
  root: Buffer;
  /** Objects written, and objects found already there with the same bytes (a resumed run). */
  created: number;
  existed: number;
}

/**
 * Appends leaves to the tiled tree of `fromSize` leaves: writes every entry bundle and tile that
 * the new leaves complete, then the partial bundle and partial tiles of the new size (those of
 * earlier sizes stay: nothing is overwritten). Each object is create-only, so a run cut short
 * (a crash) is resumed by running it again; different bytes under an existing key (other leaves
 * than last time) are a ConflictError and nothing further is written. Returns the new root; no
 * checkpoint is signed here (see publishCheckpoint).
 */
export async function integrate(options: IntegrateOptions): Promise<Integrated> {
  const { store, fromSize, leaves } = options;
  const edge = await readEdge(store, fromSize);
  const tree = new TreeBuilder(fromSize, edge.rows);
  if (leaves.length === 0) return { size: fromSize, root: tree.root(), created: 0, existed: 0 };

  const pool = new WritePool(options.concurrency ?? 8);
  const writeTile = (t: Tile): Promise<void> =>
    pool.add(() => store.create(tileKey(t.level, t.index, t.hashes.length), encodeHashTile(t.hashes)));
  let bundle: Uint8Array[] = [...edge.entries];
  let bundleIndex = fromSize >> BigInt(TILE_HEIGHT);
  const full: Tile[] = [];
  for (const data of leaves) {
    bundle.push(data);
    tree.append(hashLeaf(data), (t) => full.push(t));
    if (bundle.length === TILE_WIDTH) {
      const bytes = encodeEntryBundle(bundle);
      const key = entriesKey(bundleIndex);
      await pool.add(() => store.create(key, bytes));
      bundle = [];
      bundleIndex++;
    }
    for (const t of full.splice(0)) await writeTile(t);
  }
  if (bundle.length > 0) {
    const bytes = encodeEntryBundle(bundle);
    const key = entriesKey(bundleIndex, bundle.length);
    await pool.add(() => store.create(key, bytes));
  }
  // Partial tiles of the new size; a level whose edge did not change already has its object.
  for (const t of tree.partialTiles()) {
    const before = edge.rows[t.level]?.length ?? 0;
    const unchanged =
      t.index === fromSize >> BigInt(TILE_HEIGHT * (t.level + 1)) && before === t.hashes.length;
    if (!unchanged) await writeTile(t);
  }
  await pool.drain();
  return { size: tree.size, root: tree.root(), created: pool.created, existed: pool.existed };
}
