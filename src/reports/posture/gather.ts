/**
 * Gathering the posture facts from the live archive. What exists today is read here (buckets,
 * retention, logging from the object store; principals, records per day and audit events from
 * the catalog; ALP months from the ALP trade facts). What the parts being built will know
 * (encryption and bucket policies, checkpoints, sealing, log import, fixity, holds, archived
 * reports, EDSP documents) plugs in through `PostureProviders`; each provider left out, or
 * failing, is reported as "not available" with the reason.
 */
import type { Catalog } from '../../catalog';
import type { BucketPlan } from '../../config';
import { plannedBuckets } from '../../provision';
import type { BucketAdmin } from '../../storage/types';
import { systemClock, type Clock } from '../../util/clock';
import {
  HongKongCalendar,
  alpReportDueWindow,
  formatMonth,
  hongKongDate,
  previousMonth,
  type Month,
} from '../calendar';
import {
  available,
  unavailable,
  type AlpReportDue,
  type BucketFacts,
  type CheckpointFacts,
  type Fact,
  type FixitySweep,
  type PostureFacts,
} from './facts';

export interface PostureProviders {
  encryption?(bucket: string): Promise<{ algorithm: string; keyId?: string } | null>;
  /** The bucket policy's statement denying plain HTTP (JSON text), or null when none does. */
  httpsOnly?(bucket: string): Promise<{ statement: string } | null>;
  edspDocuments?(): Promise<{ documentType: string; recordId: string; date: string }[]>;
  checkpoint?(): Promise<CheckpointFacts>;
  sealing?(): Promise<{ unsealedEvents: number; oldestUnsealedAt: string | null }>;
  logImport?(): Promise<{
    importedUpTo: string | null;
    sources?: { name: string; position: string | null }[];
  }>;
  unknownKeyAccesses?(): Promise<{ count: number; since: string; examples: string[] }>;
  fixity?(): Promise<FixitySweep[]>;
  holds?(): Promise<{ open: number; oldestSince: string | null }>;
  /** Whether the month's ALP report for the ALP is archived (a document record). */
  alpReportArchived?(month: string, alpId: string): Promise<boolean>;
  /** Audit events by source (API, OSS access logs, control plane); default: by action family. */
  auditEventsBySource?(): Promise<{ source: string; count: number }[]>;
}

export interface PostureSources {
  store: Pick<BucketAdmin, 'bucketInfo' | 'getRetention' | 'getLogging'>;
  plan: BucketPlan;
  catalog: Pick<
    Catalog,
    'listPrincipals' | 'recordsIngestedPerDay' | 'auditEventCounts' | 'alpIdsWithTrades'
  >;
  clock?: Clock;
  /** The licensed corporation, as the SFC knows it. */
  operator?: string;
  edsp?: { provider: string; region: string; endpoint: string };
  signedUrls?: { maxExpirySeconds: number; httpsOnly: boolean };
  calendar?: HongKongCalendar;
  providers?: PostureProviders;
}

/** Days in the records-per-day picture. */
export const RECORDS_PER_DAY_DAYS = 90;
const DAY_MS = 86_400_000;

/** Why a provider is missing, as the report says it. */
const NOT_BUILT: Record<keyof PostureProviders, string> = {
  encryption: 'no reader of bucket encryption is connected',
  httpsOnly: 'no reader of bucket policies is connected',
  edspDocuments: 'no lookup of EDSP documents by document type is connected yet',
  checkpoint: 'the evidence ledger (signed checkpoints) is not connected yet',
  sealing: 'audit segment sealing is not connected yet',
  logImport: "no reader of the importers' positions is connected",
  unknownKeyAccesses: 'no reader of the imported events is connected',
  fixity: 'fixity sweeps are not connected yet',
  holds: 'legal holds are not connected yet',
  alpReportArchived: 'archiving reports as records is not connected yet',
  auditEventsBySource: '',
};

