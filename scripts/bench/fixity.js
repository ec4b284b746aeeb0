#!/usr/bin/env node
'use strict';
/* global fetch, AbortController */
/*
 * Fixity benchmark (issue 12): how close the sweeps come to the storage path's own limit, and
 * what a rate-limited sweep costs ingest. One run, floors first, ratios:
 *
 *   npm run build && node scripts/bench/fixity.js [--records 2000] [--concurrency 8] [--rate 50] [--rounds 1] [--json FILE]
 *
 * The archive (dist/runtime/archive, profile local, SQLite catalog, its embedded emulator) in
 * this process on port 0; --records trades ingested through POST /v1/batches. Then, same
 * objects, same concurrency:
 *   (a) raw ali-oss `head` of every record object                      objects/s  (floor)
 *   (b) the HEAD sweep (FixitySweeper, kind head, no rate limit)       objects/s  (b)/(a) >= 0.8
 *   (c) raw ali-oss `getStream` + SHA-256 of every record object        objects/s  (floor)
 *   (d) the deep sweep (kind deep, no rate limit)                      objects/s  (d)/(c) >= 0.8
 *   (e) batch ingest of --records new trades, no sweep                  records/s  (floor)
 *   (f) the same while a deep sweep limited to --rate objects/s runs   records/s  (f)/(e) >= 0.8
 * The sweeps also LIST the buckets and write their report; their time includes that. --rate limits
 * only (f); (b) and (d) run unlimited, as their floors do. With --rounds N, (a)-(d) run N times
 * back to back (floor, then sweep) and each ratio is the median of the rounds' ratios. The CPU of
 * this process (everything: archive, catalog, embedded emulator, clients) per object is reported
 * for (c) and (d) too: steadier than wall time on a shared machine.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { benchOptions } = require('./options');

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const { opt, positive } = benchOptions(process.argv.slice(2));
const RECORDS = positive('records', 2000);
const CONCURRENCY = positive('concurrency', 8);
const RATE = positive('rate', 50);
const ROUNDS = positive('rounds', 1);
const JSON_OUT = opt('json', undefined);

const { loadConfig } = require(path.join(DIST, 'config'));
const { startArchive } = require(path.join(DIST, 'runtime', 'archive'));
const { silentLogger } = require(path.join(DIST, 'log'));
const OSS = require('ali-oss');

const log = (m) => process.stderr.write(`fixity-bench: ${m}\n`);

// The project's own example trade (src/records/fixtures.ts), one per id.
const { trade } = require(path.join(DIST, 'records', 'fixtures'));

async function batch(url, token, ids) {
  const body = ids.map((id) => JSON.stringify(trade(id))).join('\n') + '\n';
  const res = await fetch(`${url}/v1/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`batch: HTTP ${res.status} ${text.slice(0, 200)}`);
  const failed = text.split('\n').filter((l) => l.includes('"error"'));
  if (failed.length > 0)
    throw new Error(`batch: ${failed.length} lines failed, e.g. ${failed[0].slice(0, 300)}`);
}

/** `n` tasks, at most `c` at once; resolves with the wall time in ms. */
async function pool(items, c, fn) {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-fixity-bench-'));
  const config = loadConfig({ env: {}, overrides: { dataDir, logLevel: 'silent', server: { port: 0 } } });
  const archive = await startArchive(config, { logger: silentLogger() });
  const results = {};
  try {
    const tokens = JSON.parse(fs.readFileSync(archive.bootstrap.tokenFile, 'utf8'));
    const ids = Array.from({ length: RECORDS }, (_, i) => `FXB-${String(i).padStart(7, '0')}`);
    log(`ingesting ${RECORDS} records`);
    for (let i = 0; i < ids.length; i += 1000)
      await batch(archive.url, tokens.ingest.token, ids.slice(i, i + 1000));
    const rows = [];
    for (const id of ids) rows.push(await archive.catalog.getRecord(id));
    const bucket = rows[0].bucket;
    const creds = archive.storeHandle.credentials;
    const client = new OSS({
      endpoint: archive.storeHandle.endpoint,
      region: 'oss-local',
      accessKeyId: creds.accessKeyId,
      accessKeySecret: creds.accessKeySecret,
      bucket,
      sldEnable: true,
      secure: false,
      authorizationV4: config.oss.authVersion === 'v4',
      retryMax: 0,
    });

    const sweep = async (kind, rate) => {
      const started = process.hrtime.bigint();
      const out = await archive.fixity.run({
        kind,
        initiated: 'cli',
        concurrency: CONCURRENCY,
        ...(rate ? { rate } : {}),
      });
      if (out.status !== 'finished' || out.report.problems.length > 0)
        throw new Error(`${kind} sweep: ${JSON.stringify(out).slice(0, 300)}`);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const perS = (n, ms) => (n * 1000) / ms;

    const cpuMs = async (fn) => {
      const before = process.cpuUsage();
      const ms = await fn();
      const used = process.cpuUsage(before);
      return { ms, cpu: (used.user + used.system) / 1000 };
    };
    const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const rounds = { a: [], b: [], c: [], d: [], cpuC: [], cpuD: [] };
    for (let round = 0; round < ROUNDS; round++) {
      log(`round ${round + 1}: (a) raw HEAD`);
      rounds.a.push(perS(RECORDS, await pool(rows, CONCURRENCY, (r) => client.head(r.objectKey))));
      log(`round ${round + 1}: (b) HEAD sweep`);
      rounds.b.push(perS(RECORDS, await sweep('head')));
      log(`round ${round + 1}: (c) raw GET + SHA-256`);
      const raw = await cpuMs(() =>
        pool(rows, CONCURRENCY, async (r) => {
          const got = await client.getStream(r.objectKey);
          const h = crypto.createHash('sha256');
          for await (const chunk of got.stream) h.update(chunk);
          if (h.digest('hex') !== r.sha256) throw new Error(`raw GET: ${r.recordId} differs`);
        }),
      );
      rounds.c.push(perS(RECORDS, raw.ms));
      rounds.cpuC.push((raw.cpu * 1000) / RECORDS);
      log(`round ${round + 1}: (d) deep sweep`);
      const deep = await cpuMs(() => sweep('deep'));
      rounds.d.push(perS(RECORDS, deep.ms));
      rounds.cpuD.push((deep.cpu * 1000) / RECORDS);
    }
    const ratioOf = (xs, ys) => median(xs.map((x, i) => ys[i] / x));
    const a = median(rounds.a);
    const b = median(rounds.b);
    const c = median(rounds.c);
    const d = median(rounds.d);

    log('(e) batch ingest, no sweep');
    const more = (tag) =>
      Array.from({ length: RECORDS }, (_, i) => `FXB-${tag}-${String(i).padStart(7, '0')}`);
    const ingest = async (tag) => {
      const started = process.hrtime.bigint();
      const list = more(tag);
      for (let i = 0; i < list.length; i += 1000)
        await batch(archive.url, tokens.ingest.token, list.slice(i, i + 1000));
      return perS(RECORDS, Number(process.hrtime.bigint() - started) / 1e6);
    };
    const e = await ingest('E');
    log(`(f) batch ingest while a deep sweep limited to ${RATE} objects/s runs`);
    const stop = new AbortController();
    const running = archive.fixity.run({
      kind: 'deep',
      initiated: 'cli',
      concurrency: CONCURRENCY,
      rate: RATE,
      signal: stop.signal,
    });
    const f = await ingest('F');
    stop.abort();
    await running;

    Object.assign(results, {
      records: RECORDS,
      concurrency: CONCURRENCY,
      rate: RATE,
      rawHeadPerS: a,
      headSweepPerS: b,
      rounds: ROUNDS,
      perRound: rounds,
      headRatio: ratioOf(rounds.a, rounds.b),
      rawGetSha256PerS: c,
      deepSweepPerS: d,
      deepRatio: ratioOf(rounds.c, rounds.d),
      deepCpuUsPerObject: median(rounds.cpuD),
      rawGetCpuUsPerObject: median(rounds.cpuC),
      deepCpuRatio: ratioOf(rounds.cpuD, rounds.cpuC),
      ingestPerS: e,
      ingestWithSweepPerS: f,
      ingestRatio: f / e,
      node: process.version,
      cpus: os.cpus().length,
      loadavg: os.loadavg(),
      date: new Date().toISOString(),
    });
    const row = (name, floor, ours, goal, ratio = ours / floor) =>
      `| ${name.padEnd(36)} | ${floor.toFixed(0).padStart(8)} | ${ours.toFixed(0).padStart(8)} | ${ratio.toFixed(2).padStart(5)} | ${goal} |`;
    process.stdout.write(
      [
        `fixity benchmark: ${RECORDS} records, concurrency ${CONCURRENCY}, ${ROUNDS} round(s), node ${process.version}, ${os.cpus().length} cores, load ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
        '',
        '| measurement                          |    floor |     ours | ratio | goal  |',
        '| ------------------------------------ | -------: | -------: | ----: | ----- |',
        row('HEAD sweep vs raw HEAD (objects/s)', a, b, '>= 0.8', results.headRatio),
        row('deep sweep vs raw GET+SHA-256 (obj/s)', c, d, '>= 0.8', results.deepRatio),
        row(`ingest with a ${RATE}/s sweep vs none (rec/s)`, e, f, '>= 0.8'),
        '',
        `CPU of this process per object (us), median of the rounds: raw GET+SHA-256 ${results.rawGetCpuUsPerObject.toFixed(0)}, deep sweep ${results.deepCpuUsPerObject.toFixed(0)}, ratio raw/deep ${results.deepCpuRatio.toFixed(2)}`,
        `per round (floor/ours obj/s): HEAD ${rounds.a.map((x, i) => `${x.toFixed(0)}/${rounds.b[i].toFixed(0)}`).join(' ')}; deep ${rounds.c.map((x, i) => `${x.toFixed(0)}/${rounds.d[i].toFixed(0)}`).join(' ')}`,
        '',
      ].join('\n'),
    );
    if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2) + '\n');
  } finally {
    await archive.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`fixity-bench: ${err.stack || err}\n`);
  process.exit(1);
});
