#!/usr/bin/env node
'use strict';
/*
 * Ledger benchmark (src/ledger), each row against a floor measured in the same run:
 *
 *   npm run build && node scripts/bench/ledger.js [--leaves 1000000] [--batch 10000] [--proofs 500]
 *        [--only a,b,c] [--rounds 1] [--dist DIR] [--tmp-dir DIR] [--json FILE]
 *
 *   a  integrate --leaves leaves into tiles (in memory, --batch leaves per integration, as the
 *      checkpointer would), CPU per leaf, against bare SHA-256 node hashing of the same tree
 *      (every leaf hash and every interior node of RFC 9162's tree, nothing else)          goal <= 2x
 *   b  verifyLog over the same log stored in the OSS emulator (a child process, through ali-oss),
 *      wall time, against a bare GET of the same objects (same concurrency) plus hashing the
 *      leaves and tile roots                                                                goal <= 1.3x
 *   c  inclusion proof latency from tiles in the emulator, p50/p99: a cold TileReader per proof
 *      (as a request without a cache) and a warm one; the floor: one GET of one tile
 *
 * Progress on stderr, the table on stdout.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const { opt, positive } = require('./options').benchOptions(process.argv.slice(2));
const N = positive('leaves', 1_000_000);
const BATCH = positive('batch', 10_000);
const PROOFS = positive('proofs', 500);
const ROUNDS = positive('rounds', 1);
const ONLY = new Set(String(opt('only', 'a,b,c')).split(','));
const DIST = path.resolve(opt('dist', path.join(ROOT, 'dist')));
const TMP = opt('tmp-dir', os.tmpdir());
const JSON_OUT = opt('json', null);
for (const r of ONLY)
  if (!['a', 'b', 'c'].includes(r)) {
    process.stderr.write(`bench: unknown row ${r}\n`);
    process.exit(2);
  }

const ledger = require(path.join(DIST, 'ledger'));
const { AliOssStore } = require(path.join(DIST, 'storage', 'ali-oss-store'));
const log = (s) => process.stderr.write(`${s}\n`);
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function leafData(i) {
  const sha = crypto.createHash('sha256').update(String(i)).digest('hex');
  return Buffer.from(`strongroom-leaf-v1\nrecord\nT-20261121-${String(i).padStart(10, '0')}\n${sha}\n`);
}
function batchOf(from, to) {
  const out = [];
  for (let i = from; i < to; i++) out.push(leafData(i));
  return out;
}

/** RFC 9162 tree hashing with nothing else: leaf hashes, then every level of interior nodes. */
function bareTreeHash(leaves) {
  let level = leaves.map((d) =>
    crypto
      .createHash('sha256')
      .update(Buffer.from([0]))
      .update(d)
      .digest(),
  );
  const one = Buffer.from([1]);
  while (level.length > 1) {
    const next = [];
    // RFC 9162's tree: pair left to right; an odd last node is promoted (MTH splits at powers of two).
    for (let i = 0; i + 1 < level.length; i += 2)
      next.push(
        crypto
          .createHash('sha256')
          .update(one)
          .update(level[i])
          .update(level[i + 1])
          .digest(),
      );
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

async function rowA() {
  const leaves = batchOf(0, N); // generated before either measurement
  const store = new ledger.MemoryTileStore();
  let t0 = cpuUs();
  const rootBare = bareTreeHash(leaves);
  const bare = cpuUs() - t0;
  t0 = cpuUs();
  let at = 0n;
  let root;
  for (let i = 0; i < N; i += BATCH) {
    const r = await ledger.integrate({ store, fromSize: at, leaves: leaves.slice(i, i + BATCH) });
    at = r.size;
    root = r.root;
  }
  const integ = cpuUs() - t0;
  if (!root.equals(rootBare)) throw new Error('integrate and the bare tree disagree on the root');
  return {
    row: 'a',
    what: `integrate ${N.toLocaleString()} leaves, ${BATCH.toLocaleString()} per call`,
    floorUsPerLeaf: bare / N,
    usPerLeaf: integ / N,
    ratio: integ / bare,
    goal: 2,
    objects: store.objects.size,
  };
}

async function startEmulator(dir) {
  const creds = {
    id: `LTAI${crypto.randomBytes(8).toString('hex')}`,
    secret: crypto.randomBytes(18).toString('base64url'),
  };
  const proc = spawn(
    process.execPath,
    [
      path.join(__dirname, 'run-emulator.js'),
      '--data',
      dir,
      '--access-key-id',
      creds.id,
      '--access-key-secret',
      creds.secret,
      '--dist',
      DIST,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const info = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (c) => {
      out += c;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    proc.once('exit', (code) => reject(new Error(`emulator exited (${code})`)));
  });
  const store = new AliOssStore({
    endpoint: info.url,
    region: info.region,
    accessKeyId: creds.id,
    accessKeySecret: creds.secret,
    authVersion: 'v4',
    timeoutMs: 60_000,
    retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 500 },
    multipartThresholdBytes: 8 * 1024 * 1024,
    partSizeBytes: 1024 * 1024,
    maxSignedUrlSeconds: 3600,
  });
  return { proc, store, close: () => new Promise((r) => (proc.once('exit', r), proc.kill('SIGTERM'))) };
}

function signer() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  return {
    algorithm: 'ed25519',
    description: 'bench key',
    publicKey: async () => pub,
    sign: async (m) => crypto.sign(null, m, privateKey),
  };
}

/** The objects verifyLog reads, in its order, for the floor of (b). */
async function objectsOfLog(tiles, size, checkpointSizes) {
  const keys = [];
  const W = 256n;
  const bundles = (size + W - 1n) / W;
  for (let b = 0n; b < bundles; b++) {
    const w = Number(size - b * W < W ? size - b * W : W);
    keys.push(ledger.entriesKey(b, w));
    if (w === 256) keys.push(ledger.tileKey(0, b));
  }
  for (let level = 1; size >> BigInt(8 * (level + 1)) > 0n; level++)
    for (let i = 0n; i < size >> BigInt(8 * (level + 1)); i++) keys.push(ledger.tileKey(level, i));
  for (const s of checkpointSizes) {
    for (let level = 0; s >> BigInt(8 * level) > 0n; level++) {
      const w = Number((s >> BigInt(8 * level)) % W);
      if (w > 0) keys.push(ledger.tileKey(level, s >> BigInt(8 * (level + 1)), w));
    }
    keys.push(ledger.checkpointKey(s));
  }
  return keys;
}

async function getAll(tiles, keys, concurrency, onObject) {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const k = keys[next++];
      const b = await tiles.get(k);
      if (!b) throw new Error(`missing ${k}`);
      onObject(k, b);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function rowsBC() {
  const dir = fs.mkdtempSync(path.join(TMP, 'strongroom-bench-ledger-'));
  const emu = await startEmulator(dir);
  const out = [];
  try {
    const bucket = 'ledger-bench';
    await emu.store.createBucket(bucket);
    const tiles = new ledger.ObjectTileStore({ store: emu.store, bucket });
    const s = signer();
    const origin = 'bench.strongroom/ledger';
    const key = await ledger.signerVerifierKey(origin, s);
    const checkpointSizes = [];
    let at = 0n;
    const t0 = Date.now();
    for (let i = 0; i < N; i += BATCH) {
      const r = await ledger.integrate({
        store: tiles,
        fromSize: at,
        leaves: batchOf(i, Math.min(N, i + BATCH)),
        concurrency: 16,
      });
      // A checkpoint every 10 batches, and at the end.
      if ((i / BATCH) % 10 === 9 || r.size === BigInt(N)) {
        await ledger.publishCheckpoint({ store: tiles, signer: s, origin, size: r.size, root: r.root });
        checkpointSizes.push(r.size);
      }
      at = r.size;
      if ((i / BATCH) % 20 === 0)
        log(`  stored ${r.size} leaves (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
    const size = BigInt(N);
    const keys = await objectsOfLog(tiles, size, checkpointSizes);
    log(`  log stored: ${keys.length} objects read by a verification, ${checkpointSizes.length} checkpoints`);

    if (ONLY.has('b')) {
      const floorRuns = [];
      const verifyRuns = [];
      const floorCpu = [];
      const verifyCpu = [];
      for (let round = 0; round < ROUNDS; round++) {
        let t = Date.now();
        let c = cpuUs();
        await getAll(tiles, keys, 8, (k, b) => {
          if (k.startsWith('ledger/tile/entries/') && !k.includes('.p/')) {
            const hs = ledger.decodeEntryBundle(b).map((d) => ledger.hashLeaf(d));
            let row = hs;
            while (row.length > 1) {
              const nx = [];
              for (let i = 0; i < row.length; i += 2) nx.push(ledger.hashChildren(row[i], row[i + 1]));
              row = nx;
            }
          }
        });
        floorRuns.push(Date.now() - t);
        floorCpu.push(cpuUs() - c);
        t = Date.now();
        c = cpuUs();
        const report = await ledger.verifyLog({ store: tiles, key });
        verifyRuns.push(Date.now() - t);
        verifyCpu.push(cpuUs() - c);
        if (!report.ok) throw new Error(`verifyLog: ${report.message}`);
        log(
          `  (b) round ${round + 1}: floor ${floorRuns[round]} ms (${(floorCpu[round] / 1000).toFixed(0)} ms CPU), ` +
            `verifyLog ${verifyRuns[round]} ms (${(verifyCpu[round] / 1000).toFixed(0)} ms CPU)`,
        );
      }
      // Rounds interleave floor and verification; the ratios are the medians of per-round ratios.
      const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
      const ratios = verifyRuns.map((v, i) => v / floorRuns[i]);
      const cpuRatios = verifyCpu.map((v, i) => v / floorCpu[i]);
      out.push({
        row: 'b',
        what: `verifyLog, ${N.toLocaleString()} leaves in the emulator`,
        floorMs: med(floorRuns),
        ms: med(verifyRuns),
        ratio: med(ratios),
        rounds: ratios,
        floorCpuMs: med(floorCpu) / 1000,
        cpuMs: med(verifyCpu) / 1000,
        cpuRatio: med(cpuRatios),
        goal: 1.3,
        objects: keys.length,
      });
    }

    if (ONLY.has('c')) {
      const idx = () => BigInt(crypto.randomInt(N));
      const time = async (fn) => {
        const t = process.hrtime.bigint();
        await fn();
        return Number(process.hrtime.bigint() - t) / 1e6;
      };
      const floor = [];
      const cold = [];
      const warmReader = new ledger.TileReader(tiles, size, { cacheTiles: 64 });
      const warm = [];
      for (let i = 0; i < PROOFS; i++) {
        const m = idx();
        floor.push(await time(() => tiles.get(ledger.tileKey(0, m >> 8n))));
        cold.push(await time(() => ledger.inclusionProof(new ledger.TileReader(tiles, size), m, size)));
        warm.push(await time(() => ledger.inclusionProof(warmReader, m, size)));
      }
      for (const a of [floor, cold, warm]) a.sort((x, y) => x - y);
      out.push({
        row: 'c',
        what: `inclusion proof, ${N.toLocaleString()}-leaf log, ${PROOFS} random leaves`,
        floorP50: pct(floor, 50),
        floorP99: pct(floor, 99),
        coldP50: pct(cold, 50),
        coldP99: pct(cold, 99),
        warmP50: pct(warm, 50),
        warmP99: pct(warm, 99),
      });
    }
  } finally {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function main() {
  log(
    `ledger bench: ${N} leaves, node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model})`,
  );
  const rows = [];
  if (ONLY.has('a')) {
    log('(a) integrate vs bare hashing');
    rows.push(await rowA());
  }
  if (ONLY.has('b') || ONLY.has('c')) {
    log('(b)(c) storing the log in the emulator');
    rows.push(...(await rowsBC()));
  }
  const f = (n, d = 2) => n.toFixed(d);
  const lines = [];
  for (const r of rows) {
    if (r.row === 'a')
      lines.push(
        `a  ${r.what}: ${f(r.usPerLeaf)} us CPU/leaf vs bare hashing ${f(r.floorUsPerLeaf)} us/leaf = ${f(r.ratio)}x (goal <= ${r.goal}x: ${r.ratio <= r.goal ? 'met' : 'MISSED'}); ${r.objects} objects`,
      );
    if (r.row === 'b')
      lines.push(
        `b  ${r.what}: ${f(r.ms / 1000)} s vs bare GET + hashing ${f(r.floorMs / 1000)} s (medians), ratio ${f(r.ratio)}x ` +
          `(rounds ${r.rounds.map((x) => f(x)).join(', ')}; goal <= ${r.goal}x: ${r.ratio <= r.goal ? 'met' : 'MISSED'}); ` +
          `client CPU ${f(r.cpuMs / 1000)} s vs ${f(r.floorCpuMs / 1000)} s = ${f(r.cpuRatio)}x; ${r.objects} objects`,
      );
    if (r.row === 'c')
      lines.push(
        `c  ${r.what}: cold reader p50 ${f(r.coldP50)} ms p99 ${f(r.coldP99)} ms; warm p50 ${f(r.warmP50)} ms p99 ${f(r.warmP99)} ms; one tile GET p50 ${f(r.floorP50)} ms p99 ${f(r.floorP99)} ms (cold/GET p50 ${f(r.coldP50 / r.floorP50)}x)`,
      );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (JSON_OUT)
    fs.writeFileSync(
      JSON_OUT,
      JSON.stringify({ rows, node: process.version, date: new Date().toISOString() }, null, 2),
    );
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