async function ask<T>(fn: (() => Promise<T>) | undefined, missingReason: string): Promise<Fact<T>> {
  if (!fn) return unavailable(missingReason);
  try {
    return available(await fn());
  } catch (err) {
    return unavailable(`could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function bucketFacts(sources: PostureSources): Promise<BucketFacts[]> {
  const p = sources.providers ?? {};
  const out: BucketFacts[] = [];
  for (const b of plannedBuckets(sources.plan)) {
    const base = {
      bucket: b.bucket,
      role: b.role,
      configuredDays: b.days,
      ...(b.className ? { className: b.className } : {}),
    };
    if (!(await sources.store.bucketInfo(b.bucket))) {
      const none = unavailable('the bucket does not exist');
      out.push({ ...base, exists: false, retention: none, logging: none, encryption: none, httpsOnly: none });
      continue;
    }
    const retention = await ask(async () => {
      const r = await sources.store.getRetention(b.bucket);
      return r
        ? { state: r.state, days: r.days, since: r.createdAt.toISOString() }
        : { state: 'None' as const, days: null, since: null };
    }, '');
    const logging =
      b.role === 'logs'
        ? unavailable<{ targetBucket: string; targetPrefix: string } | null>(
            'the logs bucket does not log to itself',
          )
        : await ask(async () => {
            const l = await sources.store.getLogging(b.bucket);
            return l ? { targetBucket: l.targetBucket, targetPrefix: l.targetPrefix } : null;
          }, '');
    const encryption = await ask(
      p.encryption ? () => (p.encryption as NonNullable<typeof p.encryption>)(b.bucket) : undefined,
      NOT_BUILT.encryption,
    );
    const httpsOnly = await ask(
      p.httpsOnly ? () => (p.httpsOnly as NonNullable<typeof p.httpsOnly>)(b.bucket) : undefined,
      NOT_BUILT.httpsOnly,
    );
    out.push({ ...base, exists: true, retention, logging, encryption, httpsOnly });
  }
  return out;
}

/** Every Hong Kong day of the last `days` days up to today, with zeros where nothing was ingested. */
async function recordsPerDay(sources: PostureSources, now: Date): Promise<{ date: string; count: number }[]> {
  const today = hongKongDate(now);
  const end = Date.parse(`${today}T00:00:00+08:00`) + DAY_MS;
  const start = end - RECORDS_PER_DAY_DAYS * DAY_MS;
  const counted = new Map(
    (await sources.catalog.recordsIngestedPerDay(new Date(start), new Date(end))).map((d) => [
      d.date,
      d.count,
    ]),
  );
  const out: { date: string; count: number }[] = [];
  for (let t = start; t < end; t += DAY_MS) {
    const date = hongKongDate(t);
    out.push({ date, count: counted.get(date) ?? 0 });
  }
  return out;
}

async function auditBySource(sources: PostureSources): Promise<{ source: string; count: number }[]> {
  const custom = sources.providers?.auditEventsBySource;
  if (custom) return custom();
  // Today every event comes through the archive's API; grouped by the action's family.
  const byFamily = new Map<string, number>();
  for (const { action, count } of await sources.catalog.auditEventCounts()) {
    const family = `archive API: ${action.split('.')[0] ?? action}`;
    byFamily.set(family, (byFamily.get(family) ?? 0) + count);
  }
  return [...byFamily].map(([source, count]) => ({ source, count })).sort((a, b) => b.count - a.count);
}

/** The reports due for the two months before this one (an older one would be long overdue and shown by doctor). */
async function alpReportsDue(sources: PostureSources, now: Date): Promise<AlpReportDue[]> {
  const calendar = sources.calendar ?? new HongKongCalendar();
  const today = hongKongDate(now);
  const thisMonth: Month = { year: Number(today.slice(0, 4)), month: Number(today.slice(5, 7)) };
  const months = [previousMonth(previousMonth(thisMonth)), previousMonth(thisMonth)];
  const out: AlpReportDue[] = [];
  for (const m of months) {
    const month = formatMonth(m);
    const window = alpReportDueWindow(m, now, calendar);
    for (const alpId of await sources.catalog.alpIdsWithTrades(month)) {
      const archivedFn = sources.providers?.alpReportArchived;
      const archived = archivedFn ? await archivedFn(month, alpId) : null;
      out.push({
        month,
        alpId,
        dueDate: window.dueDate,
        warnFrom: window.warnFrom,
        state: window.state,
        archived,
      });
    }
  }
  return out;
}

export async function gatherPostureFacts(sources: PostureSources): Promise<PostureFacts> {
  const now = (sources.clock ?? systemClock).now();
  const p = sources.providers ?? {};
  return {
    gatheredAt: now.toISOString(),
    operator: sources.operator ? available(sources.operator) : unavailable('no operator name configured'),
    edsp: sources.edsp ? available(sources.edsp) : unavailable('no EDSP region and endpoint given'),
    edspDocuments: await ask(p.edspDocuments, NOT_BUILT.edspDocuments),
    logsBucket: sources.plan.logs.bucket,
    buckets: await ask(() => bucketFacts(sources), ''),
    principals: await ask(
      async () =>
        (await sources.catalog.listPrincipals()).map((x) => ({
          id: x.id,
          name: x.name,
          role: x.role,
          kind: x.kind,
          active: x.disabledAt === null,
        })),
      '',
    ),
    checkpoint: await ask(p.checkpoint, NOT_BUILT.checkpoint),
    sealing: await ask(p.sealing, NOT_BUILT.sealing),
    logImport: await ask(p.logImport, NOT_BUILT.logImport),
    unknownKeyAccesses: await ask(p.unknownKeyAccesses, NOT_BUILT.unknownKeyAccesses),
    fixity: await ask(p.fixity, NOT_BUILT.fixity),
    holds: await ask(p.holds, NOT_BUILT.holds),
    alpReportsDue: await ask(() => alpReportsDue(sources, now), ''),
    signedUrls: sources.signedUrls
      ? available(sources.signedUrls)
      : unavailable('no signed-URL settings given'),
    recordsPerDay: await ask(() => recordsPerDay(sources, now), ''),
    auditEventsBySource: await ask(() => auditBySource(sources), ''),
  };
}
