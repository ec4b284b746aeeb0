#!/usr/bin/env node
'use strict';
/*
 * Ingest benchmark: how close the archive's write path comes to the storage path's own limit,
 * and how much memory serve needs for huge batches and documents.
 *
 *   npm run build && node scripts/bench/ingest.js [options]
 *
 * Three processes: the OSS emulator (`strongroom emulator`), the archive (`strongroom serve`
 * pointed at that emulator through STRONGROOM_OSS_ENDPOINT; profile local, SQLite catalog), and
 * this one, the client.
 *
 *   (a) raw ali-oss `put` of the canonical bytes of distinct records straight to the emulator, at
 *       concurrency 32, into a fresh bucket, with the headers the storage adapter sends
 *       (V4 signature, Content-MD5, x-oss-forbid-overwrite: true, the six x-oss-meta-* of a
 *       record, Content-Type application/json): the storage path's own limit;
 *   (b) records/s through POST /v1/records, 32 concurrent clients on a keep-alive agent;
 *   (c) records/s through POST /v1/batches (NDJSON; --batches B concurrent batches, default 1);
 *   (b) and (c) as ratios to (a); goals: (b) >= 0.70, (c) >= 0.85;
 *   (d) peak RSS of serve (VmHWM, and sampled VmRSS) for one --big-lines (default 1,000,000)
 *       line NDJSON batch, generated on the fly, plus its records/s;
 *   (e) peak RSS of serve for one --doc-bytes (default 1 GiB) document through POST
 *       /v1/documents (raw body, streamed, generated on the fly; multipart to OSS); goal for
 *       (d) and (e): < 300 MB. Serve is restarted before (d) and before (e) so that each peak is
 *       its own.
 *
 * Options:
 *   --records N        records per measurement (a), (b), (c) (default 20000)
 *   --warmup N         unmeasured records before each of (a), (b), (c) (default 1000)
 *   --concurrency N    clients for (a) and (b) (default 32)
 *   --batches B        concurrent batches for (c), N/B lines each (default 1)
 *   --big-lines N      lines of the (d) batch (default 1000000)
 *   --doc-bytes SIZE   size of the (e) document, e.g. 1GiB, 256MiB (default 1GiB)
 *   --rounds R         repeat (a), (b), (c) R times, interleaved, and report each one's median
 *                      round; ratios are medians of the per-round ratios (default 1; use 3 on a
 *                      noisy machine)
 *   --only LIST        which of a,b,c,d,e to run (default all; b and c need a for the ratio)
 *   --json FILE        write every number and the environment as JSON
 *   --cpu-prof DIR     run serve under `node --cpu-prof`: DIR/serve-RUN/ gets one .cpuprofile per
 *                      thread (summarise: node scripts/bench/profile-summary.js FILE)
 *   --catalog-thread T serve's SQLite catalog on the serving thread (main, serve's default) or in
 *                      a worker thread (worker)
 *   --database-url URL serve's catalog on this PostgreSQL database instead of SQLite (its tables
 *                      must not exist yet, or be empty: use a fresh database)
 *   --serve-require F  preload F into serve (node --require), e.g. instrumentation of your own
 *   --dist DIR         the compiled project to run (default dist/)
 *   --tmp-dir DIR      where the fresh data directories go (default: the OS temp dir)
 *   --keep-data        leave the data directories behind
 *
 * Progress goes to stderr, the table to stdout.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const crypto = require('node:crypto');
const { spawn, execFileSync } = require('node:child_process');
const { Readable } = require('node:stream');
const { setTimeout, clearTimeout, setInterval, clearInterval } = require('node:timers');

const ROOT = path.resolve(__dirname, '..', '..');
const OSS_ID = 'LTAIBENCHINGEST00001';
const OSS_SECRET = 'bench-ingest-secret-000000000000000';
const REGION = 'oss-local';
const CLK_TCK = 100;

// ------------------------------------------------------------------ options

function usage(msg) {
  if (msg) process.stderr.write(`bench: ${msg}\n`);
  process.stderr.write(
    'usage: node scripts/bench/ingest.js [--records 20000] [--warmup 1000] [--concurrency 32] [--batches 1]\n' +
      '         [--rounds 1] [--big-lines 1000000] [--doc-bytes 1GiB] [--only a,b,c,d,e] [--json FILE]\n' +
      '         [--cpu-prof DIR] [--dist DIR] [--tmp-dir DIR] [--keep-data]\n',
  );
  process.exit(msg ? 2 : 0);
}

function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(String(s).trim());
  if (!m) usage(`bad size ${s}`);
  const unit = (m[2] || 'b').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.round(Number(m[1]) * mult);
}

function parseArgs(argv) {
  const o = {
    records: 20000,
    warmup: 1000,
    concurrency: 32,
    batches: 1,
    rounds: 1,
    bigLines: 1_000_000,
    docBytes: 1024 ** 3,
    only: new Set(['a', 'b', 'c', 'd', 'e']),
    json: null,
    cpuProf: null,
    serveRequire: null,
    databaseUrl: null,
    catalogThread: null,
    dist: path.join(ROOT, 'dist'),
    tmpDir: os.tmpdir(),
    keepData: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    const int = () => {
      const n = Number(next());
      if (!Number.isInteger(n) || n < 0) usage(`${a} needs a non-negative integer`);
      return n;
    };
    switch (a) {
      case '--records':
        o.records = int();
        break;
      case '--warmup':
        o.warmup = int();
        break;
      case '--concurrency':
        o.concurrency = Math.max(1, int());
        break;
      case '--batches':
        o.batches = Math.max(1, int());
        break;
      case '--rounds':
        o.rounds = Math.max(1, int());
        break;
      case '--big-lines':
        o.bigLines = int();
        break;
      case '--doc-bytes':
        o.docBytes = parseSize(next());
        break;
      case '--only':
        o.only = new Set(
          next()
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        );
        break;
      case '--json':
        o.json = path.resolve(next());
        break;
      case '--catalog-thread':
        o.catalogThread = next();
        if (!['main', 'worker'].includes(o.catalogThread)) usage('--catalog-thread is main or worker');
        break;
      case '--database-url':
        o.databaseUrl = next();
        break;
      case '--serve-require':
        o.serveRequire = path.resolve(next());
        break;
      case '--cpu-prof':
        o.cpuProf = path.resolve(next());
        break;
      case '--dist':
        o.dist = path.resolve(next());
        break;
      case '--tmp-dir':
        o.tmpDir = path.resolve(next());
        break;
      case '--keep-data':
        o.keepData = true;
        break;
      case '-h':
      case '--help':
        usage();
        break;
      default:
        usage(`unknown option ${a}`);
    }
  }
  for (const x of o.only)
    if (!'abcde'.includes(x) || x.length !== 1) usage(`--only: unknown measurement ${x}`);
  return o;
}

// ------------------------------------------------------------------ small helpers

const log = (msg) => process.stderr.write(`bench: ${msg}\n`);
const fmt = (n, d = 0) =>
  n === undefined || n === null || Number.isNaN(n)
    ? '-'
    : n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const MB = (bytes) => bytes / 1e6;

function procStat(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / CLK_TCK); // utime + stime, ms
  } catch {
    return NaN;
  }
}

function procStatus(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) * 1024 : NaN;
    };
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/** Samples a process's VmRSS every `everyMs`; stop() returns the maximum seen and VmHWM. */
function rssSampler(pid, everyMs = 200) {
  let max = 0;
  const tick = () => {
    const { rss } = procStatus(pid);
    if (rss > max) max = rss;
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    current: () => max,
    stop() {
      clearInterval(timer);
      tick();
      return { maxRss: max, hwm: procStatus(pid).hwm };
    },
  };
}

