import fs from 'node:fs';
import type { NodeId } from '../../src/ledger';
import { hashChildren, inclusionProof, treeRoot } from '../../src/ledger';
import { verifyInclusion } from '../../src/ledger/verify-proof';
import { loadConfig } from '../../src/config';
import { AccessDeniedError, NotFoundError } from '../../src/errors';
import { silentLogger } from '../../src/log';
import { trade } from '../../src/records/fixtures';
import { startArchive, type Archive } from '../../src/runtime/archive';
import { dispositionDeleter } from '../../src/runtime/disposition';
import { ManualClock } from '../../src/util/clock';
import { onUnaudited } from '../helpers/audit-guard';
import { getWith, postJson, principalWithToken, tempDir } from './helpers';

/**
 * Disposition on the real archive: its embedded emulator's WORM buckets and control plane (STS,
 * the disposition role), on a clock moved past the 7-year retention.
 */
const DAY_MS = 86_400_000;

/** Perfect-subtree hashes over the ledger's leaf hashes (RFC 9162), for proofs in the test. */
function memorySource(leaves: Buffer[]) {
  const node = (id: NodeId): Buffer => {
    if (id.level === 0) return leaves[Number(id.index)]!;
    const left = node({ level: id.level - 1, index: id.index * 2n });
    const right = node({ level: id.level - 1, index: id.index * 2n + 1n });
    return hashChildren(left, right);
  };
  return { nodeHashes: (ids: readonly NodeId[]) => Promise.resolve(ids.map(node)) };
}

