import fs from 'node:fs';
import path from 'node:path';
import type { Alert, AlertSink, NewAlert } from '../../src/alerts/types';
import { leafHash } from '../../src/catalog';
import { bucketPlan } from '../../src/config';
import { FixitySweeper, sampled, type FixityReport, type SweepOptions } from '../../src/fixity';
import { silentLogger } from '../../src/log';
import { trade } from '../../src/records/fixtures';
import { example } from '../records/fixtures';
import {
  databases,
  fileBytes,
  postDocument,
  postJson,
  sha256,
  startTestArchive,
  type TestArchive,
} from '../integration/helpers';

/**
 * Fixity sweeps on the real archive (startArchive, its emulator, a real catalog): damage made
 * in the emulator's data directory, as a disk or an intruder would, is found by the right sweep
 * and named in its sealed report.
 */

/** Alerts as the sink receives them (the real sink, src/alerts, is another part's). */
class RecordingSink implements AlertSink {
  readonly raised: NewAlert[] = [];
  raise(alert: NewAlert): Promise<Alert> {
    this.raised.push(alert);
    return Promise.resolve({
      ...alert,
      id: `alr_${this.raised.length}`,
      raisedAt: new Date(),
      acknowledgedAt: null,
      acknowledgedBy: null,
      acknowledgement: null,
    });
  }
}

/** The emulator's blob file holding exactly these bytes (bodies above 64 KiB are files under `blobs/`). */
function blobFileOf(t: TestArchive, body: Buffer): string {
  const root = path.join(t.dataDir, 'emulator', 'blobs');
  for (const sub of fs.readdirSync(root)) {
    for (const name of fs.readdirSync(path.join(root, sub))) {
      const file = path.join(root, sub, name);
      if (fs.statSync(file).size === body.length && fs.readFileSync(file).equals(body)) return file;
    }
  }
  throw new Error('no blob file holds these bytes');
}

function flipBit(file: string): void {
  const data = fs.readFileSync(file);
  data[1000] = data[1000]! ^ 0x04;
  fs.writeFileSync(file, data);
}

