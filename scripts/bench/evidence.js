#!/usr/bin/env node
'use strict';
/*
 * Evidence benchmark (src/evidence: the checkpointer in serve, the proof routes), each row
 * against a floor measured in the same run, on one archive (the composition root from dist/,
 * its embedded emulator, a SQLite catalog):
 *
 *   npm run build && node scripts/bench/evidence.js [--records 20000] [--fill 0] [--requests 500] [--json FILE]
 *
 * --fill M adds M synthetic leaves after the --records real ones, to reach a large log (the goal is
 * stated for 1,000,000 leaves; ingesting that many through the API takes hours on 2 cores): each
 * is a catalog row committed through catalog.commitRecord (the write path's own commit: row, ledger
 * leaf and audit event in one transaction) of a numbered trade whose object is NOT in OSS. The
 * checkpointer then integrates every leaf into tiles in the emulator as usual. GET /v1/records/:id
 * and /proof are measured on the real records only (their proofs run through the whole tree);
 * /v1/ledger/proof/inclusion on indexes drawn from the whole log.
 *
 *   p  latency of GET /v1/records/:id/proof (a tlog-proof from the tiles, through the tile
 *      cache) and of GET /v1/ledger/proof/inclusion?index=, p50/p99, random records, the
 *      requests interleaved with the floor: GET /v1/records/:id on the same archive   goal <= 1.5x
 *   k  the checkpointer over --records new leaves (POST /v1/ledger/checkpoint): wall time and
 *      this process's CPU per leaf (the embedded emulator storing the tiles runs here too),
 *      against bare SHA-256 hashing of the same RFC 9162 tree                            reported
 *
 * The library's own rows (integrate CPU per leaf, verifyLog against a bare GET) are in ledger.js.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const { opt, positive } = require('./options').benchOptions(process.argv.slice(2));
const N = positive('records', 20_000);
const FILL = Number(opt('fill', '0'));
if (!Number.isInteger(FILL) || FILL < 0) throw new Error('--fill: a whole number of leaves');
const REQUESTS = positive('requests', 500);
const JSON_OUT = opt('json', null);
const DIST = path.join(ROOT, 'dist');
const log = (s) => process.stderr.write(`${s}\n`);
const { fetch } = globalThis; // Node 20's global fetch (undici)

const { loadConfig } = require(path.join(DIST, 'config'));
const { startArchive } = require(path.join(DIST, 'runtime', 'archive'));
const { silentLogger } = require(path.join(DIST, 'log'));
const { createPrincipal } = require(path.join(DIST, 'auth'));
const { numberedTrade } = require(path.join(DIST, 'records', 'fixtures'));
const { catalogRow } = require(path.join(DIST, 'ingest', 'catalog-row'));

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** RFC 9162 tree hashing with nothing else: leaf hashes, then every level of interior nodes. */
function bareTreeHash(leaves) {
  let level = leaves.map((d) =>
    crypto
      .createHash('sha256')
      .update(Buffer.from([0]))
      .update(d)
      .digest(),
  );
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2)
      next.push(
        crypto
          .createHash('sha256')
          .update(Buffer.from([1]))
          .update(level[i])
          .update(level[i + 1])
          .digest(),
      );
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-bench-evidence-'));
  const config = loadConfig({
    env: {},
    overrides: { dataDir, logLevel: 'silent', server: { port: 0 }, ledger: { checkpointSeconds: 86_400 } },
  });
  const archive = await startArchive(config, { logger: silentLogger() });
  try {
    const tokens = JSON.parse(fs.readFileSync(archive.bootstrap.tokenFile, 'utf8'));
    const made = {};
    for (const role of ['reader', 'auditor'])
      made[role] = (
        await createPrincipal(archive.catalog, {
          name: `bench-${role}`,
          role,
          kind: 'system',
          actor: { principalId: null, details: { via: 'bench' } },
        })
      ).token;
    const h = (token) => ({ authorization: `Bearer ${token}` });

    log(`ingesting ${N} records (POST /v1/batches, 5000 lines each)...`);
    const ids = [];
    for (let from = 0; from < N; from += 5000) {
      const lines = [];
      for (let i = from; i < Math.min(N, from + 5000); i++) {
        const r = numberedTrade('BENCH', i);
        ids.push(r.recordId);
        lines.push(JSON.stringify(r));
      }
      const res = await fetch(`${archive.url}/v1/batches`, {
        method: 'POST',
        headers: { ...h(tokens.ingest.token), 'content-type': 'application/x-ndjson' },
        body: `${lines.join('\n')}\n`,
      });
      await res.text();
      if (res.status !== 200) throw new Error(`batch: ${res.status}`);
    }

    if (FILL > 0) {
      // Synthetic leaves (see the header): through the catalog's commit, 64 outstanding.
      const [principal] = (await archive.catalog.listPrincipals()).filter((p) => p.role === 'ingest');
      const t = Date.now();
      let next = 0;
      const worker = async () => {
        while (next < FILL) {
          const i = next++;
          const record = numberedTrade('FILL', i);
          const bytes = Buffer.from(JSON.stringify(record));
          const row = catalogRow({
            record,
            stored: {
              bucket: 'synthetic-not-in-oss',
              key: `synthetic/${record.recordId}.json`,
              sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
              crc64: String(i),
              md5: crypto.createHash('md5').update(bytes).digest('base64'),
              size: bytes.length,
              contentType: 'application/json',
            },
            retentionClass: { name: '7y', days: 2557 },
            schemaVersion: 1,
            ingestedAt: new Date(),
            principalId: principal.id,
          });
          await archive.catalog.commitRecord(row, {
            principalId: principal.id,
            action: 'bench.fill',
            target: record.recordId,
            outcome: 'allowed',
          });
          if (i > 0 && i % 100_000 === 0) log(`  filled ${i} (${((Date.now() - t) / 1000).toFixed(0)} s)`);
        }
      };
      log(`filling ${FILL} synthetic leaves through catalog.commitRecord...`);
      await Promise.all(Array.from({ length: 64 }, worker));
      log(`filled in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    }
    const TOTAL = N + FILL;

    // k: the checkpointer over N new leaves, against bare hashing of the same tree.
    const leaves = (await archive.catalog.ledgerLeaves({ limit: 10_000 })).length;
    log(`checkpointing ${TOTAL} leaves (catalog shows ${leaves}+)...`);
    const cpu0 = cpuUs();
    const t0 = process.hrtime.bigint();
    const cp = await fetch(`${archive.url}/v1/ledger/checkpoint`, {
      method: 'POST',
      headers: h(tokens.admin.token),
    });
    const made1 = await cp.json();
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    // The archive's own leaves (sealed audit segments) may join the records' while the bench runs.
    const SIZE = made1.treeSize;
    const cpuPerLeaf = (cpuUs() - cpu0) / SIZE;
    if (SIZE < TOTAL) throw new Error(`checkpoint of ${SIZE}, expected at least ${TOTAL}`);
    const data = [];
    for (let seq = 0; seq < SIZE; seq += 10_000)
      for (const l of await archive.catalog.ledgerLeaves({ fromSeq: seq, limit: 10_000 }))
        data.push(Buffer.from(`strongroom-leaf-v1\n${l.kind}\n${l.recordId}\n${l.sha256}\n`));
    data.length = SIZE; // leaves added after the checkpoint are not in its tree
    const c1 = cpuUs();
    const root = bareTreeHash(data);
    const bareUs = (cpuUs() - c1) / SIZE;
    if (root.toString('hex') !== made1.rootHash) throw new Error('the bare tree gives another root');

    // p: interleaved latencies.
    log(`${REQUESTS} requests each, interleaved...`);
    const lat = { record: [], proof: [], inclusion: [] };
    const timed = async (key, url, token) => {
      const s = process.hrtime.bigint();
      const res = await fetch(url, { headers: h(token) });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
      lat[key].push(Number(process.hrtime.bigint() - s) / 1e6);
    };
    for (let i = 0; i < REQUESTS + 20; i++) {
      const k = Math.floor(Math.random() * N);
      const id = ids[k];
      const order = i % 2 === 0 ? ['record', 'proof', 'inclusion'] : ['inclusion', 'proof', 'record'];
      for (const what of order) {
        if (what === 'record') await timed('record', `${archive.url}/v1/records/${id}`, made.reader);
        if (what === 'proof') await timed('proof', `${archive.url}/v1/records/${id}/proof`, made.reader);
        if (what === 'inclusion')
          await timed(
            'inclusion',
            `${archive.url}/v1/ledger/proof/inclusion?index=${Math.floor(Math.random() * TOTAL)}`,
            made.auditor,
          );
      }
      if (i === 19) for (const key of Object.keys(lat)) lat[key] = []; // warm-up dropped
    }
    const row = (key) => ({ p50: pct(lat[key], 50), p99: pct(lat[key], 99) });
    const rec = row('record');
    const out = {
      records: N,
      syntheticLeaves: FILL,
      leaves: TOTAL,
      requests: REQUESTS,
      latencyMs: { record: rec, proof: row('proof'), inclusion: row('inclusion') },
      ratios: {
        proofP50: row('proof').p50 / rec.p50,
        proofP99: row('proof').p99 / rec.p99,
        inclusionP50: row('inclusion').p50 / rec.p50,
        inclusionP99: row('inclusion').p99 / rec.p99,
      },
      checkpoint: { wallMs, cpuUsPerLeaf: cpuPerLeaf, bareHashUsPerLeaf: bareUs, ratio: cpuPerLeaf / bareUs },
    };
    const f = (x) => x.toFixed(2);
    process.stdout.write(
      [
        `p  ${N} records${FILL ? ` + ${FILL} synthetic leaves = ${TOTAL}` : ''}, ${REQUESTS} random requests each (interleaved):`,
        `   GET /v1/records/:id           p50 ${f(rec.p50)} ms  p99 ${f(rec.p99)} ms (floor)`,
        `   GET /v1/records/:id/proof     p50 ${f(row('proof').p50)} ms  p99 ${f(row('proof').p99)} ms  = ${f(out.ratios.proofP50)}x / ${f(out.ratios.proofP99)}x (goal <= 1.5x)`,
        `   GET /v1/ledger/proof/inclusion p50 ${f(row('inclusion').p50)} ms  p99 ${f(row('inclusion').p99)} ms  = ${f(out.ratios.inclusionP50)}x / ${f(out.ratios.inclusionP99)}x (goal <= 1.5x)`,
        `k  checkpoint of ${SIZE} leaves: ${f(wallMs)} ms wall; process CPU ${f(cpuPerLeaf)} us/leaf (with the embedded emulator's PUTs) vs bare tree hashing ${f(bareUs)} us/leaf = ${f(out.checkpoint.ratio)}x`,
        '',
      ].join('\n'),
    );
    if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(out, null, 2));
  } finally {
    await archive.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack || err}\n`);
  process.exit(1);
});