// ------------------------------------------------------------------ records

/** A valid trade (the shape of test/records/fixtures.ts), distinct per (tag, i). */
function trade(tag, i) {
  const id = `${tag}-${String(i).padStart(7, '0')}`;
  return {
    recordType: 'trade',
    recordId: id,
    tradeId: id,
    orderId: `O-${id}`,
    executedAt: `2026-10-${String(1 + (i % 20)).padStart(2, '0')}T09:31:02.${String(i % 1000).padStart(3, '0')}+08:00`,
    venue: 'XHKG',
    instrument: { exchange: 'XHKG', code: '0700' },
    side: i % 2 ? 'buy' : 'sell',
    quantity: 100 + (i % 5000),
    price: `${1 + (i % 997)}.${String(i % 100).padStart(2, '0')}`,
    currency: 'HKD',
    capacity: 'agency',
    clientId: 'C-1001',
    accountId: 'A-1001-01',
  };
}

// ------------------------------------------------------------------ processes

function childEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('STRONGROOM_') || k === 'DATABASE_URL' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  // As bin/strongroom.js does (the CLI is started here without it, to honour --dist).
  env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE || '16';
  return { ...env, STRONGROOM_LOG_LEVEL: 'warn', ...extra };
}

/** Runs the CLI of `dist` (`strongroom ARGS`) in a child; resolves once stdout matches `ready`. */
function startCli(opts, args, env, ready, nodeArgs = []) {
  const main = path.join(opts.dist, 'cli', 'main.js');
  const proc = spawn(
    process.execPath,
    [...nodeArgs, '-e', 'require(process.argv[1]).run(process.argv)', main, ...args],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  proc.stderr.on('data', (c) => {
    err = (err + c).slice(-20000);
  });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${args[0]} did not start in 60 s\n${out}\n${err}`));
    }, 60_000);
    proc.stdout.on('data', (c) => {
      out += c;
      const m = ready.exec(out);
      if (m && timer) {
        clearTimeout(timer);
        resolve({ proc, pid: proc.pid, url: m[1], exited, stderr: () => err });
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited (${code ?? signal}) before it was ready\n${out}\n${err}`));
    });
  });
}

