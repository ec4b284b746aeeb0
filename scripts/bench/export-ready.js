#!/usr/bin/env node
'use strict';
/* global fetch, setTimeout */
// Time until an export of N records is ready (POST /v1/exports to status ready: selection,
// checkpoint, proofs, the bag streamed create-only to the exports bucket, ledger leaf), against a
// baseline that GETs the same objects with ali-oss (the archive's adapter), one at a time as the
// builder does and the same way (objects up to READ_WHOLE_MAX_BYTES whole, with getBuffer, the
// rest as streams), writes them into a ZIP with the same writer (dist/export/zip-writer) and
// uploads that ZIP to the exports bucket the same way (putStream). Both in one run, on one archive
// (startArchive with its embedded emulator, SQLite), after ingesting N trades and waiting until a
// checkpoint covers them (as records are when an SFC request comes). Every object is
// read once before anything is timed (both then find the emulator and the page cache warm). The
// two alternate for --rounds rounds (default 3; each round's export is a new request, a new bag):
// the ratio is of the medians, the fastest of each and every round's are printed too. Usage
// (after `npm run build`). The process's heap is set as serve sets it (heap growth, young
// generation), so both sides run on serve's GC settings:
//   node scripts/bench/export-ready.js [--records 10000] [--rounds 3] [--bag-thread main|worker] [--dist DIR]
// --bag-thread sets exports.bagThread (default worker, as serve's: the bag written in a worker
// thread, docs/decisions/0026-bag-worker.md and 0027; main: on the serving thread).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { PassThrough } = require('node:stream');
const { benchOptions } = require('./options');

const { opt, positive } = benchOptions(process.argv.slice(2));
const DIST = path.resolve(opt('dist', path.join(__dirname, '..', '..', 'dist')));
const N = positive('records', 10000);
const ROUNDS = positive('rounds', 3);
const BAG_THREAD = opt('bag-thread', 'worker');
if (BAG_THREAD !== 'main' && BAG_THREAD !== 'worker') throw new Error('--bag-thread is main or worker');
const req = (p) => require(path.join(DIST, p));

/**
 * CPU seconds this thread (the serving thread: the archive, its emulator and the baseline all run
 * on it) has used, from /proc/thread-self/stat (utime + stime, in USER_HZ = 100 ticks a second);
 * null where there is no such file. Printed beside the wall times: the two sides share the
 * emulator's fsync waits, so a round's wall ratio moves with the disk, while the CPU difference
 * is the export's own work on the thread (plus what the machine's speed does to it).
 */
