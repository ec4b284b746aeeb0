#!/usr/bin/env node
'use strict';
/*
 * ALP top-10 report benchmark: the report over N ALP trades of one ALP in one month in the
 * catalog, against a bare SQL aggregation of the same rows, in the same run.
 *
 *   npm run build && node scripts/bench/alp-report.js [--trades 1000000] [--users 2000]
 *       [--noise 100000] [--rounds 5] [--database-url postgres://...] [--json FILE]
 *
 *   fill:    --trades alp_trade records of ALP-BENCH in 2026-11 (Hong Kong time), plus --noise
 *            trades of other ALPs and months, through catalog.addAlpTradeSources (the path
 *            ingest and reindex use: sources, fold, facts rows). 90% HKD, 8% USD, 2% CNY;
 *            prices with 3 decimals, integer quantities; 0.1% of the trades corrected.
 *   report:  alpTop10Report(catalog, ...): the catalog's grouped scan (Kysely), the exception
 *            rows, exact BigInt decimals, ranking, shares, due date. The whole function.
 *   bare:    one SQL statement on the driver itself (better-sqlite3 / pg): the month's counted
 *            HKD trades of the ALP grouped by user, integer parts summed, ordered, LIMIT 10,
 *            over a covering index made for it (month, ALP, state, currency, user, sums).
 *
 * Rounds alternate report and bare; each figure is the median round. Prints a table; --json FILE
 * writes every number. SQLite by default (a temp file); PostgreSQL in a fresh schema when
 * --database-url is given (dropped at the end).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freshBenchSchema } = require('./pg-schema');

const ROOT = path.resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
function count(name, dflt, min = 1) {
  const n = Number(opt(name, dflt));
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`bench: --${name} needs an integer >= ${min}\n`);
    process.exit(2);
  }
  return n;
}
const TRADES = count('trades', 1_000_000);
const USERS = count('users', 2000);
const NOISE = count('noise', 100_000, 0);
const ROUNDS = count('rounds', 5);
const DATABASE_URL = opt('database-url', '');
const JSON_OUT = opt('json', null);
const BATCH = 5000;
const ALP = 'ALP-BENCH';
const MONTH = '2026-11';

const { openCatalog } = require(path.join(ROOT, 'dist', 'catalog'));
const { alpTop10Report } = require(path.join(ROOT, 'dist', 'reports'));
const { ManualClock } = require(path.join(ROOT, 'dist', 'util', 'clock'));

const log = (s) => process.stderr.write(`${s}\n`);

/** A deterministic generator: the same rows on every run. */
function lcg(seed) {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}
const next = lcg(2026);
const pad = (n, w) => String(n).padStart(w, '0');
const CATEGORIES = [
  'institutional_professional_investor',
  'corporate_professional_investor',
  'individual_professional_investor',
  'operator_proprietary',
];

/** A source as alpTradeFacts(record) returns it for an alp_trade. */
function tradeSource(i, alpId, month) {
  // Skewed users: a few large ones, a long tail.
  const u = Math.floor(USERS * next() ** 2);
  const r = next();
  const currency = r < 0.9 ? 'HKD' : r < 0.98 ? 'USD' : 'CNY';
  const day = 1 + Math.floor(next() * 28);
  const id = `AT-${alpId}-${month}-${pad(i, 8)}`;
  return {
    kind: 'trade',
    sourceRecordId: id,
    tradeRecordId: id,
    values: {
      alpId,
      userId: `U-${pad(u, 5)}`,
      userCategory: CATEGORIES[u % 4],
      quantity: 100 * (1 + Math.floor(next() * 100)),
      price: `${1 + Math.floor(next() * 500)}.${pad(Math.floor(next() * 1000), 3)}`,
      currency,
      executedAt: `${month}-${pad(day, 2)}T${pad(9 + Math.floor(next() * 7), 2)}:${pad(Math.floor(next() * 60), 2)}:00+08:00`,
    },
  };
}

