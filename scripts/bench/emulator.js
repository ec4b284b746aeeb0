#!/usr/bin/env node
'use strict';
/*
 * Emulator benchmark: strongroom's OSS emulator against two popular local storage emulators from
 * npm, under the same load, side by side in one run.
 *
 *   npm run build && (cd scripts/bench/peers && npm ci) && node scripts/bench/emulator.js [options]
 *
 *   --duration-s N        measured seconds per cell (default 5)
 *   --warmup-s N          unmeasured warm-up seconds before each cell (default 1)
 *   --json FILE           write every number, the clients' integrity headers and the environment
 *   --targets LIST        comma list among strongroom,strongroom-v4,s3rver,azurite (default: all)
 *   --sizes LIST          object sizes, e.g. 1KiB,1MiB (default); accepts 4KiB, 16MiB, 1024...
 *   --concurrency LIST    e.g. 1,32 (default)
 *   --ops LIST            put,get (default)
 *   --cpu-prof DIR        run strongroom's emulator under `node --cpu-prof` and write the
 *                         .cpuprofile into DIR (summarise it with scripts/bench/profile-summary.js)
 *   --dist DIR            the compiled project to load our emulator from (default: dist/); e.g. a
 *                         private build: npx tsc -p tsconfig.build.json --outDir .bench-tmp/dist
 *   --tmp-dir DIR         where the servers' fresh data directories go (default: the OS temp dir)
 *   --rounds N            run the whole interleaved sequence N times and report each cell's
 *                         median round (default 1; use 3 on a noisy machine)
 *   --keep-data           leave the data directories behind
 *   --no-install          do not run `npm ci` in scripts/bench/peers when the peers are missing
 *
 * Targets:
 *   strongroom     our emulator (dist/emulator) driven by ali-oss with V1 signatures (its default)
 *   strongroom-v4  the same emulator process driven by ali-oss with `authorizationV4: true`
 *   s3rver         s3rver driven by @aws-sdk/client-s3 (SigV4, path style)
 *   azurite        azurite's blob service driven by @azure/storage-blob (SharedKey)
 *
 * Fairness rules (also in scripts/bench/README.md):
 *   - Every server runs in its own child process (never in the benchmark's process), bound to
 *     127.0.0.1 on a free port picked at run time, with its data on disk in a fresh temp dir:
 *     s3rver with --directory, azurite with its default disk persistence (--location, plus
 *     --loose --skipApiVersionCheck --disableTelemetry), ours with its dataDir. Request logging
 *     is off for all three (s3rver --silent, azurite --silent, ours at log level warn).
 *   - The clients run in the benchmark's process, one at a time; only one cell runs at any moment.
 *   - Same object sizes, same concurrency, same fixed duration per cell, and a warm-up of the
 *     same operation before each measured cell. Cells are interleaved (each cell runs on every
 *     target back to back) so that drift over the run hits all targets alike, and `sync` runs
 *     between cells so that one cell's dirty pages are not flushed on the next one's time.
 *   - Closed loop: N workers each issue one request, wait for the full answer, issue the next.
 *   - Every PUT writes a new key (ours with x-oss-forbid-overwrite: true, create-only, as the
 *     archive writes) from a Buffer. GETs read random keys among those written for that size and
 *     read the full body the same way for all three clients: the response stream, consumed to
 *     the end, bytes counted and checked against the size (ali-oss getStream, S3 Body, Azure
 *     readableStreamBody).
 *   - Every client gets its own keep-alive http.Agent (maxSockets 64, enough for concurrency 32);
 *     client retries are off (ali-oss never retries by default, S3 maxAttempts 1, Azure maxTries 1).
 *   - Each client keeps its own default integrity behaviour (ali-oss sends Content-MD5 for a
 *     buffer; what each client really sends is captured from the first requests and printed).
 *   - Recorded per cell: ops/s, MiB/s, latency p50/p90/p99/max, errors, and the server process's
 *     CPU time per operation (from /proc, Linux only): that last one does not depend on how much
 *     CPU the client library burns in the shared benchmark process.
 *   - Progress goes to stderr, the tables to stdout.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const net = require('node:net');
const crypto = require('node:crypto');
const { spawn, execFileSync, spawnSync } = require('node:child_process');
const { setTimeout, clearTimeout } = require('node:timers');

const ROOT = path.resolve(__dirname, '..', '..');
const PEERS = path.join(__dirname, 'peers');
const BUCKET = 'bench';
const OSS_ID = 'BENCHKEYID0000000000';
const OSS_SECRET = 'bench-secret-0000000000000000000000';
const AZURITE_ACCOUNT = 'devstoreaccount1';
// Azurite's well-known development key (public, documented by Microsoft).
const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const PEER_PACKAGES = ['s3rver', '@aws-sdk/client-s3', 'azurite', '@azure/storage-blob'];
const ALL_TARGETS = ['strongroom', 'strongroom-v4', 's3rver', 'azurite'];
const MAX_SOCKETS = 64;
const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat times are in these ticks

// ---------------------------------------------------------------------------------------------
// options

function usage(msg) {
  if (msg) process.stderr.write(`bench: ${msg}\n`);
  process.stderr.write(
    'usage: node scripts/bench/emulator.js [--duration-s 5] [--warmup-s 1] [--json FILE]\n' +
      '         [--targets strongroom,strongroom-v4,s3rver,azurite] [--sizes 1KiB,1MiB]\n' +
      '         [--concurrency 1,32] [--ops put,get] [--cpu-prof DIR] [--tmp-dir DIR]\n' +
      '         [--dist DIR] [--rounds 1] [--keep-data] [--no-install]\n',
  );
  process.exit(msg ? 2 : 0);
}

function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib)?$/i.exec(s.trim());
  if (!m) usage(`bad size ${s}`);
  const unit = (m[2] || 'b').toLowerCase();
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return Math.round(Number(m[1]) * mult);
}

function sizeLabel(n) {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

function parseArgs(argv) {
  const o = {
    durationS: 5,
    warmupS: 1,
    json: null,
    targets: ALL_TARGETS.slice(),
    sizes: [1024, 1024 * 1024],
    concurrency: [1, 32],
    ops: ['put', 'get'],
    cpuProf: null,
    tmpDir: os.tmpdir(),
    keepData: false,
    rounds: 1,
    dist: path.join(ROOT, 'dist'),
    install: true,
  };
  const list = (v) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--duration-s':
        o.durationS = Number(next());
        break;
      case '--warmup-s':
        o.warmupS = Number(next());
        break;
      case '--json':
        o.json = path.resolve(next());
        break;
      case '--targets':
        o.targets = list(next());
        break;
      case '--sizes':
        o.sizes = list(next()).map(parseSize);
        break;
      case '--concurrency':
        o.concurrency = list(next()).map(Number);
        break;
      case '--ops':
        o.ops = list(next());
        break;
      case '--cpu-prof':
        o.cpuProf = path.resolve(next());
        break;
      case '--tmp-dir':
        o.tmpDir = path.resolve(next());
        break;
      case '--dist':
        o.dist = path.resolve(next());
        break;
      case '--rounds':
        o.rounds = Number(next());
        break;
      case '--keep-data':
        o.keepData = true;
        break;
      case '--no-install':
        o.install = false;
        break;
      case '-h':
      case '--help':
        usage();
        break;
      default:
        usage(`unknown option ${a}`);
    }
  }
  if (!(o.durationS > 0)) usage('--duration-s must be > 0');
  if (!(o.warmupS >= 0)) usage('--warmup-s must be >= 0');
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) usage('--rounds must be an integer >= 1');
  for (const t of o.targets) if (!ALL_TARGETS.includes(t)) usage(`unknown target ${t}`);
  for (const op of o.ops) if (op !== 'put' && op !== 'get') usage(`unknown op ${op}`);
  for (const c of o.concurrency)
    if (!(Number.isInteger(c) && c >= 1 && c <= MAX_SOCKETS)) usage(`bad concurrency ${c}`);
  if (o.sizes.some((s) => !(s >= 1))) usage('sizes must be >= 1 byte');
  return o;
}

// ---------------------------------------------------------------------------------------------
// small helpers

const log = (msg) => process.stderr.write(`${msg}\n`);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function peerRequire(name) {
  return require(require.resolve(name, { paths: [PEERS] }));
}

function ensurePeers(opts) {
  const missing = () =>
    PEER_PACKAGES.filter((p) => {
      try {
        require.resolve(`${p}/package.json`, { paths: [PEERS] });
        return false;
      } catch {
        return true;
      }
    });
  let m = missing();
  if (m.length === 0) return;
  if (!opts.install) {
    log(`bench: peers not installed (${m.join(', ')}): run \`cd scripts/bench/peers && npm ci\``);
    process.exit(1);
  }
  log(`bench: peers not installed (${m.join(', ')}); running \`npm ci\` in scripts/bench/peers`);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEERS, stdio: ['ignore', 2, 2] });
  m = missing();
  if (r.status !== 0 || m.length) {
    log(
      `bench: \`npm ci\` in scripts/bench/peers failed; install it by hand: cd scripts/bench/peers && npm ci`,
    );
    process.exit(1);
  }
}

function pkgVersion(name, base) {
  try {
    return require(require.resolve(`${name}/package.json`, { paths: [base] })).version;
  } catch {
    return null;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** CPU seconds (user+system, all threads) a process has used so far; null off Linux. */
