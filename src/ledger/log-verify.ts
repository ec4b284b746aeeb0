import { openCheckpoint } from './checkpoint';
import { hashLeaf } from './hash';
import type { VerifierKey } from './note';
import { consistencyProof } from './proof';
import { TileReader } from './reader';
import type { TileStore } from './tile-store';
import {
  CHECKPOINT_PREFIX,
  decodeEntryBundle,
  decodeHashTile,
  encodeEntryBundle,
  entriesKey,
  parseCheckpointKey,
  TILE_HEIGHT,
  TILE_WIDTH,
  tileKey,
  tileWidth,
} from './tiles';
import { TreeBuilder, type Tile } from './tree';
import { verifyConsistency } from './verify-proof';

export type LogProblem =
  /** An object under ledger/checkpoint/ that is not named `<20 digits>`. */
  | 'checkpoint_misplaced'
  /** A checkpoint whose signature, format or origin does not verify, or whose size is not its name's. */
  | 'checkpoint_invalid'
  /** An entry bundle that should exist does not. */
  | 'entries_missing'
  /** An entry bundle that does not decode, holds the wrong number of entries, or (partial) disagrees with the full one. */
  | 'entries_mismatch'
  /** A hash tile that should exist does not. */
  | 'tile_missing'
  /** A hash tile that is not what the entries hash to. */
  | 'tile_mismatch'
  /** A checkpoint whose root is not the root of the entries. */
  | 'root_mismatch'
  /** A checkpoint not consistent with the one before it. */
  | 'inconsistent'
  /** The remembered checkpoint (--state) is of a larger tree than the latest checkpoint: the log went back. */
  | 'state_ahead'
  /** The remembered checkpoint's root is not the root of the log at its size. */
  | 'state_mismatch';

export interface VerifiedCheckpoint {
  key: string;
  size: bigint;
  root: Buffer;
  note: string;
}

export type LogReport =
  | {
      ok: true;
      /** Leaves checked (the latest checkpoint's size; 0 for a log without checkpoints). */
      size: bigint;
      checkpoints: number;
      /** The latest checkpoint: what an auditor remembers for the next run (--state). */
      latest: VerifiedCheckpoint | null;
    }
  | {
      ok: false;
      problem: LogProblem;
      /** The object (or checkpoint) where the first problem is. */
      where: string;
      message: string;
      /** Leaves that checked out before the problem. */
      verifiedSize: bigint;
    };

export interface VerifyLogOptions {
  store: TileStore;
  key: VerifierKey;
  /** Expected checkpoint origin (default: the key's name). */
  origin?: string;
  /** A checkpoint remembered from an earlier run (an auditor's --state): prove consistency from it. */
  from?: { size: bigint; root: Buffer };
  /** Bundles read ahead (default 8). */
  prefetch?: number;
}

class Failure {
  constructor(
    readonly problem: LogProblem,
    readonly where: string,
    readonly message: string,
  ) {}
}

const sameHashes = (a: readonly Buffer[], b: readonly Buffer[]): boolean =>
  a.length === b.length && a.every((h, i) => h.equals(b[i] as Buffer));

/**
 * Checks the whole log from the bucket alone: every checkpoint's signature; every entry bundle
 * and hash tile against a tree recomputed from the entries (full tiles, and the partial tiles and
 * bundles of every checkpointed size); each checkpoint's root against that tree; each checkpoint's
 * consistency with the next (a proof from the tiles, checked against both signed roots); and,
 * with `from`, the consistency of a remembered checkpoint with the latest one. Reports the first
 * problem; storage failures other than a missing object are thrown.
 */
