import fs from 'node:fs';
import type { Command } from 'commander';
import { openCatalog, type Catalog } from '../../catalog';
import { catalogLocation, type Config } from '../../config';
import { ConfigError, UnauthenticatedError, UnavailableError, ValidationError } from '../../errors';
import {
  REPORT_RETENTION_DAYS,
  alpReportDocument,
  postureReportDocument,
  reportFormat,
  type ReportDocument,
} from '../../reports/archived';
import { alpTop10Csv, alpTop10Html, alpTop10Json } from '../../reports/alp-top10/render';
import { hongKongDate } from '../../reports/calendar';
import { postureReport, renderPosture } from '../../reports/posture-service';
import type { PostureReport } from '../../reports/posture/evaluate';
import { retentionClassFor, validateRecord } from '../../records';
import { HoldService } from '../../lifecycle';
import { postureSources, reportService } from '../../runtime/posture';
import { cliConfig, printJson, withCommonOptions, withStore, type CommonOptions } from '../common';
import type { Finish } from '../outcome';
import { resolveToken } from './ingest';

/**
 * `strongroom reports alp-top10` and `strongroom posture`: the reports computed from the local
 * catalog (and, for posture, the buckets as the service sees them). `--archive` sends each
 * report to the running archive as a document (POST /v1/documents, the write path every sender
 * uses, with the ingest token as `strongroom ingest` finds it), so it is a record and a leaf of
 * the ledger; the record id and ledger index are printed.
 */

interface ArchiveOptions extends CommonOptions {
  archive?: boolean;
  url?: string;
  token?: string;
}

export interface AlpReportOptions extends ArchiveOptions {
  month: string;
  alp?: string;
  format?: string;
}

export interface PostureOptions extends ArchiveOptions {
  format?: string;
  out?: string;
}

export interface ArchivedReport {
  recordId: string;
  ledgerIndex: number;
  status: 'created' | 'existing';
  fileName: string;
}

async function withCatalog<T>(config: Config, fn: (catalog: Catalog) => Promise<T>): Promise<T> {
  const catalog = await openCatalog(catalogLocation(config));
  try {
    return await fn(catalog);
  } finally {
    await catalog.close();
  }
}

/** The archived reports go to a class of at least 7 years, or not at all. */
function checkRetention(config: Config, doc: ReportDocument): void {
  const checked = validateRecord(doc.description);
  if (!checked.ok)
    throw new Error(`unreachable: the report's description is invalid: ${JSON.stringify(checked.issues)}`);
  const klass = retentionClassFor(checked.record, config.buckets.classes);
  if (klass.days < REPORT_RETENTION_DAYS) {
    throw new ConfigError(
      `the retention class ${klass.name} (${klass.days} days) would take the archived report: reports are kept ${REPORT_RETENTION_DAYS} days (7 years)`,
      {
        hint: `map document type ${String(doc.description.documentType)} to a 7-year class in buckets.classes`,
      },
    );
  }
}

/** POST /v1/documents, as any sender: the report becomes a record with its ledger leaf. */
export async function archiveDocument(
  config: Config,
  opts: ArchiveOptions,
  doc: ReportDocument,
): Promise<ArchivedReport> {
  checkRetention(config, doc);
  const base =
    opts.url ??
    `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${config.server.port}`;
  const token = resolveToken(opts, config.dataDir);
  let response: Response;
  try {
    response = await fetch(new URL('/v1/documents', base), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': doc.contentType,
        'x-strongroom-document': Buffer.from(JSON.stringify(doc.description)).toString('base64url'),
      },
      body: doc.body,
    });
  } catch (err) {
    throw new UnavailableError(`cannot reach the archive at ${base}: ${(err as Error).message}`, {
      hint: 'start it (`strongroom serve`) or pass --url',
    });
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
      message = `${parsed.error?.code ?? response.status}: ${parsed.error?.message ?? text}`;
    } catch {
      // not JSON
    }
    if (response.status === 401) throw new UnauthenticatedError(message);
    throw new ValidationError(`the archive refused the report (HTTP ${response.status}) ${message}`);
  }
  const result = JSON.parse(text) as {
    status: 'created' | 'existing';
    receipt: { recordId: string; ledgerSeq: number };
  };
  return {
    recordId: result.receipt.recordId,
    ledgerIndex: result.receipt.ledgerSeq,
    status: result.status,
    fileName: doc.fileName,
  };
}