describe('disposition', () => {
  const dir = tempDir('disposition');
  const clock = new ManualClock(new Date());
  let archive: Archive;
  let ingest: string;
  let a: string;
  let b: string;
  const keyOf: Record<string, string> = {};
  const config = loadConfig({
    env: {},
    overrides: { dataDir: dir, logLevel: 'silent', server: { port: 0 } },
  });

  beforeAll(async () => {
    archive = await startArchive(config, { logger: silentLogger(), clock, onUnaudited });
    ingest = (
      JSON.parse(fs.readFileSync(archive.bootstrap!.tokenFile, 'utf8')) as { ingest: { token: string } }
    ).ingest.token;
    a = (await principalWithToken(archive.catalog, 'compliance')).token;
    b = (await principalWithToken(archive.catalog, 'compliance')).token;
    for (const id of ['DSP-1', 'DSP-2', 'DSP-3', 'DSP-4']) {
      expect((await postJson(`${archive.url}/v1/records`, trade(id), ingest)).status).toBe(201);
      keyOf[id] = (await archive.catalog.getRecord(id))!.objectKey;
    }
  }, 120_000);
  afterAll(async () => {
    await archive?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const eligible = async (asOf?: string): Promise<string[]> => {
    const res = await getWith(`${archive.url}/v1/disposition${asOf ? `?asOf=${asOf}` : ''}`, a);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: { recordId: string }[] }).items.map((i) => i.recordId);
  };

  test('two principals, exactly the approved objects deleted, tombstones left, old proofs still verify', async () => {
    expect(await eligible()).toEqual([]);
    const hold = await postJson(
      `${archive.url}/v1/holds`,
      { name: 'keep', matter: 'M-9', reason: 'investigation', criteria: { recordIds: ['DSP-3'] } },
      a,
    );
    expect(hold.status).toBe(201);
    const leavesBefore = await archive.catalog.ledgerLeaves({ limit: 1000 });
    const sizeBefore = BigInt(leavesBefore.length);
    const hashesBefore = leavesBefore.map((l) => Buffer.from(l.leafHash, 'hex'));
    const rootBefore = await treeRoot(memorySource(hashesBefore), sizeBefore);
    const d1 = leavesBefore.find((l) => l.recordId === 'DSP-1')!;
    const proofBefore = await inclusionProof(memorySource(hashesBefore), BigInt(d1.seq), sizeBefore);

    // Past the retain-until and the bucket's own 7-year protection.
    clock.advance(2600 * DAY_MS);
    expect(await eligible()).toEqual(['DSP-1', 'DSP-2', 'DSP-4']);
    const csv = await getWith(`${archive.url}/v1/disposition?format=csv`, a);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).split('\r\n')[0]).toBe(
      'recordId,bucket,key,sha256,retentionClass,retainUntil,protectedUntil',
    );

    const held = await postJson(`${archive.url}/v1/dispositions`, { reason: 'r', recordIds: ['DSP-3'] }, a);
    expect(held.status).toBe(409);
    expect(((await held.json()) as { error: { code: string } }).error.code).toBe('NotEligible');

    const proposed = await postJson(
      `${archive.url}/v1/dispositions`,
      { reason: 'past retention', recordIds: ['DSP-1', 'DSP-2'] },
      a,
    );
    expect(proposed.status).toBe(201);
    const { disposition } = (await proposed.json()) as { disposition: { id: string; itemCount: number } };
    expect(disposition.itemCount).toBe(2);
    // Nothing is deleted before a second principal approves.
    await archive.storeHandle.store.head((await archive.catalog.getRecord('DSP-1'))!.bucket, keyOf['DSP-1']!);

    const self = await postJson(
      `${archive.url}/v1/dispositions/${disposition.id}/approve`,
      { note: 'ok' },
      a,
    );
    expect(self.status).toBe(403);
    expect(((await self.json()) as { error: { code: string } }).error.code).toBe('FourEyesRequired');

    const approved = await postJson(
      `${archive.url}/v1/dispositions/${disposition.id}/approve`,
      { note: 'checked' },
      b,
    );
    expect(approved.status).toBe(200);
    const body = (await approved.json()) as { results: { recordId: string; outcome: string }[] };
    expect(body.results.map((r) => [r.recordId, r.outcome]).sort()).toEqual([
      ['DSP-1', 'disposed'],
      ['DSP-2', 'disposed'],
    ]);
    const bucket = (await archive.catalog.getRecord('DSP-1'))!.bucket;
    for (const id of ['DSP-1', 'DSP-2'])
      await expect(archive.storeHandle.store.head(bucket, keyOf[id]!)).rejects.toBeInstanceOf(NotFoundError);
    for (const id of ['DSP-3', 'DSP-4']) await archive.storeHandle.store.head(bucket, keyOf[id]!);

    // Tombstones: a `disposition` leaf naming the record and its SHA-256; the row kept and marked.
    const leaves = await archive.catalog.ledgerLeaves({ limit: 1000 });
    for (const id of ['DSP-1', 'DSP-2']) {
      const row = (await archive.catalog.getRecord(id))!;
      expect(leaves.filter((l) => l.kind === 'disposition' && l.recordId === id)).toEqual([
        expect.objectContaining({ sha256: row.sha256 }),
      ]);
      expect(await archive.catalog.dispositionOf(id)).toMatchObject({ dispositionId: disposition.id });
    }
    // The old checkpoint's leaves are untouched: its root and the old inclusion proof still verify.
    const hashesAfter = leaves.map((l) => Buffer.from(l.leafHash, 'hex'));
    expect(await treeRoot(memorySource(hashesAfter), sizeBefore)).toEqual(rootBefore);
    expect(
      verifyInclusion(BigInt(d1.seq), sizeBefore, Buffer.from(d1.leafHash, 'hex'), proofBefore, rootBefore)
        .ok,
    ).toBe(true);
    expect(await eligible()).toEqual(['DSP-4']);
    const again = await postJson(
      `${archive.url}/v1/dispositions/${disposition.id}/approve`,
      { note: 'again' },
      b,
    );
    expect(again.status).toBe(409);
  });

  test('the deletion credentials cannot delete anything but their keys', async () => {
    const bucket = (await archive.catalog.getRecord('DSP-4'))!.bucket;
    const deleter = await dispositionDeleter(
      config,
      archive.storeHandle,
      archive.cloud,
      silentLogger(),
    )('dsp_scope_test', bucket, ['trade/2026/11/21/NOT-THIS-ONE.json']);
    await expect(deleter.delete(keyOf['DSP-4']!)).rejects.toBeInstanceOf(AccessDeniedError);
    await archive.storeHandle.store.head(bucket, keyOf['DSP-4']!);
    // The service identity itself cannot delete a record either.
    await expect(archive.storeHandle.store.delete(bucket, keyOf['DSP-4']!)).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
  });
});