export async function verifyLog(options: VerifyLogOptions): Promise<LogReport> {
  const { store, key } = options;
  let verifiedSize = 0n;
  try {
    const checkpoints = await readCheckpoints(store, key, options.origin ?? key.name);
    const latest = checkpoints[checkpoints.length - 1] ?? null;
    const size = latest?.size ?? 0n;
    const from = options.from;
    if (from && from.size > size)
      throw new Failure(
        'state_ahead',
        latest?.key ?? CHECKPOINT_PREFIX,
        `the remembered checkpoint is of size ${from.size}, the log's latest of size ${size}`,
      );

    const tree = new TreeBuilder();
    const stops = new Map<bigint, VerifiedCheckpoint[]>();
    for (const c of checkpoints) stops.set(c.size, [...(stops.get(c.size) ?? []), c]);
    let previous: VerifiedCheckpoint | undefined;

    const atSize = async (bundle: Buffer[] = []): Promise<void> => {
      const s = tree.size;
      if (from && from.size === s && !tree.root().equals(from.root))
        throw new Failure(
          'state_mismatch',
          '--state',
          `the remembered root of size ${s} is not the log's root at that size`,
        );
      for (const c of stops.get(s) ?? []) {
        if (!tree.root().equals(c.root))
          throw new Failure(
            'root_mismatch',
            c.key,
            `checkpoint ${c.key} does not sign the root of the entries`,
          );
        await checkPartials(store, tree, c.key);
        await checkPartialBundle(store, s, bundle);
        if (previous && previous.size > 0n) {
          // A reader at this checkpoint's size reads only tiles the walk has checked already: full
          // tiles below its size and the partial tiles of this size (checked just above).
          const at = new TileReader(store, c.size);
          const proof = await consistencyProof(at, previous.size, c.size);
          const r = verifyConsistency(previous.size, c.size, proof, previous.root, c.root);
          if (!r.ok)
            throw new Failure(
              'inconsistent',
              c.key,
              `${c.key} is not consistent with ${previous.key}: ${r.message}`,
            );
        }
        previous = c;
      }
    };

    await atSize();
    const bundles = (size + BigInt(TILE_WIDTH) - 1n) >> BigInt(TILE_HEIGHT);
    const prefetch = Math.max(1, options.prefetch ?? 8);
    const ahead: Promise<[Buffer | null, Buffer | null]>[] = [];
    let next = 0n;
    for (let b = 0n; b < bundles; b++) {
      while (ahead.length < prefetch && next < bundles) {
        const w = tileWidth(0, next, size);
        const p = Promise.all([
          store.get(entriesKey(next, w)),
          w === TILE_WIDTH ? store.get(tileKey(0, next)) : null,
        ]);
        p.catch(() => undefined);
        ahead.push(p);
        next++;
      }
      const [bundleBytes, tileBytes] = await (ahead.shift() as Promise<[Buffer | null, Buffer | null]>);
      const width = tileWidth(0, b, size);
      const bundleKey = entriesKey(b, width);
      if (!bundleBytes)
        throw new Failure('entries_missing', bundleKey, `entry bundle ${bundleKey} is missing`);
      let entries: Buffer[];
      try {
        entries = decodeEntryBundle(bundleBytes);
      } catch (err) {
        throw new Failure(
          'entries_mismatch',
          bundleKey,
          `entry bundle ${bundleKey}: ${(err as Error).message}`,
        );
      }
      if (entries.length !== width)
        throw new Failure(
          'entries_mismatch',
          bundleKey,
          `entry bundle ${bundleKey} holds ${entries.length} entries, not ${width}`,
        );
      const full: Tile[] = [];
      for (const e of entries) {
        tree.append(hashLeaf(e), (t) => full.push(t));
        if (stops.has(tree.size) || from?.size === tree.size) {
          await checkTiles(store, full, tileBytes);
          await atSize(entries);
        }
      }
      await checkTiles(store, full, tileBytes);
      verifiedSize = tree.size;
    }
    if (from && latest && from.size > 0n && from.size < size) {
      const at = new TileReader(store, size);
      const proof = await consistencyProof(at, from.size, size);
      const r = verifyConsistency(from.size, size, proof, from.root, latest.root);
      if (!r.ok)
        throw new Failure(
          'state_mismatch',
          latest.key,
          `${latest.key} is not consistent with the remembered checkpoint: ${r.message}`,
        );
    }
    return { ok: true, size, checkpoints: checkpoints.length, latest };
  } catch (err) {
    if (err instanceof Failure)
      return { ok: false, problem: err.problem, where: err.where, message: err.message, verifiedSize };
    throw err;
  }
}