function procCpuS(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

function fsTypeOf(dir) {
  try {
    const mounts = fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f.length > 2);
    const real = fs.realpathSync(dir);
    let best = null;
    for (const [, mnt, type] of mounts) {
      if (
        (real === mnt || real.startsWith(mnt.endsWith('/') ? mnt : mnt + '/')) &&
        (!best || mnt.length > best.mnt.length)
      ) {
        best = { mnt, type };
      }
    }
    return best ? best.type : null;
  } catch {
    return null;
  }
}

function gitDescribe() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (src/ has uncommitted changes)` : head;
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

/**
 * A keep-alive agent that also counts the sockets it opens and captures the headers of the first
 * request of each method, so the report can say what each client really sends.
 */
class BenchAgent extends http.Agent {
  constructor() {
    super({ keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_SOCKETS });
    this.socketsOpened = 0;
    this.captured = {};
  }
  createConnection(options, cb) {
    this.socketsOpened++;
    return super.createConnection(options, cb);
  }
  addRequest(req, options) {
    if (!this.captured[req.method]) {
      const h = {};
      for (const name of req.getHeaderNames()) h[name] = String(req.getHeader(name));
      this.captured[req.method] = { path: req.path, headers: h };
    }
    return super.addRequest(req, options);
  }
}

// ---------------------------------------------------------------------------------------------
// servers (each in its own child process)

class ChildServer {
  constructor(name, logDir) {
    this.name = name;
    this.logFile = path.join(logDir, `${name}.log`);
    this.proc = null;
    this.exited = null;
  }

  spawn(args, opts = {}) {
    const out = fs.openSync(this.logFile, 'a');
    this.proc = spawn(process.execPath, args, {
      cwd: opts.cwd || ROOT,
      stdio: ['pipe', opts.captureStdout ? 'pipe' : out, out],
      env: { ...process.env, ...(opts.env || {}) },
    });
    fs.closeSync(out);
    this.exitPromise = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve(this.exited);
      });
    });
    return this.proc;
  }

  logTail() {
    try {
      const t = fs.readFileSync(this.logFile, 'utf8');
      return t.length > 3000 ? '...' + t.slice(-3000) : t;
    } catch {
      return '';
    }
  }

  async waitForPort(port, timeoutMs = 60000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited)
        throw new Error(`${this.name} exited (${JSON.stringify(this.exited)}):\n${this.logTail()}`);
      if (await canConnect(port)) return;
      await sleep(100);
    }
    throw new Error(`${this.name} did not listen on ${port} within ${timeoutMs} ms:\n${this.logTail()}`);
  }

  cpuS() {
    return this.proc ? procCpuS(this.proc.pid) : null;
  }

  async stop() {
    if (!this.proc || this.exited) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => {
      if (!this.exited) this.proc.kill('SIGKILL');
    }, 15000);
    await this.exitPromise;
    clearTimeout(t);
  }
}

async function startStrongroom(dataDir, logDir, opts) {
  const port = await freePort();
  const srv = new ChildServer('strongroom', logDir);
  const nodeArgs = [];
  if (opts.cpuProf) {
    fs.mkdirSync(opts.cpuProf, { recursive: true });
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', opts.cpuProf);
  }
  const proc = srv.spawn(
    [
      ...nodeArgs,
      path.join(__dirname, 'run-emulator.js'),
      '--data',
      dataDir,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--access-key-id',
      OSS_ID,
      '--access-key-secret',
      OSS_SECRET,
      '--dist',
      opts.dist,
    ],
    { captureStdout: true },
  );
  const info = await new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        proc.stdout.off('data', onData);
        proc.stdout.resume(); // keep draining
        try {
          resolve(JSON.parse(buf.slice(0, nl)));
        } catch (e) {
          reject(new Error(`strongroom launcher printed ${buf.slice(0, nl)}: ${e.message}`));
        }
      }
    };
    proc.stdout.on('data', onData);
    srv.exitPromise.then(() => reject(new Error(`strongroom emulator exited:\n${srv.logTail()}`)));
    setTimeout(
      () => reject(new Error(`strongroom emulator did not start in 60 s:\n${srv.logTail()}`)),
      60000,
    ).unref();
  });
  srv.url = info.url;
  srv.region = info.region;
  return srv;
}

async function startS3rver(dataDir, logDir) {
  const port = await freePort();
  const srv = new ChildServer('s3rver', logDir);
  const bin = require.resolve('s3rver/bin/s3rver.js', { paths: [PEERS] });
  srv.spawn([bin, '--directory', dataDir, '--address', '127.0.0.1', '--port', String(port), '--silent']);
  await srv.waitForPort(port);
  srv.url = `http://127.0.0.1:${port}`;
  return srv;
}

