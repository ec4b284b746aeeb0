/**
 * The audit trail's parts as `serve` and the CLI build them (src/audit/jobs.ts): the archive's
 * own access keys (how imported access is attributed to the archive itself) and the parts over
 * this deployment's catalog, store and control plane.
 */
import type { AlertSink } from '../alerts/types';
import { auditParts, ownKeyMap, type AuditParts } from '../audit/jobs';
import type { Catalog } from '../catalog';
import { bucketPlan, type Config } from '../config';
import type { Logger } from '../log';
import type { Clock } from '../util/clock';
import type { CloudHandle } from './cloud';
import { localCredentials, type StoreHandle } from './store';

/** The provisioning key's principal in the local profile (the embedded emulator's root key). */
export const PROVISIONING_PRINCIPAL = 'archive-provisioning';

/** The service key (`archive-service`), and in the local profile the provisioning key too. */
export function ownAccessKeys(config: Config, handle: Pick<StoreHandle, 'credentials'>): Map<string, string> {
  const others: Record<string, string> = {};
  if (!config.oss.endpoint) others[localCredentials(config).accessKeyId] = PROVISIONING_PRINCIPAL;
  return ownKeyMap(handle.credentials.accessKeyId, others);
}

export function archiveAuditParts(o: {
  config: Config;
  catalog: Catalog;
  handle: StoreHandle;
  cloud: CloudHandle;
  logger: Logger;
  alerts?: AlertSink;
  clock?: Clock;
}): AuditParts {
  return auditParts({
    config: o.config,
    plan: bucketPlan(o.config),
    catalog: o.catalog,
    store: o.handle.store,
    actionTrail: o.cloud.clients?.actionTrail ?? null,
    ownKeys: ownAccessKeys(o.config, o.handle),
    logger: o.logger,
    ...(o.alerts ? { alerts: o.alerts } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
  });
}
