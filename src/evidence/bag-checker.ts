import { leafData } from '../catalog/hashing';
import type { BagProblem } from '../export/bag-parse';
import type { EvidenceChecker } from '../export/verify-bag';
import {
  hashLeaf,
  openCheckpoint,
  parseCheckpoint,
  parseTlogProof,
  parseVerifierKey,
  verifyInclusion,
} from '../ledger';

/**
 * The real EvidenceChecker of `strongroom verify bag` (src/export/verify-bag.ts): the bag's
 * checkpoint must verify with the key (a C2SP signed note), and every record's tlog-proof must
 * carry that same checkpoint and prove the leaf `strongroom-leaf-v1 / record / id / sha256` (the
 * sha256 of the bag's file) in its tree (RFC 9162 inclusion). Together: each record is in the
 * signed log.
 */
const CHECKPOINT_FILE = 'data/evidence/checkpoint.txt';

function body(note: string): string {
  const at = note.indexOf('\n\n');
  return at < 0 ? note : note.slice(0, at + 1);
}

export const ledgerEvidenceChecker: EvidenceChecker = {
  checkpoint({ checkpoint, key }) {
    const parsed = parseVerifierKey(key.trim());
    if (!parsed.ok)
      return [{ file: CHECKPOINT_FILE, what: `the verifier key does not parse: ${parsed.message}` }];
    const opened = openCheckpoint(checkpoint, parsed.key);
    if (!opened.ok)
      return [
        {
          file: CHECKPOINT_FILE,
          what: `the checkpoint does not verify with ${parsed.key.text}: ${opened.message}`,
        },
      ];
    return [];
  },
  proof({ recordId, sha256, proof, proofFile, checkpoint }) {
    const problems: BagProblem[] = [];
    const parsed = parseTlogProof(proof);
    if (!parsed.ok) return [{ file: proofFile, what: parsed.message }];
    if (parsed.proof.checkpoint !== checkpoint)
      problems.push({ file: proofFile, what: `the proof's checkpoint is not the bag's ${CHECKPOINT_FILE}` });
    const cp = parseCheckpoint(body(checkpoint));
    if (!cp.ok) return [...problems, { file: CHECKPOINT_FILE, what: cp.message }];
    let leaf: Buffer;
    try {
      leaf = leafData({ kind: 'record', id: recordId, sha256 });
    } catch (err) {
      return [
        ...problems,
        { file: proofFile, what: `no leaf for record ${recordId}: ${(err as Error).message}` },
      ];
    }
    const check = verifyInclusion(
      parsed.proof.index,
      cp.checkpoint.size,
      hashLeaf(leaf),
      parsed.proof.proof,
      cp.checkpoint.root,
    );
    if (!check.ok)
      problems.push({
        file: proofFile,
        what: `record ${recordId} (sha256 ${sha256}) is not proven in the checkpoint's tree at index ${parsed.proof.index}: ${check.message}`,
      });
    return problems;
  },
};
