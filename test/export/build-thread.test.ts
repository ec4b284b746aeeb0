/**
 * Export builds in a worker thread (exports.buildThread: worker, the default;
 * docs/decisions/0023-export-build-thread.md): the real archive builds the bag in a thread of its
 * own and the bag verifies offline; a build whose thread runs out of memory is failed with that
 * reason (and audited), and a build abandoned because the service stops stays `building`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { bucketPlan } from '../../src/config';
import { ledgerEvidenceChecker } from '../../src/evidence/bag-checker';
import { workerBuild } from '../../src/export/build-thread';
import type { BuildDeps } from '../../src/export/builder';
import { LedgerExportEvidence } from '../../src/export/evidence';
import { verifyBag } from '../../src/export/verify-bag';
import { createLogger, silentLogger } from '../../src/log';
import { numberedTrade } from '../../src/records/fixtures';
import {
  getWith,
  postJson,
  principalWithToken,
  startTestArchive,
  tempDir,
  type TestArchive,
} from '../integration/helpers';

jest.setTimeout(120_000);

const REQUEST = {
  reference: 'SFC/THREAD/1',
  recipient: { name: 'Jane Officer', organisation: 'Securities and Futures Commission' },
  purpose: 'worker thread builds',
  criteria: { type: 'trade' },
};

interface View {
  id: string;
  status: string;
  reason?: string;
  bag: { bucket: string; key: string; sha256: string; size: number } | null;
}

describe('export builds in a worker thread', () => {
  let t: TestArchive;
  let compliance: { id: string; token: string };
  const lines: Record<string, unknown>[] = [];
  const dir = tempDir('build-thread');

  beforeAll(async () => {
    const capture = new PassThrough();
    capture.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    t = await startTestArchive({
      db: 'sqlite',
      logger: createLogger({ level: 'info', destination: capture }),
    });
    expect(t.config.exports.buildThread).toBe('worker');
    compliance = await principalWithToken(t.catalog, 'compliance');
    for (let i = 0; i < 40; i++) {
      const res = await postJson(`${t.url}/v1/records`, numberedTrade('THR', i), t.ingestToken);
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const view = async (id: string): Promise<View> => {
    const res = await getWith(`${t.url}/v1/exports/${id}`, compliance.token);
    expect(res.status).toBe(200);
    return ((await res.json()) as { export: View }).export;
  };
  const create = async (reference: string): Promise<string> => {
    const res = await postJson(`${t.url}/v1/exports`, { ...REQUEST, reference }, compliance.token);
    expect(res.status).toBe(202);
    return ((await res.json()) as { export: View }).export.id;
  };
  const deps = (signal?: AbortSignal): BuildDeps => ({
    catalog: t.catalog,
    store: t.store,
    evidence: new LedgerExportEvidence(t.archive.evidence.proofs),
    exportsBucket: bucketPlan(t.config).exports.bucket,
    sourceOrganization: t.config.exports.sourceOrganization,
    logger: silentLogger(),
    tmpDir: dir,
    ...(signal ? { signal } : {}),
  });

  it('builds the bag in its own thread, and the bag verifies offline', async () => {
    const id = await create('SFC/THREAD/1');
    let v = await view(id);
    for (let i = 0; i < 600 && v.status === 'building'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      v = await view(id);
    }
    expect(v.status).toBe('ready');
    // The builder's own log line came from the worker, relayed through the serving logger.
    const ready = lines.find((l) => l.msg === 'export ready' && l.exportId === id);
    expect(ready).toMatchObject({ thread: 'export-build', records: 40, component: 'exports' });
    if (!v.bag) throw new Error('no bag');
    const zip = path.join(dir, 'bag.zip');
    fs.writeFileSync(zip, (await t.store.getBuffer(v.bag.bucket, v.bag.key)).body);
    const verdict = await verifyBag(zip, {
      checker: ledgerEvidenceChecker,
      key: await t.archive.evidence.proofs.verifierKey(),
    });
    expect(verdict.problems).toEqual([]);
    expect(verdict.summary.records).toBe(40);
    expect(verdict.summary.proofsChecked).toBe(40);
  });

  describe('with the service stopped (the rows stay building until a build is run by hand)', () => {
    beforeAll(async () => {
      await t.archive.exports.close();
    });

    it('fails a build whose thread runs out of memory, with that reason, and audits it', async () => {
      const id = await create('SFC/THREAD/OOM');
      const row = await t.catalog.getExport(id);
      if (!row) throw new Error('no row');
      const build = workerBuild({ connection: t.archive.storeHandle.connection, heapMb: 1 });
      const failed = await build(deps(), row);
      expect(failed.status).toBe('failed');
      expect(failed.failure).toMatch(/ran out of memory \(exports\.buildHeapMb is 1 MB\)/);
      const v = await view(id);
      expect(v).toMatchObject({ status: 'failed', reason: failed.failure ?? '' });
      const events = await t.catalog.queryAudit({ target: id, limit: 50 });
      expect(events.map((e) => [e.action, e.outcome])).toContainEqual(['export.build', 'error']);
    });

    it('leaves a build abandoned by a stopping service building, to resume at the next start', async () => {
      const id = await create('SFC/THREAD/STOP');
      const row = await t.catalog.getExport(id);
      if (!row) throw new Error('no row');
      const stop = new AbortController();
      const build = workerBuild({ connection: t.archive.storeHandle.connection, heapMb: 256 });
      const run = build(deps(stop.signal), row);
      stop.abort();
      await expect(run).rejects.toThrow();
      expect((await view(id)).status).toBe('building');

      // Run again to its end, as a restarted service would: the same worker build makes it ready.
      const done = await build(deps(), (await t.catalog.getExport(id)) ?? row);
      expect(done.status).toBe('ready');
    });
  });
});