async function startAzurite(dataDir, logDir) {
  const port = await freePort();
  const srv = new ChildServer('azurite', logDir);
  const bin = path.join(
    path.dirname(require.resolve('azurite/package.json', { paths: [PEERS] })),
    'dist',
    'src',
    'blob',
    'main.js',
  );
  srv.spawn(
    [
      bin,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      dataDir,
      '--loose',
      '--skipApiVersionCheck',
      '--silent',
      '--disableTelemetry',
    ],
    { cwd: dataDir },
  );
  await srv.waitForPort(port);
  srv.url = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return srv;
}

// ---------------------------------------------------------------------------------------------
// clients (in this process); each exposes setup(), put(key, body), get(key) -> bytes read

/**
 * Every client's GET reads the whole body the same way: its response stream, consumed to the end,
 * bytes counted (no client gets to skip the body, and none pays for assembling one big buffer).
 */
async function countBytes(stream) {
  let n = 0;
  for await (const chunk of stream) n += chunk.length;
  return n;
}

function aliOssClient(server, { v4 }) {
  const OSS = require(require.resolve('ali-oss', { paths: [ROOT] }));
  const agent = new BenchAgent();
  const options = {
    endpoint: server.url,
    sldEnable: true,
    accessKeyId: OSS_ID,
    accessKeySecret: OSS_SECRET,
    bucket: BUCKET,
    agent,
    timeout: 120000,
  };
  if (v4) {
    options.authorizationV4 = true;
    options.region = server.region
      ? String(server.region).startsWith('oss-')
        ? server.region
        : `oss-${server.region}`
      : 'oss-cn-hangzhou';
  }
  const client = new OSS(options);
  const putHeaders = { 'x-oss-forbid-overwrite': 'true' };
  return {
    agent,
    async setup() {
      try {
        await client.putBucket(BUCKET);
      } catch (err) {
        if (err.code !== 'BucketAlreadyExists') throw err;
      }
    },
    async put(key, body) {
      await client.put(key, body, { headers: putHeaders });
    },
    async get(key) {
      const r = await client.getStream(key);
      return countBytes(r.stream);
    },
  };
}

