/**
 * Monthly posture archiving in `serve` (`reports.postureMonthly`): a leader job that stores the
 * posture report (HTML) as a document record once per Hong Kong calendar month, through the same
 * write path as `strongroom posture --archive` (a record with its ledger leaf, and an audit event
 * `records.write`, here by the archive's own system principal `archive-reports`).
 *
 * Never twice for one month: the record id is the month's (`rpt-posture-monthly-YYYY-MM`), so a
 * restart finds it catalogued and does nothing, and a second process that got past that check at
 * the same instant is refused by the write path itself (same id, other bytes: a conflict).
 */
import { Readable } from 'node:stream';
import { ConflictError } from '../errors';
import type { AuditTrail } from '../audit/scope';
import { AuditScope } from '../audit/scope';
import type { Catalog } from '../catalog';
import type { RetentionClass } from '../config';
import type { IngestService } from '../ingest/types';
import type { Logger } from '../log';
import { retentionClassFor } from '../records/classes';
import { validateRecord } from '../records/validate';
import type { LeaderJob } from '../runtime/leader';
import { systemClock, type Clock } from '../util/clock';
import { hongKongDate } from '../util/hong-kong-time';
import { REPORT_RETENTION_DAYS, postureReportDocument } from './archived';
import type { Rendered } from './service';

export const POSTURE_MONTHLY_JOB = 'posture-monthly';
/** The system principal the monthly archive is recorded under (trail and record metadata). */
export const REPORTS_PRINCIPAL = 'archive-reports';
/** How often the leader looks whether this month's report is archived. */
export const POSTURE_MONTHLY_CHECK_MS = 3600_000;

/** The record id of a month's archived posture report. */
export function monthlyPostureRecordId(month: string): string {
  return `rpt-posture-monthly-${month}`;
}

export interface PostureMonthlyDeps {
  ingest: Pick<IngestService, 'ingestDocument'>;
  catalog: Pick<Catalog, 'getRecord'> & AuditTrail;
  /** The posture report, gathered now (runtime/posture.ts `postureRenderer`). */
  render: (format: 'html') => Promise<Rendered>;
  classes: readonly RetentionClass[];
  logger: Logger;
  clock?: Clock;
  intervalMs?: number;
}

export type MonthlyOutcome = 'archived' | 'already-archived';

/** One look: archives this Hong Kong month's report unless it is archived. */
export async function archiveMonthlyPosture(deps: PostureMonthlyDeps): Promise<MonthlyOutcome> {
  const clock = deps.clock ?? systemClock;
  const now = clock.now();
  const today = hongKongDate(now);
  const month = today.slice(0, 7);
  const recordId = monthlyPostureRecordId(month);
  if (await deps.catalog.getRecord(recordId)) return 'already-archived';

  const rendered = await deps.render('html');
  const doc = postureReportDocument(now.toISOString(), today, 'html', rendered.body);
  const description = {
    ...doc.description,
    recordId,
    title: `EDSP posture report, ${month} (monthly, archived by serve on ${today})`,
  };
  const checked = validateRecord(description);
  if (!checked.ok)
    throw new Error(`the monthly report's description is invalid: ${JSON.stringify(checked.issues)}`);
  const klass = retentionClassFor(checked.record, deps.classes);
  if (klass.days < REPORT_RETENTION_DAYS)
    throw new Error(
      `the retention class ${klass.name} (${klass.days} days) would take the monthly posture report: reports are kept ${REPORT_RETENTION_DAYS} days`,
    );

  const audit = new AuditScope(
    deps.catalog,
    { principalId: REPORTS_PRINCIPAL, action: 'records.write', target: recordId },
    { clock },
  );
  audit.note({ job: POSTURE_MONTHLY_JOB, month });
  try {
    const result = await deps.ingest.ingestDocument(
      {
        description,
        body: Readable.from([doc.body]),
        size: doc.body.length,
        fileName: doc.fileName,
        contentType: doc.contentType,
      },
      {
        principal: {
          id: REPORTS_PRINCIPAL,
          name: REPORTS_PRINCIPAL,
          role: 'ingest',
          kind: 'system',
          via: 'token',
        },
        audit,
      },
    );
    deps.logger.info(
      { recordId, month, ledgerSeq: result.receipt.ledgerSeq },
      'monthly posture report archived',
    );
    return result.status === 'created' ? 'archived' : 'already-archived';
  } catch (err) {
    // The write path records its own refusals (a conflict); anything that failed before it decided
    // is recorded here, so the attempt is in the trail either way.
    if (audit.state === 'open')
      await audit.tryAppend(err instanceof ConflictError ? 'denied' : 'error', {
        message: err instanceof Error ? err.message : String(err),
      });
    if (err instanceof ConflictError) {
      // Another process archived this month's report in the same instant: it is archived.
      deps.logger.info({ recordId, month }, 'monthly posture report archived by another process');
      return 'already-archived';
    }
    throw err;
  }
}

/** The leader job: hourly (default), archives once per Hong Kong month. */
export function postureMonthlyJob(deps: PostureMonthlyDeps): LeaderJob {
  return {
    name: POSTURE_MONTHLY_JOB,
    intervalMs: deps.intervalMs ?? POSTURE_MONTHLY_CHECK_MS,
    run: async () => {
      await archiveMonthlyPosture(deps);
    },
  };
}
