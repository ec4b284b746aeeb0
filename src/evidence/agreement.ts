import type { LedgerLeaf } from '../catalog';
import { leafData, leafHash } from '../catalog/hashing';
import { hashLeaf, readEntryBundle, type TileStore } from '../ledger';
import { TreeBuilder } from '../ledger/tree';

/**
 * Does the catalog's index of the ledger (its ledger_leaves rows) agree with the log in the
 * bucket? Used by the checkpointer (at start-up over the whole checkpointed tree, then a window
 * per run, and on every new leaf) and by `strongroom verify ledger`.
 */

export const LEAF_PAGE = 5000;

export interface LeafMismatch {
  /** The first leaf index where the catalog and the bucket disagree. */
  index: number;
  /** What the catalog says (null: no row at that index). */
  catalog: { kind: string; id: string; sha256: string; leafHash: string } | null;
  /** What the bucket's entry bundle holds there (the leaf data's text), or why it could not be read. */
  bucket: string;
  message: string;
}

type LeafSource = { ledgerLeaves(range?: { fromSeq?: number; limit?: number }): Promise<LedgerLeaf[]> };

/** A row whose stored leaf hash is not the hash of its own fields (edited in place). */
export function rowProblem(row: LedgerLeaf): string | null {
  let expected: string;
  try {
    expected = leafHash({ kind: row.kind, id: row.recordId, sha256: row.sha256 });
  } catch (err) {
    return `its fields are not a leaf: ${(err as Error).message}`;
  }
  return expected === row.leafHash
    ? null
    : `its leaf_hash ${row.leafHash} is not the hash of its fields (${expected})`;
}

function described(row: LedgerLeaf | undefined): LeafMismatch['catalog'] {
  return row ? { kind: row.kind, id: row.recordId, sha256: row.sha256, leafHash: row.leafHash } : null;
}

/** Pages of the catalog's leaves `from` .. `to - 1`, in order, refusing gaps. */
export async function* catalogLeaves(
  catalog: LeafSource,
  from: number,
  to: number,
): AsyncGenerator<LedgerLeaf> {
  let next = from;
  while (next < to) {
    const page = await catalog.ledgerLeaves({ fromSeq: next, limit: Math.min(LEAF_PAGE, to - next) });
    if (page.length === 0) return;
    for (const row of page) {
      if (row.seq !== next) return;
      yield row;
      next++;
    }
  }
}

/**
 * The root of the catalog's first `size` leaves, computed from each row's fields, or the first
 * row that is missing or inconsistent with itself. CPU and database only: no bucket reads.
 */
export async function catalogRoot(
  catalog: LeafSource,
  size: number,
): Promise<
  { ok: true; root: Buffer } | { ok: false; index: number; row: LedgerLeaf | undefined; message: string }
> {
  const tree = new TreeBuilder(0n, []);
  let n = 0;
  for await (const row of catalogLeaves(catalog, 0, size)) {
    const problem = rowProblem(row);
    if (problem)
      return { ok: false, index: row.seq, row, message: `catalog ledger row ${row.seq}: ${problem}` };
    tree.append(hashLeaf(leafData({ kind: row.kind, id: row.recordId, sha256: row.sha256 })));
    n++;
  }
  if (n < size) return { ok: false, index: n, row: undefined, message: `catalog ledger row ${n} is missing` };
  return { ok: true, root: tree.root() };
}

/**
 * Compares the catalog's leaves `from` .. `to - 1` with the entry bundles of the tree of `size`
 * leaves (to <= size) in the bucket: the first disagreement, or null when they agree.
 */
export async function firstMismatch(
  catalog: LeafSource,
  store: TileStore,
  size: bigint,
  from: number,
  to: number,
): Promise<LeafMismatch | null> {
  const rows = catalogLeaves(catalog, from, to);
  let bundleIndex = -1n;
  let bundle: Buffer[] = [];
  for (let index = from; index < to; index++) {
    const { value: row } = await rows.next();
    const b = BigInt(index) >> 8n;
    if (b !== bundleIndex) {
      try {
        bundle = await readEntryBundle(store, b, size);
      } catch (err) {
        return {
          index,
          catalog: described(row ?? undefined),
          bucket: 'unreadable',
          message: `leaf ${index}: ${(err as Error).message}`,
        };
      }
      bundleIndex = b;
    }
    const data = bundle[Number(BigInt(index) - (b << 8n))];
    const inBucket = data ? data.toString('utf8') : 'absent';
    if (!row)
      return {
        index,
        catalog: null,
        bucket: inBucket,
        message: `leaf ${index} is in the bucket but has no catalog row`,
      };
    const problem = rowProblem(row);
    let mine: Buffer | null = null;
    try {
      mine = leafData({ kind: row.kind, id: row.recordId, sha256: row.sha256 });
    } catch {
      mine = null;
    }
    if (problem || !mine || !data || !mine.equals(data)) {
      return {
        index,
        catalog: described(row),
        bucket: inBucket,
        message: problem
          ? `catalog ledger row ${index}: ${problem}`
          : `catalog ledger row ${index} (${row.kind} ${row.recordId} ${row.sha256}) is not the leaf the bucket holds`,
      };
    }
  }
  return null;
}
