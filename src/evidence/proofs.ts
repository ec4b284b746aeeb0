import { UnavailableError } from '../errors';
import type { EvidenceLedger, LatestCheckpoint } from './ledger';

/**
 * What other parts (the SFC export, reports) need from the ledger, in one small interface:
 *
 *     const cp = await proofs.waitForCheckpoint(maxLeafIndex);      // asks for one if needed
 *     const texts = await proofs.tlogProofs(leafIndexes, cp);        // Map index -> tlog-proof text
 *     const key = await proofs.verifierKey();                        // <name>+<hex id>+<base64>
 *
 * Every proof of one call is against the same checkpoint (`cp.note` is the checkpoint.txt to
 * ship with them), so a bag's proofs and its checkpoint agree. Built by createEvidence
 * (src/evidence/index.ts); `serve` hands it to whoever needs it.
 */
export interface LedgerProofs {
  /**
   * A checkpoint covering leaf `index` (its tree size > index): the latest one if it does, else
   * a checkpoint is asked for (of the leader, wherever it runs) and awaited, up to `timeoutMs`
   * (default 120 s; then UnavailableError).
   */
  waitForCheckpoint(index: number, options?: { timeoutMs?: number }): Promise<LatestCheckpoint>;
  /** C2SP tlog-proof texts of leaf indexes, all against `checkpoint` (default: the latest). */
  tlogProofs(indexes: readonly number[], checkpoint?: LatestCheckpoint): Promise<Map<number, string>>;
  /** One proof at a time, all against `checkpoint`, sharing what they read (an export's records). */
  tlogProver(checkpoint: LatestCheckpoint): (index: number) => Promise<string>;
  verifierKey(): Promise<string>;
}

export interface EvidenceProofsOptions {
  ledger: EvidenceLedger;
  /** Asks for a checkpoint now (runs it here when this instance leads, else asks the leader). */
  requestCheckpoint: () => Promise<void>;
  /** How often to look for the new checkpoint while waiting (default 250 ms). */
  pollMs?: number;
}

export class EvidenceProofs implements LedgerProofs {
  constructor(private readonly options: EvidenceProofsOptions) {}

  async waitForCheckpoint(index: number, options: { timeoutMs?: number } = {}): Promise<LatestCheckpoint> {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    let asked = false;
    for (;;) {
      const latest = await this.options.ledger.latest();
      if (latest && latest.row.treeSize > index) return latest;
      if (!asked) {
        asked = true;
        await this.options.requestCheckpoint();
        continue;
      }
      if (Date.now() >= deadline)
        throw new UnavailableError(`no checkpoint covers ledger entry ${index} yet`, {
          hint: 'the checkpointer may be refusing to sign (see the open alerts) or no instance leads it',
        });
      await new Promise((r) => setTimeout(r, this.options.pollMs ?? 250));
    }
  }

  async tlogProofs(indexes: readonly number[], checkpoint?: LatestCheckpoint): Promise<Map<number, string>> {
    const cp = checkpoint ?? (await this.options.ledger.mustLatest());
    const out = new Map<number, string>();
    for (const i of indexes) if (!out.has(i)) out.set(i, await this.options.ledger.tlogProof(i, cp));
    return out;
  }

  tlogProver(checkpoint: LatestCheckpoint): (index: number) => Promise<string> {
    return this.options.ledger.tlogProver(checkpoint);
  }

  verifierKey(): Promise<string> {
    return this.options.ledger.verifierKeyText();
  }
}
