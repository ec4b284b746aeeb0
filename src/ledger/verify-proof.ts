import { bitLength, hashChildren, HASH_SIZE, onesCount, trailingZeros } from './hash';

/**
 * RFC 9162 §2.1.3.2 and §2.1.4.2 proof verification, with the checks and error cases of
 * transparency-dev/merkle proof/verify.go (the reference its test vectors were made for):
 * the proof's length is checked against what the index and sizes imply before any hashing.
 */

export type ProofProblem =
  /** The leaf index is not below the tree size. */
  | 'index_out_of_range'
  /** The leaf hash or a proof hash is not 32 bytes. */
  | 'bad_hash_size'
  /** The proof has more or fewer hashes than the index and sizes imply. */
  | 'wrong_proof_size'
  /** A consistency proof's second size is below its first. */
  | 'size_order'
  /** A consistency proof from the empty tree: meaningless, refused. */
  | 'empty_tree'
  /** Equal sizes, and yet a proof. */
  | 'proof_not_empty'
  /** Different sizes and no proof at all. */
  | 'empty_proof'
  /** The proof does not lead to the first (older) root. */
  | 'root1_mismatch'
  /** The proof does not lead to the (second) root. */
  | 'root_mismatch';

export type ProofFailure = { ok: false; problem: ProofProblem; message: string };
export type ProofCheck = { ok: true } | ProofFailure;
export type RootResult = { ok: true; root: Buffer } | ProofFailure;

const fail = (problem: ProofProblem, message: string): ProofFailure => ({ ok: false, problem, message });

function badHashSize(hashes: readonly Uint8Array[]): ProofFailure | undefined {
  const i = hashes.findIndex((h) => h.length !== HASH_SIZE);
  return i < 0
    ? undefined
    : fail('bad_hash_size', `proof hash ${i} has ${hashes[i]?.length} bytes, not ${HASH_SIZE}`);
}

/** Hashes the seed with the proof's nodes below the fork: left or right by the bits of `index`. */
function chainInner(seed: Uint8Array, proof: readonly Uint8Array[], index: bigint): Buffer {
  let acc: Buffer = Buffer.from(seed);
  proof.forEach((h, i) => {
    acc = ((index >> BigInt(i)) & 1n) === 0n ? hashChildren(acc, h) : hashChildren(h, acc);
  });
  return acc;
}

/** As chainInner, but only with the left siblings: the same subtree in the older, smaller tree. */
function chainInnerRight(seed: Uint8Array, proof: readonly Uint8Array[], index: bigint): Buffer {
  let acc: Buffer = Buffer.from(seed);
  proof.forEach((h, i) => {
    if (((index >> BigInt(i)) & 1n) === 1n) acc = hashChildren(h, acc);
  });
  return acc;
}

/** Hashes along the right border: every proof node is a left sibling. */
function chainBorderRight(seed: Uint8Array, proof: readonly Uint8Array[]): Buffer {
  let acc: Buffer = Buffer.from(seed);
  for (const h of proof) acc = hashChildren(h, acc);
  return acc;
}

/**
 * Splits the inclusion proof of `index` in a tree of `size` where the paths to `index` and to
 * `size - 1` part: [inner nodes, left or right; border nodes, left siblings only].
 */
function decompose(index: bigint, size: bigint): { inner: number; border: number } {
  const inner = bitLength(index ^ (size - 1n));
  return { inner, border: onesCount(index >> BigInt(inner)) };
}

/** The root that an inclusion proof of `leafHash` at `index` leads to (0 <= index < size). */
export function rootFromInclusionProof(
  index: bigint,
  size: bigint,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): RootResult {
  if (index < 0n || index >= size)
    return fail('index_out_of_range', `index ${index} is not below size ${size}`);
  if (leafHash.length !== HASH_SIZE)
    return fail('bad_hash_size', `the leaf hash has ${leafHash.length} bytes, not ${HASH_SIZE}`);
  const bad = badHashSize(proof);
  if (bad) return bad;
  const { inner, border } = decompose(index, size);
  if (proof.length !== inner + border)
    return fail('wrong_proof_size', `the proof has ${proof.length} hashes, ${inner + border} expected`);
  const root = chainBorderRight(chainInner(leafHash, proof.slice(0, inner), index), proof.slice(inner));
  return { ok: true, root };
}

/** Checks an inclusion proof of `leafHash` at `index` against the root of the tree of `size`. */
export function verifyInclusion(
  index: bigint,
  size: bigint,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): ProofCheck {
  const r = rootFromInclusionProof(index, size, leafHash, proof);
  if (!r.ok) return r;
  return r.root.equals(root)
    ? { ok: true }
    : fail('root_mismatch', `the proof of leaf ${index} leads to another root than the tree of size ${size}`);
}

/**
 * The root of the tree of `size2` that a consistency proof from the tree of `size1` (with root
 * `root1`) leads to; checks on the way that the proof also leads to `root1`. 0 < size1 <= size2.
 */
export function rootFromConsistencyProof(
  size1: bigint,
  size2: bigint,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
): RootResult {
  if (size2 < size1) return fail('size_order', `size2 (${size2}) is below size1 (${size1})`);
  if (size1 <= 0n) return fail('empty_tree', 'a consistency proof from the empty tree is meaningless');
  if (size1 === size2) {
    if (proof.length > 0) return fail('proof_not_empty', 'equal sizes, but the proof is not empty');
    return { ok: true, root: Buffer.from(root1) };
  }
  if (proof.length === 0) return fail('empty_proof', 'different sizes, but the proof is empty');
  const bad = badHashSize(proof);
  if (bad) return bad;

  // The paths to leaves size1 - 1 and size2 - 1 part at `fork`; the proof starts at the level of
  // the rightmost perfect subtree of the old tree (`shift`), which is the whole old tree when its
  // size is a power of two: then the verifier knows it (root1) and the proof leaves it out.
  const { inner: fork, border } = decompose(size1 - 1n, size2);
  const shift = trailingZeros(size1);
  const inner = fork - shift;
  const perfect = size1 === 1n << BigInt(shift);
  const seed = perfect ? root1 : (proof[0] as Uint8Array);
  const start = perfect ? 0 : 1;
  if (proof.length !== start + inner + border)
    return fail(
      'wrong_proof_size',
      `the proof has ${proof.length} hashes, ${start + inner + border} expected`,
    );
  const rest = proof.slice(start);
  const mask = (size1 - 1n) >> BigInt(shift);
  if (!perfect) {
    const hash1 = chainBorderRight(chainInnerRight(seed, rest.slice(0, inner), mask), rest.slice(inner));
    if (!hash1.equals(root1))
      return fail('root1_mismatch', `the proof does not lead to the given root of the tree of size ${size1}`);
  }
  const root = chainBorderRight(chainInner(seed, rest.slice(0, inner), mask), rest.slice(inner));
  return { ok: true, root };
}

/** Checks a consistency proof between the trees of `size1` (root1) and `size2` (root2). */
export function verifyConsistency(
  size1: bigint,
  size2: bigint,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): ProofCheck {
  const r = rootFromConsistencyProof(size1, size2, proof, root1);
  if (!r.ok) return r;
  return Buffer.from(root2).equals(r.root)
    ? { ok: true }
    : fail(
        'root_mismatch',
        `the proof from size ${size1} leads to another root than the tree of size ${size2}`,
      );
}
