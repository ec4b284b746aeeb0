#!/usr/bin/env node
'use strict';
/*
 * What the evidence jobs cost ingest: batch ingest (POST /v1/batches, NDJSON) into a
 * `strongroom serve` whose checkpointer, audit sealer and importers run as production runs them,
 * against one whose jobs are off, same machine, same run, rounds interleaved.
 *
 *   npm run build && node scripts/bench/audit-jobs.js [--records 10000] [--rounds 3] [--json FILE]
 *
 *   on:  the defaults of src/config (ledger.checkpointSeconds 60, audit.sealEvents 10000,
 *        audit.sealSeconds 300, audit.importSeconds 300): what `serve` runs unless told otherwise;
 *   off: ledger.checkpointSeconds, audit.sealSeconds and audit.importSeconds 10^9 s,
 *        audit.sealEvents 1,000,000 (the seal job still wakes every 10 s and finds nothing to do;
 *        the checkpointer runs only at stop, the import job never);
 *   both: the embedded emulator with emulator.logFlushSeconds 5 (OSS's side: the access log of
 *        every PUT is delivered within seconds, so the importer always has a backlog), SQLite
 *        catalog, profile local, a fresh data directory each.
 *
 * Each round posts one batch of --records distinct trades to each server (the order alternates),
 * records/s = records / wall time of the batch; ratio on/off per round, median reported. Only the
 * measured server runs: the other is stopped (SIGSTOP) until its turn (SIGCONT), so neither one's
 * jobs take CPU from the other's batch, and every job run of the "on" server falls inside one of
 * its own measured batches (a timer due while stopped fires as soon as it continues; counting the
 * stopped time makes the jobs run more often per measured second than a steady `serve`, never
 * less). The CPU each server process spent on its batch (/proc, user + system, every thread) is
 * reported per record as well: on a shared machine it is steadier than wall time. After the rounds each server is stopped and its catalog counted (segments, checkpoints,
 * events per source), which shows how much the jobs did.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { benchOptions } = require('./options');

const ROOT = path.resolve(__dirname, '..', '..');
const { opt, positive } = benchOptions(process.argv.slice(2));
const RECORDS = positive('records', 10000);
const ROUNDS = positive('rounds', 3);
const JSON_OUT = opt('json', null);
const log = (s) => process.stderr.write(`${s}\n`);
const { trade } = require(path.join(ROOT, 'dist', 'records', 'fixtures'));

const CONFIGS = {
  // Production's settings: nothing set (src/config's defaults).
  on: {},
  off: {
    ledger: { checkpointSeconds: 1e9 },
    audit: { sealEvents: 1000000, sealSeconds: 1e9, importSeconds: 1e9 },
  },
};

async function startServe(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sr-bench-jobs-${name}-`));
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({ logLevel: 'warn', emulator: { logFlushSeconds: 5 }, ...CONFIGS[name] }),
  );
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'strongroom.js'), 'serve', '--data', dir, '--port', '0', '--config', config],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stderr.on('data', (d) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${d}`);
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString('utf8');
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve ${name} exited with ${code}`)));
  });
  const tokens = JSON.parse(fs.readFileSync(path.join(dir, 'bootstrap-tokens.json'), 'utf8'));
  return { name, dir, url, child, ingest: tokens.ingest.token };
}

async function stopServe(s) {
  s.child.kill('SIGCONT');
  const done = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.kill('SIGTERM');
  await done;
}

async function batch(s, round) {
  const lines = [];
  for (let i = 0; i < RECORDS; i++) lines.push(JSON.stringify(trade(`JOBS-${s.name}-${round}-${i}`)));
  const body = `${lines.join('\n')}\n`;
  const cpu0 = cpuSeconds(s.child.pid);
  const t0 = process.hrtime.bigint();
  const res = await globalThis.fetch(`${s.url}/v1/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.ingest}`, 'content-type': 'application/x-ndjson' },
    body,
  });
  const text = await res.text();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuMsPerRecord = ((cpuSeconds(s.child.pid) - cpu0) * 1000) / RECORDS;
  const summary = JSON.parse(text.trim().split('\n').pop()).summary;
  if (res.status !== 200 || summary.created !== RECORDS)
    throw new Error(`batch on ${s.name}: status ${res.status}, summary ${JSON.stringify(summary)}`);
  return { seconds, rate: RECORDS / seconds, cpuMsPerRecord };
}

/** CPU seconds (user + system, all threads) of a process so far (Linux /proc). */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