async function stopChild(child) {
  if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), 60_000);
  await child.exited;
  clearTimeout(timer);
}

// ------------------------------------------------------------------ load generators

/** Closed loop: `workers` workers take the next index until `count`; progress on stderr. */
async function closedLoop(label, count, workers, op) {
  let next = 0;
  let done = 0;
  let errors = 0;
  let firstError;
  const start = process.hrtime.bigint();
  const progress = setInterval(() => {
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    log(`${label}: ${done}/${count} (${fmt(done / s)}/s)`);
  }, 2000);
  try {
    await Promise.all(
      Array.from({ length: Math.min(workers, count) }, async () => {
        while (next < count) {
          const i = next++;
          try {
            await op(i);
          } catch (err) {
            errors++;
            firstError ??= err;
          }
          done++;
        }
      }),
    );
  } finally {
    clearInterval(progress);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (errors) log(`${label}: ${errors} error(s); first: ${firstError && firstError.message}`);
  return {
    count,
    seconds,
    rate: count / seconds,
    errors,
    firstError: firstError ? String(firstError.message) : undefined,
  };
}

/** A raw OSS client as the storage adapter configures its own (src/storage/ali-oss-store.ts). */
function rawOssClient(endpoint, bucket) {
  const OSS = require(require.resolve('ali-oss', { paths: [ROOT] }));
  return new OSS({
    endpoint,
    region: REGION,
    accessKeyId: OSS_ID,
    accessKeySecret: OSS_SECRET,
    secure: false,
    sldEnable: true,
    authorizationV4: true,
    timeout: 60_000,
    retryMax: 0,
    ...(bucket ? { bucket } : {}),
  });
}

/** (a): ali-oss put of canonical record bytes, with the adapter's headers and metadata. */
function rawPutOp(client, canonicalBytes, tag) {
  const ingestedAt = new Date().toISOString();
  return async (i) => {
    const r = trade(tag, i);
    const bytes = canonicalBytes(r);
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    const md5 = crypto.createHash('md5').update(bytes).digest('base64');
    const day = r.executedAt.slice(0, 10).split('-');
    const res = await client.put(`trade/${day[0]}/${day[1]}/${day[2]}/${r.recordId}.json`, bytes, {
      headers: { 'x-oss-forbid-overwrite': 'true', 'Content-MD5': md5 },
      meta: {
        sha256,
        'record-type': 'trade',
        'record-id': r.recordId,
        principal: 'sys_bench',
        'ingested-at': ingestedAt,
        'schema-version': '1',
      },
      mime: 'application/json',
      timeout: 60_000,
    });
    if (res.res.status !== 200) throw new Error(`PUT answered ${res.res.status}`);
    if (!res.res.headers['x-oss-hash-crc64ecma']) throw new Error('no CRC-64 in the answer');
  };
}

function request(url, options, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, options, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body instanceof Readable) body.pipe(req);
    else req.end(body);
  });
}

