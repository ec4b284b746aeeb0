/**
 * The OSS access-log importer: every log object of every bucket in the logs bucket
 * (`<prefix><SourceBucket>YYYY-mm-DD-HH-MM-SS-<unique>`), each line an audit event with source
 * `oss-access-log` (src/audit/imported-events.ts), so access that bypassed the archive is in the
 * trail. Deduped by OSS request id (the event id is derived from it) and by log object (the
 * catalog remembers the objects imported). Its position per source bucket is the stamp of the
 * latest object imported; each run lists from two hours before it, since OSS delivers late and
 * not always in order.
 */
import type { AlertSink } from '../alerts/types';
import type { Catalog } from '../catalog';
import type { NewAuditEvent } from '../catalog/types';
import type { Logger } from '../log';
import type { ObjectStore } from '../storage/types';
import type { Attributor } from './attribution';
import { ossLogEvent } from './imported-events';
import { listOssLogObjects, parseOssAccessLog, type OssLogObjectName } from './oss-access-log';

export type ImportCatalog = Pick<
  Catalog,
  | 'appendAudit'
  | 'existingEventIds'
  | 'importPosition'
  | 'setImportPosition'
  | 'importedLogObjects'
  | 'markLogObjectImported'
>;

export interface OssLogImporterOptions {
  catalog: ImportCatalog;
  store: Pick<ObjectStore, 'list' | 'getBuffer'>;
  logsBucket: string;
  /** The logging target prefix of every bucket (provision's `access-log/`). */
  prefix: string;
  /** The buckets whose access is logged there. */
  sourceBuckets: readonly string[];
  attributor: Attributor;
  logger: Logger;
  alerts?: AlertSink;
}

export interface ImportReport {
  /** Log objects (or ActionTrail pages) read. */
  objects: number;
  /** Events appended to the trail. */
  imported: number;
  /** Lines or events already in the trail. */
  duplicates: number;
  /** Lines that are not access-log lines (each raised as an alert). */
  unreadable: number;
}

/** How far before its position a run lists again (late deliveries). */
const LOOKBACK_MS = 2 * 3600 * 1000;
/** Appends in flight at once (the group commit makes them few transactions, in order). */
const APPEND_CHUNK = 256;

export function positionName(sourceBucket: string): string {
  return `oss-access-log:${sourceBucket}`;
}

/** `YYYY-mm-DD-HH-MM-SS` moved by `ms` (UTC), same form. */
export function shiftStamp(stamp: string, ms: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$/.exec(stamp);
  if (!m) return '0000-00-00-00-00-00';
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s) + ms).toISOString();
  return `${t.slice(0, 10)}-${t.slice(11, 13)}-${t.slice(14, 16)}-${t.slice(17, 19)}`;
}

/** Appends events in order, at most APPEND_CHUNK in flight, skipping those whose ids are in the trail. */
export async function appendNew(
  catalog: Pick<Catalog, 'appendAudit' | 'existingEventIds'>,
  events: readonly NewAuditEvent[],
): Promise<{ imported: number; duplicates: number }> {
  const seen = new Set<string>();
  const unique = events.filter((e) => {
    const id = e.eventId as string;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  let imported = 0;
  for (let i = 0; i < unique.length; i += APPEND_CHUNK) {
    const chunk = unique.slice(i, i + APPEND_CHUNK);
    const existing = new Set(await catalog.existingEventIds(chunk.map((e) => e.eventId as string)));
    const fresh = chunk.filter((e) => !existing.has(e.eventId as string));
    await Promise.all(fresh.map((e) => catalog.appendAudit(e)));
    imported += fresh.length;
  }
  return { imported, duplicates: events.length - imported };
}

export class OssLogImporter {
  constructor(private readonly o: OssLogImporterOptions) {}

  async run(): Promise<ImportReport> {
    const total: ImportReport = { objects: 0, imported: 0, duplicates: 0, unreadable: 0 };
    for (const bucket of this.o.sourceBuckets) {
      const r = await this.importBucket(bucket);
      total.objects += r.objects;
      total.imported += r.imported;
      total.duplicates += r.duplicates;
      total.unreadable += r.unreadable;
    }
    return total;
  }

  private async pendingObjects(bucket: string): Promise<{ objects: OssLogObjectName[]; position?: string }> {
    const position = await this.o.catalog.importPosition(positionName(bucket));
    const base = `${this.o.prefix}${bucket}`;
    const keys: string[] = [];
    const listing = this.o.store.list(this.o.logsBucket, {
      prefix: base,
      ...(position !== undefined ? { startAfter: `${base}${shiftStamp(position, -LOOKBACK_MS)}` } : {}),
    });
    for await (const o of listing) keys.push(o.key);
    const named = listOssLogObjects(keys, { prefix: this.o.prefix, sourceBucket: bucket });
    const done = new Set(await this.o.catalog.importedLogObjects(named.map((n) => n.key)));
    return {
      objects: named.filter((n) => !done.has(n.key)),
      ...(position !== undefined ? { position } : {}),
    };
  }

  private async importBucket(bucket: string): Promise<ImportReport> {
    const report: ImportReport = { objects: 0, imported: 0, duplicates: 0, unreadable: 0 };
    const { objects, position } = await this.pendingObjects(bucket);
    let latest = position;
    for (const object of objects) {
      const { body } = await this.o.store.getBuffer(this.o.logsBucket, object.key);
      const events: NewAuditEvent[] = [];
      let lines = 0;
      for (const { lineNumber, result } of parseOssAccessLog(body.toString('utf8'))) {
        lines++;
        if (!result.ok) {
          report.unreadable++;
          await this.unreadable(object.key, lineNumber, result.reason);
          continue;
        }
        const who = await this.o.attributor.attribute(result.entry.accessKeyId);
        events.push(
          ossLogEvent(result.entry, who, { sourceBucket: bucket, logObject: object.key, line: lineNumber }),
        );
      }
      const appended = await appendNew(this.o.catalog, events);
      report.imported += appended.imported;
      report.duplicates += appended.duplicates;
      report.objects++;
      await this.o.catalog.markLogObjectImported({ key: object.key, sourceBucket: bucket, lines });
      if (latest === undefined || object.stamp > latest) {
        latest = object.stamp;
        await this.o.catalog.setImportPosition(positionName(bucket), latest);
      }
    }
    if (report.objects > 0)
      this.o.logger.info({ bucket, ...report }, 'OSS access logs imported into the audit trail');
    return report;
  }

  private async unreadable(logObject: string, line: number, reason: string): Promise<void> {
    this.o.logger.error({ logObject, line, reason }, 'an OSS access-log line could not be read');
    try {
      await this.o.alerts?.raise({
        source: 'import',
        kind: 'unreadable_log_line',
        summary: `line ${line} of access log ${logObject} is not an OSS access-log line: ${reason}`,
        details: { logObject, line, reason },
        dedupeKey: `import:unreadable:${logObject}:${line}`,
      });
    } catch (err) {
      this.o.logger.error({ err }, 'the alert could not be recorded');
    }
  }
}
