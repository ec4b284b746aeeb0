/**
 * The evidence ledger in `serve` (issue 10): the checkpointer as a background job, the read side
 * for the API, the proofs other parts use, the alerts, and what `/readyz` and `doctor` report.
 * Built once by the composition root (src/runtime/archive.ts) with createEvidence.
 */
import type { Registry } from 'prom-client';
import { CatalogAlertSink } from '../alerts/sink';
import type { Catalog } from '../catalog';
import type { Signer } from '../cloud/signer';
import { LedgerConflictError } from '../errors';
import { ObjectTileStore, type LedgerObjectStore, type TileStore } from '../ledger';
import type { Logger } from '../log';
import type { BackgroundJobs } from '../runtime/jobs';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import { CachedTileStore } from './cached-store';
import { Checkpointer } from './checkpointer';
import { EvidenceLedger, type LatestCheckpoint } from './ledger';
import { evidenceFindings } from './posture';
import { EvidenceProofs, type LedgerProofs } from './proofs';

export { CatalogAlertSink } from '../alerts/sink';
export { Checkpointer, type CheckpointOutcome } from './checkpointer';
export { EvidenceLedger, parseIndex, type LatestCheckpoint, type LedgerEntry } from './ledger';
export type { LedgerProofs } from './proofs';
export { evidenceFindings, type EvidenceFinding } from './posture';

/** The checkpointer's job (and leader lock) name. */
export const CHECKPOINT_JOB = 'checkpoint';

/** The log's origin (and key name) of a configuration: `ledger.origin`, else `strongroom/<prefix>`. */
export function ledgerOrigin(config: {
  ledger: { origin?: string | undefined };
  buckets: { prefix: string };
}): string {
  return config.ledger.origin ?? `strongroom/${config.buckets.prefix}`;
}

export interface PostureCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Evidence {
  ledger: EvidenceLedger;
  proofs: LedgerProofs;
  checkpointer: Checkpointer;
  alerts: CatalogAlertSink;
  store: TileStore;
  /** Checkpoints now (here when this instance leads, else through the leader) and answers the latest. */
  checkpointNow(options?: { timeoutMs?: number }): Promise<LatestCheckpoint>;
  /** `/readyz` and `doctor`: open alerts, and whether the checkpointer signs. */
  posture(): Promise<PostureCheck[]>;
}

export interface CreateEvidenceOptions {
  catalog: Catalog;
  /** The data plane over the audit bucket (putBuffer, getBuffer, list). */
  objects: LedgerObjectStore;
  auditBucket: string;
  signer: Signer;
  origin: string;
  checkpointSeconds: number;
  jobs: BackgroundJobs;
  logger: Logger;
  registry?: Registry;
  clock?: Clock;
}

export function createEvidence(options: CreateEvidenceOptions): Evidence {
  const { catalog, jobs } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger.child({ component: 'ledger' });
  // Entry bundles (up to 256 leaves' data each) are read by verification and rebuilds, never by
  // proofs: kept out of the cache, which then holds every hash tile of a 1,000,000-leaf log.
  const store = new CachedTileStore(
    new ObjectTileStore({ store: options.objects, bucket: options.auditBucket }),
    { skip: (key) => key.includes('tile/entries/') },
  );
  const alerts = new CatalogAlertSink(catalog, logger, {
    ...(options.registry ? { registry: options.registry } : {}),
    clock,
  });
  const checkpointer = new Checkpointer({
    catalog,
    store,
    signer: options.signer,
    origin: options.origin,
    alerts,
    logger,
  });
  const intervalMs = options.checkpointSeconds * 1000;
  jobs.register({
    name: CHECKPOINT_JOB,
    intervalMs,
    runAtStop: true,
    run: async () => {
      await checkpointer.run();
    },
  });
  const ledger = new EvidenceLedger({
    catalog,
    store,
    key: () => checkpointer.verifierKey(),
    retryAfterSeconds: () => Math.max(1, Math.ceil(options.checkpointSeconds)),
  });
  const requestCheckpoint = async (): Promise<void> => {
    await jobs.request(CHECKPOINT_JOB);
  };
  const proofs = new EvidenceProofs({ ledger, requestCheckpoint });

  return {
    ledger,
    proofs,
    checkpointer,
    alerts,
    store,
    async checkpointNow(o = {}) {
      const target = await catalog.ledgerSize();
      const ranHere = await jobs.request(CHECKPOINT_JOB);
      if (ranHere && checkpointer.refused !== null)
        throw new LedgerConflictError(`no checkpoint signed: ${checkpointer.refused}`, {
          hint: 'see the open alerts (strongroom alerts list); the catalog disagrees with the bucket',
        });
      if (target === 0) return ledger.mustLatest();
      return proofs.waitForCheckpoint(target - 1, { timeoutMs: o.timeoutMs ?? 60_000 });
    },
    async posture() {
      const findings = await evidenceFindings(catalog, {
        checkpointSeconds: options.checkpointSeconds,
        now: clock.now(),
      });
      const checks: PostureCheck[] = findings.map((f) => ({
        name: f.check,
        ok: f.severity !== 'fail',
        detail: f.message,
      }));
      const refused = checkpointer.refused;
      if (refused !== null)
        checks.push({ name: 'ledger', ok: false, detail: `checkpoints refused: ${refused}` });
      return checks;
    },
  };
}