/** (b): POST /v1/records. */
function singleOp(serveUrl, token, agent, tag) {
  return async (i) => {
    const body = JSON.stringify(trade(tag, i));
    const res = await request(
      `${serveUrl}/v1/records`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      body,
    );
    if (res.status !== 201)
      throw new Error(`POST /v1/records answered ${res.status}: ${res.body.slice(0, 300)}`);
  };
}

/** NDJSON lines trade(tag, from..to-1), generated as they are read. */
function ndjsonStream(tag, from, to) {
  let i = from;
  return new Readable({
    read() {
      let chunk = '';
      while (i < to && chunk.length < 256 * 1024) chunk += JSON.stringify(trade(tag, i++)) + '\n';
      this.push(chunk.length ? chunk : null);
    },
  });
}

/**
 * POST /v1/batches with lines [from, to); counts result lines as they stream back (nothing kept).
 * `onLine` sees the running count.
 */
function postBatch(serveUrl, token, tag, from, to, onLine) {
  return new Promise((resolve, reject) => {
    const counts = { created: 0, existing: 0, error: 0, firstError: undefined, summary: undefined };
    const req = http.request(
      `${serveUrl}/v1/batches`,
      {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () =>
            reject(new Error(`POST /v1/batches answered ${res.statusCode}: ${text.slice(0, 300)}`)),
          );
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          buf += c;
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line) continue;
            // Cheap status check without parsing every receipt.
            if (line.startsWith('{"summary"')) counts.summary = JSON.parse(line).summary;
            else if (line.includes('"status":"created"')) counts.created++;
            else if (line.includes('"status":"existing"')) counts.existing++;
            else {
              counts.error++;
              counts.firstError ??= line.slice(0, 400);
            }
            onLine?.();
          }
        });
        res.on('end', () => resolve(counts));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    ndjsonStream(tag, from, to).pipe(req);
  });
}

/**
 * (c) and (d): `batches` concurrent batches over `count` lines. `onTenth(lines)` is called each
 * time another tenth of the lines has been answered.
 */
async function batchRun(label, serveUrl, token, tag, count, batches, onTenth) {
  let done = 0;
  let tenth = 1;
  const start = process.hrtime.bigint();
  const progress = setInterval(
    () => {
      const s = Number(process.hrtime.bigint() - start) / 1e9;
      log(`${label}: ${fmt(done)}/${fmt(count)} (${fmt(done / s)}/s)`);
    },
    count > 100_000 ? 10_000 : 2000,
  );
  let results;
  try {
    const per = Math.ceil(count / batches);
    results = await Promise.all(
      Array.from({ length: batches }, (_, b) =>
        postBatch(serveUrl, token, tag, b * per, Math.min(count, (b + 1) * per), () => {
          done++;
          if (onTenth && done >= (tenth * count) / 10)
            onTenth(done, tenth++, Number(process.hrtime.bigint() - start) / 1e9);
        }),
      ),
    );
  } finally {
    clearInterval(progress);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const sum = (k) => results.reduce((n, r) => n + r[k], 0);
  const errors = sum('error');
  const incomplete = results.filter((r) => !r.summary || !r.summary.complete).length;
  if (errors || incomplete)
    log(
      `${label}: ${errors} error line(s), ${incomplete} incomplete batch(es); first: ${results.map((r) => r.firstError).find(Boolean)}`,
    );
  return {
    count,
    seconds,
    rate: count / seconds,
    created: sum('created'),
    existing: sum('existing'),
    errors,
    incomplete,
  };
}

/** (e): POST /v1/documents, raw body of `size` generated bytes; the SHA-256 is checked against the receipt. */
async function documentRun(serveUrl, token, size) {
  const block = crypto.randomBytes(1024 * 1024);
  const sha = crypto.createHash('sha256');
  let sent = 0;
  let n = 0;
  const body = new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const len = Math.min(block.length, size - sent);
      const chunk = Buffer.from(block.subarray(0, len));
      chunk.writeUInt32BE(n++ >>> 0, 0); // every MiB differs
      sha.update(chunk);
      sent += len;
      this.push(chunk);
    },
  });
  const description = {
    recordType: 'document',
    recordId: `DOC-BENCH-${crypto.randomBytes(4).toString('hex')}`,
    documentType: 'contract_note',
    title: `benchmark document of ${size} bytes`,
    documentDate: '2026-10-01',
    fileName: 'bench.bin',
    contentType: 'application/octet-stream',
    size,
  };
  const start = process.hrtime.bigint();
  const progress = setInterval(() => {
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    log(`(e) document: ${fmt(sent / 1024 ** 2)} MiB sent (${fmt(sent / 1024 ** 2 / s, 1)} MiB/s)`);
  }, 2000);
  let res;
  try {
    res = await request(
      `${serveUrl}/v1/documents`,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/octet-stream',
          'content-length': String(size),
          'x-strongroom-document': Buffer.from(JSON.stringify(description)).toString('base64url'),
        },
      },
      body,
    );
  } finally {
    clearInterval(progress);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (res.status !== 201)
    throw new Error(`POST /v1/documents answered ${res.status}: ${res.body.slice(0, 500)}`);
  const receipt = JSON.parse(res.body).receipt;
  const local = sha.digest('hex');
  if (receipt.sha256 !== local || receipt.size !== size)
    throw new Error(
      `receipt ${receipt.sha256}/${receipt.size} does not match the bytes sent ${local}/${size}`,
    );
  return { bytes: size, seconds, mibPerS: size / 1024 ** 2 / seconds };
}

