import type { Signer } from '../cloud/signer';
import { HASH_SIZE, MAX_UINT64 } from './hash';
import { decodeBase64Strict, openNote, signNote, type NoteProblem, type VerifierKey } from './note';

/**
 * C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the note text
 *
 *     <origin> LF <tree size, decimal, no leading zeros> LF <base64 of the 32-byte root> LF [<extension line> LF]*
 *
 * signed as a note by the log's key, whose name is the origin. By hand: the checkpoint's root is
 * `sed -n 3p checkpoint | base64 -d | xxd -p -c32`, to compare with a root computed from tiles.
 */

export interface Checkpoint {
  origin: string;
  size: bigint;
  root: Buffer;
  /** Extension lines (opaque, non-empty; NOT RECOMMENDED by the spec, and never written here). */
  extensions: string[];
}

export function formatCheckpoint(c: Checkpoint): string {
  if (c.origin.length === 0 || /[\n]/.test(c.origin))
    throw new RangeError('the origin must be one non-empty line');
  if (c.size < 0n || c.size > MAX_UINT64)
    throw new RangeError('the tree size must be an unsigned 64-bit number');
  if (c.root.length !== HASH_SIZE) throw new RangeError('the root must be 32 bytes');
  for (const e of c.extensions)
    if (e.length === 0 || e.includes('\n')) throw new RangeError('bad extension line');
  return [c.origin, c.size.toString(), c.root.toString('base64'), ...c.extensions]
    .map((l) => `${l}\n`)
    .join('');
}

export type CheckpointParse = { ok: true; checkpoint: Checkpoint } | { ok: false; message: string };

/** Parses a checkpoint's note text, refusing what tlog-checkpoint does not allow. */
export function parseCheckpoint(text: string): CheckpointParse {
  const bad = (message: string): CheckpointParse => ({
    ok: false,
    message: `malformed checkpoint: ${message}`,
  });
  if (!text.endsWith('\n')) return bad('the text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) return bad('fewer than three lines');
  const [origin, size, root, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) return bad('empty origin');
  if (!/^(0|[1-9][0-9]*)$/.test(size) || BigInt(size) > MAX_UINT64)
    return bad('the tree size must be a decimal number without leading zeros, below 2^64');
  const rootBytes = decodeBase64Strict(root);
  if (!rootBytes || rootBytes.length !== HASH_SIZE)
    return bad('the root hash must be the base64 of 32 bytes');
  if (extensions.some((e) => e.length === 0)) return bad('empty extension line');
  return { ok: true, checkpoint: { origin, size: BigInt(size), root: rootBytes, extensions } };
}

/** The signed checkpoint note: the body signed by `signer` under the key name `origin`. */
export async function signCheckpoint(c: Checkpoint, signer: Signer): Promise<string> {
  return signNote(formatCheckpoint(c), c.origin, signer);
}

export type CheckpointProblem = NoteProblem | 'malformed_checkpoint' | 'origin_mismatch';

export type OpenedCheckpoint =
  | { ok: true; checkpoint: Checkpoint; text: string }
  | { ok: false; problem: CheckpointProblem; message: string };

/**
 * Verifies a signed checkpoint with the log's verifier key and parses it; the origin must be the
 * key's name (or `origin` when given).
 */
export function openCheckpoint(
  note: Buffer | string,
  key: VerifierKey,
  origin: string = key.name,
): OpenedCheckpoint {
  const opened = openNote(note, [key]);
  if (!opened.ok) return opened;
  const parsed = parseCheckpoint(opened.text);
  if (!parsed.ok) return { ok: false, problem: 'malformed_checkpoint', message: parsed.message };
  if (parsed.checkpoint.origin !== origin)
    return {
      ok: false,
      problem: 'origin_mismatch',
      message: `the checkpoint's origin is ${JSON.stringify(parsed.checkpoint.origin)}, not ${JSON.stringify(origin)}`,
    };
  return { ok: true, checkpoint: parsed.checkpoint, text: opened.text };
}
