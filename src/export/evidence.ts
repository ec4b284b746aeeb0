import type { Signer } from '../cloud/signer';
import type { LedgerCatalog } from '../catalog';
import { leafData } from '../catalog/hashing';
import {
  integrate,
  makeTlogProof,
  MemoryTileStore,
  parseCheckpoint,
  signCheckpoint,
  signerVerifierKey,
  TileReader,
} from '../ledger';

/**
 * What an export needs of the evidence ledger: a signed checkpoint covering every record in the
 * bag, and each record's C2SP tlog-proof against it. A narrow seam, so the builder does not care
 * who publishes checkpoints.
 */
export interface ExportEvidence {
  /** A signed checkpoint whose tree holds leaf `leafIndex` (waits for or makes one), and the verifier key. */
  checkpointCovering(leafIndex: number): Promise<{ checkpoint: string; key: string }>;
  /**
   * The tlog-proofs of leaves against `checkpoint` (a note `checkpointCovering` returned, maybe in
   * an earlier run). The function is called once per record, in bag order.
   */
  prover(checkpoint: string): Promise<(leafIndex: number) => Promise<string>>;
  /** The verifier key (`<name>+<hex id>+<base64>`) of the checkpoints. */
  verifierKey(): Promise<string>;
}

/**
 * ExportEvidence computed from the catalog's ledger leaves with src/ledger: the tree of the
 * leaves (tiles in memory, ~130 bytes a leaf), a checkpoint of it signed by the archive's
 * checkpoint signer, and inclusion proofs from those tiles. Real proofs, verifiable with the
 * signer's verifier key; it does not publish the checkpoint in the audit bucket (the ledger's
 * checkpointer does that).
 */
export class CatalogLedgerEvidence implements ExportEvidence {
  constructor(
    private readonly catalog: Pick<LedgerCatalog, 'ledgerLeaves' | 'ledgerSize'>,
    private readonly signer: Signer,
    private readonly origin: string,
  ) {}

  private async tiles(size: number): Promise<{ store: MemoryTileStore; root: Buffer }> {
    const store = new MemoryTileStore();
    let done = 0;
    let root: Buffer | null = null;
    while (done < size) {
      const leaves = await this.catalog.ledgerLeaves({ fromSeq: done, limit: Math.min(10_000, size - done) });
      if (leaves.length === 0) throw new RangeError(`the ledger has fewer than ${size} leaves`);
      const r = await integrate({
        store,
        fromSize: BigInt(done),
        leaves: leaves.map((l) => leafData({ kind: l.kind, id: l.recordId, sha256: l.sha256 })),
      });
      done += leaves.length;
      root = r.root;
    }
    if (root === null) throw new RangeError('an empty ledger has no checkpoint to cover a record');
    return { store, root };
  }

  async checkpointCovering(leafIndex: number): Promise<{ checkpoint: string; key: string }> {
    const size = await this.catalog.ledgerSize();
    if (leafIndex >= size) throw new RangeError(`leaf ${leafIndex} is not in the ledger (size ${size})`);
    const { root } = await this.tiles(size);
    const checkpoint = await signCheckpoint(
      { origin: this.origin, size: BigInt(size), root, extensions: [] },
      this.signer,
    );
    return { checkpoint, key: (await signerVerifierKey(this.origin, this.signer)).text };
  }

  async verifierKey(): Promise<string> {
    return (await signerVerifierKey(this.origin, this.signer)).text;
  }

  async prover(checkpoint: string): Promise<(leafIndex: number) => Promise<string>> {
    const at = checkpoint.indexOf('\n\n');
    const parsed = parseCheckpoint(at < 0 ? checkpoint : checkpoint.slice(0, at + 1));
    if (!parsed.ok) throw new RangeError(parsed.message);
    const size = parsed.checkpoint.size;
    const { store } = await this.tiles(Number(size));
    const reader = new TileReader(store, size);
    return (leafIndex) => makeTlogProof({ source: reader, index: BigInt(leafIndex), checkpoint });
  }
}
