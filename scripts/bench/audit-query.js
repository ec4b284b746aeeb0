#!/usr/bin/env node
'use strict';
/*
 * Audit query benchmark: one principal's events of one day among N events in the catalog,
 * through catalog.queryAudit (what GET /v1/audit and `strongroom audit query` run), against the
 * equivalent bare SQL on the driver itself, same database, same run.
 *
 *   npm run build && node scripts/bench/audit-query.js [--events 1000000] [--principals 200]
 *       [--days 30] [--rounds 9] [--database-url postgres://...] [--json FILE]
 *
 *   fill:  --events audit events through catalog.appendAudit (the group commit and the chain,
 *          as every event is written), spread evenly over --days days of 2026-11 and --principals
 *          principals, with details of a typical read.
 *   query: catalog.queryAudit({ principalId, from: day 00:00Z, to: next day, limit: 1000 }): the
 *          validation, Kysely's compiled statement, the rows mapped to AuditEvents.
 *   bare:  the same SELECT (same predicates, order and limit) prepared once on better-sqlite3 /
 *          pg, rows left as the driver returns them.
 *
 * Rounds alternate query and bare, each on another principal and day (the same pairs for both);
 * figures are medians. SQLite by default (a temp file); PostgreSQL in a fresh schema when
 * --database-url is given (dropped at the end).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freshBenchSchema } = require('./pg-schema');
const { benchOptions } = require('./options');

const ROOT = path.resolve(__dirname, '..', '..');
const { opt, positive } = benchOptions(process.argv.slice(2));
const EVENTS = positive('events', 1_000_000);
const PRINCIPALS = positive('principals', 200);
const DAYS = positive('days', 30);
const ROUNDS = positive('rounds', 9);
const DATABASE_URL = opt('database-url', '');
const JSON_OUT = opt('json', null);
const CHUNK = 2000;
const START = Date.UTC(2026, 10, 1);
const DAY_MS = 24 * 3600 * 1000;

const { openCatalog } = require(path.join(ROOT, 'dist', 'catalog'));
const log = (s) => process.stderr.write(`${s}\n`);
const principal = (i) => `usr_bench_${String(i).padStart(4, '0')}`;

async function fill(catalog) {
  const t0 = process.hrtime.bigint();
  const span = DAYS * DAY_MS;
  for (let i = 0; i < EVENTS; i += CHUNK) {
    const chunk = [];
    for (let k = i; k < Math.min(EVENTS, i + CHUNK); k++) {
      chunk.push(
        catalog.appendAudit({
          at: new Date(START + Math.floor((k / EVENTS) * span)),
          principalId: principal(k % PRINCIPALS),
          action: k % 10 === 0 ? 'records.write' : 'records.read',
          target: `T-${String(k).padStart(9, '0')}`,
          outcome: 'allowed',
          ip: '10.0.0.1',
          requestId: `req-${k}`,
          details: { operation: 'record.get', status: 200 },
        }),
      );
    }
    await Promise.all(chunk);
    if ((i + CHUNK) % 100_000 < CHUNK) log(`filled ${Math.min(EVENTS, i + CHUNK)} events`);
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const BARE_SQL =
  'select * from audit_events where principal_id = $1 and at >= $2 and at < $3 order by seq limit 1000';

function bareSqlite(file) {
  const Database = require(path.join(ROOT, 'node_modules', 'better-sqlite3'));
  const db = new Database(file, { readonly: true });
  const stmt = db.prepare(BARE_SQL.replace('$1', '?').replace('$2', '?').replace('$3', '?'));
  return {
    run: (p, from, to) => Promise.resolve(stmt.all(p, from.toISOString(), to.toISOString())),
    close: () => Promise.resolve(db.close()),
  };
}

function barePostgres(url) {
  const pg = require(path.join(ROOT, 'node_modules', 'pg'));
  const client = new pg.Client({ connectionString: url });
  const ready = client.connect();
  return {
    run: async (p, from, to) => {
      await ready;
      return (
        await client.query({
          name: 'bare',
          text: BARE_SQL,
          values: [p, from.toISOString(), to.toISOString()],
        })
      ).rows;
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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-bench-audit-'));
  let url = '';
  let dropSchema = async () => {};
  if (DATABASE_URL) {
    const fresh = await freshBenchSchema(DATABASE_URL, 'bench_audit', ROOT);
    url = fresh.url;
    dropSchema = fresh.drop;
  }
  const file = path.join(dir, 'catalog.sqlite');
  const catalog = await openCatalog(url ? { databaseUrl: url } : { sqlitePath: file });
  try {
    log(
      `filling ${EVENTS} audit events, ${PRINCIPALS} principals over ${DAYS} days (${url ? 'PostgreSQL' : 'SQLite'})`,
    );
    const fillSeconds = await fill(catalog);
    await catalog.settled();
    if (url) {
      const pg = require(path.join(ROOT, 'node_modules', 'pg'));
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query('vacuum analyze audit_events');
      await c.end();
    } else {
      const Database = require(path.join(ROOT, 'node_modules', 'better-sqlite3'));
      const d = new Database(file);
      d.exec('analyze');
      d.close();
    }
    const bare = url ? barePostgres(url) : bareSqlite(file);
    const pairs = Array.from({ length: ROUNDS + 1 }, (_, r) => ({
      p: principal((r * 37) % PRINCIPALS),
      from: new Date(START + ((r * 7) % DAYS) * DAY_MS),
    }));
    const query = (pair) =>
      catalog.queryAudit({
        principalId: pair.p,
        from: pair.from,
        to: new Date(pair.from.getTime() + DAY_MS),
        limit: 1000,
      });
    const bareRun = (pair) => bare.run(pair.p, pair.from, new Date(pair.from.getTime() + DAY_MS));
    // Warm-up, and a check that both return the same events.
    const a = await query(pairs[0]);
    const b = await bareRun(pairs[0]);
    const same = a.length === b.length && a.every((e, i) => String(e.seq) === String(b[i].seq));
    const q = [];
    const floor = [];
    let rows = 0;
    for (let r = 1; r <= ROUNDS; r++) {
      const x = await timed(() => query(pairs[r]));
      const y = await timed(() => bareRun(pairs[r]));
      q.push(x.ms);
      floor.push(y.ms);
      rows = x.value.length;
      log(
        `round ${r}: queryAudit ${x.ms.toFixed(2)} ms (${x.value.length} events), bare ${y.ms.toFixed(2)} ms (${y.value.length})`,
      );
    }
    await bare.close();
    const result = {
      database: url ? 'postgres' : 'sqlite',
      events: EVENTS,
      principals: PRINCIPALS,
      days: DAYS,
      eventsPerAnswer: rows,
      fillSeconds,
      queryMs: median(q),
      bareMs: median(floor),
      ratio: median(q) / median(floor),
      roundRatioMedian: median(q.map((x, i) => x / floor[i])),
      rounds: { query: q, bare: floor },
      sameEvents: same,
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      loadAverage: os.loadavg(),
      date: new Date().toISOString(),
    };
    const line = (c1, c2, c3, c4, c5) =>
      `${c1.padEnd(10)} ${c2.padStart(10)} ${c3.padStart(14)} ${c4.padStart(12)} ${c5.padStart(8)}`;
    process.stdout.write(
      [
        `# audit query by principal and day over ${EVENTS} events (${PRINCIPALS} principals, ${DAYS} days), ${result.database}; fill ${fillSeconds.toFixed(0)} s`,
        line('database', 'events', 'queryAudit ms', 'bare SQL ms', 'ratio'),
        line(
          result.database,
          String(rows),
          result.queryMs.toFixed(2),
          result.bareMs.toFixed(2),
          result.ratio.toFixed(2),
        ),
        `# median of the per-round ratios ${result.roundRatioMedian.toFixed(2)}; goal: ratio <= 2; same events as the bare query: ${same}`,
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
