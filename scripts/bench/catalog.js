#!/usr/bin/env node
'use strict';
/*
 * Catalog benchmark: what one record costs the SQLite catalog, through the catalog (group commit,
 * Kysely) and as a floor, through better-sqlite3 prepared statements alone on the same schema.
 *
 *   npm run build && node scripts/bench/catalog.js [--records 20000] [--group 12] [--concurrency 32]
 *
 *   floor:   BEGIN IMMEDIATE; per record: ledger leaf, record row, audit event (UUIDv7 id);
 *            COMMIT every --group records. No validation, no Kysely: SQLite's own cost.
 *   catalog: catalog.commitRecord(record, auditEvent) with --concurrency calls outstanding
 *            (group commit decides the groups), then the WAL synced before each answer.
 *
 * Both on fresh databases in a temp dir, synchronous=NORMAL (the catalog's setting). Prints a
 * table (us per record, CPU and wall) on stdout; --json FILE writes the numbers.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const ROOT = path.resolve(__dirname, '..', '..');
const { opt, positive } = require('./options').benchOptions(process.argv.slice(2));
const N = positive('records', 20000);
const GROUP = positive('group', 12);
const CONC = positive('concurrency', 32);
const JSON_OUT = opt('json', null);

const { openCatalog } = require(path.join(ROOT, 'dist', 'catalog'));
const { timeOrderedUuid } = require(path.join(ROOT, 'dist', 'catalog', 'group'));
const Database = require(path.join(ROOT, 'node_modules', 'better-sqlite3'));

const hex = () => crypto.randomBytes(32).toString('hex');
function record(i) {
  const id = `T-20261121-${String(i).padStart(8, '0')}`;
  const now = new Date();
  return {
    recordId: id,
    recordType: 'trade',
    schemaVersion: 1,
    businessDate: '2026-11-21',
    clientId: `C-${crypto.randomInt(100000)}`,
    accountId: `A-${crypto.randomInt(100000)}`,
    instrument: `XHKG:${crypto.randomInt(10000)}`,
    orderId: `O-${crypto.randomUUID()}`,
    tradeId: id,
    bucket: 'strongroom-records-7y',
    objectKey: `trade/2026/11/21/${id}.json`,
    sha256: hex(),
    crc64: String(crypto.randomInt(2 ** 47)),
    md5: crypto.randomBytes(16).toString('base64'),
    size: 300,
    contentType: 'application/json',
    retentionClass: '7y',
    retainUntil: new Date(now.getTime() + 7 * 365 * 864e5),
    ingestedAt: now,
    principalId: 'usr_bench0001',
  };
}
const event = (id) => ({
  principalId: 'usr_bench0001',
  action: 'records.write',
  target: id,
  outcome: 'allowed',
  ip: '127.0.0.1',
  requestId: `req-${id}`,
  details: { bytes: 300 },
});
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function fresh(dir, name) {
  const file = path.join(dir, `${name}.sqlite`);
  await (await openCatalog({ sqlitePath: file })).close();
  return file;
}

async function floor(dir) {
  const d = new Database(await fresh(dir, 'floor'));
  d.pragma('journal_mode = WAL');
  d.pragma('synchronous = NORMAL');
  d.pragma('foreign_keys = ON');
  const cols = [
    'record_id',
    'record_type',
    'schema_version',
    'business_date',
    'client_id',
    'account_id',
    'instrument',
    'order_id',
    'trade_id',
    'bucket',
    'object_key',
    'sha256',
    'crc64',
    'md5',
    'size',
    'content_type',
    'retention_class',
    'retain_until',
    'ingested_at',
    'principal_id',
    'ledger_seq',
    'amends',
    'document_type',
    'file_name',
  ];
  const ins = d.prepare(`insert into records (${cols.join(',')}) values (${cols.map(() => '?').join(',')})`);
  const leaf = d.prepare(
    'insert into ledger_leaves (seq, kind, record_id, sha256, leaf_hash, created_at) values (?,?,?,?,?,?)',
  );
  const aud = d.prepare(
    'insert into audit_events (seq, event_id, at, principal_id, action, target, outcome, ip, request_id, details, prev_hash, hash) values (?,?,?,?,?,?,?,?,?,?,?,?)',
  );
  const ctr = d.prepare(
    'update counters set next_value = next_value + ? where name = ? returning next_value',
  );
  const t0 = process.hrtime.bigint();
  const c0 = cpuUs();
  let commitNs = 0n;
  for (let seq = 0; seq < N;) {
    const n = Math.min(GROUP, N - seq);
    d.exec('begin immediate');
    ctr.get(n, 'ledger');
    ctr.get(n, 'audit');
    for (let k = 0; k < n; k++, seq++) {
      const r = record(seq);
      const now = r.ingestedAt.toISOString();
      leaf.run(seq, 'record', r.recordId, r.sha256, hex(), now);
      ins.run(
        r.recordId,
        r.recordType,
        1,
        r.businessDate,
        r.clientId,
        r.accountId,
        r.instrument,
        r.orderId,
        r.tradeId,
        r.bucket,
        r.objectKey,
        r.sha256,
        r.crc64,
        r.md5,
        r.size,
        r.contentType,
        r.retentionClass,
        r.retainUntil.toISOString(),
        now,
        r.principalId,
        seq,
        null,
        null,
        null,
      );
      aud.run(
        seq,
        `evt_${timeOrderedUuid(Date.now())}`,
        now,
        r.principalId,
        'records.write',
        r.recordId,
        'allowed',
        '127.0.0.1',
        `req-${r.recordId}`,
        '{"bytes":300}',
        hex(),
        hex(),
      );
    }
    const tc = process.hrtime.bigint();
    d.exec('commit');
    commitNs += process.hrtime.bigint() - tc;
  }
  const wallUs = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = cpuUs() - c0;
  d.close();
  return {
    wallUsPerRecord: wallUs / N,
    cpuUsPerRecord: cpu / N,
    commitUsPerRecord: Number(commitNs) / 1e3 / N,
  };
}

async function viaCatalog(dir) {
  const catalog = await openCatalog({ sqlitePath: await fresh(dir, 'catalog') });
  const t0 = process.hrtime.bigint();
  const c0 = cpuUs();
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const r = record(next++);
      await catalog.commitRecord(r, event(r.recordId));
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
  const wallUs = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = cpuUs() - c0;
  const stats = catalog.writeStats();
  await catalog.close();
  return {
    wallUsPerRecord: wallUs / N,
    cpuUsPerRecord: cpu / N,
    groups: stats.groups,
    meanGroup: N / stats.groups,
  };
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-bench-catalog-'));
  try {
    process.stderr.write(
      `catalog bench: ${N} records, floor groups of ${GROUP}, catalog with ${CONC} outstanding\n`,
    );
    const f = await floor(dir);
    const c = await viaCatalog(dir);
    const fmt = (x) => x.toFixed(1).padStart(8);
    process.stdout.write(
      `strongroom catalog benchmark: ${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} CPU(s), load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n\n` +
        'path                                      us/rec wall  us/rec CPU  notes\n' +
        '----------------------------------------  -----------  ----------  -----\n' +
        `floor: better-sqlite3, commit per ${String(GROUP).padEnd(3)}       ${fmt(f.wallUsPerRecord)}     ${fmt(f.cpuUsPerRecord)}  commit alone ${f.commitUsPerRecord.toFixed(1)} us/rec\n` +
        `catalog.commitRecord, ${String(CONC).padEnd(3)} outstanding     ${fmt(c.wallUsPerRecord)}     ${fmt(c.cpuUsPerRecord)}  ${c.groups} groups, ${c.meanGroup.toFixed(1)} records each\n`,
    );
    if (JSON_OUT)
      fs.writeFileSync(
        JSON_OUT,
        JSON.stringify({ records: N, group: GROUP, concurrency: CONC, floor: f, catalog: c }, null, 2),
      );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
