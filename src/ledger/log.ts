import type { Signer } from '../cloud/signer';
import { LedgerConflictError } from '../errors';
import { openCheckpoint, signCheckpoint, type Checkpoint } from './checkpoint';
import { signerVerifierKey, type VerifierKey } from './note';
import { consistencyProof, treeRoot } from './proof';
import { TileReader } from './reader';
import type { TileStore } from './tile-store';
import { CHECKPOINT_PREFIX, checkpointKey, parseCheckpointKey } from './tiles';
import { verifyConsistency } from './verify-proof';

/**
 * The log's writer side, for the checkpointer: find the latest checkpoint, and sign and store a
 * new one only when the tiles show it consistent with it. Leaves go in with `integrate`
 * (integrate.ts). One writer at a time (the caller holds the lock); every object create-only.
 */

export interface StoredCheckpoint {
  /** Object key, `ledger/checkpoint/<size, 20 digits>`. */
  key: string;
  size: bigint;
  root: Buffer;
  /** The signed note, exactly as stored. */
  note: string;
}

/** Checkpoint object keys, smallest size first (the keys sort by size). */
export async function* listCheckpoints(
  store: TileStore,
  options?: { after?: bigint },
): AsyncGenerator<{ key: string; size: bigint }> {
  for await (const key of store.list(CHECKPOINT_PREFIX)) {
    const size = parseCheckpointKey(key);
    if (size === undefined) continue;
    if (options?.after !== undefined && size <= options.after) continue;
    yield { key, size };
  }
}

/**
 * The latest checkpoint (largest size), verified with `key`; null for a log that has none. A
 * latest checkpoint that does not verify, or whose size is not the one its key names, throws a
 * ConflictError: the checkpointer must stop and alert, never sign past it.
 */
export async function latestCheckpoint(store: TileStore, key: VerifierKey): Promise<StoredCheckpoint | null> {
  let last: { key: string; size: bigint } | undefined;
  for await (const c of listCheckpoints(store)) last = c;
  if (!last) return null;
  return readCheckpoint(store, key, last.key);
}

/** Reads and verifies one checkpoint object. */
export async function readCheckpoint(
  store: TileStore,
  key: VerifierKey,
  objectKey: string,
): Promise<StoredCheckpoint> {
  const bytes = await store.get(objectKey);
  if (!bytes) throw new LedgerConflictError(`checkpoint ${objectKey} is listed but cannot be read`);
  const note = bytes.toString('utf8');
  const opened = openCheckpoint(bytes, key);
  if (!opened.ok) throw new LedgerConflictError(`checkpoint ${objectKey} does not verify: ${opened.message}`);
  if (checkpointKey(opened.checkpoint.size) !== objectKey)
    throw new LedgerConflictError(`checkpoint ${objectKey} is of size ${opened.checkpoint.size}`);
  return { key: objectKey, size: opened.checkpoint.size, root: opened.checkpoint.root, note };
}

export interface PublishOptions {
  store: TileStore;
  signer: Signer;
  /** The log's origin, also its key name. */
  origin: string;
  /** The tree the tiles were integrated to (integrate's answer). */
  size: bigint;
  root: Buffer;
}

export interface Published extends StoredCheckpoint {
  /** False when the latest checkpoint already was this tree (nothing new was signed). */
  created: boolean;
}

/**
 * Signs and stores the checkpoint of the tree of `size` leaves. Refuses (ConflictError) a size
 * below the latest checkpoint's, a root the tiles do not give, and a tree the tiles do not show
 * consistent with the latest checkpoint (a consistency proof generated from the tiles and
 * verified against both roots): the log never signs two inconsistent checkpoints.
 */
export async function publishCheckpoint(options: PublishOptions): Promise<Published> {
  const { store, signer, origin, size, root } = options;
  const vkey = await signerVerifierKey(origin, signer);
  const latest = await latestCheckpoint(store, vkey);
  if (latest && size < latest.size)
    throw new LedgerConflictError(
      `will not sign size ${size}: the latest checkpoint is of size ${latest.size}`,
    );
  if (latest && size === latest.size) {
    if (!latest.root.equals(root))
      throw new LedgerConflictError(
        `will not sign another root for size ${size} than the stored checkpoint's`,
      );
    return { ...latest, created: false };
  }
  const reader = new TileReader(store, size);
  const fromTiles = await treeRoot(reader, size);
  if (!fromTiles.equals(root))
    throw new LedgerConflictError(`the tiles of size ${size} do not give this root`);
  if (latest) {
    const proof = await consistencyProof(reader, latest.size, size);
    const check = verifyConsistency(latest.size, size, proof, latest.root, root);
    if (!check.ok)
      throw new LedgerConflictError(
        `the tree of size ${size} is not consistent with checkpoint ${latest.key}: ${check.message}`,
      );
  }
  const checkpoint: Checkpoint = { origin, size, root, extensions: [] };
  const note = await signCheckpoint(checkpoint, signer);
  const key = checkpointKey(size);
  const stored = await store.create(key, Buffer.from(note, 'utf8'), 'text/plain; charset=utf-8');
  return { key, size, root, note, created: stored === 'created' };
}