function s3Client(server) {
  const { S3Client, PutObjectCommand, GetObjectCommand, CreateBucketCommand } =
    peerRequire('@aws-sdk/client-s3');
  const { NodeHttpHandler } = require(
    require.resolve('@smithy/node-http-handler', {
      paths: [path.dirname(require.resolve('@aws-sdk/client-s3/package.json', { paths: [PEERS] }))],
    }),
  );
  const agent = new BenchAgent();
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: server.url,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: agent, requestTimeout: 120000 }),
  });
  return {
    agent,
    async setup() {
      try {
        await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
      } catch (err) {
        if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
      }
    },
    async put(key, body) {
      await client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentLength: body.length }),
      );
    },
    async get(key) {
      const r = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return countBytes(r.Body);
    },
  };
}

function azureClient(server) {
  const { BlobServiceClient, StorageSharedKeyCredential } = peerRequire('@azure/storage-blob');
  const agent = new BenchAgent();
  const cred = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const service = new BlobServiceClient(server.url, cred, {
    agent,
    keepAliveOptions: { enable: true },
    retryOptions: { maxTries: 1, tryTimeoutInMs: 120000 },
  });
  const container = service.getContainerClient(BUCKET);
  return {
    agent,
    async setup() {
      await container.createIfNotExists();
    },
    async put(key, body) {
      await container.getBlockBlobClient(key).upload(body, body.length);
    },
    async get(key) {
      const r = await container.getBlobClient(key).download(0);
      return countBytes(r.readableStreamBody);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// load

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/**
 * Closed loop: `concurrency` workers run `op(worker, seq)` back to back until `seconds` have
 * passed; an operation started before the deadline is always finished and counted.
 */
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
        if (ok === 0 && errors >= 20) break; // nothing works: don't spin
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsedS = (nowMs() - start) / 1000;
  return { latencies, ok, errors, firstError, elapsedS };
}

function errText(err) {
  if (!err) return null;
  const parts = [
    err.name,
    err.code,
    err.status || (err.$metadata && err.$metadata.httpStatusCode),
    err.message,
  ]
    .filter((x) => x !== undefined && x !== null && x !== '')
    .map(String);
  return parts.join(' ').slice(0, 300);
}

async function runCell(target, cell, opts, state) {
  const { op, size, concurrency } = cell;
  const body = state.bodies.get(size);
  const pool = target.pools.get(size) || [];
  target.pools.set(size, pool);
  let fn;
  if (op === 'put') {
    fn = async () => {
      const key = `o/${target.name}/${size}/${state.runId}-${target.keySeq++}`;
      await target.client.put(key, body);
      pool.push(key);
    };
  } else {
    if (pool.length < 64) {
      // not enough objects written by the PUT cells (e.g. --ops get): write some, unmeasured
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (pool.length < 64) {
            const key = `o/${target.name}/${size}/${state.runId}-${target.keySeq++}`;
            await target.client.put(key, body);
            pool.push(key);
          }
        }),
      );
    }
    fn = async () => {
      const key = pool[Math.floor(Math.random() * pool.length)];
      const n = await target.client.get(key);
      if (n !== size) throw new Error(`GET ${key}: read ${n} bytes, expected ${size}`);
    };
  }
  if (opts.warmupS > 0) await loop(concurrency, opts.warmupS, fn);
  const cpu0 = target.server.cpuS();
  const clientCpu0 = process.cpuUsage();
  const sockets0 = target.client.agent.socketsOpened;
  const r = await loop(concurrency, opts.durationS, fn);
  const cpu1 = target.server.cpuS();
  const clientCpu = process.cpuUsage(clientCpu0);
  const socketsOpened = target.client.agent.socketsOpened - sockets0;
  r.latencies.sort((a, b) => a - b);
  const opsPerSec = r.ok / r.elapsedS;
  return {
    target: target.name,
    op,
    size,
    concurrency,
    ops: r.ok,
    errors: r.errors,
    firstError: errText(r.firstError),
    seconds: Number(r.elapsedS.toFixed(3)),
    opsPerSec,
    mibPerSec: (opsPerSec * size) / (1024 * 1024),
    p50Ms: percentile(r.latencies, 50),
    p90Ms: percentile(r.latencies, 90),
    p99Ms: percentile(r.latencies, 99),
    maxMs: r.latencies.length ? r.latencies[r.latencies.length - 1] : null,
    serverCpuS: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
    serverCpuUsPerOp: cpu0 === null || cpu1 === null || r.ok === 0 ? null : ((cpu1 - cpu0) * 1e6) / r.ok,
    clientCpuUsPerOp: r.ok === 0 ? null : (clientCpu.user + clientCpu.system) / r.ok,
    // new connections during the measured window (0 or close to it when keep-alive works)
    socketsOpened,
  };
}