async function fill(catalog) {
  const t0 = process.hrtime.bigint();
  const plan = [
    { alpId: ALP, month: MONTH, n: TRADES },
    { alpId: 'ALP-OTHER', month: MONTH, n: Math.floor(NOISE / 2) },
    { alpId: ALP, month: '2026-10', n: NOISE - Math.floor(NOISE / 2) },
  ];
  let done = 0;
  for (const p of plan) {
    for (let i = 0; i < p.n; i += BATCH) {
      const batch = [];
      for (let k = i; k < Math.min(p.n, i + BATCH); k++) {
        const s = tradeSource(k, p.alpId, p.month);
        batch.push(s);
        if (k % 1000 === 7) {
          batch.push({
            kind: 'correction',
            sourceRecordId: `CO-${s.sourceRecordId}`,
            tradeRecordId: s.tradeRecordId,
            correctedAt: '2026-12-02T01:00:00.000Z',
            changes: [{ field: 'price', to: '12.345' }],
          });
        }
      }
      await catalog.addAlpTradeSources(batch);
      done += batch.length;
      if (done % 100_000 < BATCH) log(`filled ${done} sources`);
    }
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** The bare query's own covering index, made before timing: the floor gets its best plan. */
const BARE_INDEX =
  'create index bench_bare_top10 on alp_trade_facts (month_hk, alp_id, state, currency, user_id, quantity_int, turnover_e4)';

const BARE_SQL =
  "select user_id, count(*) as trades, sum(quantity_int) as quantity, sum(turnover_e4) as turnover from alp_trade_facts where month_hk = $1 and alp_id = $2 and state = 'counted' and currency = 'HKD' group by user_id order by turnover desc, user_id limit 10";

function bareSqlite(file) {
  const Database = require(path.join(ROOT, 'node_modules', 'better-sqlite3'));
  const db = new Database(file, { readonly: true });
  const stmt = db.prepare(BARE_SQL.replace('$1', '?').replace('$2', '?'));
  return { run: () => Promise.resolve(stmt.all(MONTH, ALP)), close: () => Promise.resolve(db.close()) };
}

function barePostgres(url) {
  const pg = require(path.join(ROOT, 'node_modules', 'pg'));
  const client = new pg.Client({ connectionString: url });
  const ready = client.connect();
  return {
    run: async () => {
      await ready;
      return (await client.query({ name: 'bare', text: BARE_SQL, values: [MONTH, ALP] })).rows;
    },
    close: () => client.end(),
  };
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-bench-alp-'));
  let url = '';
  let dropSchema = async () => {};
  if (DATABASE_URL) {
    const fresh = await freshBenchSchema(DATABASE_URL, 'bench_alp', ROOT);
    url = fresh.url;
    dropSchema = fresh.drop;
  }
  const file = path.join(dir, 'catalog.sqlite');
  const catalog = await openCatalog(url ? { databaseUrl: url } : { sqlitePath: file });
  try {
    log(
      `filling ${TRADES} trades of ${ALP} in ${MONTH} and ${NOISE} others (${url ? 'PostgreSQL' : 'SQLite'})`,
    );
    const fillSeconds = await fill(catalog);
    if (url) {
      const pg = require(path.join(ROOT, 'node_modules', 'pg'));
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(BARE_INDEX);
      await c.query('vacuum analyze alp_trade_facts');
      await c.end();
    } else {
      const Database = require(path.join(ROOT, 'node_modules', 'better-sqlite3'));
      const d = new Database(file);
      d.exec(BARE_INDEX);
      d.exec('analyze');
      d.close();
    }
    const bare = url ? barePostgres(url) : bareSqlite(file);
    const options = {
      month: MONTH,
      alpId: ALP,
      operator: 'Bench Securities',
      clock: new ManualClock(new Date('2026-12-05T02:00:00Z')),
    };
    // Warm-up (caches, prepared statements), and a check that both see the same top users.
    const first = await alpTop10Report(catalog, options);
    const bareRows = await bare.run();
    const sameTop = first.users[0]?.userId === bareRows[0]?.user_id;
    const report = [];
    const floor = [];
    const scan = [];
    for (let r = 0; r < ROUNDS; r++) {
      report.push((await timed(() => alpTop10Report(catalog, options))).ms);
      floor.push((await timed(() => bare.run())).ms);
      scan.push((await timed(() => catalog.alpTradeMonth(MONTH, ALP))).ms);
      log(
        `round ${r + 1}: report ${report[r].toFixed(1)} ms, bare ${floor[r].toFixed(1)} ms, catalog scan ${scan[r].toFixed(1)} ms`,
      );
    }
    await bare.close();
    const result = {
      database: url ? 'postgres' : 'sqlite',
      trades: TRADES,
      noise: NOISE,
      users: first.totals.users,
      countedTrades: first.totals.trades,
      fillSeconds,
      reportMs: median(report),
      bareMs: median(floor),
      ratio: median(report) / median(floor),
      roundRatioMedian: median(report.map((x, i) => x / floor[i])),
      catalogScanMs: median(scan),
      rounds: { report, bare: floor, catalogScan: scan },
      sameTopUser: sameTop,
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      date: new Date().toISOString(),
    };
    const line = (a, b, c, d, e) =>
      `${a.padEnd(10)} ${b.padStart(12)} ${c.padStart(12)} ${d.padStart(8)} ${e.padStart(18)}`;
    process.stdout.write(
      [
        `# ALP top-10 over ${TRADES} trades of one ALP-month (+${NOISE} others), ${result.users} users, ${result.database}; fill ${fillSeconds.toFixed(0)} s`,
        line('database', 'report ms', 'bare SQL ms', 'ratio', 'of which scan ms'),
        line(
          result.database,
          result.reportMs.toFixed(1),
          result.bareMs.toFixed(1),
          result.ratio.toFixed(2),
          result.catalogScanMs.toFixed(1),
        ),
        `# median of the per-round ratios ${result.roundRatioMedian.toFixed(2)}; goal: ratio <= 2; top user agrees with the bare query: ${sameTop}`,
        '',
      ].join('\n'),
    );
    if (JSON_OUT) fs.writeFileSync(JSON_OUT, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await catalog.close();
    await dropSchema();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
