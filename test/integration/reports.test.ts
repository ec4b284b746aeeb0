/**
 * The ALP report served and archived, full stack: GET /v1/reports/alp-top10 on the real archive
 * (roles, formats, refusals); `strongroom reports alp-top10 --archive` through the CLI's own
 * argument parsing, which stores the report with POST /v1/documents: a document record of its
 * own type in the 7-year class with a ledger leaf, found again by the report (its ledger index);
 * `doctor`'s findings from three business days before the due date while it is not archived.
 */
import fs from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { reportFindings } from '../../src/reports/doctor';
import { ALP_REPORT_DOCUMENT_TYPE, archivedAlpReports } from '../../src/reports/archived';
import { HongKongCalendar, alpReportDueWindow, parseMonth, type AlpTop10Report } from '../../src/reports';
import { ReportService } from '../../src/reports/service';
import { ManualClock } from '../../src/util/clock';
import { ALP, MONTH, expected, generateMonth } from '../reports/alp-month';
import { launchChromium, screenshot, show } from '../reports/browser';
import {
  bearer,
  databases,
  getWith,
  ndjson,
  principalWithToken,
  startTestArchive,
  tempDir,
  type TestArchive,
} from './helpers';

const OPERATOR = 'Example Securities Limited';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    }),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err.push(String(chunk));
      return true;
    }),
  ];
  try {
    process.exitCode = undefined;
    const code = await main(['node', 'strongroom', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.exitCode = undefined;
    for (const s of spies) s.mockRestore();
  }
}

/** A report without the instant it was made: two computations of the same month compare equal. */
function timeless(r: AlpTop10Report): Omit<AlpTop10Report, 'generatedAt'> {
  const { generatedAt, ...rest } = r;
  void generatedAt;
  return rest;
}

describe.each(databases('integration/reports'))('the ALP report served and archived, catalog on %s', (db) => {
  let t: TestArchive;
  let compliance: string;
  let configFile: string;
  const month = generateMonth(11);
  const want = expected(month.records, MONTH, ALP);

  beforeAll(async () => {
    t = await startTestArchive({ db, overrides: { reports: { operator: OPERATOR } } });
    compliance = (await principalWithToken(t.catalog, 'compliance')).token;
    const res = await fetch(`${t.url}/v1/batches`, {
      method: 'POST',
      headers: { ...bearer(t.ingestToken), 'content-type': 'application/x-ndjson' },
      body: month.records.map((r) => JSON.stringify(r)).join('\n') + '\n',
    });
    expect(res.status).toBe(200);
    const lines = ndjson<{ status?: string }>(await res.text());
    expect(lines.filter((l) => l.status === 'created')).toHaveLength(month.records.length);
    // The CLI reads the same catalog as the running archive.
    configFile = path.join(tempDir('reports-cli'), 'config.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        dataDir: t.dataDir,
        logLevel: 'silent',
        reports: { operator: OPERATOR },
        ...(t.databaseUrl ? { databaseUrl: t.databaseUrl } : {}),
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const reportUrl = (query: string): string => `${t.url}/v1/reports/alp-top10?${query}`;

  test('GET: the JSON report is the independent computation; only compliance and auditor may read it', async () => {
    const res = await getWith(reportUrl(`month=${MONTH}&alpId=${ALP}`), compliance);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const r = (await res.json()) as AlpTop10Report;
    expect(r).toMatchObject({ month: MONTH, alpId: ALP, operator: OPERATOR, ledgerIndex: null });
    expect(r.users.map((u) => u.userId)).toEqual(want.ranked.slice(0, 10).map((u) => u.userId));
    expect(r.totals.trades).toBe(want.totals.trades);
    expect(r.dueDate).toBe(alpReportDueWindow(parseMonth(MONTH), new Date(), new HongKongCalendar()).dueDate);

    const auditor = (await principalWithToken(t.catalog, 'auditor')).token;
    expect((await getWith(reportUrl(`month=${MONTH}&alpId=${ALP}`), auditor)).status).toBe(200);
    for (const role of ['reader', 'ingest', 'admin'] as const) {
      const token = role === 'ingest' ? t.ingestToken : (await principalWithToken(t.catalog, role)).token;
      const denied = await getWith(reportUrl(`month=${MONTH}`), token);
      expect({ role, status: denied.status }).toEqual({ role, status: 403 });
    }
  });

  test('GET: every ALP of the month, CSV with one header, HTML for one ALP; bad input is a 400 with its reason', async () => {
    const all = (await (await getWith(reportUrl(`month=${MONTH}`), compliance)).json()) as {
      month: string;
      reports: AlpTop10Report[];
    };
    expect(all.month).toBe(MONTH);
    expect(all.reports.map((r) => r.alpId)).toEqual(['ALP-A', 'ALP-B']);

    const csv = await getWith(reportUrl(`month=${MONTH}&format=csv`), compliance);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('month,alp_id,'))).toHaveLength(1);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[1]))).toEqual(new Set(['ALP-A', 'ALP-B']));

    const page = await getWith(reportUrl(`month=${MONTH}&alpId=${ALP}&format=html`), compliance);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await page.text();
    expect(text).toContain('<svg');
    expect(text).toContain(OPERATOR);

    const cases: [string, string][] = [
      ['', 'month'],
      ['month=2026-13', 'month'],
      ['month=2026-11&format=pdf', 'format'],
      ['month=2026-11&colour=red', 'colour'],
      [`month=${MONTH}&format=html`, 'alpId'],
    ];
    for (const [query, field] of cases) {
      const res = await getWith(reportUrl(query), compliance);
      const body = (await res.json()) as {
        error: { code: string; details?: { path: string | string[] }[] };
      };
      expect({ query, status: res.status, code: body.error.code }).toEqual({
        query,
        status: 400,
        code: 'ValidationFailed',
      });
      expect(body.error.details?.map((d) => [d.path].flat().join('.'))).toContain(field);
    }
  });

  test('archived by the CLI: a document record of its own type, 7 years, with its ledger leaf; the report then names it', async () => {
    const before = (await (
      await getWith(reportUrl(`month=${MONTH}&alpId=${ALP}`), compliance)
    ).json()) as AlpTop10Report;
    const sizeBefore = await t.catalog.ledgerSize();
    const run = await cli(
      'reports',
      'alp-top10',
      '--month',
      MONTH,
      '--alp',
      ALP,
      '--archive',
      '--config',
      configFile,
      '--url',
      t.url,
      '--token',
      t.ingestToken,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const printed = /archived as record (\S+), ledger index (\d+)/.exec(run.stdout);
    expect(printed).not.toBeNull();
    const [, recordId, index] = printed as RegExpExecArray;

    const record = await t.catalog.getRecord(recordId as string);
    expect(record).toMatchObject({
      recordType: 'document',
      documentType: ALP_REPORT_DOCUMENT_TYPE,
      retentionClass: '7y',
      businessDate: '2026-09-30',
      ledgerSeq: Number(index),
    });
    expect(Number(index)).toBe(sizeBefore);
    const [leaf] = await t.catalog.ledgerLeaves({ fromSeq: Number(index), limit: 1 });
    expect(leaf).toMatchObject({ seq: Number(index), kind: 'record', recordId, sha256: record?.sha256 });
    expect(await archivedAlpReports(t.catalog, MONTH, ALP)).toEqual([record]);
    expect(await archivedAlpReports(t.catalog, MONTH, 'ALP-B')).toEqual([]);

    // The stored page is the report, saying it is the archived copy.
    const content = await getWith(`${t.url}/v1/records/${recordId}/content`, compliance);
    expect(content.status).toBe(200);
    const page = await content.text();
    expect(page).toContain('this page is the archived copy');
    // As a person opens it: the table's ten rows and a bar per user, nothing fetched.
    const chromium = await launchChromium();
    try {
      const { page: shown, requests } = await show(chromium.browser, page);
      expect(requests).toEqual([]);
      expect(await shown.locator('svg.chart rect.bar').count()).toBe(10);
      expect(await shown.getByText('this page is the archived copy').count()).toBe(1);
      await screenshot(shown, `alp-top10-archived-${db}.png`);
    } finally {
      await chromium.close();
    }

    const after = (await (
      await getWith(reportUrl(`month=${MONTH}&alpId=${ALP}`), compliance)
    ).json()) as AlpTop10Report;
    expect(after.ledgerIndex).toBe(Number(index));
    expect(timeless({ ...after, ledgerIndex: null })).toEqual(timeless(before));
  }, 60_000);

  test('printed by the CLI without --archive: the same report as the API', async () => {
    const run = await cli('reports', 'alp-top10', '--month', MONTH, '--alp', 'ALP-B', '--config', configFile);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as AlpTop10Report;
    const served = (await (
      await getWith(reportUrl(`month=${MONTH}&alpId=ALP-B`), compliance)
    ).json()) as AlpTop10Report;
    expect(timeless(printed)).toEqual(timeless(served));
    const refused = await cli('reports', 'alp-top10', '--month', 'November', '--config', configFile);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/month must be YYYY-MM/);
  });

  test('doctor: ALP trades without facts; a report not archived warns from three business days before its due date', async () => {
    const calendar = new HongKongCalendar();
    const window = alpReportDueWindow(parseMonth('2026-09'), new Date('2026-10-01T00:00:00+08:00'), calendar);
    const at = (day: string): ManualClock => new ManualClock(new Date(`${day}T09:00:00+08:00`));
    const dayBefore = calendar.addBusinessDays(window.warnFrom, -1);
    const findingsAt = async (day: string) =>
      (await reportFindings(t.catalog, new ReportService({ catalog: t.catalog, calendar, clock: at(day) })))
        .filter((f) => f.check === 'alp-report' && f.message.startsWith('ALP report 2026-09 '))
        .map((f) => ({ ...f, message: f.message }));

    // ALP-A's report is archived (the test above): ok at any time; ALP-B's is not.
    expect((await findingsAt(dayBefore)).map((f) => [f.severity, f.message.includes('ALP-B')])).toEqual([
      ['ok', false],
    ]);
    const warned = await findingsAt(window.warnFrom);
    expect(warned.map((f) => [f.severity, f.message.includes('ALP-B')])).toEqual([
      ['ok', false],
      ['warn', true],
    ]);
    expect(warned[1]?.message).toContain(`due ${window.dueDate}`);
    const late = await findingsAt(calendar.addBusinessDays(window.dueDate, 1));
    expect(late[1]?.message).toMatch(/OVERDUE/);

    const [facts] = await reportFindings(t.catalog, new ReportService({ catalog: t.catalog, calendar }));
    expect(facts).toMatchObject({ check: 'alp-facts', severity: 'ok' });
  });
});