// ---------------------------------------------------------------------------------------------
// report

function fmtNum(x, digits) {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (digits !== undefined) return x.toFixed(digits);
  if (x >= 1000) return Math.round(x).toString();
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => {
        const s = String(c);
        return align && align[i] === 'l' ? s.padEnd(widths[i]) : s.padStart(widths[i]);
      })
      .join('  ')
      .replace(/\s+$/, '');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function ratio(a, b) {
  if (!a || !b) return '-';
  return `${(a.opsPerSec / b.opsPerSec).toFixed(2)}x`;
}

function report(results, opts, targets) {
  const cells = [];
  for (const size of opts.sizes)
    for (const op of opts.ops)
      for (const concurrency of opts.concurrency) cells.push({ op, size, concurrency });
  const find = (t, c) =>
    results.find(
      (r) => r.target === t && r.op === c.op && r.size === c.size && r.concurrency === c.concurrency,
    );
  const has = (t) => targets.includes(t);
  const out = [];

  // 1. throughput and ratios
  {
    const headers = ['op', 'size', 'conc'];
    const shown = ['strongroom', 's3rver', 'azurite', 'strongroom-v4'].filter(has);
    for (const t of shown) headers.push(`${t} ops/s`);
    if (has('strongroom') && has('s3rver')) headers.push('strongroom/s3rver');
    if (has('strongroom') && has('azurite')) headers.push('strongroom/azurite');
    const rows = cells.map((c) => {
      const row = [c.op.toUpperCase(), sizeLabel(c.size), String(c.concurrency)];
      for (const t of shown) {
        const r = find(t, c);
        row.push(r ? fmtNum(r.opsPerSec) + (r.errors ? ` (${r.errors} err)` : '') : '-');
      }
      if (has('strongroom') && has('s3rver')) row.push(ratio(find('strongroom', c), find('s3rver', c)));
      if (has('strongroom') && has('azurite')) row.push(ratio(find('strongroom', c), find('azurite', c)));
      return row;
    });
    out.push('Throughput (operations per second; ratio > 1 means strongroom is faster)');
    out.push(table(headers, rows, ['l', 'l']));
  }

  // 2. MiB/s and latency per target
  {
    const headers = ['op', 'size', 'conc'];
    for (const t of targets) headers.push(`${t} MiB/s`, `${t} p50/p99 ms`);
    const rows = cells.map((c) => {
      const row = [c.op.toUpperCase(), sizeLabel(c.size), String(c.concurrency)];
      for (const t of targets) {
        const r = find(t, c);
        row.push(r ? fmtNum(r.mibPerSec) : '-', r ? `${fmtNum(r.p50Ms)}/${fmtNum(r.p99Ms)}` : '-');
      }
      return row;
    });
    out.push('');
    out.push('Bandwidth (MiB/s) and latency (p50/p99, milliseconds)');
    out.push(table(headers, rows, ['l', 'l']));
  }

  // 3. server CPU per operation
  if (results.some((r) => r.serverCpuUsPerOp !== null)) {
    const headers = ['op', 'size', 'conc'];
    for (const t of targets) headers.push(`${t} srv/cli`);
    const rows = cells.map((c) => {
      const row = [c.op.toUpperCase(), sizeLabel(c.size), String(c.concurrency)];
      for (const t of targets) {
        const r = find(t, c);
        row.push(r ? `${fmtNum(r.serverCpuUsPerOp, 0)}/${fmtNum(r.clientCpuUsPerOp, 0)}` : '-');
      }
      return row;
    });
    out.push('');
    out.push('CPU per operation (microseconds: server process / client library in the bench process)');
    out.push(table(headers, rows, ['l', 'l']));
  }
  const errs = results.filter((r) => r.errors);
  if (errs.length) {
    out.push('');
    out.push('Errors:');
    for (const r of errs)
      out.push(`  ${r.target} ${r.op} ${sizeLabel(r.size)} c${r.concurrency}: ${r.errors} x ${r.firstError}`);
  }
  return out.join('\n');
}

