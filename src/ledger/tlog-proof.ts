import { openCheckpoint, parseCheckpoint, type Checkpoint, type CheckpointProblem } from './checkpoint';
import { hashLeaf, HASH_SIZE } from './hash';
import { decodeBase64Strict, type VerifierKey } from './note';
import { inclusionProof, type HashSource } from './proof';
import type { TileReader } from './reader';
import { TiledInclusionProver } from './tile-prover';
import { verifyInclusion, type ProofProblem } from './verify-proof';

/**
 * C2SP tlog-proof (c2sp.org/tlog-proof), a `.tlog-proof` file: one entry's inclusion proof with
 * the signed checkpoint it leads to, verifiable offline with the log's verifier key:
 *
 *     c2sp.org/tlog-proof@v1
 *     [extra <base64>]
 *     index <decimal>
 *     <base64 hash>          one line per proof hash, from the leaf's sibling up
 *     <empty line>
 *     <the signed checkpoint, verbatim>
 */

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

export interface TlogProof {
  index: bigint;
  proof: Buffer[];
  /** The signed checkpoint note, verbatim. */
  checkpoint: string;
  extra?: Buffer;
}

export function formatTlogProof(p: TlogProof): string {
  const lines = [TLOG_PROOF_HEADER];
  if (p.extra !== undefined) lines.push(`extra ${p.extra.toString('base64')}`);
  lines.push(`index ${p.index}`, ...p.proof.map((h) => h.toString('base64')));
  return `${lines.join('\n')}\n\n${p.checkpoint}`;
}

/** The checkpoint body inside a signed note, unverified (to learn its size). */
export function unverifiedCheckpoint(note: string): Checkpoint {
  const at = note.lastIndexOf('\n\n');
  const parsed = parseCheckpoint(at < 0 ? note : note.slice(0, at + 1));
  if (!parsed.ok) throw new RangeError(parsed.message);
  return parsed.checkpoint;
}

/**
 * The tlog-proof of entry `index` against a signed checkpoint (as stored), its proof read from
 * `source` (a TileReader of a tree at least as large as the checkpoint's).
 */
export async function makeTlogProof(options: {
  source: HashSource;
  index: bigint;
  checkpoint: string;
  extra?: Buffer;
}): Promise<string> {
  const { size } = unverifiedCheckpoint(options.checkpoint);
  if (options.index >= size)
    throw new RangeError(`entry ${options.index} is not in the checkpoint of size ${size}`);
  const proof = await inclusionProof(options.source, options.index, size);
  return formatTlogProof({
    index: options.index,
    proof,
    checkpoint: options.checkpoint,
    ...(options.extra !== undefined ? { extra: options.extra } : {}),
  });
}

/**
 * Tlog-proofs of many entries against one signed checkpoint (an export's records, in any order):
 * the note is parsed once and the proofs read their hashes from tiles kept for the whole batch
 * (TiledInclusionProver, at most `maxTiles` of them). Each answer is the text makeTlogProof would
 * give for the same entry.
 */
export function tlogProver(
  reader: TileReader,
  checkpoint: string,
  options?: { maxTiles?: number },
): (index: bigint) => Promise<string> {
  const { size } = unverifiedCheckpoint(checkpoint);
  const prover = new TiledInclusionProver(reader, size, options);
  return async (index) => {
    if (index >= size) throw new RangeError(`entry ${index} is not in the checkpoint of size ${size}`);
    return formatTlogProof({ index, proof: await prover.inclusionProof(index), checkpoint });
  };
}

export type TlogProofParse = { ok: true; proof: TlogProof } | { ok: false; message: string };

export function parseTlogProof(text: string): TlogProofParse {
  const bad = (message: string): TlogProofParse => ({
    ok: false,
    message: `malformed tlog-proof: ${message}`,
  });
  const split = text.indexOf('\n\n');
  if (split < 0) return bad('no empty line before the checkpoint');
  const lines = text.slice(0, split).split('\n');
  const checkpoint = text.slice(split + 2);
  if (lines.shift() !== TLOG_PROOF_HEADER) return bad(`the first line must be ${TLOG_PROOF_HEADER}`);
  let extra: Buffer | undefined;
  if (lines[0]?.startsWith('extra ')) {
    extra = decodeBase64Strict((lines.shift() as string).slice(6));
    if (!extra) return bad('the extra data is not valid base64');
  }
  const m = /^index (0|[1-9][0-9]*)$/.exec(lines.shift() ?? '');
  if (!m) return bad('no `index <decimal>` line');
  const index = BigInt(m[1] as string);
  if (index >= 1n << 64n) return bad('the index is not an unsigned 64-bit number');
  const proof: Buffer[] = [];
  for (const line of lines) {
    const h = decodeBase64Strict(line);
    if (!h || h.length !== HASH_SIZE)
      return bad(`proof line ${proof.length + 1} is not the base64 of 32 bytes`);
    proof.push(h);
  }
  return { ok: true, proof: { index, proof, checkpoint, ...(extra !== undefined ? { extra } : {}) } };
}

export type TlogProofCheck =
  | { ok: true; index: bigint; checkpoint: Checkpoint; extra?: Buffer }
  | { ok: false; problem: 'malformed' | CheckpointProblem | ProofProblem; message: string };

/**
 * Verifies a tlog-proof offline: its checkpoint signed by `key` (origin = the key's name unless
 * given), and the inclusion of the entry whose leaf data (or RFC 9162 leaf hash) is given.
 */
export function verifyTlogProof(
  text: string,
  options: { key: VerifierKey; origin?: string } & ({ leafData: Uint8Array } | { leafHash: Uint8Array }),
): TlogProofCheck {
  const parsed = parseTlogProof(text);
  if (!parsed.ok) return { ok: false, problem: 'malformed', message: parsed.message };
  const cp = openCheckpoint(parsed.proof.checkpoint, options.key, options.origin);
  if (!cp.ok) return cp;
  const leafHash = 'leafHash' in options ? options.leafHash : hashLeaf(options.leafData);
  const { index, proof, extra } = parsed.proof;
  const r = verifyInclusion(index, cp.checkpoint.size, leafHash, proof, cp.checkpoint.root);
  if (!r.ok) return r;
  return { ok: true, index, checkpoint: cp.checkpoint, ...(extra !== undefined ? { extra } : {}) };
}