describe.each(databases('fixity'))('fixity sweeps (%s)', (db) => {
  let t: TestArchive;
  let sink: RecordingSink;
  let auditBucket: string;
  let sweeper: FixitySweeper;
  const ids = ['FX-1', 'FX-2', 'FX-3', 'FX-4', 'FX-5'];
  const keyOf: Record<string, string> = {};
  const files: Record<string, Buffer> = {};

  beforeAll(async () => {
    t = await startTestArchive({ db });
    const plan = bucketPlan(t.config);
    auditBucket = plan.audit.bucket;
    sink = new RecordingSink();
    sweeper = new FixitySweeper({
      catalog: t.catalog,
      store: t.store,
      recordBuckets: plan.records.map((r) => r.bucket),
      auditBucket,
      alerts: sink,
      logger: silentLogger(),
    });
    for (const id of ids) {
      const res = await postJson(`${t.url}/v1/records`, trade(id), t.ingestToken);
      expect(res.status).toBe(201);
      keyOf[id] = (await t.catalog.getRecord(id))!.objectKey;
    }
    // Documents of 100 KiB: the emulator keeps their bodies as files of its data directory.
    for (const [i, id] of ['FXD-1', 'FXD-2'].entries()) {
      const file = fileBytes(100 * 1024, i + 7);
      files[id] = file;
      const desc = {
        ...example('document'),
        recordId: id,
        fileName: `${id}.pdf`,
        sha256: sha256(file),
        size: file.length,
      };
      const res = await postDocument(t.url, t.ingestToken, desc, file, {
        form: 'raw',
        fileName: `${id}.pdf`,
      });
      expect(res.status).toBe(201);
      keyOf[id] = (await t.catalog.getRecord(id))!.objectKey;
    }
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const run = async (o: Partial<SweepOptions> & Pick<SweepOptions, 'kind'>) => {
    const out = await sweeper.run({ initiated: 'cli', ...o });
    if (out.status !== 'finished') throw new Error('sweep stopped');
    return out;
  };
  const named = (r: FixityReport) => r.problems.map((p) => `${p.kind} ${p.key}`).sort();

  test('a clean archive: no problem, a report in the audit bucket (JSON and HTML), a ledger leaf, an audit event', async () => {
    const out = await run({ kind: 'head' });
    expect(out.report.problems).toEqual([]);
    expect(out.report.counts).toMatchObject({ records: 7, checked: 7, objects: 9 });
    expect(out.report.counts.listed).toBe(9);
    const stored = await t.store.getBuffer(auditBucket, out.reportKey);
    expect(sha256(stored.body)).toBe(out.reportSha256);
    expect(JSON.parse(stored.body.toString('utf8'))).toEqual(out.report);
    const page = (await t.store.getBuffer(auditBucket, out.htmlKey)).body.toString('utf8');
    expect(page).toContain('No problem found.');
    const [leaf] = await t.catalog.ledgerLeaves({ fromSeq: out.ledgerSeq, limit: 1 });
    expect(leaf?.leafHash).toBe(
      leafHash({ kind: 'verification_report', id: out.report.sweepId, sha256: out.reportSha256 }),
    );
    const events = await t.catalog.auditEvents({ limit: 10_000 });
    const ev = events.find((e) => e.action === 'fixity.sweep' && e.target === out.report.sweepId);
    expect(JSON.parse(ev?.details ?? '{}')).toMatchObject({
      kind: 'head',
      problems: 0,
      report: out.reportKey,
    });
    expect(sink.raised).toEqual([]);
    // Create-only: the report cannot be replaced.
    await expect(t.store.putBuffer(auditBucket, out.reportKey, Buffer.from('{}'))).rejects.toThrow();
  });

  test('a flipped bit, a removed body and a foreign object are each found by the right sweep and named', async () => {
    const bucket = t.recordsBucket;
    flipBit(blobFileOf(t, files['FXD-1']!));
    fs.rmSync(blobFileOf(t, files['FXD-2']!));
    const foreign = 'trade/2026/11/21/NOT-CATALOGUED.json';
    // Written around the archive, with the root key.
    await t.archive.storeHandle.adminStore.putBuffer(bucket, foreign, Buffer.from('{"forged":true}'));

    // HEAD sees what the index says (size, CRC-64, metadata): only the foreign object.
    const head = await run({ kind: 'head' });
    expect(named(head.report)).toEqual([`unknown_object ${foreign}`]);
    expect(head.report.problems[0]).toMatchObject({
      bucket,
      recordId: null,
      found: expect.stringContaining('15 bytes'),
    });

    // The deep sweep reads every byte: the flipped bit and the lost body too.
    const deep = await run({ kind: 'deep', concurrency: 2 });
    const byKey = new Map(deep.report.problems.map((p) => [p.key, p]));
    expect([...byKey.keys()].sort()).toEqual([foreign, keyOf['FXD-1'], keyOf['FXD-2']].sort());
    expect(byKey.get(keyOf['FXD-1']!)).toMatchObject({ recordId: 'FXD-1', bucket });
    expect(['sha256_mismatch', 'crc64_mismatch']).toContain(byKey.get(keyOf['FXD-1']!)!.kind);
    expect(byKey.get(keyOf['FXD-2']!)).toMatchObject({ recordId: 'FXD-2', bucket });
    expect(['missing', 'unreadable', 'size_mismatch', 'crc64_mismatch']).toContain(
      byKey.get(keyOf['FXD-2']!)!.kind,
    );
    // Every intact record's bytes were read, and the damaged file's until its check failed (how much
    // of it is counted depends on where the runtime's stream raises the CRC-64 error: Node 20 at the
    // end, Node 26 with the last chunks still buffered).
    let intact = 0;
    for (const id of ids) intact += (await t.catalog.getRecord(id))!.size;
    expect(deep.report.counts.bytes).toBeGreaterThan(intact);
    const page = (await t.store.getBuffer(auditBucket, deep.htmlKey)).body.toString('utf8');
    for (const k of [foreign, keyOf['FXD-1']!, keyOf['FXD-2']!]) expect(page).toContain(k);
    // Each problem raised an alert, with a key that keeps a repeat from opening another.
    expect(sink.raised.map((a) => a.dedupeKey)).toContain(`fixity:unknown_object:${bucket}/${foreign}`);
    expect(sink.raised.filter((a) => a.details['recordId'] === 'FXD-1')).toHaveLength(1);
    expect(sink.raised.every((a) => a.source === 'fixity')).toBe(true);
  });

  test('a sweep killed half way resumes where it stopped, with the same id, and checks everything once', async () => {
    let pages = 0;
    await expect(
      sweeper.run({
        kind: 'head',
        initiated: 'cli',
        pageSize: 2,
        onProgress: () => {
          if (++pages === 2) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const unfinished = await t.catalog.unfinishedFixitySweep('head');
    expect(unfinished).toBeDefined();

    const stop = new AbortController();
    const stopped = await sweeper.run({
      kind: 'head',
      initiated: 'cli',
      pageSize: 1,
      signal: stop.signal,
      onProgress: () => stop.abort(),
    });
    expect(stopped).toEqual({ status: 'stopped', sweepId: unfinished!.id });

    const out = await run({ kind: 'head', pageSize: 2 });
    expect(out.report.sweepId).toBe(unfinished!.id);
    expect(out.report.resumed).toBe(2);
    expect(out.report.counts.checked).toBe(7);
    expect(named(out.report)).toEqual(['unknown_object trade/2026/11/21/NOT-CATALOGUED.json']);
    expect(await t.catalog.unfinishedFixitySweep('head')).toBeUndefined();
  });

  test('a sample checks a stable share and a bad option is refused with a reason', async () => {
    const out = await run({ kind: 'head', sample: 0.5 });
    const chosen = [...ids, 'FXD-1', 'FXD-2'].filter((id) => sampled(out.report.sweepId, id, 500_000));
    expect(out.report.counts.checked).toBe(chosen.length);
    expect(out.report.sample).toBe(0.5);
    const many = Array.from({ length: 2000 }, (_, i) => `R-${i}`).filter((id) =>
      sampled('fx_x', id, 100_000),
    );
    expect(many.length).toBeGreaterThan(120);
    expect(many.length).toBeLessThan(280);
    await expect(sweeper.run({ kind: 'head', initiated: 'cli', sample: 2 })).rejects.toThrow(/sample/);
    await expect(sweeper.run({ kind: 'head', initiated: 'cli', bucket: 'elsewhere' })).rejects.toThrow(
      /not a records bucket/,
    );
  });
});