const INTEGRITY =
  /^(content-md5|x-amz-checksum-.*|x-amz-sdk-checksum-algorithm|x-amz-content-sha256|x-amz-decoded-content-length|x-ms-content-md5|x-ms-content-crc64|x-ms-blob-content-md5|x-oss-content-sha256|content-encoding|transfer-encoding|content-length|expect)$/;

function describeClientHeaders(captured) {
  const out = {};
  for (const [method, { headers }] of Object.entries(captured)) {
    const integrity = {};
    for (const [k, v] of Object.entries(headers))
      if (INTEGRITY.test(k)) integrity[k] = v.length > 70 ? v.slice(0, 67) + '...' : v;
    const auth = headers.authorization ? headers.authorization.split(/[ :]/)[0] : '(none)';
    out[method] = { auth, integrity, headerNames: Object.keys(headers).sort() };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const wantsOurs = opts.targets.some((t) => t.startsWith('strongroom'));
  const wantsPeers = opts.targets.some((t) => !t.startsWith('strongroom'));
  if (wantsOurs && !fs.existsSync(path.join(opts.dist, 'emulator', 'index.js'))) {
    log(
      `bench: ${path.join(opts.dist, 'emulator', 'index.js')} is missing: build first (\`npm run build\`), ` +
        'or leave our emulator out with --targets s3rver,azurite',
    );
    process.exit(1);
  }
  if (wantsPeers) ensurePeers(opts);

  const runId = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
  fs.mkdirSync(opts.tmpDir, { recursive: true });
  const base = fs.mkdtempSync(path.join(opts.tmpDir, 'strongroom-bench-'));
  const logDir = path.join(base, 'logs');
  fs.mkdirSync(logDir);
  const started = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await Promise.all(started.map((s) => s.stop().catch(() => {})));
    if (!opts.keepData) fs.rmSync(base, { recursive: true, force: true });
    else log(`bench: data and server logs kept in ${base}`);
  };
  const onSignal = (sig) => {
    log(`bench: ${sig}, stopping servers`);
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const cells = [];
  for (const size of opts.sizes)
    for (const op of opts.ops)
      for (const concurrency of opts.concurrency) cells.push({ op, size, concurrency });
  const totalS = opts.rounds * cells.length * opts.targets.length * (opts.durationS + opts.warmupS);
  log(
    `bench: ${cells.length} cells x ${opts.targets.length} targets, ${opts.warmupS}+${opts.durationS} s each ` +
      `(about ${Math.ceil(totalS / 60)} min of load); data under ${base} (${fsTypeOf(base) || 'unknown fs'})`,
  );

  const env = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0] ? os.cpus()[0].model : null,
    totalMemGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    loadAvgAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    dataFs: fsTypeOf(base),
    gitCommit: gitDescribe(),
    emulatorDist: opts.dist,
    versions: {
      'ali-oss': pkgVersion('ali-oss', ROOT),
      strongroom:
        pkgVersion('strongroom', path.join(ROOT, 'node_modules')) ||
        require(path.join(ROOT, 'package.json')).version,
      s3rver: pkgVersion('s3rver', PEERS),
      '@aws-sdk/client-s3': pkgVersion('@aws-sdk/client-s3', PEERS),
      azurite: pkgVersion('azurite', PEERS),
      '@azure/storage-blob': pkgVersion('@azure/storage-blob', PEERS),
    },
  };

  const results = [];
  const targets = [];
  try {
    // servers: our emulator once (both of its rows talk to the same process), each peer once
    let ours = null;
    for (const name of opts.targets) {
      let server;
      if (name.startsWith('strongroom')) {
        if (!ours) {
          log('bench: starting strongroom emulator');
          ours = await startStrongroom(path.join(base, 'strongroom'), logDir, opts);
          started.push(ours);
        }
        server = ours;
      } else if (name === 's3rver') {
        log('bench: starting s3rver');
        fs.mkdirSync(path.join(base, 's3rver'));
        server = await startS3rver(path.join(base, 's3rver'), logDir);
        started.push(server);
      } else {
        log('bench: starting azurite');
        fs.mkdirSync(path.join(base, 'azurite'));
        server = await startAzurite(path.join(base, 'azurite'), logDir);
        started.push(server);
      }
      const client =
        name === 'strongroom'
          ? aliOssClient(server, { v4: false })
          : name === 'strongroom-v4'
            ? aliOssClient(server, { v4: true })
            : name === 's3rver'
              ? s3Client(server)
              : azureClient(server);
      await client.setup();
      client.agent.captured = {}; // capture the benchmark's own requests, not the bucket creation
      targets.push({ name, server, client, pools: new Map(), keySeq: 0 });
      log(`bench:   ${name} at ${server.url} (pid ${server.proc.pid})`);
    }

    const state = { runId, bodies: new Map() };
    for (const size of opts.sizes) state.bodies.set(size, crypto.randomBytes(size));

    let n = 0;
    const total = opts.rounds * cells.length * targets.length;
    const allRounds = [];
    for (let round = 1; round <= opts.rounds; round++) {
      for (const cell of cells) {
        for (const target of targets) {
          n++;
          syncDisks();
          const label = `${target.name} ${cell.op.toUpperCase()} ${sizeLabel(cell.size)} c${cell.concurrency}`;
          process.stderr.write(`[${String(n).padStart(String(total).length)}/${total}] ${label.padEnd(34)} `);
          const r = await runCell(target, cell, opts, state);
          r.round = round;
          allRounds.push(r);
          process.stderr.write(
            `${fmtNum(r.opsPerSec).padStart(7)} ops/s ${fmtNum(r.mibPerSec).padStart(7)} MiB/s ` +
              `p50 ${fmtNum(r.p50Ms)} p99 ${fmtNum(r.p99Ms)} ms` +
              (r.errors ? `  ${r.errors} errors: ${r.firstError}` : '') +
              '\n',
          );
          if (target.server.exited)
            throw new Error(`${target.server.name} died:\n${target.server.logTail()}`);
        }
      }
    }
    // with several rounds, each cell reports its median round (by ops/s), whole
    for (const cell of cells) {
      for (const target of targets) {
        const rs = allRounds
          .filter(
            (r) =>
              r.target === target.name &&
              r.op === cell.op &&
              r.size === cell.size &&
              r.concurrency === cell.concurrency,
          )
          .sort((a, b) => a.opsPerSec - b.opsPerSec);
        const median = { ...rs[Math.floor((rs.length - 1) / 2)] };
        if (rs.length > 1) median.roundsOpsPerSec = rs.map((r) => r.opsPerSec);
        results.push(median);
      }
    }

    const clients = {};
    for (const t of targets) {
      clients[t.name] = {
        socketsOpenedTotal: t.client.agent.socketsOpened,
        maxSocketsOpenedInAMeasuredWindow: Math.max(
          0,
          ...results.filter((r) => r.target === t.name).map((r) => r.socketsOpened),
        ),
        requests: describeClientHeaders(t.client.agent.captured),
      };
    }

    const names = targets.map((t) => t.name);
    process.stdout.write(
      `\nstrongroom emulator benchmark, ${env.date}, node ${env.node}, ${env.cpus} CPUs (${env.cpuModel}), ` +
        `load ${env.loadAvgAtStart.join(' ')} at start, data on ${env.dataFs || '?'}; ` +
        `${opts.warmupS} s warm-up + ${opts.durationS} s per cell` +
        (opts.rounds > 1 ? `, median of ${opts.rounds} rounds` : '') +
        '\n\n',
    );
    process.stdout.write(report(results, opts, names) + '\n\n');
    process.stdout.write(
      'What each client sends on PUT (integrity headers; most sockets opened in one measured window):\n',
    );
    for (const [name, c] of Object.entries(clients)) {
      const put = c.requests.PUT;
      const integ = put
        ? Object.entries(put.integrity)
            .map(([k, v]) => `${k}: ${v}`)
            .join('; ')
        : '?';
      process.stdout.write(
        `  ${name.padEnd(14)} auth ${put ? put.auth : '?'}; ${integ}; sockets ${c.maxSocketsOpenedInAMeasuredWindow}\n`,
      );
    }

    if (opts.json) {
      const ratios = [];
      for (const cell of cells) {
        const f = (t) =>
          results.find(
            (r) =>
              r.target === t &&
              r.op === cell.op &&
              r.size === cell.size &&
              r.concurrency === cell.concurrency,
          );
        const ours1 = f('strongroom');
        const entry = { ...cell };
        for (const peer of ['s3rver', 'azurite']) {
          const p = f(peer);
          if (ours1 && p) entry[`strongroom/${peer}`] = ours1.opsPerSec / p.opsPerSec;
          const v4 = f('strongroom-v4');
          if (v4 && p) entry[`strongroom-v4/${peer}`] = v4.opsPerSec / p.opsPerSec;
        }
        ratios.push(entry);
      }
      const doc = {
        env,
        config: {
          durationS: opts.durationS,
          warmupS: opts.warmupS,
          rounds: opts.rounds,
          sizes: opts.sizes,
          concurrency: opts.concurrency,
          ops: opts.ops,
          targets: names,
          maxSockets: MAX_SOCKETS,
          cpuProf: opts.cpuProf,
        },
        results,
        ...(opts.rounds > 1 ? { allRounds } : {}),
        ratios,
        clients,
      };
      fs.writeFileSync(opts.json, JSON.stringify(doc, null, 2) + '\n');
      log(`bench: wrote ${opts.json}`);
    }
  } finally {
    await cleanup();
  }
  if (opts.cpuProf)
    log(
      `bench: CPU profile(s) in ${opts.cpuProf}; summarise: node scripts/bench/profile-summary.js ${opts.cpuProf}/*.cpuprofile`,
    );
}

main().catch((err) => {
  log(`bench: ${err && err.stack ? err.stack : err}`);
  process.exitCode = 1;
});