// ------------------------------------------------------------------ main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const distMain = path.join(opts.dist, 'cli', 'main.js');
  if (!fs.existsSync(distMain)) usage(`no build at ${opts.dist} (run \`npm run build\` first)`);
  const { canonicalBytes } = require(path.join(opts.dist, 'records', 'index.js'));
  const work = fs.mkdtempSync(path.join(opts.tmpDir, 'strongroom-bench-ingest-'));
  const run = crypto.randomBytes(3).toString('hex');
  const results = {
    date: new Date().toISOString(),
    options: { ...opts, only: [...opts.only] },
    env: {
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0] && os.cpus()[0].model,
      memoryGiB: +(os.totalmem() / 1024 ** 3).toFixed(1),
      loadavgStart: os.loadavg().map((x) => +x.toFixed(2)),
    },
    measurements: {},
  };
  if (opts.cpuProf) fs.mkdirSync(opts.cpuProf, { recursive: true });
  log(`data under ${work}`);

  const emulator = await startCli(
    opts,
    [
      'emulator',
      '--port',
      '0',
      '--data',
      path.join(work, 'oss'),
      '--access-key-id',
      OSS_ID,
      '--access-key-secret',
      OSS_SECRET,
      '--region',
      REGION,
      '--log-level',
      'warn',
    ],
    childEnv({}),
    /emulator listening on (http:\/\/\S+)/,
  );
  log(`emulator ${emulator.url} (pid ${emulator.pid})`);
  const serveDir = path.join(work, 'serve');
  const serveEnv = childEnv({
    STRONGROOM_OSS_ENDPOINT: emulator.url,
    STRONGROOM_OSS_ACCESS_KEY_ID: OSS_ID,
    STRONGROOM_OSS_ACCESS_KEY_SECRET: OSS_SECRET,
    STRONGROOM_OSS_REGION: REGION,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...(opts.catalogThread ? { STRONGROOM_CATALOG_THREAD: opts.catalogThread } : {}),
  });
  let serveRuns = 0;
  const startServe = async (name) => {
    serveRuns++;
    const nodeArgs = opts.cpuProf
      ? ['--cpu-prof', '--cpu-prof-dir', path.join(opts.cpuProf, `serve-${name}`)]
      : [];
    if (opts.serveRequire) nodeArgs.push('--require', opts.serveRequire);
    const s = await startCli(
      opts,
      ['serve', '--data', serveDir, '--port', '0'],
      serveEnv,
      /listening on (http:\/\/\S+)/,
      nodeArgs,
    );
    log(
      `serve ${s.url} (pid ${s.pid})${opts.cpuProf ? ` profiling to ${opts.cpuProf}/serve-${name}/ (one .cpuprofile per thread)` : ''}`,
    );
    return s;
  };
  let serve;
  const cleanup = async () => {
    await stopChild(serve);
    await stopChild(emulator);
    if (!opts.keepData) fs.rmSync(work, { recursive: true, force: true });
    else log(`data kept in ${work}`);
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => cleanup().then(() => process.exit(130)));
  // Last resort: never leave a server behind.
  process.once('exit', () => {
    for (const c of [serve, emulator]) if (c && c.proc.exitCode === null) c.proc.kill('SIGKILL');
  });

  try {
    const m = results.measurements;
    /** CPU ms of serve, emulator and this process over fn(); per record when `count` given. */
    const withCpu = async (fn) => {
      const before = {
        serve: serve ? procStat(serve.pid) : NaN,
        emu: procStat(emulator.pid),
        self: process.cpuUsage(),
      };
      const r = await fn();
      const self = process.cpuUsage(before.self);
      r.cpuMs = {
        serve: serve ? procStat(serve.pid) - before.serve : 0,
        emulator: procStat(emulator.pid) - before.emu,
        client: (self.user + self.system) / 1000,
      };
      return r;
    };
    const wantABC = ['a', 'b', 'c'].some((x) => opts.only.has(x));
    if (wantABC) {
      serve = await startServe('abc');
      const token = JSON.parse(fs.readFileSync(path.join(serveDir, 'bootstrap-tokens.json'), 'utf8')).ingest
        .token;

      const rounds = { a: [], b: [], c: [] };
      let bucket;
      let client;
      let agent;
      for (let round = 1; round <= opts.rounds; round++) {
        const tag = (x) => `${x}${run}R${round}`;
        const label = (x) => (opts.rounds > 1 ? `${x} round ${round}/${opts.rounds}` : x);
        if (opts.only.has('a')) {
          if (!client) {
            bucket = `bench-raw-${run}`;
            await rawOssClient(emulator.url).putBucket(bucket);
            client = rawOssClient(emulator.url, bucket);
          }
          if (opts.warmup)
            await closedLoop(
              label('(a) warm-up'),
              opts.warmup,
              opts.concurrency,
              rawPutOp(client, canonicalBytes, tag('AW')),
            );
          execFileSync('sync');
          const r = await withCpu(() =>
            closedLoop(
              label('(a) raw put'),
              opts.records,
              opts.concurrency,
              rawPutOp(client, canonicalBytes, tag('A')),
            ),
          );
          rounds.a.push(r);
          log(`${label('(a)')}: ${fmt(r.rate)} records/s`);
        }
        if (opts.only.has('b')) {
          agent ??= new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
          if (opts.warmup)
            await closedLoop(
              label('(b) warm-up'),
              opts.warmup,
              opts.concurrency,
              singleOp(serve.url, token, agent, tag('BW')),
            );
          execFileSync('sync');
          const r = await withCpu(() =>
            closedLoop(
              label('(b) POST /v1/records'),
              opts.records,
              opts.concurrency,
              singleOp(serve.url, token, agent, tag('B')),
            ),
          );
          rounds.b.push(r);
          log(`${label('(b)')}: ${fmt(r.rate)} records/s`);
        }
        if (opts.only.has('c')) {
          if (opts.warmup) await batchRun(label('(c) warm-up'), serve.url, token, tag('CW'), opts.warmup, 1);
          execFileSync('sync');
          const r = await withCpu(() =>
            batchRun(label('(c) POST /v1/batches'), serve.url, token, tag('C'), opts.records, opts.batches),
          );
          rounds.c.push(r);
          log(`${label('(c)')}: ${fmt(r.rate)} records/s`);
        }
      }
      agent?.destroy();
      for (const k of ['a', 'b', 'c']) if (rounds[k].length) m[k] = medianRound(rounds[k], rounds.a);
      await stopChild(serve);
      serve = undefined;
    }

    if (opts.only.has('d') && opts.bigLines > 0) {
      serve = await startServe('d');
      const token = JSON.parse(fs.readFileSync(path.join(serveDir, 'bootstrap-tokens.json'), 'utf8')).ingest
        .token;
      const sampler = rssSampler(serve.pid);
      const startRss = procStatus(serve.pid).rss;
      const trajectory = [];
      const r = await withCpu(() =>
        batchRun(
          `(d) ${fmt(opts.bigLines)}-line batch`,
          serve.url,
          token,
          `D${run}`,
          opts.bigLines,
          1,
          (lines, _tenth, seconds) => {
            const { rss, hwm } = procStatus(serve.pid);
            trajectory.push({ lines, rss, hwm, seconds: +seconds.toFixed(1) });
          },
        ),
      );
      Object.assign(r, sampler.stop(), { startRss, trajectory });
      m.d = r;
      log(`(d) peak RSS ${fmt(MB(r.hwm))} MB, ${fmt(r.rate)} records/s`);
      await stopChild(serve);
      serve = undefined;
    }

    if (opts.only.has('e') && opts.docBytes > 0) {
      serve = await startServe('e');
      const token = JSON.parse(fs.readFileSync(path.join(serveDir, 'bootstrap-tokens.json'), 'utf8')).ingest
        .token;
      const sampler = rssSampler(serve.pid);
      const startRss = procStatus(serve.pid).rss;
      const r = await withCpu(() => documentRun(serve.url, token, opts.docBytes));
      Object.assign(r, sampler.stop(), { startRss });
      m.e = r;
      log(`(e) peak RSS ${fmt(MB(r.hwm))} MB, ${fmt(r.mibPerS, 1)} MiB/s`);
      await stopChild(serve);
      serve = undefined;
    }
    results.env.loadavgEnd = os.loadavg().map((x) => +x.toFixed(2));
    results.env.serveRuns = serveRuns;
    report(results, opts);
    if (opts.json) {
      fs.writeFileSync(opts.json, JSON.stringify(results, null, 2) + '\n');
      log(`JSON written to ${opts.json}`);
    }
  } finally {
    await cleanup();
  }
}

