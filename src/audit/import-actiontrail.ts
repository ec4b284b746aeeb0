/**
 * The ActionTrail importer: control-plane events (retention policies, logging, bucket policies,
 * key use, roles assumed) read through src/cloud's LookupEvents client into the trail with source
 * `actiontrail`. ActionTrail keeps 90 days: each run reads from its position (the time of the
 * latest event imported) less an overlap, oldest first, and an importer more than
 * `WINDOW_WARNING_DAYS` behind raises an alert, well before events fall out of the window.
 */
import type { AlertSink } from '../alerts/types';
import type { ActionTrailClient } from '../cloud/actiontrail';
import type { NewAuditEvent } from '../catalog/types';
import type { Logger } from '../log';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import type { Attributor } from './attribution';
import { actionTrailEvent } from './imported-events';
import { appendNew, type ImportCatalog, type ImportReport } from './import-oss-logs';

export const ACTIONTRAIL_POSITION = 'actiontrail';
const DAY_MS = 24 * 3600 * 1000;
/** ActionTrail keeps events this long. */
export const ACTIONTRAIL_WINDOW_DAYS = 90;
/** An importer this far behind raises an alert. */
export const WINDOW_WARNING_DAYS = 60;
/** Events are delivered to LookupEvents with some delay: each run reads this far back again. */
const OVERLAP_MS = 15 * 60 * 1000;
const CHUNK = 200;

export interface ActionTrailImporterOptions {
  catalog: ImportCatalog;
  actionTrail: Pick<ActionTrailClient, 'lookupEvents'>;
  attributor: Attributor;
  logger: Logger;
  alerts?: AlertSink;
  clock?: Clock;
}

export class ActionTrailImporter {
  private readonly clock: Clock;

  constructor(private readonly o: ActionTrailImporterOptions) {
    this.clock = o.clock ?? systemClock;
  }

  async run(): Promise<ImportReport> {
    const now = this.clock.now();
    const report: ImportReport = { objects: 0, imported: 0, duplicates: 0, unreadable: 0 };
    const position = await this.o.catalog.importPosition(ACTIONTRAIL_POSITION);
    const windowStart = now.getTime() - (ACTIONTRAIL_WINDOW_DAYS - 1) * DAY_MS;
    const positionMs = position === undefined ? Number.NaN : Date.parse(position);
    if (!Number.isNaN(positionMs) && now.getTime() - positionMs > WINDOW_WARNING_DAYS * DAY_MS)
      await this.behind(new Date(positionMs), now);
    const start = new Date(
      Number.isNaN(positionMs) ? windowStart : Math.max(windowStart, positionMs - OVERLAP_MS),
    );
    let latest = Number.isNaN(positionMs) ? 0 : positionMs;
    let chunk: NewAuditEvent[] = [];
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const r = await appendNew(this.o.catalog, chunk);
      report.imported += r.imported;
      report.duplicates += r.duplicates;
      report.objects++;
      chunk = [];
      if (latest > (Number.isNaN(positionMs) ? -1 : positionMs))
        await this.o.catalog.setImportPosition(ACTIONTRAIL_POSITION, new Date(latest).toISOString());
    };
    for await (const e of this.o.actionTrail.lookupEvents({ start, end: now, direction: 'FORWARD' })) {
      const who = await this.o.attributor.attribute(e.userIdentity.accessKeyId);
      chunk.push(actionTrailEvent(e, who));
      latest = Math.max(latest, e.eventTime.getTime());
      if (chunk.length >= CHUNK) await flush();
    }
    await flush();
    // Read to the end: the next run starts at the later of the latest event and now less the
    // overlap, so a quiet trail does not look like an import falling behind.
    const done = Math.max(latest, now.getTime() - OVERLAP_MS);
    if (Number.isNaN(positionMs) || done > positionMs)
      await this.o.catalog.setImportPosition(ACTIONTRAIL_POSITION, new Date(done).toISOString());
    if (report.imported > 0)
      this.o.logger.info({ ...report }, 'ActionTrail events imported into the audit trail');
    return report;
  }

  private async behind(position: Date, now: Date): Promise<void> {
    const days = Math.floor((now.getTime() - position.getTime()) / DAY_MS);
    const summary = `the ActionTrail import is ${days} days behind (ActionTrail keeps ${ACTIONTRAIL_WINDOW_DAYS})`;
    this.o.logger.error({ position: position.toISOString() }, summary);
    try {
      await this.o.alerts?.raise({
        source: 'import',
        kind: 'actiontrail_behind',
        summary,
        details: { position: position.toISOString(), days },
        dedupeKey: 'import:actiontrail_behind',
      });
    } catch (err) {
      this.o.logger.error({ err }, 'the alert could not be recorded');
    }
  }
}
