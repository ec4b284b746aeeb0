import type { Catalog, CheckpointRow } from '../catalog';
import { leafData } from '../catalog/hashing';
import { NotFoundError, NotYetCheckpointedError, UnavailableError, ValidationError } from '../errors';
import {
  consistencyProof,
  inclusionProof,
  makeTlogProof,
  TileReader,
  tlogProver,
  type TileStore,
  type VerifierKey,
} from '../ledger';

/**
 * The ledger's read side, for the API and for other parts (exports: src/evidence/proofs.ts):
 * checkpoints as stored, the verifier key, entries, inclusion and consistency proofs, C2SP
 * tlog-proofs. Proofs come from the tiles in the bucket (through a cache: every ledger object is
 * immutable), against a tree no larger than the latest checkpoint's.
 */

export interface LatestCheckpoint {
  row: CheckpointRow;
  /** The signed note, exactly as stored. */
  note: string;
}

export interface LedgerEntry {
  index: number;
  kind: string;
  id: string;
  sha256: string;
  leafHash: string;
  /** base64 of the leaf data (strongroom-leaf-v1). */
  leafData: string;
}

export interface EvidenceLedgerOptions {
  catalog: Pick<Catalog, 'latestCheckpointRow' | 'checkpointRows' | 'ledgerLeaves' | 'getRecord'>;
  store: TileStore;
  key: () => Promise<VerifierKey>;
  /** Seconds until the next checkpoint is due (Retry-After of a proof not yet checkpointed). */
  retryAfterSeconds: () => number;
}

const MAX_INDEX = Number.MAX_SAFE_INTEGER;

/** A query parameter that must be a non-negative decimal integer (no sign, no exponent, no spaces). */
export function parseIndex(name: string, value: unknown, options: { min?: number } = {}): number {
  const min = options.min ?? 0;
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(value) || Number(value) > MAX_INDEX)
    throw new ValidationError(`${name} must be a decimal integer from ${min}`, {
      details: { issues: [{ path: [name], message: `not a decimal integer: ${JSON.stringify(value)}` }] },
    });
  const n = Number(value);
  if (n < min)
    throw new ValidationError(`${name} must be at least ${min}`, {
      details: { issues: [{ path: [name], message: `must be at least ${min}` }] },
    });
  return n;
}

/** Tiles the shared reader keeps (at most ~16 KB each with their subtrees, src/ledger/tile-nodes.ts). */
const SHARED_READER_TILES = 512;
/**
 * Tiles a batch of proofs keeps (an export's): 1,024 tiles of ~16 KB hold every bottom tile of a
 * ledger of 262,144 entries; a larger ledger's are fetched again when the batch comes back to them.
 */
const BATCH_TILES = 1024;

export class EvidenceLedger {
  private shared: TileReader | null = null;

  constructor(private readonly options: EvidenceLedgerOptions) {}

  async verifierKeyText(): Promise<string> {
    return (await this.options.key()).text;
  }

  /** The latest checkpoint (catalog index, note from the bucket), or undefined before the first. */
  async latest(): Promise<LatestCheckpoint | undefined> {
    const row = await this.options.catalog.latestCheckpointRow();
    if (!row) return undefined;
    const bytes = await this.options.store.get(row.key);
    if (!bytes)
      throw new UnavailableError(`checkpoint ${row.key} is indexed but cannot be read from the bucket`);
    return { row, note: bytes.toString('utf8') };
  }

  async mustLatest(): Promise<LatestCheckpoint> {
    const latest = await this.latest();
    if (!latest)
      throw new NotFoundError('the ledger has no checkpoint yet', {
        hint: 'the checkpointer signs one within ledger.checkpointSeconds of the first record',
        retryAfterSeconds: this.options.retryAfterSeconds(),
      });
    return latest;
  }

  checkpoints(page: { afterSize?: number; limit: number }): Promise<CheckpointRow[]> {
    return this.options.catalog.checkpointRows(page);
  }

  async entry(index: number): Promise<LedgerEntry> {
    const [leaf] = await this.options.catalog.ledgerLeaves({ fromSeq: index, limit: 1 });
    if (!leaf || leaf.seq !== index) throw new NotFoundError(`the ledger has no entry ${index}`);
    return {
      index,
      kind: leaf.kind,
      id: leaf.recordId,
      sha256: leaf.sha256,
      leafHash: leaf.leafHash,
      leafData: leafData({ kind: leaf.kind, id: leaf.recordId, sha256: leaf.sha256 }).toString('base64'),
    };
  }

