/**
 * The compliance gate, full stack: a production archive pointed at an OSS emulator (its own,
 * started here) whose records buckets are not Locked refuses every write with 503
 * RetentionNotLocked and writes nothing; once the bucket is locked, the same write succeeds.
 */
import fs from 'node:fs';
import { bucketPlan, parseConfig } from '../../src/config';
import { startEmulator } from '../../src/emulator';
import type { EmulatorHandle } from '../../src/emulator/types';
import { silentLogger } from '../../src/log';
import { provision } from '../../src/provision';
import { createObjectStore } from '../../src/storage';
import type { StorageAdapter } from '../../src/storage/types';
import { REGULATORY_TRADE_TEXT } from '../records/fixtures';
import {
  databases,
  fileBytes,
  getWith,
  ndjson,
  objectKeys,
  postDocument,
  postJson,
  startTestArchive,
  tempDir,
  type ErrorBody,
  type ReceiptBody,
  type TestArchive,
} from './helpers';

const CREDENTIALS = { accessKeyId: 'LTAIintegrationgate', accessKeySecret: 'gate-secret-0123456789abcdef' };
const REGION = 'oss-local';

describe('config: production is HTTPS only, with a loopback-only escape for tests', () => {
  const base = { profile: 'production', oss: { ...CREDENTIALS } } as const;
  test('plain HTTP is refused in production without the escape, even on localhost', () => {
    expect(() => parseConfig({ ...base, oss: { ...base.oss, endpoint: 'http://localhost:9000' } })).toThrow(
      /production uses HTTPS only/,
    );
  });
  test('the escape admits http:// to loopback only', () => {
    expect(
      parseConfig({
        ...base,
        oss: { ...base.oss, endpoint: 'http://localhost:9000', allowHttpLoopback: true },
      }).oss.endpoint,
    ).toBe('http://localhost:9000');
    for (const endpoint of [
      'http://oss-cn-hongkong.aliyuncs.com',
      'http://localhost.example.com:9000',
      'http://10.0.0.1:9000',
    ]) {
      expect(() => parseConfig({ ...base, oss: { ...base.oss, endpoint, allowHttpLoopback: true } })).toThrow(
        /production uses HTTPS only/,
      );
    }
  });
});

