import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { csvRow } from '../util/csv';
import { INDEX_PAGE_SCRIPT } from './index-page-script';
import { humanSize } from './tag-files';
import type { BagRecord, BagRequest } from './types';

/**
 * data/index.html and data/index.csv. The page is one file: inline CSS and script, the records'
 * index and fields embedded as JSON, a Content-Security-Policy that allows only that script and
 * style (by hash) and no network at all. Record contents are hostile input: server-side text goes
 * through `escapeHtml`, embedded JSON through `jsonForScript`, and the script only sets text.
 */

/** Text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` (so no `</script>`
 * or `<!--`) and U+2028/U+2029 written as \u escapes, which JSON.parse reads back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return escapeJsonForScript(JSON.stringify(value));
}

/**
 * JSON text (valid JSON, as JSON.parse accepted it) made safe for a script element the same way.
 * Outside its strings JSON holds none of these characters, and inside a string the escape reads
 * back as the character: the value is unchanged.
 */
export function escapeJsonForScript(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const COLUMNS = [
  'Type',
  'Record ID',
  'Business date',
  'Client',
  'Account',
  'Instrument',
  'Size (bytes)',
  'SHA-256',
];

export const INDEX_CSV_HEADER = csvRow([
  'record_type',
  'record_id',
  'business_date',
  'client_id',
  'account_id',
  'instrument',
  'size',
  'sha256',
  'file',
  'proof',
]);

/** Where a record's files are, relative to data/ (index.html and index.csv live there). */
export function recordFiles(record: BagRecord): { file: string; proof: string } {
  return { file: `records/${record.objectKey}`, proof: `evidence/proofs/${record.recordId}.tlog-proof` };
}

export function indexCsvRow(record: BagRecord): string {
  const { file, proof } = recordFiles(record);
  return csvRow([
    record.recordType,
    record.recordId,
    record.businessDate,
    record.clientId,
    record.accountId,
    record.instrument,
    record.size,
    record.sha256,
    file,
    proof,
  ]);
}

/** One element of the `sr-rows` array (see index-page-script.ts). */
export function indexRow(record: BagRecord, hasFields: boolean): string {
  const { file, proof } = recordFiles(record);
  return jsonForScript([
    record.recordType,
    record.recordId,
    record.businessDate,
    record.clientId,
    record.accountId,
    record.instrument,
    record.size,
    record.sha256,
    file,
    proof,
    hasFields ? 1 : 0,
  ]);
}

const STYLE = `
:root { color-scheme: light; --line: #c8ccd2; --muted: #555c66; --head: #eef1f5; --focus: #0b57d0; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; padding: 1rem 1.5rem 3rem; max-width: 110rem; color: #111; background: #fff; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f7f9; border: 1px solid var(--line); padding: 0.5rem; margin: 0; font-size: 0.85rem; }
code, .hash { font-family: ui-monospace, "SF Mono", Consolas, monospace; font-size: 0.82rem; }
.hash { overflow-wrap: anywhere; }
.controls { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; margin: 0.5rem 0; }
input[type=search] { font: inherit; padding: 0.3rem 0.5rem; min-width: 22rem; max-width: 100%; }
select, button { font: inherit; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { border: 1px solid var(--line); padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: var(--head); position: sticky; top: 0; }
thead th button { all: unset; cursor: pointer; font-weight: 600; display: block; width: 100%; }
#rows th { font-weight: 500; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, [tabindex]:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
#status { color: var(--muted); margin: 0.25rem 0; }
.pager { display: flex; gap: 1rem; align-items: center; margin: 0.75rem 0; }
.note { color: var(--muted); }
#record table { max-width: 70rem; margin-bottom: 1rem; }
#record tbody th { width: 16rem; background: #fafbfc; }
#record td { white-space: pre-wrap; overflow-wrap: anywhere; }
[hidden] { display: none !important; }
.print-only { display: none; }
@media print {
  body { font-size: 9pt; padding: 0; max-width: none; }
  .controls, .pager, .no-print { display: none !important; }
  .print-only { display: block; }
  thead { display: table-header-group; }
  thead th { position: static; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  pre { border: none; padding: 0; }
}
`;

export interface IndexPageFacts {
  request: BagRequest;
  sourceOrganization: string;
  baggedAt: Date;
  records: number;
  recordBytes: number;
  auditEvents: number;
  checkpoint: string;
  verifierKey: string;
}

const sha256Base64 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64');

function pageHead(f: IndexPageFacts): string {
  const r = f.request;
  const e = escapeHtml;
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256Base64(INDEX_PAGE_SCRIPT)}'`,
    `style-src 'sha256-${sha256Base64(STYLE)}'`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const recipient = [r.recipient.name, r.recipient.organisation, r.recipient.email ?? '']
    .filter((s) => s.length > 0)
    .join(', ');
  const headers = COLUMNS.map(
    (label, i) =>
      `<th scope="col" aria-sort="none"><button type="button" data-col="${i}">${e(label)}<span class="mark" aria-hidden="true"></span></button></th>`,
  ).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="referrer" content="no-referrer">
<title>${e(`Records for request ${r.reference} (${r.exportId})`)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Records produced for request ${e(r.reference)}</h1>
<dl class="facts">
<dt>Export</dt><dd><code>${e(r.exportId)}</code></dd>
<dt>Recipient</dt><dd>${e(recipient)}</dd>
<dt>Purpose</dt><dd>${e(r.purpose)}</dd>
<dt>Produced by</dt><dd>${e(f.sourceOrganization)}, ${e(f.baggedAt.toISOString().slice(0, 10))}</dd>
<dt>Records</dt><dd id="count-records">${f.records.toLocaleString('en')} (${e(humanSize(f.recordBytes))})</dd>
<dt>Audit events</dt><dd id="count-audit">${f.auditEvents.toLocaleString('en')}</dd>
${r.criteria ? `<dt>Selection</dt><dd><code>${e(JSON.stringify(r.criteria))}</code></dd>\n` : ''}<dt>Checkpoint</dt><dd><pre id="checkpoint">${e(f.checkpoint)}</pre></dd>
<dt>Verifier key</dt><dd><code>${e(f.verifierKey)}</code></dd>
</dl>
<section aria-labelledby="verify-h">
<h2 id="verify-h">How to verify</h2>
<p>This page is part of a BagIt bag (RFC 8493). From the folder holding <code>bagit.txt</code>, <code>sha256sum -c manifest-sha256.txt</code> checks every file; each record's ledger proof is in <code>data/evidence/proofs/</code> and the signed checkpoint in <code>data/evidence/checkpoint.txt</code>. <code>data/README.txt</code> explains each step by hand, and <code>strongroom verify bag</code> does all of them. Compare the verifier key above with the key the archive publishes.</p>
</section>
</header>
<main>
<section id="list" aria-labelledby="records-h">
<h2 id="records-h">Records</h2>
<noscript><p>The table needs JavaScript. Without it, open <a href="index.csv">index.csv</a> or the files under <a href="records/">records/</a>.</p></noscript>
<div class="controls" id="controls" hidden>
<label for="filter">Filter</label>
<input id="filter" type="search" autocomplete="off" spellcheck="false" aria-describedby="filter-help">
<span id="filter-help" class="note">Words match any column; <code>client:C-1001</code> looks in one column (type, id, date, client, account, instrument, sha256).</span>
<label for="page-size">Rows per page</label>
<select id="page-size"><option>50</option><option selected>100</option><option>500</option><option>1000</option></select>
</div>
<p id="status" role="status" aria-live="polite"></p>
<p class="print-only">The full list of records is in index.csv; this print shows the rows on screen.</p>
<table id="records">
<caption>Records in this export; choose a column heading to sort, a record ID to open it.</caption>
<thead><tr>${headers}</tr></thead>
<tbody id="rows"></tbody>
</table>
<nav class="pager" id="pager" aria-label="Pages of records" hidden>
<button type="button" id="prev">Previous page</button><span id="page-info"></span><button type="button" id="next">Next page</button>
</nav>
</section>
<section id="record" aria-labelledby="record-title" hidden>
<h2 id="record-title" tabindex="-1">Record</h2>
<p class="no-print"><a href="#">Back to all records</a> · <a id="raw" href="">Open the raw file</a></p>
<table><caption>As catalogued</caption><thead><tr><th scope="col">Fact</th><th scope="col">Value</th></tr></thead><tbody id="record-facts"></tbody></table>
<table id="fields"><caption>Fields of the record</caption><thead><tr><th scope="col">Field</th><th scope="col">Value</th></tr></thead><tbody id="record-fields"></tbody></table>
<p id="fields-note" class="note" hidden>This record's content is not shown here (it is not a JSON record, or it is too large to embed): open the raw file.</p>
</section>
</main>
`;
}

/**
 * The whole page as a stream: the head, then the two JSON arrays read back from their spools (one
 * element a line, each line written by `indexRow` / `jsonForScript`), then the script.
 */
export function indexHtmlStream(
  facts: IndexPageFacts,
  rows: () => Readable,
  fields: () => Readable,
): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.from(pageHead(facts));
      yield Buffer.from('<script type="application/json" id="sr-rows">[\n');
      yield* rows();
      yield Buffer.from(']</script>\n<script type="application/json" id="sr-fields">[\n');
      yield* fields();
      yield Buffer.from(`]</script>\n<script>${INDEX_PAGE_SCRIPT}</script>\n</body>\n</html>\n`);
    })(),
    { objectMode: false },
  );
}
