#!/usr/bin/env node
'use strict';
/* global setInterval, clearInterval, __filename */
// Export bag writer: time, throughput and peak RSS of dist/export's buildBag against a baseline
// that writes the same entries with the same ZIP writer (dist/export/zip-writer, our own) and
// nothing else (no checks, no manifests, no index), and, for the record, the same entries through
// compress-commons 6 (the library the writer replaced), in one run. Each measurement runs in its
// own child process so that its peak RSS is its own. Usage (after `npm run build`):
//   node scripts/bench/export-bag.js [--records 100000] [--big-mib 1024] [--cases records,big]
//                                    [--impls baseline,compress-commons,bag] [--dist DIR] [--json FILE]
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { Readable, Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { benchOptions } = require('./options');

const args = process.argv.slice(2);
const { opt, positive } = benchOptions(args);
const DIST = path.resolve(opt('dist', path.join(__dirname, '..', '..', 'dist')));
const RECORDS = positive('records', 100000);
const BIG_MIB = positive('big-mib', 1024);
const TIME = new Date('2026-11-28T00:00:00Z');

const PROOF = `c2sp.org/tlog-proof@v1\nindex 123456\n${'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'.repeat(17)}\nexample/log\n200000\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— example/log AAAA\n`;

/** A sink that counts and hashes, so the ZIP's bytes are really produced and read. */
function sink() {
  const hash = createHash('sha256');
  let bytes = 0;
  const w = new Writable({
    write(chunk, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb();
    },
  });
  w.result = () => ({ bytes, sha256: hash.digest('hex') });
  return w;
}

function* smallRecords(crc64, n) {
  for (let i = 0; i < n; i++) {
    const id = `T-20261121-${String(i).padStart(6, '0')}`;
    const client = `C-${1000 + (i % 500)}`;
    const bytes = Buffer.from(
      JSON.stringify({
        accountId: `A-${client.slice(2)}-01`,
        capacity: 'agency',
        clientId: client,
        currency: 'HKD',
        executedAt: '2026-11-21T09:31:02.123+08:00',
        instrument: { code: String(i % 9000).padStart(4, '0'), exchange: 'XHKG' },
        orderId: `O-${i}`,
        price: '388.20',
        quantity: 100 + (i % 1000),
        recordId: id,
        recordType: 'trade',
        side: i % 2 ? 'buy' : 'sell',
        tradeId: id,
        venue: 'XHKG',
      }),
    );
    yield {
      recordId: id,
      recordType: 'trade',
      objectKey: `trade/2026/11/21/${id}.json`,
      businessDate: '2026-11-21',
      clientId: client,
      accountId: `A-${client.slice(2)}-01`,
      instrument: `XHKG:${String(i % 9000).padStart(4, '0')}`,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      crc64: crc64(bytes),
      bytes,
      open: () => Readable.from([bytes]),
      proof: PROOF,
    };
  }
}

const BLOCK = createHash('sha512').update('strongroom').digest(); // 64 bytes, repeated
function bigStream(mib) {
  const chunk = Buffer.alloc(1024 * 1024);
  for (let o = 0; o < chunk.length; o += BLOCK.length) BLOCK.copy(chunk, o);
  let left = mib;
  return new Readable({
    read() {
      this.push(left-- > 0 ? chunk : null);
    },
  });
}

async function bigRecord(Crc64, mib) {
  const sha = createHash('sha256');
  const crc = new Crc64();
  for await (const c of bigStream(mib)) {
    sha.update(c);
    crc.update(c);
  }
  return {
    recordId: 'D-BIG-0001',
    recordType: 'document',
    objectKey: 'document/2026/11/21/D-BIG-0001.bin',
    businessDate: '2026-11-21',
    clientId: 'C-1001',
    accountId: null,
    instrument: null,
    size: mib * 1024 * 1024,
    sha256: sha.digest('hex'),
    crc64: crc.digest(),
    contentType: 'application/octet-stream',
    open: () => bigStream(mib),
    proof: PROOF,
  };
}

const auditOf = (n) =>
  (function* () {
    for (let i = 0; i < n; i++) {
      yield {
        seq: i,
        eventId: `evt_${i}`,
        at: new Date(1795000000000 + i),
        principalId: 'usr_ingest',
        action: 'record.ingest',
        target: `T-${i}`,
        outcome: 'allowed',
        ip: '10.0.0.1',
        requestId: `req-${i}`,
        details: null,
        prevHash: '0'.repeat(64),
        hash: 'f'.repeat(64),
      };
    }
  })();

/** One measurement, in this process: prints a JSON line. */
async function child(kase, impl) {
  const { buildBag } = require(path.join(DIST, 'export'));
  const { crc64, Crc64 } = require(path.join(DIST, 'util', 'crc64'));
  const records = kase === 'records' ? smallRecords(crc64, RECORDS) : [await bigRecord(Crc64, BIG_MIB)];
  const count = kase === 'records' ? RECORDS : 1;
  const out = sink();
  let peakRss = 0;
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const t0 = process.hrtime.bigint();
  let recordBytes = 0;
  if (impl === 'bag') {
    const build = buildBag({
      request: {
        exportId: 'exp_bench',
        reference: 'BENCH/1',
        purpose: 'bench',
        recipient: { name: 'N', organisation: 'O' },
      },
      sourceOrganization: 'Bench Ltd',
      baggedAt: TIME,
      records,
      auditEvents: auditOf(count),
      checkpoint: 'example/log\n200000\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— example/log AAAA\n',
      verifierKey: 'example/log+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    await pipeline(build.stream, out);
    recordBytes = (await build.done).recordBytes;
  } else if (impl === 'baseline') {
    // Baseline: the same records and proofs into a ZIP with the same writer and settings.
    const { ZipWriter } = require(path.join(DIST, 'export', 'zip-writer'));
    const zip = new ZipWriter({ time: TIME, compressionLevel: 6 });
    const piped = pipeline(zip.output, out);
    for await (const r of records) {
      // The bag's rule (src/export/bag-writer.ts): deflate text of 64 KiB and more, store the rest.
      await zip.add(`exp_bench/data/records/${r.objectKey}`, r.open(), {
        compress: r.objectKey.endsWith('.json') && r.size >= 65536,
      });
      await zip.add(`exp_bench/data/evidence/proofs/${r.recordId}.tlog-proof`, Buffer.from(r.proof), {
        compress: false,
      });
      recordBytes += r.size;
    }
    zip.finish();
    await piped;
  } else if (impl === 'compress-commons') {
    // For the record: the same entries through compress-commons 6 (devDependency), used directly.
    const { ZipArchiveEntry, ZipArchiveOutputStream } = require('compress-commons');
    const zip = new ZipArchiveOutputStream({ zlib: { level: 6 } });
    const piped = pipeline(zip, out);
    const add = (name, source, deflate) =>
      new Promise((resolve, reject) => {
        const e = new ZipArchiveEntry(name);
        e.setTime(TIME);
        e.setMethod(deflate ? 8 : 0);
        zip.entry(e, source, (err) => (err ? reject(err) : resolve()));
      });
    for await (const r of records) {
      await add(
        `exp_bench/data/records/${r.objectKey}`,
        r.open(),
        r.objectKey.endsWith('.json') && r.size >= 65536,
      );
      await add(`exp_bench/data/evidence/proofs/${r.recordId}.tlog-proof`, Buffer.from(r.proof), false);
      recordBytes += r.size;
    }
    zip.finish();
    await piped;
  } else {
    throw new Error(`unknown impl ${impl}`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(timer);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const { bytes } = out.result();
  process.stdout.write(
    `${JSON.stringify({ kase, impl, seconds, zipBytes: bytes, recordBytes, count, peakRss: Math.max(peakRss, maxRss) })}\n`,
  );
}

function run(kase, impl) {
  const out = execFileSync(process.execPath, [__filename, '--child', kase, impl, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

async function main() {
  const c = args.indexOf('--child');
  if (c >= 0) return child(args[c + 1], args[c + 2]);
  const cases = opt('cases', 'records,big').split(',');
  const impls = opt('impls', 'baseline,compress-commons,bag').split(',');
  const mib = (b) => (b / 1048576).toFixed(1);
  const rows = [];
  for (const kase of cases) {
    const results = {};
    for (const impl of impls) {
      process.stderr.write(`export-bag: ${kase} ${impl} ...\n`);
      results[impl] = run(kase, impl);
    }
    rows.push({ kase, results });
  }
  process.stdout.write(
    `node ${process.version}, ${require('node:os').cpus().length} CPUs; dist ${path.relative(process.cwd(), DIST) || '.'}; records case: ${RECORDS} records; big case: one ${BIG_MIB} MiB stream\n\n`,
  );
  process.stdout.write(
    '| case | impl | time (s) | records/s | MiB/s (records) | ZIP MiB | peak RSS MiB | time ratio to baseline | RSS ratio to baseline |\n',
  );
  process.stdout.write('|---|---|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const { kase, results } of rows) {
    const base = results.baseline;
    for (const r of Object.values(results)) {
      const ratio = (a, b) => (base && r !== base ? (a / b).toFixed(2) : '');
      process.stdout.write(
        `| ${kase} | ${r.impl} | ${r.seconds.toFixed(2)} | ${Math.round(r.count / r.seconds)} | ${(r.recordBytes / 1048576 / r.seconds).toFixed(1)} | ${mib(r.zipBytes)} | ${mib(r.peakRss)} | ${ratio(r.seconds, base?.seconds)} | ${ratio(r.peakRss, base?.peakRss)} |\n`,
      );
    }
  }
  const json = opt('json', null);
  if (json) writeFileSync(json, `${JSON.stringify({ node: process.version, dist: DIST, rows }, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
