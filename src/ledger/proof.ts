import { foldRange, rangeNodes, splitPoint, type NodeId } from './hash';

/**
 * RFC 9162 §2.1 proof generation over a hash source: the root of a tree, an inclusion proof
 * (§2.1.3.1) and a consistency proof (§2.1.4.1). Each needs O(log n) perfect-subtree hashes,
 * asked of the source in one call so that a tiled source reads each tile once.
 */

/** Where hashes of perfect subtrees come from (tiles, memory). */
export interface HashSource {
  /**
   * The hashes of these perfect subtrees, in the order asked. Every one lies inside the tree
   * the source was opened for; a hash that cannot be found is an error (thrown), never a guess.
   */
  nodeHashes(ids: readonly NodeId[]): Promise<Buffer[]>;
}

/** A range D[lo:hi] of leaves whose MTH a proof needs. */
type Range = readonly [bigint, bigint];

/** The ranges of PATH(m, D[0:n]), from the leaf's sibling up to the root's child. */
export function inclusionRanges(index: bigint, size: bigint): Range[] {
  if (index < 0n || index >= size) throw new RangeError(`index ${index} is not in a tree of size ${size}`);
  const topDown: Range[] = [];
  let lo = 0n;
  let hi = size;
  while (hi - lo > 1n) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      topDown.push([lo + k, hi]);
      hi = lo + k;
    } else {
      topDown.push([lo, lo + k]);
      lo += k;
    }
  }
  return topDown.reverse();
}

/** The ranges of PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true), in proof order. */
export function consistencyRanges(size1: bigint, size2: bigint): Range[] {
  if (size1 <= 0n || size1 > size2)
    throw new RangeError(
      `no consistency proof from size ${size1} to size ${size2} (needs 0 < size1 <= size2)`,
    );
  const topDown: Range[] = [];
  let lo = 0n;
  let hi = size2;
  let m = size1; // relative to lo
  let whole = true; // SUBPROOF's b: is D[lo:lo+m] a tree the verifier already knows the root of?
  for (;;) {
    if (m === hi - lo) {
      if (!whole) topDown.push([lo, hi]);
      break;
    }
    const k = splitPoint(hi - lo);
    if (m <= k) {
      topDown.push([lo + k, hi]);
      hi = lo + k;
    } else {
      topDown.push([lo, lo + k]);
      m -= k;
      lo += k;
      whole = false;
    }
  }
  return topDown.reverse();
}

/** MTH of each range, reading every perfect subtree needed once. */
async function rangeHashes(source: HashSource, ranges: readonly Range[]): Promise<Buffer[]> {
  const perRange = ranges.map(([lo, hi]) => rangeNodes(lo, hi));
  const unique = new Map<string, NodeId>();
  for (const ids of perRange) for (const id of ids) unique.set(`${id.level}/${id.index}`, id);
  const wanted = [...unique.values()];
  const hashes = await source.nodeHashes(wanted);
  const byKey = new Map<string, Buffer>();
  wanted.forEach((id, i) => byKey.set(`${id.level}/${id.index}`, hashes[i] as Buffer));
  return perRange.map((ids) => foldRange(ids.map((id) => byKey.get(`${id.level}/${id.index}`) as Buffer)));
}

/** MTH(D[0:size]); the empty tree's root is SHA-256 of nothing. */
export async function treeRoot(source: HashSource, size: bigint): Promise<Buffer> {
  if (size < 0n) throw new RangeError('a tree size cannot be negative');
  const [root] = await rangeHashes(source, [[0n, size]]);
  return root as Buffer;
}

/** The inclusion proof of leaf `index` in the tree of `size` leaves. */
export async function inclusionProof(source: HashSource, index: bigint, size: bigint): Promise<Buffer[]> {
  return rangeHashes(source, inclusionRanges(index, size));
}

/** The consistency proof from the tree of `size1` leaves to the tree of `size2` (0 < size1 <= size2). */
export async function consistencyProof(source: HashSource, size1: bigint, size2: bigint): Promise<Buffer[]> {
  return rangeHashes(source, consistencyRanges(size1, size2));
}