function threadCpuSeconds() {
  try {
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function main() {
  const { loadConfig, bucketPlan } = req('config');
  const { startArchive } = req('runtime/archive');
  const { silentLogger } = req('log');
  const { createPrincipal } = req('auth');
  const { numberedTrade } = req('records/fixtures');
  const { ZipWriter } = req('export/zip-writer');
  const { READ_WHOLE_MAX_BYTES } = req('export/bag-writer');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-bench-export-'));
  const config = loadConfig({
    env: {},
    overrides: { dataDir, logLevel: 'silent', server: { port: 0 }, exports: { bagThread: BAG_THREAD } },
  });
  // The heap as serve sets it (src/cli/commands/serve.ts), for both sides of the comparison.
  const { applyHeapGrowth, applyYoungGenerationGrowth } = req('runtime/heap');
  applyHeapGrowth(config.server.heapGrowthPercent);
  applyYoungGenerationGrowth(config.server.youngGenerationGrowth);
  const archive = await startArchive(config, { logger: silentLogger() });
  try {
    const ingest = JSON.parse(fs.readFileSync(path.join(dataDir, 'bootstrap-tokens.json'), 'utf8')).ingest
      .token;
    const body =
      Array.from({ length: N }, (_, i) => JSON.stringify(numberedTrade('BENCH', i))).join('\n') + '\n';
    const res = await fetch(`${archive.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    await res.text();
    const officer = await createPrincipal(archive.catalog, {
      name: 'bench-officer',
      role: 'compliance',
      kind: 'system',
      actor: { principalId: null, details: { via: 'bench' } },
    });
    const auth = { authorization: `Bearer ${officer.token}`, 'content-type': 'application/json' };
    const request = {
      reference: 'BENCH/1',
      recipient: { name: 'Bench Officer', organisation: 'SFC' },
      purpose: 'benchmark',
      criteria: { type: 'trade' },
    };

    const plan = bucketPlan(config);
    const store = archive.storeHandle.store;
    const records = [];
    let cursor;
    do {
      const page = await archive.catalog.searchRecords({
        recordType: 'trade',
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      records.push(...page.records);
      cursor = page.nextCursor;
    } while (cursor);
    if (records.length !== N) throw new Error(`ingested ${records.length} of ${N}`);
    // The records as an SFC request finds them: already covered by a published checkpoint (the
    // checkpointer signs every ledger.checkpointSeconds). Awaited here, untimed, so that neither
    // the export (which would wait for it) nor a baseline run (which would share the CPU with it)
    // pays for the checkpoint of the ingest; its own time is printed.
    const tc = process.hrtime.bigint();
    await archive.evidence.proofs.waitForCheckpoint((await archive.catalog.ledgerSize()) - 1);
    const checkpointMs = Number(process.hrtime.bigint() - tc) / 1e6;
    // Warm-up: every object read once, untimed.
    for (const r of records) await store.getBuffer(r.bucket, r.objectKey);
    const baseline = async (run) => {
      const t0 = process.hrtime.bigint();
      const zip = new ZipWriter({ time: new Date('2026-12-01T00:00:00Z'), compressionLevel: 6 });
      const upload = store.putStream(
        plan.exports.bucket,
        `bench/baseline-${run}.zip`,
        zip.output.pipe(new PassThrough()),
        { contentType: 'application/zip' },
      );
      for (const r of records) {
        const name = `bench/data/records/${r.objectKey}`;
        if (r.size <= READ_WHOLE_MAX_BYTES) {
          await zip.add(name, (await store.getBuffer(r.bucket, r.objectKey)).body, { compress: false });
        } else {
          await zip.add(name, (await store.get(r.bucket, r.objectKey)).body, { compress: false });
        }
      }
      zip.finish();
      await upload;
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const exportOnce = async (round) => {
      const t1 = process.hrtime.bigint();
      const created = await (
        await fetch(`${archive.url}/v1/exports`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ ...request, reference: `BENCH/${round}` }),
        })
      ).json();
      const id = created.export.id;
      // Ready when the builder's run settles: ExportService.runPending answers the run in
      // flight (the one POST started through the exports job), which returns once no export is
      // left building, its row marked ready or failed. Polling the catalog every 50 ms instead
      // cost the export's side ~0.3-0.4 s of the serving thread's CPU a round (a query built and
      // run each time, ~550 a round: profiled), work no build does; a client polling the API
      // would do it from elsewhere. Polled only if a run returned with the export still building.
      await archive.exports.runPending();
      let status = (await archive.catalog.getExport(id)).status;
      while (status === 'building') {
        await new Promise((r) => setTimeout(r, 50));
        status = (await archive.catalog.getExport(id)).status;
      }
      if (status !== 'ready') throw new Error(`export ${id} ${status}`);
      return Number(process.hrtime.bigint() - t1) / 1e6;
    };
    // Interleaved rounds (baseline, then export): a slow spell of this shared machine, or the
    // emulator delivering its access logs, then lands on both sides rather than on one.
    const baselines = [];
    const exports = [];
    const cpu = { baseline: [], export: [] };
    const timed = async (side, run) => {
      const c0 = threadCpuSeconds();
      const ms = await run();
      const c1 = threadCpuSeconds();
      cpu[side].push(c0 === null || c1 === null ? null : c1 - c0);
      return ms;
    };
    for (let round = 1; round <= ROUNDS; round++) {
      baselines.push(await timed('baseline', () => baseline(round)));
      exports.push(await timed('export', () => exportOnce(round)));
      process.stderr.write(
        `round ${round}: baseline ${(baselines[round - 1] / 1000).toFixed(2)} s, export ${(exports[round - 1] / 1000).toFixed(2)} s\n`,
      );
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
    process.stdout.write(
      `records: ${N}; rounds: ${ROUNDS}; bag thread: ${BAG_THREAD}; load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}\n`,
    );
    process.stdout.write(`checkpoint of the ingest (untimed, before the rounds): ${fmt(checkpointMs)}\n\n`);
    const secs = (s) => (s === null ? 'n/a' : `${s.toFixed(2)} s`);
    const diff = (a, b) =>
      a === null || b === null ? 'n/a' : `${b - a >= 0 ? '+' : ''}${(b - a).toFixed(2)} s`;
    process.stdout.write(
      '| round | baseline (GET + ZIP + upload) | export (POST to ready) | ratio | thread CPU, baseline | thread CPU, export | CPU difference |\n|---|---:|---:|---:|---:|---:|---:|\n',
    );
    baselines.forEach((b, i) =>
      process.stdout.write(
        `| ${i + 1} | ${fmt(b)} | ${fmt(exports[i])} | ${(exports[i] / b).toFixed(2)} | ${secs(cpu.baseline[i])} | ${secs(cpu.export[i])} | ${diff(cpu.baseline[i], cpu.export[i])} |\n`,
      ),
    );
    const mb = median(baselines);
    const me = median(exports);
    const known = (xs) => (xs.every((x) => x !== null) ? median(xs) : null);
    const cb = known(cpu.baseline);
    const ce = known(cpu.export);
    process.stdout.write(
      `| median | ${fmt(mb)} | ${fmt(me)} | ${(me / mb).toFixed(2)} | ${secs(cb)} | ${secs(ce)} | ${diff(cb, ce)} |\n`,
    );
    process.stdout.write(
      `| fastest | ${fmt(Math.min(...baselines))} | ${fmt(Math.min(...exports))} | ${(Math.min(...exports) / Math.min(...baselines)).toFixed(2)} | | | |\n`,
    );
    process.stdout.write(`\nratio of the medians: ${(me / mb).toFixed(2)} (target <= 1.3)\n`);
  } finally {
    await archive.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
