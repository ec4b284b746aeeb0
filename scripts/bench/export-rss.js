#!/usr/bin/env node
'use strict';
/* global fetch, setTimeout, setInterval, clearInterval, ReadableStream */
// Peak RSS of `serve` while it builds an export: `node dist/cli/main.js serve` started as a child
// process (a fresh temp data dir, SQLite, its embedded emulator in the same process, as a local
// `serve` runs), fed through its API (NDJSON batches for the records case, one raw streamed
// POST /v1/documents for the big document), then POST /v1/exports and GET /v1/exports/:id until
// ready. The child's peak RSS is read from /proc/<pid>/status (VmHWM), reset (clear_refs 5) just
// before the export is requested so the build's peak is its own, and cross-checked by sampling
// VmRSS every 100 ms. The baseline is the same process at rest just before the request (after the
// ingest, once its RSS has stopped falling: see settle()).
// Usage (after `npm run build`):
//   node scripts/bench/export-rss.js [--records 100000] [--big-mib 1024] [--cases records,big]
//        [--batch-lines 5000] [--batches-in-flight 2] [--settle-seconds 90] [--bag-thread main|worker]
//        [--dist DIR] [--json FILE]
// --bag-thread sets serve's exports.bagThread (STRONGROOM_EXPORTS_BAG_THREAD; default worker, as serve's).
const { execFileSync, spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { benchOptions } = require('./options');

const args = process.argv.slice(2);
const { opt, positive } = benchOptions(args);
const DIST = path.resolve(opt('dist', path.join(__dirname, '..', '..', 'dist')));
const RECORDS = positive('records', 100000);
const BIG_MIB = positive('big-mib', 1024);
const BATCH_LINES = positive('batch-lines', 5000);
const IN_FLIGHT = positive('batches-in-flight', 2);
const CASES = opt('cases', 'records,big').split(',');
const JSON_OUT = opt('json', undefined);
const BAG_THREAD = opt('bag-thread', 'worker');
if (BAG_THREAD !== 'main' && BAG_THREAD !== 'worker') throw new Error('--bag-thread is main or worker');
const SETTLE_SECONDS = positive('settle-seconds', 90);
const MAIN = path.join(DIST, 'cli', 'main.js');
const MIB = 1024 * 1024;

const log = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function status(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Starts serve; resolves with its URL once it says it listens. */
function startServe(dataDir) {
  const env = {
    ...process.env,
    STRONGROOM_DATA_DIR: dataDir,
    STRONGROOM_PORT: '0',
    STRONGROOM_EMULATOR_PORT: '0',
    STRONGROOM_LOG_LEVEL: 'warn',
    STRONGROOM_EXPORTS_BAG_THREAD: BAG_THREAD,
  };
  const child = spawn(process.execPath, [MAIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let errText = '';
  child.stderr.on('data', (c) => {
    errText = (errText + c.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], env, errText: () => errText });
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${errText}`)));
  });
}

function complianceToken(env) {
  const out = execFileSync(
    process.execPath,
    [
      MAIN,
      'users',
      'add',
      `bench-${randomBytes(3).toString('hex')}`,
      '--role',
      'compliance',
      '--kind',
      'system',
      '--json',
    ],
    { env, encoding: 'utf8' },
  );
  return JSON.parse(out).token;
}

async function ingestRecords(url, token, n) {
  const { numberedTrade } = require(path.join(DIST, 'records', 'fixtures'));
  let next = 0;
  let stored = 0;
  const worker = async () => {
    while (next < n) {
      const from = next;
      const to = Math.min(n, from + BATCH_LINES);
      next = to;
      let body = '';
      for (let i = from; i < to; i++) body += `${JSON.stringify(numberedTrade('RSS', i))}\n`;
      const res = await fetch(`${url}/v1/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
        body,
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`batch ${from}: ${res.status} ${text.slice(0, 300)}`);
      stored += text.split('\n').filter((l) => /"status":"(created|existing)"/.test(l)).length;
      if (Math.floor(to / 10000) > Math.floor(from / 10000)) log(`ingested ${to} of ${n}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return stored;
}

async function ingestDocument(url, token, mib) {
  const recordId = `DOC-RSS-${randomBytes(4).toString('hex')}`;
  const description = {
    recordType: 'document',
    recordId,
    documentType: 'client_agreement',
    title: 'A 1 GiB document',
    documentDate: '2026-11-21',
    fileName: 'big.bin',
    contentType: 'application/octet-stream',
  };
  // 1 MiB of random bytes, repeated: incompressible within deflate's 32 KiB window.
  const block = randomBytes(MIB);
  const body = new ReadableStream({
    pull(controller) {
      if (this.sent === undefined) this.sent = 0;
      if (this.sent >= mib) return controller.close();
      this.sent++;
      controller.enqueue(new Uint8Array(block));
    },
  });
  const res = await fetch(`${url}/v1/documents`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/octet-stream',
      'x-strongroom-document': Buffer.from(JSON.stringify(description)).toString('base64url'),
    },
    body,
    duplex: 'half',
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`document: ${res.status} ${text.slice(0, 300)}`);
  return recordId;
}

/**
 * Waits --settle-seconds (default 90) with serve at rest: right after an ingest its heap still
 * holds the ingest's garbage, which V8 gives back within a minute or so (a 20,000-record ingest:
 * 293 MB at its end, 324 MB 15 s later, 172 MB 45 s later), and an SFC request comes long after
 * the records did. The RSS right after the ingest is printed too.
 */
async function settle(pid) {
  await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000));
  return { rss: status(pid).rss, seconds: SETTLE_SECONDS };
}

async function exportUntilReady(url, token, pid, criteria) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  // The build's own peak: VmHWM reset to the current RSS just before the request.
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const rest = status(pid);
  let sampled = rest.rss;
  const timer = setInterval(() => {
    try {
      sampled = Math.max(sampled, status(pid).rss);
    } catch {
      // the child is gone: the caller finds out
    }
  }, 100);
  const t0 = Date.now();
  try {
    const res = await fetch(`${url}/v1/exports`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        reference: 'BENCH/RSS',
        recipient: { name: 'Bench Officer', organisation: 'SFC' },
        purpose: 'benchmark',
        criteria,
      }),
    });
    const created = await res.json();
    if (res.status !== 202) throw new Error(`export: ${res.status} ${JSON.stringify(created)}`);
    const id = created.export.id;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const view = (await (await fetch(`${url}/v1/exports/${id}`, { headers })).json()).export;
      if (view.status === 'building') continue;
      if (view.status !== 'ready') throw new Error(`export ${id}: ${view.status} ${view.reason ?? ''}`);
      const peak = status(pid);
      return {
        id,
        seconds: (Date.now() - t0) / 1000,
        records: view.counts.records,
        recordBytes: view.counts.bytes,
        bagBytes: view.bag.size,
        restRss: rest.rss,
        peakHwm: peak.hwm,
        peakSampled: Math.max(sampled, peak.rss),
      };
    }
  } finally {
    clearInterval(timer);
  }
}

async function runCase(name) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sr-bench-rss-${name}-`));
  log(`${name}: serve in ${dataDir}`);
  const serve = await startServe(dataDir);
  const pid = serve.child.pid;
  try {
    const tokens = JSON.parse(fs.readFileSync(path.join(dataDir, 'bootstrap-tokens.json'), 'utf8'));
    const compliance = complianceToken(serve.env);
    const t0 = Date.now();
    let criteria;
    let ingested;
    if (name === 'records') {
      ingested = `${await ingestRecords(serve.url, tokens.ingest.token, RECORDS)} of ${RECORDS} records`;
      criteria = { type: 'trade' };
    } else {
      const id = await ingestDocument(serve.url, tokens.ingest.token, BIG_MIB);
      ingested = `1 document of ${BIG_MIB} MiB`;
      criteria = { recordIds: [id] };
    }
    const ingestSeconds = (Date.now() - t0) / 1000;
    const ingestHwm = status(pid).hwm;
    const afterIngest = status(pid).rss;
    log(
      `${name}: ingested ${ingested} in ${ingestSeconds.toFixed(0)} s (RSS ${(afterIngest / 1e6).toFixed(0)} MB); settling`,
    );
    const settled = await settle(pid);
    log(`${name}: RSS ${(settled.rss / 1e6).toFixed(0)} MB after ${settled.seconds} s at rest; exporting`);
    const r = await exportUntilReady(serve.url, compliance, pid, criteria);
    return {
      case: name,
      ingested,
      ingestSeconds,
      ingestHwm,
      afterIngest,
      settledSeconds: settled.seconds,
      ...r,
    };
  } finally {
    serve.child.kill('SIGTERM');
    await new Promise((r) => serve.child.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const results = [];
  for (const c of CASES) results.push(await runCase(c));
  const mb = (b) => (b / 1e6).toFixed(0);
  process.stdout.write(
    `load average at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (${os.cpus().length} CPUs); bag thread: ${BAG_THREAD}\n`,
  );
  process.stdout.write(
    '| case | records | bag MB | build s | RSS after ingest MB | RSS at rest MB (after s) | peak RSS during build MB (VmHWM / sampled) | peak - rest MB | goal |\n|---|---|---|---|---|---|---|---|---|\n',
  );
  for (const r of results) {
    const peak = Math.max(r.peakHwm, r.peakSampled);
    process.stdout.write(
      `| ${r.case} | ${r.records} | ${mb(r.bagBytes)} | ${r.seconds.toFixed(1)} | ${mb(r.afterIngest)} | ${mb(r.restRss)} (${r.settledSeconds}) | ${mb(r.peakHwm)} / ${mb(r.peakSampled)} | ${mb(peak - r.restRss)} | ${peak < 300e6 ? 'under 300 MB' : 'OVER 300 MB'} |\n`,
    );
  }
  for (const r of results)
    process.stdout.write(
      `${r.case}: ingest of ${r.ingested} took ${r.ingestSeconds.toFixed(0)} s (peak RSS then ${mb(r.ingestHwm)} MB)\n`,
    );
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify({ results, loadavg: os.loadavg() }, null, 2));
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
