#!/usr/bin/env node
'use strict';
/*
 * CRC-64 throughput: strongroom's CRC-64/XZ (src/util/crc64.ts, pure JS) against Node's native
 * SHA-256 and MD5 (OpenSSL) on the same buffers, plus the three together as putBuffer computes
 * them for every write.
 *
 *   npx tsc -p tsconfig.build.json && node scripts/bench/crc64.js [options]
 *
 *   --sizes LIST     buffer sizes (default 1KiB,64KiB,16MiB,256MiB); accepts B, KiB, MiB, GiB
 *   --reps N         measured repetitions per cell; the median is reported (default 5)
 *   --min-bytes N    bytes hashed per repetition at least: small buffers are hashed repeatedly
 *                    (default 64MiB)
 *   --module LIST    compiled crc64 modules to measure, as PATH or LABEL=PATH, comma-separated
 *                    (default dist/util/crc64.js); several give one crc64 column each, measured
 *                    interleaved in the same run (e.g. before=/tmp/old/crc64.js,after=dist/util/crc64.js)
 *   --clock KIND     wall (default) or cpu: divide by this process's CPU time (user + system)
 *                    instead of wall time; steadier on a shared, loaded machine
 *   --json           print JSON (every repetition, the environment) instead of the table
 *
 * MB/s are 10^6 bytes per second of wall (or CPU) time, single thread. Each cell runs once unmeasured
 * first (JIT warm-up). Buffers are random and reused across algorithms. The last crc64 module
 * is the one in the combined column and the ratio.
 */
const crypto = require('node:crypto');
const os = require('node:os');
const path = require('node:path');

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)?$/i.exec(text.trim());
  if (!m) throw new Error(`bad size ${JSON.stringify(text)}`);
  const unit = (m[2] || 'B').toLowerCase();
  const mult = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }[unit];
  return Math.round(Number(m[1]) * mult);
}

function formatSize(n) {
  for (const [unit, mult] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ]) {
    if (n >= mult && n % mult === 0) return `${n / mult} ${unit}`;
  }
  return `${n} B`;
}

function parseArgs(argv) {
  const opts = {
    sizes: ['1KiB', '64KiB', '16MiB', '256MiB'].map(parseSize),
    reps: 5,
    minBytes: 64 * 1024 ** 2,
    module: null,
    json: false,
    clock: 'wall',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--sizes') opts.sizes = next().split(',').map(parseSize);
    else if (a === '--reps') opts.reps = Math.max(1, Number(next()));
    else if (a === '--min-bytes') opts.minBytes = parseSize(next());
    else if (a === '--module') {
      opts.modules = next()
        .split(',')
        .map((spec, i, all) => {
          const eq = spec.indexOf('=');
          const file = path.resolve(eq > 0 ? spec.slice(eq + 1) : spec);
          return { label: eq > 0 ? spec.slice(0, eq) : all.length > 1 ? `#${i + 1}` : '', file };
        });
    } else if (a === '--json') opts.json = true;
    else if (a === '--clock') {
      opts.clock = next();
      if (opts.clock !== 'wall' && opts.clock !== 'cpu') throw new Error('--clock is wall or cpu');
    } else if (a === '--help' || a === '-h') {
      console.log(
        'usage: node scripts/bench/crc64.js [--sizes 1KiB,64KiB,16MiB,256MiB] [--reps 5] [--min-bytes 64MiB] [--module [LABEL=]PATH,...] [--clock wall|cpu] [--json]',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const modules = opts.modules || [
    { label: '', file: path.join(__dirname, '..', '..', 'dist', 'util', 'crc64.js') },
  ];
  const crcs = [];
  for (const m of modules) {
    let crcModule;
    try {
      crcModule = require(m.file);
    } catch (err) {
      console.error(`cannot load ${m.file}: build first (npx tsc -p tsconfig.build.json)\n${err.message}`);
      process.exit(2);
    }
    const check = crcModule.crc64(Buffer.from('123456789'));
    if (check !== '11051210869376104954') {
      console.error(
        `${m.file}: wrong check value ${check} for "123456789": not measuring a broken implementation`,
      );
      process.exit(2);
    }
    crcs.push({ name: m.label ? `crc64 ${m.label}` : 'crc64', fn: crcModule.crc64, file: m.file });
  }
  const crc64 = crcs[crcs.length - 1].fn;

  const algorithms = {
    ...Object.fromEntries(crcs.map((c) => [c.name, (buf) => c.fn(buf)])),
    sha256: (buf) => crypto.createHash('sha256').update(buf).digest(),
    md5: (buf) => crypto.createHash('md5').update(buf).digest(),
    'sha256+md5+crc64': (buf) => {
      crypto.createHash('sha256').update(buf).digest();
      crypto.createHash('md5').update(buf).digest();
      crc64(buf);
    },
  };

  const results = [];
  for (const size of opts.sizes) {
    const buf = Buffer.allocUnsafe(size);
    crypto.randomFillSync(buf);
    const iterations = Math.max(1, Math.ceil(opts.minBytes / size));
    const row = { size, iterations, algorithms: {} };
    for (const [name, fn] of Object.entries(algorithms)) {
      const runOnce = () => {
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        for (let i = 0; i < iterations; i++) fn(buf);
        const c1 = process.cpuUsage(c0);
        const seconds =
          opts.clock === 'cpu' ? (c1.user + c1.system) / 1e6 : Number(process.hrtime.bigint() - t0) / 1e9;
        return (size * iterations) / Math.max(seconds, 1e-9) / 1e6;
      };
      runOnce(); // warm-up
      const mbps = [];
      for (let r = 0; r < opts.reps; r++) mbps.push(runOnce());
      row.algorithms[name] = { medianMBps: median(mbps), runsMBps: mbps };
    }
    results.push(row);
  }

  const env = {
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl,
    cpu: os.cpus()[0] ? os.cpus()[0].model : 'unknown',
    cores: os.cpus().length,
    platform: `${process.platform} ${process.arch}`,
    modules: crcs.map((c) => ({ name: c.name, file: path.relative(process.cwd(), c.file) })),
    reps: opts.reps,
    clock: opts.clock,
    loadAverage: os.loadavg(),
    minBytes: opts.minBytes,
  };

  if (opts.json) {
    console.log(
      JSON.stringify({ unit: `MB/s (10^6 bytes per second of ${opts.clock} time)`, env, results }, null, 2),
    );
    return;
  }
  const names = Object.keys(algorithms);
  const last = crcs[crcs.length - 1].name;
  const header = ['size', ...names.map((n) => `${n} MB/s`), `${last} / sha256`];
  const lines = results.map((r) => [
    formatSize(r.size),
    ...names.map((n) => r.algorithms[n].medianMBps.toFixed(0)),
    (r.algorithms[last].medianMBps / r.algorithms.sha256.medianMBps).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(
    `CRC-64 throughput, MB/s of ${opts.clock} time, median of ${opts.reps} (${env.node}, ${env.cpu}, ${env.cores} cores, load ${env.loadAverage[0].toFixed(1)})`,
  );
  for (const m of env.modules) console.log(`  ${m.name}: ${m.file}`);
  console.log(fmt(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const l of lines) console.log(fmt(l));
}

main();