/**
 * The median round of a measurement (by records/s), with every round kept; `ratio` is the median
 * of the per-round ratios to (a)'s round of the same number.
 */
function medianRound(list, aList) {
  const median = (xs) => {
    const v = xs.slice().sort((x, y) => x - y);
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const sorted = list.slice().sort((x, y) => x.rate - y.rate);
  const pick = sorted[Math.floor((sorted.length - 1) / 2)];
  const out = {
    ...pick,
    rounds: list.map((r) => ({ rate: r.rate, seconds: r.seconds, cpuMs: r.cpuMs, errors: r.errors })),
  };
  if (aList.length === list.length) out.ratio = median(list.map((r, i) => r.rate / aList[i].rate));
  out.errors = list.reduce((n, r) => n + (r.errors || 0), 0);
  out.incomplete = list.reduce((n, r) => n + (r.incomplete || 0), 0);
  return out;
}

function report(results, opts) {
  const m = results.measurements;
  const e = results.env;
  const out = [];
  const ratio = (x) => (x && x.ratio !== undefined ? x.ratio : undefined);
  const verdict = (value, ok) => (value === undefined ? '' : ok ? 'met' : 'MISSED');
  const perRec = (r, k) => (r && r.cpuMs ? fmt((r.cpuMs[k] / r.count) * 1000) : '-');
  out.push(
    `strongroom ingest benchmark: ${results.date}, node ${e.node}, ${e.cpus} CPU(s) (${e.cpuModel}), load ${e.loadavgStart.join(' ')} -> ${(e.loadavgEnd || []).join(' ')}`,
  );
  out.push(
    `emulator, serve (${opts.databaseUrl ? 'PostgreSQL' : `SQLite catalog on the ${opts.catalogThread === 'worker' ? 'worker' : 'serving'} thread`}, profile local) and this client in three processes; ${fmt(opts.records)} records per row ` +
      `(trades, ~300 B canonical), warm-up ${fmt(opts.warmup)}` +
      (opts.rounds > 1
        ? `; median of ${opts.rounds} interleaved rounds (ratios: median of per-round ratios)`
        : ''),
  );
  out.push('');
  const rows = [
    [
      '#',
      'measurement',
      'records',
      'seconds',
      'records/s',
      'vs (a)',
      'goal',
      '',
      'CPU us/rec serve',
      'emulator',
      'client',
    ],
  ];
  if (m.a)
    rows.push([
      'a',
      `raw ali-oss put, concurrency ${opts.concurrency}`,
      fmt(m.a.count),
      fmt(m.a.seconds, 1),
      fmt(m.a.rate),
      '1.00',
      '',
      '',
      perRec(m.a, 'serve'),
      perRec(m.a, 'emulator'),
      perRec(m.a, 'client'),
    ]);
  if (m.b) {
    const r = ratio(m.b);
    rows.push([
      'b',
      `POST /v1/records, ${opts.concurrency} clients`,
      fmt(m.b.count),
      fmt(m.b.seconds, 1),
      fmt(m.b.rate),
      fmt(r, 2),
      '>= 0.70',
      verdict(r, r >= 0.7),
      perRec(m.b, 'serve'),
      perRec(m.b, 'emulator'),
      perRec(m.b, 'client'),
    ]);
  }
  if (m.c) {
    const r = ratio(m.c);
    rows.push([
      'c',
      `POST /v1/batches, ${opts.batches} x ${fmt(Math.ceil(opts.records / opts.batches))} lines`,
      fmt(m.c.count),
      fmt(m.c.seconds, 1),
      fmt(m.c.rate),
      fmt(r, 2),
      '>= 0.85',
      verdict(r, r >= 0.85),
      perRec(m.c, 'serve'),
      perRec(m.c, 'emulator'),
      perRec(m.c, 'client'),
    ]);
  }
  if (rows.length > 1) out.push(table(rows));
  const big = [
    [
      '#',
      'measurement',
      'size',
      'seconds',
      'rate',
      'serve peak RSS (VmHWM)',
      'max sampled VmRSS',
      'RSS at start',
      'goal',
      '',
    ],
  ];
  if (m.d) {
    big.push([
      'd',
      'POST /v1/batches, one batch',
      `${fmt(m.d.count)} lines`,
      fmt(m.d.seconds, 1),
      `${fmt(m.d.rate)} records/s`,
      `${fmt(MB(m.d.hwm))} MB`,
      `${fmt(MB(m.d.maxRss))} MB`,
      `${fmt(MB(m.d.startRss))} MB`,
      '< 300 MB',
      verdict(m.d.hwm, m.d.hwm < 300e6 && !m.d.errors && !m.d.incomplete),
    ]);
  }
  if (m.e) {
    big.push([
      'e',
      'POST /v1/documents, raw body',
      `${fmt(m.e.bytes / 1024 ** 2)} MiB`,
      fmt(m.e.seconds, 1),
      `${fmt(m.e.mibPerS, 1)} MiB/s`,
      `${fmt(MB(m.e.hwm))} MB`,
      `${fmt(MB(m.e.maxRss))} MB`,
      `${fmt(MB(m.e.startRss))} MB`,
      '< 300 MB',
      verdict(m.e.hwm, m.e.hwm < 300e6),
    ]);
  }
  if (big.length > 1) {
    out.push('');
    out.push(table(big));
  }
  if (m.d && m.d.trajectory && m.d.trajectory.length) {
    out.push(
      `(d) serve VmRSS after each tenth of the lines: ${m.d.trajectory.map((t) => `${fmt(MB(t.rss))}`).join(', ')} MB`,
    );
  }
  const errs = ['a', 'b', 'c', 'd'].filter((k) => m[k] && (m[k].errors || m[k].incomplete));
  if (errs.length) out.push(`\nerrors in ${errs.join(', ')}: see the JSON / stderr`);
  process.stdout.write(out.join('\n') + '\n');
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length)));
  const numeric = (s) => /^[-\d.,>=< ]+( MB| MiB| lines| records\/s| MiB\/s)?$/.test(s) && s !== '';
  const line = (r, head) =>
    r
      .map((cell, c) => {
        const s = String(cell ?? '');
        return !head && numeric(s) ? s.padStart(widths[c]) : s.padEnd(widths[c]);
      })
      .join('  ')
      .trimEnd();
  return [
    line(rows[0], true),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map((r) => line(r, false)),
  ].join('\n');
}

main().catch((err) => {
  process.stderr.write(`bench: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