describe.each(databases('integration/gate'))('compliance gate, production profile, catalog on %s', (db) => {
  let emulator: EmulatorHandle;
  let emulatorDir: string;
  let admin: StorageAdapter;
  let t: TestArchive;
  let buckets: { records7y: string; voice: string; aml: string };

  beforeAll(async () => {
    emulatorDir = tempDir('gate-oss');
    emulator = await startEmulator({ dataDir: emulatorDir, credentials: [CREDENTIALS], region: REGION });
    const oss = { endpoint: emulator.url, region: REGION, ...CREDENTIALS, allowHttpLoopback: true };
    t = await startTestArchive({ db, overrides: { profile: 'production', oss } });
    expect(t.archive.storeHandle.emulator).toBeUndefined();

    // The operator's side: buckets created, policies initiated but NOT locked (provision without lock).
    const config = parseConfig({ profile: 'production', oss });
    admin = createObjectStore({ ...config.oss, endpoint: emulator.url }, silentLogger());
    await provision(admin, bucketPlan(config), { lock: false });
    const plan = bucketPlan(config).records;
    const bucketOf = (name: string) => plan.find((r) => r.className === name)?.bucket ?? '';
    buckets = { records7y: bucketOf('7y'), voice: bucketOf('voice-6m'), aml: bucketOf('aml-5y') };
    // Voice recordings: no policy at all. AML: Locked, but with fewer days than its class needs.
    await admin.abortRetention(buckets.voice);
    await admin.abortRetention(buckets.aml);
    const { wormId } = await admin.initiateRetention(buckets.aml, 30);
    await admin.completeRetention(buckets.aml, wormId);
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    if (emulatorDir) fs.rmSync(emulatorDir, { recursive: true, force: true });
  });

  async function expectNothingWritten(): Promise<void> {
    expect(await t.catalog.ledgerSize()).toBe(0);
    expect((await t.catalog.searchRecords({})).records).toEqual([]);
    for (const b of Object.values(buckets)) expect(await objectKeys(admin, b)).toEqual([]);
  }

  const voiceDoc = {
    recordType: 'document',
    recordId: 'VR-GATE-1',
    documentType: 'voice_recording',
    title: 'Order call',
    recordedAt: '2026-11-21T09:30:40+08:00',
    fileName: 'call.mp3',
    contentType: 'audio/mpeg',
  };

  test('a record to an InProgress bucket: 503 RetentionNotLocked naming the bucket, audited, nothing written', async () => {
    expect((await admin.getRetention(buckets.records7y))?.state).toBe('InProgress');
    const res = await postJson(`${t.url}/v1/records`, REGULATORY_TRADE_TEXT, t.ingestToken);
    expect(res.status).toBe(503);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('RetentionNotLocked');
    expect(body.error.details).toMatchObject({
      bucket: buckets.records7y,
      state: 'InProgress',
      requiredDays: 2557,
    });
    const events = (await t.catalog.auditEvents({ limit: 10000 })).filter(
      (e) => e.requestId === res.headers.get('x-request-id'),
    );
    expect(events.map((e) => [e.action, e.outcome])).toEqual([['records.write', 'error']]);
    await expectNothingWritten();
  });

  test('a batch: every line refused with RetentionNotLocked, nothing written', async () => {
    const trade = JSON.parse(REGULATORY_TRADE_TEXT) as Record<string, unknown>;
    const lines = [trade, { ...trade, recordId: 'T-GATE-2', tradeId: 'T-GATE-2' }]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const res = await fetch(`${t.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.ingestToken}`, 'content-type': 'application/x-ndjson' },
      body: lines,
    });
    expect(res.status).toBe(200);
    const out = ndjson<{ line?: number; status?: string; error?: { code: string } }>(await res.text());
    expect(out.slice(0, 2).map((r) => [r.line, r.status, r.error?.code])).toEqual([
      [1, 'error', 'RetentionNotLocked'],
      [2, 'error', 'RetentionNotLocked'],
    ]);
    await expectNothingWritten();
  });

  test('documents to a bucket with no policy, or Locked with too few days: 503, neither file nor description stored', async () => {
    for (const form of ['raw', 'multipart'] as const) {
      const res = await postDocument(t.url, t.ingestToken, voiceDoc, fileBytes(5000), {
        form,
        contentType: 'audio/mpeg',
      });
      expect(res.status).toBe(503);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('RetentionNotLocked');
      expect(body.error.details).toMatchObject({ bucket: buckets.voice, state: 'None' });
    }
    const cdd = {
      ...voiceDoc,
      recordId: 'CDD-GATE-1',
      documentType: 'cdd',
      title: 'CDD file',
      fileName: 'cdd.pdf',
      contentType: 'application/pdf',
    };
    const res = await postDocument(t.url, t.ingestToken, cdd, fileBytes(5000), { form: 'raw' });
    expect(res.status).toBe(503);
    expect(((await res.json()) as ErrorBody).error.details).toMatchObject({
      bucket: buckets.aml,
      state: 'Locked',
      days: 30,
      requiredDays: 1827,
    });
    await expectNothingWritten();
  });

  test('readiness reports the unlocked buckets', async () => {
    const res = await getWith(`${t.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: { name: string; ok: boolean; detail: string }[] };
    const check = body.checks.find((c) => c.name === 'buckets');
    expect(check?.ok).toBe(false);
    expect(check?.detail).toContain(buckets.records7y);
  });

  test('after the bucket is locked, the same write succeeds at once (a refusal is not cached)', async () => {
    const policy = await admin.getRetention(buckets.records7y);
    await admin.completeRetention(buckets.records7y, policy?.wormId ?? '');
    const res = await postJson(`${t.url}/v1/records`, REGULATORY_TRADE_TEXT, t.ingestToken);
    expect(res.status).toBe(201);
    const { receipt } = (await res.json()) as ReceiptBody;
    expect(receipt).toMatchObject({
      bucket: buckets.records7y,
      key: 'trade/2026/11/21/T-20261121-000001.json',
      ledgerSeq: 0,
    });
    expect(await objectKeys(admin, buckets.records7y)).toEqual(['trade/2026/11/21/T-20261121-000001.json']);
    expect((await t.catalog.getRecord('T-20261121-000001'))?.sha256).toBe(receipt.sha256);

    // The voice bucket, locked now with its class's days, takes the document too.
    const { wormId } = await admin.initiateRetention(buckets.voice, 184);
    await admin.completeRetention(buckets.voice, wormId);
    const doc = await postDocument(t.url, t.ingestToken, voiceDoc, fileBytes(5000), {
      form: 'raw',
      contentType: 'audio/mpeg',
    });
    expect(doc.status).toBe(201);
    expect(await objectKeys(admin, buckets.voice)).toEqual([
      'document/2026/11/21/VR-GATE-1.json',
      'document/2026/11/21/VR-GATE-1.mp3',
    ]);
    // The AML bucket is still short: still refused.
    const cdd = {
      ...voiceDoc,
      recordId: 'CDD-GATE-1',
      documentType: 'cdd',
      title: 'CDD file',
      fileName: 'cdd.pdf',
      contentType: 'application/pdf',
    };
    expect((await postDocument(t.url, t.ingestToken, cdd, fileBytes(50), { form: 'raw' })).status).toBe(503);
    expect(await objectKeys(admin, buckets.aml)).toEqual([]);
  });
});
