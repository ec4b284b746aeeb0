import type { AlertSink } from '../alerts/types';
import type { Catalog, CheckpointRow } from '../catalog';
import { leafData } from '../catalog/hashing';
import type { Signer } from '../cloud/signer';
import { LedgerConflictError } from '../errors';
import {
  integrate,
  latestCheckpoint,
  publishCheckpoint,
  signerVerifierKey,
  type StoredCheckpoint,
  type TileStore,
  type VerifierKey,
} from '../ledger';
import type { Logger } from '../log';
import { catalogLeaves, catalogRoot, firstMismatch, rowProblem, type LeafMismatch } from './agreement';

/**
 * The ledger's checkpointer (one leader runs it: src/runtime/jobs.ts). Each run:
 *
 * 1. reads the latest checkpoint from the bucket (verified) and indexes it in the catalog if the
 *    catalog does not know it yet (a crash between storing and indexing);
 * 2. checks that the catalog agrees with what was integrated: on its first run over the whole
 *    checkpointed tree (the root of the catalog's rows against the checkpoint's), then a window
 *    of `recheckPerRun` rows per run against the entry bundles, cycling through the tree;
 * 3. integrates the new leaves (each row checked against its own leaf hash) into tiles and entry
 *    bundles, create-only, signs the checkpoint and stores it at ledger/checkpoint/<size>, then
 *    indexes it in the catalog.
 *
 * Any disagreement is an alert (AlertSink, source `ledger`), and nothing is signed until a full
 * check passes again. A crash at any point is resumed by the next run (objects are create-only,
 * identical bytes are accepted; publishCheckpoint refuses a tree inconsistent with the latest).
 */

export interface CheckpointerOptions {
  catalog: Pick<Catalog, 'ledgerLeaves' | 'ledgerSize' | 'latestCheckpointRow' | 'addCheckpoint'>;
  store: TileStore;
  signer: Signer;
  /** The log's origin, also its key name. */
  origin: string;
  alerts: AlertSink;
  logger: Logger;
  /** Rows re-checked against the bucket per run (default 4096). */
  recheckPerRun?: number;
  /** Leaves integrated per integrate call (default 65,536): bounds memory on a long backlog. */
  chunk?: number;
}

export type CheckpointOutcome =
  | { kind: 'checkpointed'; checkpoint: CheckpointRow; note: string }
  | { kind: 'unchanged'; checkpoint: CheckpointRow | null }
  | { kind: 'refused'; reason: string };

export class Checkpointer {
  private key: VerifierKey | null = null;
  /** The tree the catalog was last found to agree with (null: check it all on the next run). */
  private agreed: { size: number } | null = null;
  private recheckFrom = 0;
  private refusal: string | null = null;
  private lastCheckpointAt: Date | null = null;

  constructor(private readonly options: CheckpointerOptions) {}

  async verifierKey(): Promise<VerifierKey> {
    this.key ??= await signerVerifierKey(this.options.origin, this.options.signer);
    return this.key;
  }

  /** Why the last run refused to sign (null when it did not). */
  get refused(): string | null {
    return this.refusal;
  }

  async run(): Promise<CheckpointOutcome> {
    const outcome = await this.runOnce();
    this.refusal = outcome.kind === 'refused' ? outcome.reason : null;
    return outcome;
  }

  private async runOnce(): Promise<CheckpointOutcome> {
    const { catalog, store, logger } = this.options;
    const key = await this.verifierKey();
    let latest: StoredCheckpoint | null;
    try {
      latest = await latestCheckpoint(store, key);
    } catch (err) {
      return this.refuse(
        'checkpoint_invalid',
        `the latest checkpoint in the bucket does not verify: ${msg(err)}`,
        {},
      );
    }
    const row = await this.indexed(latest);
    if (row.kind === 'refused') return row;
    const size = Number(latest?.size ?? 0n);

    // The catalog against what was integrated.
    if (this.agreed === null || this.agreed.size > size) {
      const mismatch = await this.checkAll(latest);
      if (mismatch) return this.refuseMismatch(mismatch);
      this.agreed = { size };
      this.recheckFrom = 0;
    } else if (size > 0) {
      const per = this.options.recheckPerRun ?? 4096;
      const from = this.recheckFrom >= size ? 0 : this.recheckFrom;
      const to = Math.min(size, from + per);
      const mismatch = await firstMismatch(catalog, store, BigInt(size), from, to);
      if (mismatch) {
        this.agreed = null;
        return this.refuseMismatch(mismatch);
      }
      this.recheckFrom = to;
    }

    const target = await catalog.ledgerSize();
    if (target <= size) return { kind: 'unchanged', checkpoint: row.checkpoint };

    // The new leaves, each row checked against its own hash, integrated chunk by chunk.
    let from = BigInt(size);
    let root: Buffer | null = null;
    const chunk = this.options.chunk ?? 65_536;
    let batch: Buffer[] = [];
    let expected = size;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const done = await integrate({ store, fromSize: from, leaves: batch });
      from = done.size;
      root = done.root;
      batch = [];
    };
    try {
      for await (const leaf of catalogLeaves(catalog, size, target)) {
        const problem = rowProblem(leaf);
        if (problem)
          return this.refuseMismatch({
            index: leaf.seq,
            catalog: { kind: leaf.kind, id: leaf.recordId, sha256: leaf.sha256, leafHash: leaf.leafHash },
            bucket: 'not integrated yet',
            message: `catalog ledger row ${leaf.seq}: ${problem}`,
          });
        batch.push(leafData({ kind: leaf.kind, id: leaf.recordId, sha256: leaf.sha256 }));
        expected++;
        if (batch.length >= chunk) await flush();
      }
      await flush();
    } catch (err) {
      if (err instanceof LedgerConflictError)
        return this.refuse(
          'tiles_conflict',
          `the bucket's tiles hold other leaves than the catalog: ${err.message}`,
          {
            fromSize: size,
          },
        );
      throw err;
    }
    if (expected < target)
      logger.warn({ expected, target }, 'ledger rows missing past a gap: integrated up to the gap');
    if (root === null || from === BigInt(size)) return { kind: 'unchanged', checkpoint: row.checkpoint };

