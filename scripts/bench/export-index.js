#!/usr/bin/env node
'use strict';
/* global window, document, requestAnimationFrame, PerformanceObserver */
// index.html with 100,000 records in Debian's Chromium (playwright-core, headless, file://): time
// to load, and time from typing a filter to the table updated, against a baseline page in the
// same run that holds the same rows as one plain table (every row in the DOM, filtered by hiding
// rows on each keystroke). Usage (after `npm run build`):
//   node scripts/bench/export-index.js [--records 100000] [--rounds 3] [--dist DIR]
const { mkdtempSync, rmSync, writeFileSync, createWriteStream } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { pathToFileURL } = require('node:url');
const { chromium } = require('playwright-core');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RECORDS = Number(opt('records', 100000));
const ROUNDS = Number(opt('rounds', 3));
// --paste: the query arrives as one input event (pasted), not key by key.
const PASTE = args.includes('--paste');
const DIST = path.resolve(opt('dist', path.join(__dirname, '..', '..', 'dist')));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const QUERIES = ['C-1234', 'client:C-1001 buy', '2026-11-21', 'zzz-no-match', ''];

function record(i) {
  const id = `T-20261121-${String(i).padStart(6, '0')}`;
  const client = `C-${1000 + (i % 500)}`;
  const date = `2026-11-${String(1 + (i % 28)).padStart(2, '0')}`;
  return {
    meta: {
      recordId: id,
      recordType: 'trade',
      objectKey: `trade/2026/11/21/${id}.json`,
      businessDate: date,
      clientId: client,
      accountId: `A-${client.slice(2)}-01`,
      instrument: `XHKG:${String(i % 9000).padStart(4, '0')}`,
      size: 330 + (i % 7),
      sha256: require('node:crypto').createHash('sha256').update(id).digest('hex'),
    },
    fields: {
      recordType: 'trade',
      recordId: id,
      tradeId: id,
      orderId: `O-${i}`,
      executedAt: `${date}T09:31:02.123+08:00`,
      venue: 'XHKG',
      instrument: { exchange: 'XHKG', code: String(i % 9000).padStart(4, '0') },
      side: i % 2 ? 'buy' : 'sell',
      quantity: 100 + (i % 1000),
      price: '388.20',
      currency: 'HKD',
      capacity: 'agency',
      clientId: client,
      accountId: `A-${client.slice(2)}-01`,
    },
  };
}

async function writeIndex(file) {
  const { indexHtmlStream, indexRow, jsonForScript } = require(path.join(DIST, 'export', 'index-html'));
  const lines = (fn) =>
    Readable.from(
      (function* () {
        for (let i = 0; i < RECORDS; i++) yield Buffer.from((i ? ',\n' : '') + fn(record(i)));
      })(),
    );
  const facts = {
    request: {
      exportId: 'exp_bench',
      reference: 'BENCH/1',
      purpose: 'bench',
      recipient: { name: 'N', organisation: 'O' },
    },
    sourceOrganization: 'Bench Ltd',
    baggedAt: new Date('2026-11-28T00:00:00Z'),
    records: RECORDS,
    recordBytes: RECORDS * 333,
    auditEvents: 0,
    checkpoint: 'example/log\n1\nAA==\n',
    verifierKey: 'example/log+00000000+AQ==',
  };
  await pipeline(
    indexHtmlStream(
      facts,
      () => lines((r) => indexRow(r.meta, true)),
      () => lines((r) => jsonForScript(r.fields)),
    ),
    createWriteStream(file),
  );
}

