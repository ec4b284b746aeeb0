/**
 * Where the posture report's sources are wired: `serve` (GET /v1/posture) and `strongroom
 * posture` build them here, from the parts the composition root holds. Every provider of
 * PostureProviders left out is reported "not available" with its reason (gather.ts).
 *
 * To connect a part (checkpoints, sealing, log import, fixity, holds, bucket encryption and
 * policy): add its provider in `partPostureProviders` below, from what `PostureParts` holds (add
 * the part to PostureParts and pass it where both callers build the parts). Nothing else changes.
 */
import { logImportPosture, unknownKeyPosture } from '../audit/posture';
import type { Catalog } from '../catalog';
import { fixityPosture } from '../fixity/posture';
import { bucketPlan, type Config } from '../config';
import { HongKongCalendar } from '../reports/calendar';
import { catalogPostureProviders, postureReport, renderPosture } from '../reports/posture-service';
import type { PostureProviders, PostureSources } from '../reports/posture/gather';
import { ReportService, type ReportCatalog, type Rendered } from '../reports/service';
import { httpsOnlyStatement } from '../provision/bucket-security';
import type { BucketAdmin } from '../storage/types';
import { systemClock, type Clock } from '../util/clock';

export interface PostureParts {
  config: Config;
  /** Bucket administration, as the service runs (its view is what must be compliant). */
  store: Pick<
    BucketAdmin,
    'bucketInfo' | 'getRetention' | 'getLogging' | 'getEncryption' | 'getBucketPolicy'
  >;
  catalog: Pick<
    Catalog,
    | 'listPrincipals'
    | 'recordsIngestedPerDay'
    | 'auditEventCounts'
    | 'alpIdsWithTrades'
    | 'documentsOfType'
    | 'latestCheckpointRow'
    | 'checkpointRows'
    | 'latestAuditSegment'
    | 'auditSize'
    | 'queryAudit'
    | 'auditEventCountsBySource'
    | 'fixitySweeps'
    | 'importPosition'
  >;
  /** Legal holds (src/lifecycle/holds.ts); absent: "not available". */
  holds?: { posture(): Promise<{ open: number; oldestSince: string | null }> };
  reports: ReportService;
  /** The OSS endpoint in use. */
  endpoint: string;
  clock?: Clock;
}

/** Checkpoints listed in the history chart at most (one page; older logs show the latest only). */
const CHECKPOINT_HISTORY = 1000;

/**
 * The providers of the parts that own the facts, read from the catalog's indexes of what is in the
 * audit bucket: the ledger's checkpoints, the sealed audit segments, the trail by source, the
 * fixity sweeps, and the legal holds; from the store, each bucket's default encryption and the
 * statement of its policy that denies plain HTTP (judged by provision's one rule); from the
 * importers' records, their positions and the imported accesses by unknown keys.
 */
export function partPostureProviders(parts: PostureParts): PostureProviders {
  const { catalog, store } = parts;
  const holds = parts.holds;
  return {
    encryption: async (bucket) => {
      const e = await store.getEncryption(bucket);
      return e === null
        ? null
        : { algorithm: e.algorithm, ...(e.keyId !== undefined ? { keyId: e.keyId } : {}) };
    },
    httpsOnly: async (bucket) => {
      const statement = httpsOnlyStatement(await store.getBucketPolicy(bucket), bucket);
      return statement === null ? null : { statement };
    },
    checkpoint: async () => {
      const last = await catalog.latestCheckpointRow();
      if (!last) return { last: null, history: [] };
      const rows = await catalog.checkpointRows({ limit: CHECKPOINT_HISTORY });
      const history = (rows.length < CHECKPOINT_HISTORY ? rows : [last]).map((r) => ({
        at: r.createdAt.toISOString(),
        treeSize: r.treeSize,
      }));
      return { last: { treeSize: last.treeSize, at: last.createdAt.toISOString() }, history };
    },
    sealing: async () => {
      const segment = await catalog.latestAuditSegment();
      const sealedTo = segment ? segment.toSeq + 1 : 0;
      const unsealedEvents = Math.max(0, (await catalog.auditSize()) - sealedTo);
      if (unsealedEvents === 0) return { unsealedEvents, oldestUnsealedAt: null };
      const [first] = await catalog.queryAudit({
        ...(sealedTo > 0 ? { afterSeq: sealedTo - 1 } : {}),
        limit: 1,
      });
      return { unsealedEvents, oldestUnsealedAt: first ? first.at.toISOString() : null };
    },
    auditEventsBySource: () => catalog.auditEventCountsBySource(),
    logImport: () => logImportPosture(catalog, bucketPlan(parts.config)),
    unknownKeyAccesses: () => unknownKeyPosture(catalog, (parts.clock ?? systemClock).now()),
    fixity: () => fixityPosture(catalog),
    ...(holds ? { holds: () => holds.posture() } : {}),
  };
}

/** The posture report's sources, fresh for one report. */
export function postureSources(parts: PostureParts): PostureSources {
  const { config } = parts;
  return {
    store: parts.store,
    plan: bucketPlan(config),
    catalog: parts.catalog,
    ...(parts.clock ? { clock: parts.clock } : {}),
    ...(config.reports.operator ? { operator: config.reports.operator } : {}),
    edsp: { provider: 'Alibaba Cloud OSS', region: config.oss.region, endpoint: parts.endpoint },
    calendar: parts.reports.calendar,
    providers: {
      ...catalogPostureProviders(parts.catalog, parts.reports),
      ...partPostureProviders(parts),
    },
  };
}

/** The posture report gathered now and rendered: GET /v1/posture's answer. */
export function postureRenderer(parts: PostureParts): (format: 'json' | 'html') => Promise<Rendered> {
  return async (format) => renderPosture(await postureReport({ sources: postureSources(parts) }), format);
}

/** The reports of the configuration (operator, extra closures) over a catalog. */
export function reportService(config: Config, catalog: ReportCatalog, clock?: Clock): ReportService {
  return new ReportService({
    catalog,
    calendar: new HongKongCalendar({ extraClosures: config.reports.extraClosures }),
    ...(config.reports.operator ? { operator: config.reports.operator } : {}),
    ...(clock ? { clock } : {}),
  });
}
