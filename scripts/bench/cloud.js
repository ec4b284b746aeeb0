#!/usr/bin/env node
'use strict';
/*
 * Control-plane benchmark (issue 9), one run, baselines measured in the same run:
 *
 *   (a) the emulator's CPU per 1 KiB PUT signed by the archive's service RAM user (its policy,
 *       infra/policies/archive-service.json, evaluated on every request) against the same PUT
 *       signed by the root key (no policy): goal, root / service user >= 0.9;
 *   (b) STS AssumeRole requests per second at concurrency 8 through @alicloud/pop-core, against
 *       GetCallerIdentity (the RPC path's floor: signature, nonce, timestamp, no token, no event).
 *
 *   npm run build && node scripts/bench/cloud.js [options]
 *
 *   --duration-s N        measured seconds per cell (default 5)
 *   --warmup-s N          unmeasured warm-up before each cell (default 1)
 *   --rounds N            repeat the interleaved cells N times, report each cell's median (default 3);
 *                         every cell is first warmed up once, unmeasured (JIT, caches)
 *   --put-concurrency N   PUT workers (default 8)
 *   --concurrency N       RPC workers (default 8)
 *   --v4                  sign the PUTs with OSS V4 instead of V1 (ali-oss's default)
 *   --json FILE           every number and the environment
 *   --dist DIR            the compiled project (default dist/), e.g. a private build in .bench-tmp/dist
 *   --tmp-dir DIR         where the emulator's fresh data directory goes (default: the OS temp dir)
 *   --keep-data           leave the data directory behind
 *
 * Fairness: the emulator runs in a child process of its own (scripts/bench/run-emulator.js, log
 * level warn) on 127.0.0.1; the clients run here, one cell at a time; root and service-user cells
 * alternate (their order flips every round) so drift hits both alike; `sync` runs before every
 * cell; every PUT writes a new key from a Buffer with Content-MD5 and x-oss-forbid-overwrite (as
 * the archive writes); each client has its own keep-alive agent. Server CPU per operation comes
 * from /proc/<pid>/stat (Linux), so it does not depend on what the clients burn in this process.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const crypto = require('node:crypto');
const { spawn, execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const CLK_TCK = 100;
const ACCOUNT = '1000000000000000';
const PREFIX = 'bench';
const BUCKET = `${PREFIX}-records-7y`;
const ROOT_KEY = { id: 'LTAIbenchroot000000', secret: 'bench-root-secret-000000000000000' };
const SERVICE_KEY = { id: 'LTAIbenchservice0000', secret: 'bench-service-secret-0000000000000' };

function usage(msg) {
  if (msg) process.stderr.write(`bench: ${msg}\n`);
  process.stderr.write(
    'usage: node scripts/bench/cloud.js [--duration-s 5] [--warmup-s 1] [--rounds 3] [--put-concurrency 8]\n' +
      '         [--concurrency 8] [--v4] [--json FILE] [--dist DIR] [--tmp-dir DIR] [--keep-data]\n',
  );
  process.exit(msg ? 2 : 0);
}

function parseArgs(argv) {
  const o = {
    durationS: 5,
    warmupS: 1,
    rounds: 3,
    putConcurrency: 8,
    concurrency: 8,
    v4: false,
    json: null,
    dist: path.join(ROOT, 'dist'),
    tmpDir: os.tmpdir(),
    keepData: false,
  };
  const num = (name, v, min) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) usage(`${name} needs a number >= ${min}`);
    return n;
  };
  const valued = {
    '--duration-s': (v) => (o.durationS = num('--duration-s', v, 0.1)),
    '--warmup-s': (v) => (o.warmupS = num('--warmup-s', v, 0)),
    '--rounds': (v) => (o.rounds = Math.floor(num('--rounds', v, 1))),
    '--put-concurrency': (v) => (o.putConcurrency = Math.floor(num('--put-concurrency', v, 1))),
    '--concurrency': (v) => (o.concurrency = Math.floor(num('--concurrency', v, 1))),
    '--json': (v) => (o.json = v || usage('--json needs a file')),
    '--dist': (v) => (o.dist = path.resolve(v || usage('--dist needs a directory'))),
    '--tmp-dir': (v) => (o.tmpDir = path.resolve(v || usage('--tmp-dir needs a directory'))),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (Object.hasOwn(valued, a)) {
      valued[a](argv[i + 1]);
      i++;
    } else if (a === '--v4') o.v4 = true;
    else if (a === '--keep-data') o.keepData = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  return o;
}

const log = (msg) => process.stderr.write(`${msg}\n`);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function procCpuS(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

function syncDisks() {
  try {
    execFileSync('sync', { stdio: 'ignore', timeout: 120000 });
  } catch {
    /* not fatal */
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function median(xs) {
  const s = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Closed loop: `concurrency` workers run `op(worker, seq)` back to back until `seconds` pass. */
async function loop(concurrency, seconds, op) {
  const latencies = [];
  let errors = 0;
  let firstError = null;
  let ok = 0;
  const start = nowMs();
  const deadline = start + seconds * 1000;
  const worker = async (w) => {
    let seq = 0;
    while (nowMs() < deadline) {
      const t0 = nowMs();
      try {
        await op(w, seq++);
        latencies.push(nowMs() - t0);
        ok++;
      } catch (err) {
        errors++;
        if (!firstError) firstError = err;
        if (ok === 0 && errors >= 20) break;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return { latencies, ok, errors, firstError, elapsedS: (nowMs() - start) / 1000 };
}

function startEmulator(opts, dataDir, iamFile) {
  const args = [
    path.join(__dirname, 'run-emulator.js'),
    '--data',
    dataDir,
    '--access-key-id',
    ROOT_KEY.id,
    '--access-key-secret',
    ROOT_KEY.secret,
    '--iam',
    iamFile,
    '--region',
    'oss-cn-hongkong',
    '--log-level',
    'warn',
    '--dist',
    opts.dist,
  ];
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl === -1) return;
      proc.stdout.off('data', onData);
      proc.stdout.resume();
      resolve({ proc, ...JSON.parse(out.slice(0, nl)) });
    };
    proc.stdout.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before listening`)));
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let defaults;
  try {
    defaults = require(path.join(opts.dist, 'emulator', 'iam', 'defaults.js'));
  } catch (err) {
    log(`bench: cannot load ${opts.dist}/emulator (run \`npm run build\` first): ${err.message}`);
    process.exit(1);
  }
  const OSS = require('ali-oss');
  const RPCClient = require('@alicloud/pop-core');

  const dir = fs.mkdtempSync(path.join(opts.tmpDir, 'strongroom-bench-cloud-'));
  const dataDir = path.join(dir, 'data');
  const iamFile = path.join(dir, 'iam.json');
  // The production layout's policies, rendered for this account and prefix (what serve uses locally).
  const iam = defaults.defaultIdentities({
    accountId: ACCOUNT,
    bucketPrefix: PREFIX,
    serviceKey: SERVICE_KEY,
    policyDir: path.join(ROOT, 'infra', 'policies'),
  });
  fs.writeFileSync(iamFile, JSON.stringify(iam));
  const emu = await startEmulator(opts, dataDir, iamFile);
  log(`bench: emulator ${emu.url}, control plane ${emu.controlPlaneUrl} (pid ${emu.proc.pid})`);
  const cleanup = async () => {
    emu.proc.stdin.end();
    await new Promise((r) => emu.proc.once('exit', r));
    if (!opts.keepData) fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const ossClient = (key) =>
      new OSS({
        endpoint: emu.url,
        region: emu.region,
        accessKeyId: key.id,
        accessKeySecret: key.secret,
        sldEnable: true,
        authorizationV4: opts.v4,
        bucket: BUCKET,
        agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
        timeout: 60000,
      });
    const targets = { root: ossClient(ROOT_KEY), service: ossClient(SERVICE_KEY) };
    await targets.root.putBucket(BUCKET);
    const body = crypto.randomBytes(1024);
    let keySeq = 0;
    const putOp = (client) => () =>
      client.put(`put/${process.pid}-${keySeq++}.json`, body, {
        headers: { 'x-oss-forbid-overwrite': 'true' },
      });

    const rpc = new RPCClient({
      endpoint: emu.controlPlaneUrl,
      apiVersion: '2015-04-01',
      accessKeyId: SERVICE_KEY.id,
      accessKeySecret: SERVICE_KEY.secret,
    });
    const roleArn = `acs:ram::${ACCOUNT}:role/${PREFIX}-export-reader`;
    const rpcOps = {
      GetCallerIdentity: () => () => rpc.request('GetCallerIdentity', {}, { method: 'POST', timeout: 30000 }),
      AssumeRole: () => (w, seq) =>
        rpc.request(
          'AssumeRole',
          { RoleArn: roleArn, RoleSessionName: `bench-${w}-${seq}`, DurationSeconds: 900 },
          { method: 'POST', timeout: 30000 },
        ),
    };

    const cells = [];
    const runCell = async (group, name, concurrency, op) => {
      if (opts.warmupS > 0) await loop(concurrency, opts.warmupS, op);
      syncDisks();
      const cpu0 = procCpuS(emu.proc.pid);
      const r = await loop(concurrency, opts.durationS, op);
      const cpu1 = procCpuS(emu.proc.pid);
      const sorted = r.latencies.sort((a, b) => a - b);
      const cell = {
        group,
        name,
        concurrency,
        ok: r.ok,
        errors: r.errors,
        firstError: r.firstError ? String(r.firstError.code || r.firstError.message) : null,
        opsPerS: r.ok / r.elapsedS,
        serverCpuUsPerOp: cpu0 === null || cpu1 === null || r.ok === 0 ? null : ((cpu1 - cpu0) * 1e6) / r.ok,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
      };
      cells.push(cell);
      log(
        `bench:   ${group} ${name}: ${cell.opsPerS.toFixed(0)}/s, server ${cell.serverCpuUsPerOp === null ? '-' : cell.serverCpuUsPerOp.toFixed(0)} us/op, ${r.errors} errors`,
      );
    };

    // One unmeasured pass over every cell first: the first cell of a fresh process pays for JIT
    // compilation and cold caches, whichever target it is.
    log('bench: warming up every cell');
    for (const name of ['root', 'service'])
      await loop(opts.putConcurrency, Math.max(2, opts.warmupS), putOp(targets[name]));
    for (const name of ['GetCallerIdentity', 'AssumeRole'])
      await loop(opts.concurrency, Math.max(2, opts.warmupS), rpcOps[name]());

    for (let round = 1; round <= opts.rounds; round++) {
      log(`bench: round ${round}/${opts.rounds}`);
      const putOrder = round % 2 ? ['root', 'service'] : ['service', 'root'];
      for (const name of putOrder) await runCell('put-1KiB', name, opts.putConcurrency, putOp(targets[name]));
      const rpcOrder = round % 2 ? ['GetCallerIdentity', 'AssumeRole'] : ['AssumeRole', 'GetCallerIdentity'];
      for (const name of rpcOrder) await runCell('rpc', name, opts.concurrency, rpcOps[name]());
    }

    const summary = (group, name) => {
      const mine = cells.filter((c) => c.group === group && c.name === name);
      return {
        opsPerS: median(mine.map((c) => c.opsPerS)),
        serverCpuUsPerOp: median(mine.map((c) => c.serverCpuUsPerOp)),
        p50: median(mine.map((c) => c.p50)),
        p99: median(mine.map((c) => c.p99)),
        errors: mine.reduce((n, c) => n + c.errors, 0),
      };
    };
    const f = (x, d = 0) => (x === null ? '-' : x.toFixed(d));
    const rows = (group, names) =>
      names.map((n) => {
        const s = summary(group, n);
        return `| ${n.padEnd(24)} | ${f(s.opsPerS).padStart(8)} | ${f(s.serverCpuUsPerOp).padStart(14)} | ${f(s.p50, 2).padStart(8)} | ${f(s.p99, 2).padStart(8)} | ${String(s.errors).padStart(6)} |`;
      });
    const head = `| ${'cell'.padEnd(24)} | ${'ops/s'.padStart(8)} | ${'server us/op'.padStart(14)} | ${'p50 ms'.padStart(8)} | ${'p99 ms'.padStart(8)} | ${'errors'.padStart(6)} |`;
    const sep = `|${'-'.repeat(26)}|${'-'.repeat(10)}|${'-'.repeat(16)}|${'-'.repeat(10)}|${'-'.repeat(10)}|${'-'.repeat(8)}|`;
    const root = summary('put-1KiB', 'root');
    const service = summary('put-1KiB', 'service');
    const who = summary('rpc', 'GetCallerIdentity');
    const assume = summary('rpc', 'AssumeRole');
    const cpuRatio =
      root.serverCpuUsPerOp && service.serverCpuUsPerOp
        ? root.serverCpuUsPerOp / service.serverCpuUsPerOp
        : null;
    const out = [
      `1 KiB PUT, ${opts.v4 ? 'V4' : 'V1'} signatures, concurrency ${opts.putConcurrency} (median of ${opts.rounds} rounds of ${opts.durationS} s)`,
      head,
      sep,
      ...rows('put-1KiB', ['root', 'service']),
      '',
      `server CPU per PUT, root / service user: ${f(cpuRatio, 3)} (goal >= 0.9)`,
      `PUT throughput, service user / root: ${f(root.opsPerS && service.opsPerS ? service.opsPerS / root.opsPerS : null, 3)}`,
      '',
      `STS through pop-core, concurrency ${opts.concurrency}`,
      head,
      sep,
      ...rows('rpc', ['GetCallerIdentity', 'AssumeRole']),
      '',
      `AssumeRole / GetCallerIdentity throughput: ${f(who.opsPerS && assume.opsPerS ? assume.opsPerS / who.opsPerS : null, 3)}`,
    ];
    process.stdout.write(out.join('\n') + '\n');
    if (opts.json) {
      const env = {
        node: process.version,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        date: new Date().toISOString(),
        loadavg: os.loadavg(),
      };
      fs.writeFileSync(
        opts.json,
        JSON.stringify({ options: opts, env, cells, cpuRatio, root, service, who, assume }, null, 2),
      );
    }
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  log(`bench: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