function printArchived(what: string, a: ArchivedReport): void {
  process.stdout.write(
    `${what}: archived as record ${a.recordId}, ledger index ${a.ledgerIndex} (${a.fileName})\n`,
  );
}

export async function alpReportCommand(opts: AlpReportOptions): Promise<ArchivedReport[]> {
  const config = cliConfig(opts);
  // Archived copies default to the page a compliance officer attaches; printed ones to JSON.
  const format = reportFormat(opts.format, ['html', 'csv', 'json'], opts.archive ? 'html' : 'json');
  return withCatalog(config, async (catalog) => {
    const service = reportService(config, catalog);
    const reports = await service.alpTop10(opts.month, opts.alp);
    if (!opts.archive) {
      const rendered = service.render(reports, format, {
        month: opts.month,
        ...(opts.alp ? { alpId: opts.alp } : {}),
      });
      process.stdout.write(rendered.body);
      return [];
    }
    if (reports.length === 0) {
      process.stdout.write(`no ALP traded in ${opts.month}: nothing to archive\n`);
      return [];
    }
    const archived: ArchivedReport[] = [];
    for (const report of reports) {
      const body =
        format === 'html'
          ? alpTop10Html(report, { archivedCopy: true })
          : format === 'csv'
            ? alpTop10Csv(report)
            : alpTop10Json(report);
      const a = await archiveDocument(config, opts, alpReportDocument(report, format, body));
      archived.push(a);
      if (!opts.json) printArchived(`ALP top-10 ${report.month} ${report.alpId}`, a);
    }
    if (opts.json) printJson(archived);
    return archived;
  });
}

export async function postureCommand(
  opts: PostureOptions,
): Promise<{ report: PostureReport; archived: ArchivedReport | null }> {
  const config = cliConfig(opts);
  const format = reportFormat(opts.format, ['html', 'json'], 'json') as 'html' | 'json';
  const report = await withCatalog(config, (catalog) =>
    withStore(
      config,
      async (handle) => {
        const reports = reportService(config, catalog);
        return postureReport({
          sources: postureSources({
            config,
            store: handle.store,
            catalog,
            reports,
            holds: new HoldService({ catalog }),
            endpoint: handle.endpoint,
          }),
        });
      },
      { as: 'service' },
    ),
  );
  const rendered = renderPosture(report, format);
  if (opts.out) fs.writeFileSync(opts.out, rendered.body);
  else if (!opts.archive) process.stdout.write(rendered.body);
  let archived: ArchivedReport | null = null;
  if (opts.archive) {
    archived = await archiveDocument(
      config,
      opts,
      postureReportDocument(
        report.generatedAt,
        hongKongDate(new Date(report.generatedAt)),
        format,
        rendered.body,
      ),
    );
    printArchived(`posture ${report.generatedAt}`, archived);
  }
  if (opts.out) process.stdout.write(`posture: ${report.overall} (${opts.out})\n`);
  return { report, archived };
}

function archiveOptions(cmd: Command): Command {
  return cmd
    .option('--archive', 'store the report as a document record (a ledger leaf) through the running archive')
    .option('--url <url>', 'the archive to archive through (default: this configuration’s server)')
    .option(
      '--token <token>',
      'an ingest token (default: $STRONGROOM_TOKEN, then the local first-start token)',
    );
}

export function register(program: Command, finish: Finish): void {
  const reports = program.command('reports').description('the reports regulators and managers read');
  archiveOptions(
    withCommonOptions(
      reports
        .command('alp-top10')
        .description(
          'the ALP monthly top-10 report (Code of Conduct Schedule 8 27(d)): the 10 largest users of each ALP by turnover',
        ),
    ),
  )
    .requiredOption('--month <YYYY-MM>', 'the Hong Kong calendar month')
    .option('--alp <ALP_ID>', 'one ALP (default: every ALP that traded in the month)')
    .option('--format <format>', 'html, csv or json (default json; html when archiving)')
    .option('--json', 'with --archive: the archived record ids as JSON')
    .action(async (opts: AlpReportOptions) => {
      await alpReportCommand(opts);
      finish('ok');
    });

  archiveOptions(
    withCommonOptions(
      program
        .command('posture')
        .description(
          'the EDSP posture report: the SFC circular paragraph 7, line by line, with its evidence',
        ),
    ),
  )
    .option('--format <format>', 'html or json (default json)')
    .option('--out <file>', 'write the report to this file')
    .action(async (opts: PostureOptions) => {
      const { report } = await postureCommand(opts);
      finish(report.overall === 'failing' ? 'not-compliant' : 'ok');
    });
}
