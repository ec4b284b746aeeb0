import { html, page } from '../reports/html';
import { humanDuration } from '../util/table';
import type { FixityReport } from './types';

/** Where a sweep's report goes in the audit bucket: `fixity/<yyyy>/<mm>/<dd>/<sweepId>.json|.html` (UTC start date). */
export function reportKeys(sweepId: string, startedAt: Date): { json: string; html: string } {
  const d = startedAt.toISOString().slice(0, 10).split('-').join('/');
  return { json: `fixity/${d}/${sweepId}.json`, html: `fixity/${d}/${sweepId}.html` };
}

const KIND_NAMES: Record<FixityReport['kind'], string> = {
  head: 'cheap sweep (HEAD: size, CRC-64, SHA-256 metadata)',
  deep: 'deep sweep (every byte read and hashed)',
};

/** The legible summary of a report: one self-contained page (src/reports/html.ts). */
export function renderReportHtml(r: FixityReport): string {
  const verdict =
    r.problems.length === 0
      ? html`<p class="status status-ok">No problem found.</p>`
      : html`<p class="status status-failing">
          ${r.problems.length} problem(s) found: each is listed below.
        </p>`;
  const c = r.counts;
  const body = html`<h1>Fixity report ${r.sweepId}</h1>
    <p class="muted">
      ${KIND_NAMES[r.kind]}; ${r.bucket ?? 'every records bucket'}; started by ${r.initiated}
    </p>
    ${verdict}
    <h2>Summary</h2>
    <table class="facts">
      <tr>
        <th>Started</th>
        <td>${r.startedAt}</td>
      </tr>
      <tr>
        <th>Finished</th>
        <td>${r.finishedAt}</td>
      </tr>
      <tr>
        <th>Duration</th>
        <td>${humanDuration(r.durationMs)}</td>
      </tr>
      <tr>
        <th>Resumed after a stop</th>
        <td>${r.resumed} time(s)</td>
      </tr>
      <tr>
        <th>Buckets listed</th>
        <td>${r.buckets.join(', ')}</td>
      </tr>
      <tr>
        <th>Sample</th>
        <td>${r.sample === 1 ? 'every record' : `${(r.sample * 100).toFixed(2)}% of the records`}</td>
      </tr>
      <tr>
        <th>Records in scope</th>
        <td class="num">${c.records}</td>
      </tr>
      <tr>
        <th>Records checked</th>
        <td class="num">${c.checked}</td>
      </tr>
      <tr>
        <th>Objects looked at</th>
        <td class="num">${c.objects}</td>
      </tr>
      <tr>
        <th>Bytes read and hashed</th>
        <td class="num">${c.bytes}</td>
      </tr>
      <tr>
        <th>Objects listed</th>
        <td class="num">${c.listed}</td>
      </tr>
      <tr>
        <th>Problems</th>
        <td class="num">${r.problems.length}</td>
      </tr>
    </table>
    <h2>Problems</h2>
    ${
      r.problems.length === 0
        ? html`<p>None.</p>`
        : html`<table>
            <tr>
              <th>Problem</th>
              <th>Bucket</th>
              <th>Key</th>
              <th>Record</th>
              <th>Expected</th>
              <th>Found</th>
            </tr>
            ${r.problems.map(
              (p) =>
                html`<tr>
                  <td>${p.kind.replace(/_/g, ' ')}</td>
                  <td>${p.bucket}</td>
                  <td>${p.key}</td>
                  <td>${p.recordId ?? '(none)'}</td>
                  <td>${p.expected}</td>
                  <td>${p.found}</td>
                </tr>`,
            )}
          </table>`
    }
    <footer>
      The machine-readable report (format ${r.format}) is next to this page; its SHA-256 is a ledger leaf of
      kind verification_report named ${r.sweepId}.
    </footer>`;
  return page({ title: `Fixity report ${r.sweepId}`, body });
}
