/**
 * The audit trail's background work, built once: the sealer and the importers (OSS access logs,
 * ActionTrail), and the leader jobs `serve` runs them as (`audit-seal` every
 * min(audit.sealSeconds, 10) s, sealing full segments at once and the rest every
 * audit.sealSeconds; `audit-import` every audit.importSeconds). `strongroom audit import` runs
 * `importOnce`.
 */
import type { AlertSink } from '../alerts/types';
import type { Catalog } from '../catalog';
import type { ActionTrailClient } from '../cloud/actiontrail';
import type { BucketPlan, Config } from '../config';
import type { Logger } from '../log';
import { plannedBuckets, ACCESS_LOG_PREFIX } from '../provision';
import type { LeaderJob } from '../runtime/leader';
import type { ObjectStore } from '../storage/types';
import type { Clock } from '../util/clock';
import { Attributor, SERVICE_PRINCIPAL } from './attribution';
import { ActionTrailImporter } from './import-actiontrail';
import { OssLogImporter, type ImportReport } from './import-oss-logs';
import { AuditSealer } from './sealer';

export const SEAL_JOB = 'audit-seal';
export const IMPORT_JOB = 'audit-import';

export interface AuditPartsOptions {
  config: Pick<Config, 'audit'>;
  plan: BucketPlan;
  catalog: Catalog;
  store: Pick<ObjectStore, 'putBuffer' | 'getBuffer' | 'list'>;
  /** Null when no control plane is reachable: no ActionTrail import. */
  actionTrail: Pick<ActionTrailClient, 'lookupEvents'> | null;
  /** The archive's own access key ids and their principal ids (the service key: `archive-service`). */
  ownKeys: ReadonlyMap<string, string>;
  logger: Logger;
  alerts?: AlertSink;
  clock?: Clock;
}

export interface ImportRun {
  ossAccessLogs: ImportReport;
  /** Null without a control plane. */
  actionTrail: ImportReport | null;
}

export interface AuditParts {
  sealer: AuditSealer;
  importOnce(): Promise<ImportRun>;
  jobs(): LeaderJob[];
}

/** The service key as `archive-service`, plus whatever other own keys are given. */
export function ownKeyMap(serviceKeyId: string, others: Record<string, string> = {}): Map<string, string> {
  const map = new Map<string, string>(Object.entries(others));
  if (serviceKeyId !== '') map.set(serviceKeyId, SERVICE_PRINCIPAL);
  return map;
}

export function auditParts(o: AuditPartsOptions): AuditParts {
  const logger = o.logger.child({ component: 'audit' });
  const alerts = o.alerts ? { alerts: o.alerts } : {};
  const clock = o.clock ? { clock: o.clock } : {};
  const sealer = new AuditSealer({
    catalog: o.catalog,
    store: o.store,
    bucket: o.plan.audit.bucket,
    sealEvents: o.config.audit.sealEvents,
    sealSeconds: o.config.audit.sealSeconds,
    logger,
    ...alerts,
    ...clock,
  });
  const attributor = new Attributor(o.catalog, o.ownKeys);
  const oss = new OssLogImporter({
    catalog: o.catalog,
    store: o.store,
    logsBucket: o.plan.logs.bucket,
    prefix: ACCESS_LOG_PREFIX,
    sourceBuckets: plannedBuckets(o.plan)
      .filter((b) => b.role !== 'logs')
      .map((b) => b.bucket),
    attributor,
    logger,
    ...alerts,
  });
  const trail = o.actionTrail
    ? new ActionTrailImporter({
        catalog: o.catalog,
        actionTrail: o.actionTrail,
        attributor,
        logger,
        ...alerts,
        ...clock,
      })
    : null;
  const importOnce = async (): Promise<ImportRun> => ({
    ossAccessLogs: await oss.run(),
    actionTrail: trail ? await trail.run() : null,
  });
  return {
    sealer,
    importOnce,
    jobs: () => [
      {
        name: SEAL_JOB,
        intervalMs: Math.min(o.config.audit.sealSeconds, 10) * 1000,
        // Soon after start: the start-up check that the catalog agrees with the latest segment.
        firstRunAfterMs: 1000,
        run: async () => {
          await sealer.run();
        },
      },
      {
        name: IMPORT_JOB,
        intervalMs: o.config.audit.importSeconds * 1000,
        firstRunAfterMs: o.config.audit.importSeconds * 1000,
        run: async () => {
          await importOnce();
        },
      },
    ],
  };
}
