import { createHash } from 'node:crypto';

/**
 * RFC 9162 §2.1.1 Merkle tree hashing with SHA-256, and the unsigned 64-bit arithmetic on
 * indexes and sizes that the proofs need (BigInt throughout: 32-bit shifts break above 2^31).
 */

export const HASH_SIZE = 32;

/** MTH({}) = SHA-256() = e3b0c442…b855. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** SHA-256(0x00 || leafData). */
export function hashLeaf(leafData: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leafData).digest();
}

/** SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** The largest value an index or size may have (unsigned 64-bit). */
export const MAX_UINT64 = (1n << 64n) - 1n;

/** Number of bits needed to write x (0 for 0), as Go's bits.Len64. */
export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Number of one bits of x, as Go's bits.OnesCount64. */
export function onesCount(x: bigint): number {
  let n = 0;
  for (const c of x.toString(2)) if (c === '1') n++;
  return n;
}

/** Number of trailing zero bits of x (x > 0), as Go's bits.TrailingZeros64. */
export function trailingZeros(x: bigint): number {
  if (x <= 0n) throw new RangeError('trailingZeros needs a positive number');
  let n = 0;
  while (((x >> BigInt(n)) & 1n) === 0n) n++;
  return n;
}

/** Largest power of two strictly below n (n >= 2): the split point k of RFC 9162 §2.1.1. */
export function splitPoint(n: bigint): bigint {
  return 1n << BigInt(bitLength(n - 1n) - 1);
}

/** A perfect subtree: MTH(D[index * 2^level : (index + 1) * 2^level]). */
export interface NodeId {
  level: number;
  index: bigint;
}

/**
 * The perfect subtrees that make up D[lo:hi] when `lo` is a multiple of a power of two at least
 * `hi - lo` (every range a proof or a root needs is of this kind), left to right: one per one
 * bit of `hi - lo`, largest first.
 */
export function rangeNodes(lo: bigint, hi: bigint): NodeId[] {
  const out: NodeId[] = [];
  const width = hi - lo;
  let pos = lo;
  for (let level = bitLength(width) - 1; level >= 0; level--) {
    const span = 1n << BigInt(level);
    if ((width & span) !== 0n) {
      out.push({ level, index: pos >> BigInt(level) });
      pos += span;
    }
  }
  return out;
}

/** MTH of a range from the hashes of its `rangeNodes`, in the same order (right fold). */
export function foldRange(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc = hashes[hashes.length - 1] as Buffer;
  for (let i = hashes.length - 2; i >= 0; i--) acc = hashChildren(hashes[i] as Buffer, acc);
  return acc;
}

/** MTH of 2^k consecutive hashes of one level (a perfect subtree above them). */
export function perfectRoot(hashes: readonly Buffer[], from = 0, count = hashes.length): Buffer {
  if (count === 1) return hashes[from] as Buffer;
  let row: Buffer[] = [];
  for (let i = 0; i < count; i += 2)
    row.push(hashChildren(hashes[from + i] as Buffer, hashes[from + i + 1] as Buffer));
  while (row.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(hashChildren(row[i] as Buffer, row[i + 1] as Buffer));
    row = next;
  }
  return row[0] as Buffer;
}
