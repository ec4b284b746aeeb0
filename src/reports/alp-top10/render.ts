/** The ALP top-10 report as JSON (machines), CSV (spreadsheets) and one HTML page (people). */
import { csvRow, type CsvValue } from '../../util/csv';
import { Decimal } from '../../util/decimal';
import { html, notAvailable, page, raw, type Html } from '../html';
import { horizontalBarChart } from '../svg';
import type { AlpTop10Report } from './compute';

export function alpTop10Json(report: AlpTop10Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Every currency that appears in the report, sorted (HKD first: the ranking currency). */
function currenciesOf(report: AlpTop10Report): string[] {
  const all = new Set(Object.keys(report.totals.turnover));
  for (const u of report.users) for (const c of Object.keys(u.turnover)) all.add(c);
  return [...all].sort((a, b) => (a === 'HKD' ? -1 : b === 'HKD' ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/**
 * One row per ranked user and a `total` row; one turnover column per currency. Month and ALP on
 * every row so files of several ALPs can be concatenated.
 */
export function alpTop10Csv(report: AlpTop10Report): string {
  const ccys = currenciesOf(report);
  const header = [
    'month',
    'alp_id',
    'rank',
    'user_id',
    'user_category',
    'trades',
    'corrected_trades',
    'quantity',
    ...ccys.map((c) => `turnover_${c}`),
    'ranking_turnover',
    'share',
  ];
  const lines = [csvRow(header)];
  for (const u of report.users) {
    const row: CsvValue[] = [
      report.month,
      report.alpId,
      u.rank,
      u.userId,
      u.userCategory,
      u.trades,
      u.correctedTrades,
      u.quantity,
      ...ccys.map((c) => u.turnover[c] ?? '0.00'),
      u.rankingTurnover,
      u.share ?? '',
    ];
    lines.push(csvRow(row));
  }
  const t = report.totals;
  lines.push(
    csvRow([
      report.month,
      report.alpId,
      'total',
      `${t.users} users`,
      '',
      t.trades,
      t.correctedTrades,
      t.quantity,
      ...ccys.map((c) => t.turnover[c] ?? '0.00'),
      t.rankingTurnover,
      t.rankingTurnover === '0.00' ? '' : '1.000000',
    ]),
  );
  return lines.join('');
}

/** A share (fraction, 6 places) as a percentage with 2 places. */
export function percent(share: string): string {
  return `${Decimal.parse(share).mul(Decimal.of(100n)).round(2).toFixedMin(2)} %`;
}

function shareChart(report: AlpTop10Report): Html {
  if (report.users.length === 0) return notAvailable('no counted trades in this month');
  if (report.users.some((u) => u.share === null)) {
    return notAvailable(
      'the ALP has no turnover in the ranking currency this month, so shares cannot be computed',
    );
  }
  const bars = report.users.map((u) => ({
    label: `${u.rank}. ${u.userId}`,
    value: Number(u.share),
    text: percent(u.share as string),
  }));
  return raw(
    horizontalBarChart({
      title: `Share of ${report.alpId}'s ${report.month} turnover, ${report.users.length} largest users`,
      desc: `Bar length is the user's share of the ALP's total ranking turnover (${report.ranking.basis}).`,
      bars,
    }),
  );
}

/**
 * `archivedCopy`: the page is the one being archived, which cannot name its own leaf (its index
 * is in its receipt and found again by the report's lookup of archived copies).
 */
export function alpTop10Html(report: AlpTop10Report, options: { archivedCopy?: boolean } = {}): string {
  const ccys = currenciesOf(report);
  const t = report.totals;
  const archived =
    report.ledgerIndex === null
      ? options.archivedCopy
        ? html`this page is the archived copy: a document record of type <code>alp_report</code>, its ledger
            index in its receipt`
        : notAvailable('this copy is not archived (no ledger index)')
      : html`ledger index <strong>${report.ledgerIndex}</strong> (the archived copy is a leaf of the evidence
          ledger)`;
  const holidays = report.dueDateHolidays.filter((h) => h.name !== 'weekend');
  const body = html`
    <header>
      <h1>ALP monthly report: the ${report.users.length < 10 ? report.users.length : 10} largest users</h1>
      <p class="muted">
        Code of Conduct for Persons Licensed by or Registered with the SFC, Schedule 8 paragraph 27(d): volume
        of trades of each of the 10 largest users of the ALP in the calendar month.
      </p>
      <table class="facts">
        <tr>
          <th>Operator</th>
          <td>${report.operator}</td>
        </tr>
        <tr>
          <th>ALP</th>
          <td><strong>${report.alpId}</strong></td>
        </tr>
        <tr>
          <th>Month</th>
          <td>
            <strong>${report.month}</strong> (${report.period.from} to ${report.period.to}, end exclusive;
            ${report.period.timeZone})
          </td>
        </tr>
        <tr>
          <th>Due date</th>
          <td>
            <strong>${report.dueDate}</strong>, the 10th Hong Kong business day after the month's
            end${
              holidays.length > 0
                ? html` (public holidays skipped:
                  ${holidays.map((h, i) => html`${i > 0 ? ', ' : ''}${h.date} ${h.name}`)})`
                : ''
            }
          </td>
        </tr>
        <tr>
          <th>Generated</th>
          <td>
            ${report.generatedAt}${
              report.period.complete
                ? ''
                : html` <span class="status status-warning"
                    >the month has not ended: provisional figures</span
                  >`
            }
          </td>
        </tr>
        <tr>
          <th>Archived copy</th>
          <td>${archived}</td>
        </tr>
      </table>
    </header>

    <h2>Totals of the ALP in the month</h2>
    <table>
      <tr>
        <th class="num">Users</th>
        <th class="num">Trades</th>
        <th class="num">of which corrected</th>
        <th class="num">Quantity</th>
        ${ccys.map((c) => html`<th class="num">Turnover ${c}</th>`)}
      </tr>
      <tr>
        <td class="num">${t.users}</td>
        <td class="num">${t.trades}</td>
        <td class="num">${t.correctedTrades}</td>
        <td class="num">${t.quantity}</td>
        ${ccys.map((c) => html`<td class="num">${t.turnover[c] ?? '0.00'}</td>`)}
      </tr>
    </table>

    <h2>The largest users, ranked by ${report.ranking.fx ? 'HKD-equivalent turnover' : 'HKD turnover'}</h2>
    ${
      report.users.length === 0
        ? html`<p>${notAvailable('no counted trades of this ALP in this month')}</p>`
        : html`<table id="users">
              <tr>
                <th class="num">Rank</th>
                <th>User id</th>
                <th>User category</th>
                <th class="num">Trades</th>
                <th class="num">Quantity</th>
                ${ccys.map(
                  (c) => html`<th class="num">Turnover ${c}</th>`,
                )}${report.ranking.fx ? html`<th class="num">HKD equivalent</th>` : ''}
                <th class="num">Share</th>
              </tr>
              ${report.users.map(
                (u) =>
                  html`<tr>
                    <td class="num">${u.rank}${u.tied ? ' =' : ''}</td>
                    <td>${u.userId}</td>
                    <td>${u.userCategory}</td>
                    <td class="num">${u.trades}</td>
                    <td class="num">${u.quantity}</td>
                    ${ccys.map(
                      (c) => html`<td class="num">${u.turnover[c] ?? '0.00'}</td>`,
                    )}${report.ranking.fx ? html`<td class="num">${u.rankingTurnover}</td>` : ''}
                    <td class="num">${u.share === null ? notAvailable('no total') : percent(u.share)}</td>
                  </tr>`,
              )}
            </table>
            ${report.users.some((u) => u.tied) ? html`<p class="muted">"=": equal ranking turnover. ${report.ranking.tieRule}</p>` : ''}`
    }

    <figure>
      ${shareChart(report)}
      <figcaption>
        Share of the ALP's total ${report.ranking.fx ? 'HKD-equivalent' : 'HKD'} turnover in ${report.month},
        per user.
      </figcaption>
    </figure>

    <h2>Trades not counted</h2>
    ${
      report.excluded.cancelled.length + report.excluded.invalid.length === 0
        ? html`<p>None: every trade of the month counts.</p>`
        : html`<table>
            <tr>
              <th>Trade record</th>
              <th>User id</th>
              <th>Why</th>
            </tr>
            ${report.excluded.cancelled.map(
              (e) =>
                html`<tr>
                  <td>${e.tradeRecordId}</td>
                  <td>${e.userId}</td>
                  <td>cancelled by a correction</td>
                </tr>`,
            )}
            ${report.excluded.invalid.map(
              (e) =>
                html`<tr>
                  <td>${e.tradeRecordId}</td>
                  <td>${e.userId}</td>
                  <td>left invalid by a correction: ${e.problem}</td>
                </tr>`,
            )}
          </table>`
    }

    <h2>How it was computed</h2>
    <ul>
      ${report.method.map((m) => html`<li>${m}</li>`)}
    </ul>
    ${
      report.ranking.fx
        ? html`<p>
            Exchange rates (${report.ranking.fx.source}, as of ${report.ranking.fx.asOf}):
            ${Object.entries(report.ranking.fx.hkdPerUnit).map(
              ([c, r], i) => html`${i > 0 ? '; ' : ''}1 ${c} = ${r} HKD`,
            )}.
          </p>`
        : ''
    }

    <footer>
      strongroom · report ${report.report} v${report.version} · the JSON and CSV forms of this report carry
      the same figures.
    </footer>
  `;
  return page({ title: `ALP monthly report ${report.alpId} ${report.month}`, body });
}