  /** The inclusion proof of entry `index` in the tree of `treeSize` (default: the latest checkpoint's). */
  async inclusion(
    index: number,
    treeSize?: number,
  ): Promise<{ index: number; treeSize: number; leafHash: string; proof: string[] }> {
    const latest = await this.mustLatest();
    const size = treeSize ?? latest.row.treeSize;
    if (size < 1 || size > latest.row.treeSize)
      throw new ValidationError(
        `treeSize must be from 1 to the latest checkpoint's size, ${latest.row.treeSize}`,
        {
          details: { issues: [{ path: ['treeSize'], message: `${size} is not a checkpointed tree size` }] },
        },
      );
    if (index >= size)
      throw new ValidationError(`index must be below treeSize ${size}`, {
        details: { issues: [{ path: ['index'], message: `${index} is not in a tree of ${size} leaves` }] },
      });
    // The leaf hash as the tiles hold it (the tree the proof is of), not the catalog's copy.
    const reader = this.reader(latest.row.treeSize);
    const [leaf] = await reader.nodeHashes([{ level: 0, index: BigInt(index) }]);
    const proof = await inclusionProof(reader, BigInt(index), BigInt(size));
    return {
      index,
      treeSize: size,
      leafHash: (leaf as Buffer).toString('hex'),
      proof: proof.map((h) => h.toString('hex')),
    };
  }

  async consistency(from: number, to: number): Promise<{ from: number; to: number; proof: string[] }> {
    const latest = await this.mustLatest();
    const issues = [];
    if (from < 1)
      issues.push({ path: ['from'], message: 'a consistency proof starts from a tree of at least 1 leaf' });
    if (to > latest.row.treeSize)
      issues.push({ path: ['to'], message: `at most the latest checkpoint's size, ${latest.row.treeSize}` });
    if (from > to) issues.push({ path: ['from'], message: `must not exceed to (${to})` });
    if (issues.length > 0)
      throw new ValidationError('invalid consistency proof request', { details: { issues } });
    const proof = await consistencyProof(this.reader(latest.row.treeSize), BigInt(from), BigInt(to));
    return { from, to, proof: proof.map((h) => h.toString('hex')) };
  }

  /** A C2SP tlog-proof of entry `index` against the latest checkpoint (409 while it is not in one). */
  async tlogProof(index: number, latest?: LatestCheckpoint): Promise<string> {
    const cp = latest ?? (await this.latest());
    if (!cp || index >= cp.row.treeSize)
      throw new NotYetCheckpointedError(
        `ledger entry ${index} is not in a signed checkpoint yet${cp ? ` (the latest is of size ${cp.row.treeSize})` : ''}`,
        {
          hint: 'ask again after Retry-After: the checkpointer signs every ledger.checkpointSeconds',
          retryAfterSeconds: this.options.retryAfterSeconds(),
          details: { index, checkpointSize: cp?.row.treeSize ?? 0 },
        },
      );
    return makeTlogProof({ source: this.reader(cp.row.treeSize), index: BigInt(index), checkpoint: cp.note });
  }

  /**
   * Tlog-proofs of many entries against one checkpoint (an export's records): a reader of the
   * batch's own, not the shared one, so the tiles it keeps (up to BATCH_TILES, each fetched and
   * its subtrees computed once) go with the batch (src/ledger/tile-prover.ts).
   */
  tlogProver(cp: LatestCheckpoint): (index: number) => Promise<string> {
    // The prover keeps the tiles; the reader's own cache only serves one proof's fetches.
    const reader = new TileReader(this.options.store, BigInt(cp.row.treeSize), { cacheTiles: 8 });
    // tlogProver refuses an index outside the checkpoint (RangeError).
    const prove = tlogProver(reader, cp.note, { maxTiles: BATCH_TILES });
    return (index) => prove(BigInt(index));
  }

  /** The tlog-proof of a record's leaf. */
  async recordProof(recordId: string): Promise<{ index: number; proof: string }> {
    const record = await this.options.catalog.getRecord(recordId);
    if (!record) throw new NotFoundError(`no record ${recordId}`);
    return { index: record.ledgerSeq, proof: await this.tlogProof(record.ledgerSeq) };
  }

  /**
   * A reader for the tree of `size`. The latest tree's is kept and shared by every request (its
   * decoded tiles and the subtree roots computed from them serve the next proofs: the tiles near
   * the root and at the right edge are in every proof); an older size gets a reader of its own.
   */
  private reader(size: number): TileReader {
    const shared = this.shared;
    if (shared && shared.size === BigInt(size)) return shared;
    const reader = new TileReader(this.options.store, BigInt(size), { cacheTiles: SHARED_READER_TILES });
    if (!shared || shared.size < BigInt(size)) this.shared = reader;
    return reader;
  }
}
