import type { LedgerProofs } from '../evidence';
import { checkpointKey, parseCheckpoint } from '../ledger';

/**
 * What an export needs of the evidence ledger: a signed checkpoint covering every record in the
 * bag, and each record's C2SP tlog-proof against it. A narrow seam, so the builder does not care
 * who publishes checkpoints.
 */
export interface ExportEvidence {
  /** A signed checkpoint whose tree holds leaf `leafIndex` (waits for or asks for one), and the verifier key. */
  checkpointCovering(leafIndex: number): Promise<{ checkpoint: string; key: string }>;
  /**
   * The tlog-proofs of leaves against `checkpoint` (a note `checkpointCovering` returned, maybe in
   * an earlier run of the build). The function is called once per record, in bag order.
   */
  prover(checkpoint: string): Promise<(leafIndex: number) => Promise<string>>;
  /** The verifier key (`<name>+<hex id>+<base64>`) of the checkpoints. */
  verifierKey(): Promise<string>;
}

/**
 * ExportEvidence over the ledger's proofs (src/evidence/proofs.ts): the checkpoint is one the
 * checkpointer published in the audit bucket (asked for when none covers the records yet), the
 * proofs come from the ledger's tiles.
 */
export class LedgerExportEvidence implements ExportEvidence {
  constructor(private readonly proofs: LedgerProofs) {}

  async checkpointCovering(leafIndex: number): Promise<{ checkpoint: string; key: string }> {
    const cp = await this.proofs.waitForCheckpoint(leafIndex);
    return { checkpoint: cp.note, key: await this.proofs.verifierKey() };
  }

  verifierKey(): Promise<string> {
    return this.proofs.verifierKey();
  }

  prover(note: string): Promise<(leafIndex: number) => Promise<string>> {
    const at = note.indexOf('\n\n');
    const parsed = parseCheckpoint(at < 0 ? note : note.slice(0, at + 1));
    if (!parsed.ok) return Promise.reject(new RangeError(parsed.message));
    const { size, root } = parsed.checkpoint;
    // The checkpoint the build fixed (a published one: proofs are made from its tree size's tiles).
    const cp = {
      row: {
        treeSize: Number(size),
        rootHash: root.toString('hex'),
        key: checkpointKey(size),
        createdAt: new Date(0),
      },
      note,
    };
    // One prover for the whole build: the tiles and their subtree roots are read once.
    return Promise.resolve(this.proofs.tlogProver(cp));
  }
}
