/**
 * The posture report's facts of the importers (PostureProviders.logImport and
 * .unknownKeyAccesses), read from what the importers record in the catalog: their positions
 * (`import_positions`: `oss-access-log:<bucket>` holds the stamp of the latest log object
 * imported for the bucket, `actiontrail` the time up to which ActionTrail was read) and the
 * imported events attributed to `unknown` (src/audit/attribution.ts: a key that is neither the
 * archive's own nor an STS session it obtained).
 */
import type { Catalog } from '../catalog';
import type { AuditEvent, AuditSource } from '../catalog/types';
import type { BucketPlan } from '../config';
import { plannedBuckets } from '../provision';
import { UNKNOWN_PRINCIPAL } from './attribution';
import { ACTIONTRAIL_POSITION } from './import-actiontrail';
import { positionName } from './import-oss-logs';
import { ACTIONTRAIL_SOURCE, OSS_LOG_SOURCE } from './imported-events';

export interface ImportPositionFact {
  /** `oss-access-log:<bucket>` or `actiontrail`. */
  name: string;
  /** ISO time the source is imported up to; null: nothing imported yet. */
  position: string | null;
}

export interface LogImportFact {
  /** The older of the two importers' positions (each that has one); null: nothing imported. */
  importedUpTo: string | null;
  sources: ImportPositionFact[];
}

/** An access-log object's stamp `YYYY-mm-DD-HH-MM-SS` (UTC) as ISO time; null if it is not one. */
export function stampToIso(stamp: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$/.exec(stamp);
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}

/**
 * How far the importers have got. A bucket's access-log position does not move while nobody
 * accesses the bucket, so the access-log importer stands at its newest position over all
 * buckets; ActionTrail at its own. `importedUpTo` is the older of the two.
 */
export async function logImportPosture(
  catalog: Pick<Catalog, 'importPosition'>,
  plan: BucketPlan,
): Promise<LogImportFact> {
  const sources: ImportPositionFact[] = [];
  let newestLog: string | null = null;
  for (const b of plannedBuckets(plan).filter((x) => x.role !== 'logs')) {
    const raw = await catalog.importPosition(positionName(b.bucket));
    const position = raw === undefined ? null : stampToIso(raw);
    sources.push({ name: positionName(b.bucket), position });
    if (position !== null && (newestLog === null || position > newestLog)) newestLog = position;
  }
  const trailRaw = await catalog.importPosition(ACTIONTRAIL_POSITION);
  const trail =
    trailRaw === undefined || Number.isNaN(Date.parse(trailRaw)) ? null : new Date(trailRaw).toISOString();
  sources.push({ name: ACTIONTRAIL_POSITION, position: trail });
  const present = [newestLog, trail].filter((p): p is string => p !== null).sort();
  return { importedUpTo: present[0] ?? null, sources };
}

/** Days of imported events the unknown-key line looks at (ActionTrail keeps 90). */
export const UNKNOWN_KEY_DAYS = 90;
const PAGE = 10_000;
/** Pages read per source at most; past them the count is "at least". */
const MAX_PAGES = 10;

function describe(e: AuditEvent): string {
  let key = '?';
  try {
    const d = (e.details === null ? {} : JSON.parse(e.details)) as { accessKeyId?: unknown };
    if (typeof d.accessKeyId === 'string' && d.accessKeyId !== '') key = d.accessKeyId;
  } catch {
    // details are the catalog's own JSON; an unreadable one is shown without its key
  }
  return `${e.at.toISOString()} key ${key}: ${e.action}${e.target ? ` on ${e.target}` : ''} (${e.outcome}, ${e.source})`;
}

/** Imported events (access logs, ActionTrail) by keys the archive does not know, since `days` ago. */
export async function unknownKeyPosture(
  catalog: Pick<Catalog, 'queryAudit'>,
  now: Date,
  days = UNKNOWN_KEY_DAYS,
): Promise<{ count: number; since: string; examples: string[] }> {
  const since = new Date(now.getTime() - days * 86_400_000);
  let count = 0;
  const examples: string[] = [];
  for (const source of [OSS_LOG_SOURCE, ACTIONTRAIL_SOURCE] as AuditSource[]) {
    let afterSeq: number | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const rows = await catalog.queryAudit({
        principalId: UNKNOWN_PRINCIPAL,
        source,
        from: since,
        limit: PAGE,
        ...(afterSeq !== undefined ? { afterSeq } : {}),
      });
      count += rows.length;
      for (const e of rows) if (examples.length < 10) examples.push(describe(e));
      if (rows.length < PAGE) break;
      afterSeq = (rows[rows.length - 1] as AuditEvent).seq;
    }
  }
  return { count, since: since.toISOString(), examples };
}
