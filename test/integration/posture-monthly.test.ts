/**
 * Monthly posture archiving in serve (`reports.postureMonthly`), on a manual clock: the leader job
 * archives the report as a document record (ledger leaf, audit event) once per Hong Kong month,
 * not again on later runs, not twice when two runs race, and not again after a restart.
 */
import fs from 'node:fs';
import { POSTURE_REPORT_DOCUMENT_TYPE } from '../../src/reports/archived';
import {
  POSTURE_MONTHLY_JOB,
  REPORTS_PRINCIPAL,
  archiveMonthlyPosture,
  monthlyPostureRecordId,
} from '../../src/reports/posture-monthly';
import { postureRenderer, reportService } from '../../src/runtime/posture';
import { silentLogger } from '../../src/log';
import { ManualClock } from '../../src/util/clock';
import { startTestArchive, tempDir, type TestArchive } from './helpers';

const HOUR = 3600_000;

test('archived once per Hong Kong month: at start, not again, the next month at HK midnight, once when two runs race, not after a restart', async () => {
  // 23:00 on 30 November in Hong Kong.
  const clock = new ManualClock(new Date('2026-11-30T15:00:00Z'));
  const dataDir = tempDir('posture-monthly');
  const start = (): Promise<TestArchive> =>
    startTestArchive({ db: 'sqlite', dataDir, clock, overrides: { reports: { postureMonthly: true } } });
  let t = await start();
  try {
    const archived = async (): Promise<string[]> =>
      (await t.catalog.documentsOfType(POSTURE_REPORT_DOCUMENT_TYPE)).map((r) => r.recordId).sort();
    expect(t.archive.jobs.states().map((s) => s.name)).toContain(POSTURE_MONTHLY_JOB);
    // The job runs at start; runNow waits for that run (or makes it).
    await t.archive.jobs.runNow(POSTURE_MONTHLY_JOB);
    const november = monthlyPostureRecordId('2026-11');
    expect(await archived()).toEqual([november]);
    const row = await t.catalog.getRecord(november);
    expect(row).toMatchObject({ recordType: 'document', documentType: POSTURE_REPORT_DOCUMENT_TYPE });
    expect(typeof row?.ledgerSeq).toBe('number');
    const events = await t.catalog.queryAudit({ principalId: REPORTS_PRINCIPAL, limit: 100 });
    expect(events.map((e) => [e.action, e.target, e.outcome])).toEqual([
      ['records.write', november, 'allowed'],
    ]);
    expect(JSON.parse(events[0]?.details ?? '{}')).toMatchObject({
      job: POSTURE_MONTHLY_JOB,
      month: '2026-11',
    });

    // Later runs in the same month do nothing.
    clock.advance(HOUR / 2); // 23:30 HK
    await t.archive.jobs.runNow(POSTURE_MONTHLY_JOB);
    expect(await archived()).toEqual([november]);

    // Hong Kong midnight: December.
    clock.advance(HOUR); // 00:30 on 1 December in Hong Kong (still 30 November in UTC)
    await t.archive.jobs.runNow(POSTURE_MONTHLY_JOB);
    const december = monthlyPostureRecordId('2026-12');
    expect(await archived()).toEqual([december, november].sort());

    // Two runs racing for January (as two processes would): one archives, the other finds it.
    clock.set(new Date('2027-01-02T02:00:00Z'));
    const deps = {
      ingest: t.archive.ingest,
      catalog: t.catalog,
      render: postureRenderer({
        config: t.config,
        store: t.store,
        catalog: t.catalog,
        reports: reportService(t.config, t.catalog, clock),
        endpoint: t.archive.storeEndpoint,
        clock,
      }),
      classes: t.config.buckets.classes,
      logger: silentLogger(),
      clock,
    };
    const outcomes = await Promise.all([archiveMonthlyPosture(deps), archiveMonthlyPosture(deps)]);
    expect(outcomes.sort()).toEqual(['already-archived', 'archived']);
    const january = monthlyPostureRecordId('2027-01');
    expect(await archived()).toEqual([december, january, november].sort());

    // A restart in the same month archives nothing more.
    await t.close();
    t = await start();
    await t.archive.jobs.runNow(POSTURE_MONTHLY_JOB);
    expect(await archived()).toEqual([december, january, november].sort());
    // One write event per month; the racing run's is a repeat of the same bytes (the clock did not
    // move between the two) or a refused conflict, never a second record.
    const trail = await t.catalog.queryAudit({ principalId: REPORTS_PRINCIPAL, limit: 100 });
    const created = trail.filter((e) => e.outcome === 'allowed' && !JSON.parse(e.details ?? '{}').repeat);
    expect(created.map((e) => e.target).sort()).toEqual([december, january, november].sort());
    expect(trail.filter((e) => e.target === january)).toHaveLength(2);
  } finally {
    await t.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('off by default: no monthly job', async () => {
  const t = await startTestArchive({ db: 'sqlite' });
  try {
    expect(t.config.reports.postureMonthly).toBe(false);
    expect(t.archive.jobs.states().map((s) => s.name)).not.toContain(POSTURE_MONTHLY_JOB);
  } finally {
    await t.close();
  }
});