    let published;
    try {
      published = await publishCheckpoint({
        store,
        signer: this.options.signer,
        origin: this.options.origin,
        size: from,
        root,
      });
    } catch (err) {
      if (err instanceof LedgerConflictError)
        return this.refuse('inconsistent', `will not sign: ${err.message}`, { size: Number(from) });
      throw err;
    }
    const checkpoint = await catalog.addCheckpoint({
      treeSize: Number(published.size),
      rootHash: published.root.toString('hex'),
      key: published.key,
    });
    this.agreed = { size: Number(published.size) };
    this.lastCheckpointAt = checkpoint.createdAt;
    logger.info({ treeSize: checkpoint.treeSize, key: checkpoint.key }, 'ledger checkpoint signed');
    return { kind: 'checkpointed', checkpoint, note: published.note };
  }

  /** The catalog's index of the latest checkpoint, brought up to the bucket's. */
  private async indexed(
    latest: StoredCheckpoint | null,
  ): Promise<{ kind: 'ok'; checkpoint: CheckpointRow | null } | { kind: 'refused'; reason: string }> {
    const { catalog } = this.options;
    const row = await catalog.latestCheckpointRow();
    const size = Number(latest?.size ?? 0n);
    if (row && row.treeSize > size)
      return this.refuse(
        'catalog_ahead',
        `the catalog indexes checkpoint ${row.treeSize} but the bucket's latest is ${size}`,
        { catalogSize: row.treeSize, bucketSize: size },
      );
    if (!latest) return { kind: 'ok', checkpoint: null };
    if (row && row.treeSize === size && row.rootHash === latest.root.toString('hex'))
      return { kind: 'ok', checkpoint: row };
    try {
      const added = await catalog.addCheckpoint({
        treeSize: size,
        rootHash: latest.root.toString('hex'),
        key: latest.key,
      });
      return { kind: 'ok', checkpoint: added };
    } catch (err) {
      if (err instanceof LedgerConflictError)
        return this.refuse(
          'catalog_mismatch',
          `the catalog's checkpoint ${size} disagrees with the bucket's: ${err.message}`,
          {
            size,
          },
        );
      throw err;
    }
  }

  /** The whole checkpointed tree: the catalog's root against the checkpoint's, then the first bad leaf. */
  private async checkAll(latest: StoredCheckpoint | null): Promise<LeafMismatch | null> {
    if (!latest || latest.size === 0n) return null;
    const size = Number(latest.size);
    const computed = await catalogRoot(this.options.catalog, size);
    if (computed.ok && computed.root.equals(latest.root)) return null;
    const found = await firstMismatch(this.options.catalog, this.options.store, latest.size, 0, size);
    if (found) return found;
    return {
      index: computed.ok ? size - 1 : computed.index,
      catalog: null,
      bucket: latest.key,
      message: computed.ok
        ? `the catalog's first ${size} leaves do not give the root of ${latest.key}`
        : computed.message,
    };
  }

  private async refuseMismatch(m: LeafMismatch): Promise<CheckpointOutcome> {
    return this.refuse(
      'catalog_mismatch',
      `the catalog's ledger disagrees with the bucket at leaf ${m.index}: ${m.message}`,
      {
        index: m.index,
        catalog: m.catalog,
        bucket: m.bucket,
      },
      `ledger:catalog_mismatch:${m.index}`,
    );
  }

  private async refuse(
    kind: string,
    summary: string,
    details: Record<string, unknown>,
    dedupeKey = `ledger:${kind}`,
  ): Promise<{ kind: 'refused'; reason: string }> {
    this.agreed = null;
    await this.options.alerts.raise({ source: 'ledger', kind, summary, details, dedupeKey });
    this.options.logger.error({ kind, details }, `ledger: no checkpoint signed: ${summary}`);
    return { kind: 'refused', reason: summary };
  }

  /** When this process last signed a checkpoint (null: not since it started). */
  get lastSignedAt(): Date | null {
    return this.lastCheckpointAt;
  }
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