/** The baseline: one table with every row, filtered by hiding rows on each input event. */
function writeBaseline(file) {
  const rows = [];
  for (let i = 0; i < RECORDS; i++) {
    const m = record(i).meta;
    rows.push([
      m.recordType,
      m.recordId,
      m.businessDate,
      m.clientId,
      m.accountId,
      m.instrument,
      m.size,
      m.sha256,
    ]);
  }
  const script = `
    var rows = JSON.parse(document.getElementById('d').textContent);
    var tb = document.getElementById('rows'), trs = [];
    for (var i = 0; i < rows.length; i++) { var tr = document.createElement('tr');
      for (var c = 0; c < 8; c++) { var td = document.createElement('td'); td.textContent = rows[i][c]; tr.appendChild(td); }
      tb.appendChild(tr); trs.push(tr); }
    var f = document.getElementById('filter');
    f.addEventListener('input', function () { var q = f.value.toLowerCase(), n = 0;
      for (var i = 0; i < trs.length; i++) { var hit = trs[i].textContent.toLowerCase().indexOf(q) !== -1; trs[i].hidden = !hit; if (hit) n++; }
      document.getElementById('status').textContent = n + (f.value ? ' (filter: ' + f.value + ')' : ''); });
    document.documentElement.setAttribute('data-ready', 'true');`;
  writeFileSync(
    file,
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>baseline</title></head><body><input id="filter"><p id="status"></p><table><tbody id="rows"></tbody></table><script type="application/json" id="d">${JSON.stringify(rows).replace(/</g, '\\u003c')}</script><script>${script}</script></body></html>`,
  );
}

async function measure(context, file, page) {
  page.setDefaultTimeout(600000);
  const t0 = Date.now();
  await page.goto(pathToFileURL(file).href, { timeout: 600000 });
  await page.waitForSelector('html[data-ready="true"]', { timeout: 600000 });
  const load = Date.now() - t0;
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push(e.duration))).observe({
      entryTypes: ['longtask'],
    });
  });
  const results = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const q of QUERIES) {
      // Typed key by key (each key an input event), from an empty box; "" times clearing the box.
      if (q) await settle(page, '');
      await page.evaluate(() => (window.__long = []));
      const start = Date.now();
      if (q && !PASTE) await page.type('#filter', q);
      else await page.fill('#filter', q);
      await page.waitForFunction(
        (query) => {
          const s = document.getElementById('status').textContent;
          return query ? s.includes(`(filter: ${query})`) : !s.includes('(filter:');
        },
        q,
        { timeout: 600000, polling: 'raf' },
      );
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
      const ms = Date.now() - start;
      const longest = await page.evaluate(() => Math.max(0, ...window.__long));
      results.push({ q, ms, longest });
    }
  }
  return { load, results };
}

async function settle(page, q) {
  await page.fill('#filter', q);
  await page.waitForFunction(
    (query) => {
      const s = document.getElementById('status').textContent;
      return query ? s.includes(`(filter: ${query})`) : !s.includes('(filter:');
    },
    q,
    { timeout: 600000, polling: 'raf' },
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-index-'));
  try {
    const ours = path.join(dir, 'index.html');
    const base = path.join(dir, 'baseline.html');
    process.stderr.write(`export-index: writing ${RECORDS} rows ...\n`);
    await writeIndex(ours);
    writeBaseline(base);
    const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const out = {};
    for (const [name, file] of [
      ['baseline', base],
      ['index.html', ours],
    ]) {
      process.stderr.write(`export-index: ${name} ...\n`);
      const page = await context.newPage();
      out[name] = await measure(context, file, page);
      await page.close();
    }
    await context.close();
    process.stdout.write(
      `Chromium ${context.browser()?.version() ?? ''} headless, ${RECORDS} records, median of ${ROUNDS} rounds (ms from the first key typed to the table updated, ${PASTE ? 'the query pasted as one input' : 'keys typed one by one'}; index.html waits 150 ms after the last key)\n\n`,
    );
    process.stdout.write(
      '| query | baseline ms | index.html ms | ratio index/baseline | longest task baseline | longest task index.html |\n|---|---:|---:|---:|---:|---:|\n',
    );
    process.stdout.write(
      `| (page load) | ${out.baseline.load} | ${out['index.html'].load} | ${(out['index.html'].load / out.baseline.load).toFixed(2)} | | |\n`,
    );
    for (const q of QUERIES) {
      const b = out.baseline.results.filter((r) => r.q === q);
      const o = out['index.html'].results.filter((r) => r.q === q);
      const bm = median(b.map((r) => r.ms));
      const om = median(o.map((r) => r.ms));
      process.stdout.write(
        `| \`${q || '(cleared)'}\` | ${bm} | ${om} | ${(om / bm).toFixed(2)} | ${Math.round(median(b.map((r) => r.longest)))} | ${Math.round(median(o.map((r) => r.longest)))} |\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
