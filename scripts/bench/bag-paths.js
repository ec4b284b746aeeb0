#!/usr/bin/env node
'use strict';
/* global gc */
// Memory held by one bag's case-insensitive path set (dist/export/paths BagPathSet): the heap and
// array buffers still in use after a full GC, with the set alive, once it holds the paths of a
// bag of N records (a record file and its proof each, as the bag writer claims them), and the
// time the adds took. Usage (after `npm run build`):
//   node --expose-gc scripts/bench/bag-paths.js [--records 100000] [--days 1] [--dist DIR]
// (--days: the business dates the records are spread over, in a bag's order: by date, then id)
const path = require('node:path');
const { benchOptions } = require('./options');

const { opt, positive } = benchOptions(process.argv.slice(2));
const DIST = path.resolve(opt('dist', path.join(__dirname, '..', '..', 'dist')));
const RECORDS = positive('records', 100000);
const DAYS = positive('days', 1);
if (DAYS > 30) {
  process.stderr.write('bag-paths: --days is at most 30 (the days of November 2026)\n');
  process.exit(2);
}

if (typeof gc !== 'function') {
  process.stderr.write('bag-paths: run with node --expose-gc\n');
  process.exit(2);
}
const { BagPathSet } = require(path.join(DIST, 'export', 'paths'));

function held() {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

const before = held();
const set = new BagPathSet();
const started = process.hrtime.bigint();
for (let i = 0; i < RECORDS; i++) {
  const id = `BENCH-${String(i).padStart(6, '0')}`;
  const day = String(30 - DAYS + 1 + Math.floor((i * DAYS) / RECORDS)).padStart(2, '0');
  for (const p of [`data/records/trade/2026/11/${day}/${id}.json`, `data/evidence/proofs/${id}.tlog-proof`]) {
    const problem = set.add(p);
    if (problem !== null) throw new Error(`${p}: ${problem}`);
  }
}
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const after = held();
const mb = (n) => (n / 1e6).toFixed(1);
const heap = after.heap - before.heap;
const buffers = after.buffers - before.buffers;
process.stdout.write(
  `bag-paths: ${RECORDS * 2} paths (${RECORDS} records over ${DAYS} days); node ${process.version}\n` +
    `held after a full GC: heap ${mb(heap)} MB + array buffers ${mb(buffers)} MB = ${mb(heap + buffers)} MB` +
    ` (${((heap + buffers) / (RECORDS * 2)).toFixed(1)} bytes a path); adds took ${ms.toFixed(0)} ms\n`,
);
// Keeps the set alive up to the measurement above.
if (set.add('bagit.txt') === 'unreachable') process.exit(1);
