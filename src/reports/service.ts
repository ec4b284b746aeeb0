/**
 * The reports as the API and the CLI serve them: the ALP top-10 reports of a month (one ALP or
 * every ALP that traded), with the ledger index of their archived copy, in JSON, CSV or HTML;
 * and which months' reports are due and not archived (for `doctor`).
 */
import type { Catalog } from '../catalog';
import { ValidationError } from '../errors';
import { systemClock, type Clock } from '../util/clock';
import { alpTop10Report, type AlpTop10Report } from './alp-top10/compute';
import { alpTop10Csv, alpTop10Html, alpTop10Json } from './alp-top10/render';
import { archivedAlpReports, CONTENT_TYPES, type ReportFormat } from './archived';
import {
  HongKongCalendar,
  alpReportDueWindow,
  formatMonth,
  hongKongDate,
  parseMonth,
  previousMonth,
  type Month,
  type ReportDueWindow,
} from './calendar';

export type ReportCatalog = Pick<Catalog, 'alpTradeMonth' | 'alpIdsWithTrades' | 'documentsOfType'>;

export interface ReportServiceOptions {
  catalog: ReportCatalog;
  /** The licensed corporation (config reports.operator); named on every report. */
  operator?: string;
  /** Built with the configured extra closures (config reports.extraClosures). */
  calendar: HongKongCalendar;
  clock?: Clock;
}

/** Named on a report when the configuration does not name the operator. */
export const OPERATOR_NOT_CONFIGURED = 'operator not configured (set reports.operator)';

/** A rendered answer: what to send and as what. */
export interface Rendered {
  body: string;
  contentType: string;
}

/** A month's report for an ALP that traded, against its due date. */
export interface AlpReportStatus extends ReportDueWindow {
  alpId: string;
  /** Ledger index of the latest archived copy; null when none is archived. */
  ledgerIndex: number | null;
}

export class ReportService {
  private readonly catalog: ReportCatalog;
  private readonly clock: Clock;
  readonly operator: string;
  readonly calendar: HongKongCalendar;

  constructor(options: ReportServiceOptions) {
    this.catalog = options.catalog;
    this.clock = options.clock ?? systemClock;
    this.operator = options.operator ?? OPERATOR_NOT_CONFIGURED;
    this.calendar = options.calendar;
  }

  /** The month's reports: the ALP's, or one per ALP that traded in the month (ALP id order). */
  async alpTop10(month: string, alpId?: string): Promise<AlpTop10Report[]> {
    const text = formatMonth(parseMonth(month));
    if (alpId !== undefined && (alpId.length === 0 || alpId.length > 128 || alpId.trim() !== alpId)) {
      throw new ValidationError('invalid alpId', {
        details: [{ path: ['alpId'], message: 'an ALP id: 1-128 characters, no leading or trailing spaces' }],
      });
    }
    const alps = alpId !== undefined ? [alpId] : await this.catalog.alpIdsWithTrades(text);
    const out: AlpTop10Report[] = [];
    for (const id of alps) {
      const archived = await archivedAlpReports(this.catalog, text, id);
      out.push(
        await alpTop10Report(this.catalog, {
          month: text,
          alpId: id,
          operator: this.operator,
          clock: this.clock,
          calendar: this.calendar,
          ledgerIndex: archived.at(-1)?.ledgerSeq ?? null,
        }),
      );
    }
    return out;
  }

  /**
   * Reports in a format. JSON: the report (one ALP asked) or `{month, reports}`; CSV: one header,
   * the rows of every ALP; HTML: one page, so one ALP (the month's only one, or `alpId`).
   */
  render(
    reports: AlpTop10Report[],
    format: ReportFormat,
    request: { month: string; alpId?: string },
  ): Rendered {
    const contentType = CONTENT_TYPES[format];
    if (format === 'json') {
      const body =
        request.alpId !== undefined && reports.length === 1
          ? alpTop10Json(reports[0] as AlpTop10Report)
          : `${JSON.stringify({ month: formatMonth(parseMonth(request.month)), reports }, null, 2)}\n`;
      return { body, contentType };
    }
    if (format === 'csv') {
      if (reports.length === 0) return { body: '', contentType };
      const [first, ...rest] = reports.map(alpTop10Csv);
      const body = [first, ...rest.map((csv) => csv.slice(csv.indexOf('\n') + 1))].join('');
      return { body, contentType };
    }
    if (reports.length !== 1) {
      throw new ValidationError(
        reports.length === 0
          ? `no ALP traded in ${request.month}: there is no report page to show`
          : `${reports.length} ALPs traded in ${request.month}: the HTML report is one page per ALP`,
        {
          details: [{ path: ['alpId'], message: 'name the ALP for the HTML page' }],
          hint: 'pass alpId (--alp), or ask for json or csv',
        },
      );
    }
    return { body: alpTop10Html(reports[0] as AlpTop10Report), contentType };
  }

  /**
   * The reports of the last two months for every ALP that traded, against their due dates, with
   * the ledger index of the archived copy (for `doctor` and the posture report).
   */
  async alpReportStatus(): Promise<AlpReportStatus[]> {
    const now = this.clock.now();
    const today = hongKongDate(now);
    const thisMonth: Month = { year: Number(today.slice(0, 4)), month: Number(today.slice(5, 7)) };
    const out: AlpReportStatus[] = [];
    for (const m of [previousMonth(previousMonth(thisMonth)), previousMonth(thisMonth)]) {
      const window = alpReportDueWindow(m, now, this.calendar);
      for (const alpId of await this.catalog.alpIdsWithTrades(window.month)) {
        const archived = await archivedAlpReports(this.catalog, window.month, alpId);
        out.push({ ...window, alpId, ledgerIndex: archived.at(-1)?.ledgerSeq ?? null });
      }
    }
    return out;
  }
}