function counts(dir) {
  const Database = require(path.join(ROOT, 'node_modules', 'better-sqlite3'));
  const db = new Database(path.join(dir, 'catalog.sqlite'), { readonly: true });
  try {
    return {
      segments: db.prepare('select count(*) as n from audit_segments').get().n,
      checkpoints: db.prepare('select count(*) as n from ledger_checkpoints').get().n,
      events: Object.fromEntries(
        db
          .prepare('select source, count(*) as n from audit_events group by source')
          .all()
          .map((r) => [r.source, r.n]),
      ),
    };
  } finally {
    db.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const servers = { on: await startServe('on'), off: await startServe('off') };
  const rates = { on: [], off: [] };
  const cpu = { on: [], off: [] };
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      for (const name of order) {
        for (const other of Object.values(servers))
          other.child.kill(other.name === name ? 'SIGCONT' : 'SIGSTOP');
        const x = await batch(servers[name], r);
        rates[name].push(x.rate);
        cpu[name].push(x.cpuMsPerRecord);
        log(
          `round ${r + 1} ${name}: ${RECORDS} records in ${x.seconds.toFixed(1)} s, ${x.rate.toFixed(0)} records/s, serve CPU ${x.cpuMsPerRecord.toFixed(2)} ms/record, load ${os.loadavg()[0].toFixed(1)}`,
        );
      }
    }
    for (const s of Object.values(servers)) s.child.kill('SIGCONT');
  } finally {
    await stopServe(servers.on);
    await stopServe(servers.off);
  }
  const ratios = rates.on.map((x, i) => x / rates.off[i]);
  // CPU per record, off/on: the same comparison less exposed to other load on the machine.
  const cpuRatios = cpu.on.map((x, i) => cpu.off[i] / x);
  const result = {
    records: RECORDS,
    rounds: ROUNDS,
    on: {
      recordsPerSecond: median(rates.on),
      rounds: rates.on,
      cpuMsPerRecord: cpu.on,
      ...counts(servers.on.dir),
    },
    off: {
      recordsPerSecond: median(rates.off),
      rounds: rates.off,
      cpuMsPerRecord: cpu.off,
      ...counts(servers.off.dir),
    },
    ratio: median(ratios),
    ratios,
    cpuRatio: median(cpuRatios),
    cpuRatios,
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: os.loadavg(),
    date: new Date().toISOString(),
  };
  for (const s of Object.values(servers)) fs.rmSync(s.dir, { recursive: true, force: true });
  const line = (a, b, c, d) => `${a.padEnd(6)} ${b.padStart(12)} ${c.padStart(10)} ${d}`;
  process.stdout.write(
    [
      `# batch ingest of ${RECORDS} records per round, ${ROUNDS} rounds, audit jobs at their defaults vs off (SQLite, embedded emulator), load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
      line('jobs', 'records/s', 'segments', 'checkpoints, events by source at the end'),
      line(
        'on',
        result.on.recordsPerSecond.toFixed(0),
        String(result.on.segments),
        `${result.on.checkpoints}, ${JSON.stringify(result.on.events)}`,
      ),
      line(
        'off',
        result.off.recordsPerSecond.toFixed(0),
        String(result.off.segments),
        `${result.off.checkpoints}, ${JSON.stringify(result.off.events)}`,
      ),
      `# ratio on/off (median of the rounds) ${result.ratio.toFixed(3)} (rounds: ${ratios.map((x) => x.toFixed(3)).join(', ')}); goal >= 0.95`,
      `# serve CPU per record off/on (median) ${result.cpuRatio.toFixed(3)} (rounds: ${cpuRatios.map((x) => x.toFixed(3)).join(', ')})`,
      '',
    ].join('\n'),
  );
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