async function readCheckpoints(
  store: TileStore,
  key: VerifierKey,
  origin: string,
): Promise<VerifiedCheckpoint[]> {
  const out: VerifiedCheckpoint[] = [];
  for await (const objectKey of store.list(CHECKPOINT_PREFIX)) {
    const size = parseCheckpointKey(objectKey);
    if (size === undefined)
      throw new Failure(
        'checkpoint_misplaced',
        objectKey,
        `${objectKey} is not a checkpoint name (20 digits)`,
      );
    const bytes = await store.get(objectKey);
    if (!bytes)
      throw new Failure(
        'checkpoint_invalid',
        objectKey,
        `checkpoint ${objectKey} is listed but cannot be read`,
      );
    const opened = openCheckpoint(bytes, key, origin);
    if (!opened.ok)
      throw new Failure('checkpoint_invalid', objectKey, `checkpoint ${objectKey}: ${opened.message}`);
    if (opened.checkpoint.size !== size)
      throw new Failure(
        'checkpoint_invalid',
        objectKey,
        `checkpoint ${objectKey} is of size ${opened.checkpoint.size}`,
      );
    out.push({ key: objectKey, size, root: opened.checkpoint.root, note: bytes.toString('utf8') });
  }
  return out.sort((a, b) => (a.size < b.size ? -1 : a.size > b.size ? 1 : 0));
}

/** Full tiles just completed by the recomputation against the stored ones. */
async function checkTiles(store: TileStore, tiles: Tile[], level0: Buffer | null): Promise<void> {
  for (const t of tiles) {
    const k = tileKey(t.level, t.index);
    const bytes = t.level === 0 ? level0 : await store.get(k);
    if (!bytes) throw new Failure('tile_missing', k, `tile ${k} is missing`);
    if (bytes.length !== TILE_WIDTH * 32 || !sameHashes(decodeHashTile(bytes, TILE_WIDTH), t.hashes))
      throw new Failure('tile_mismatch', k, `tile ${k} is not the hash of the entries below it`);
  }
  tiles.length = 0;
}

/** The partial tiles a checkpointed size must have (tlog-tiles: logs MUST serve them). */
async function checkPartials(store: TileStore, tree: TreeBuilder, where: string): Promise<void> {
  for (const t of tree.partialTiles()) {
    const k = tileKey(t.level, t.index, t.hashes.length);
    const bytes = await store.get(k);
    if (!bytes) throw new Failure('tile_missing', k, `tile ${k} (of checkpoint ${where}) is missing`);
    if (
      bytes.length !== t.hashes.length * 32 ||
      !sameHashes(decodeHashTile(bytes, t.hashes.length), t.hashes)
    )
      throw new Failure('tile_mismatch', k, `tile ${k} is not the hash of the entries below it`);
  }
}

/** The partial entry bundle of a checkpointed size: the first entries of its full bundle. */
async function checkPartialBundle(store: TileStore, size: bigint, entries: Buffer[]): Promise<void> {
  const width = Number(size % BigInt(TILE_WIDTH));
  if (width === 0 || width === entries.length) return; // a full bundle, or the one just read
  const k = entriesKey(size >> BigInt(TILE_HEIGHT), width);
  const bytes = await store.get(k);
  if (!bytes) throw new Failure('entries_missing', k, `entry bundle ${k} is missing`);
  if (!bytes.equals(encodeEntryBundle(entries.slice(0, width))))
    throw new Failure(
      'entries_mismatch',
      k,
      `entry bundle ${k} is not the first ${width} entries of its bundle`,
    );
}
