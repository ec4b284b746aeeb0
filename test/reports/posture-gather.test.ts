import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCatalog, type Catalog } from '../../src/catalog';
import { bucketPlan, parseConfig, type BucketPlan } from '../../src/config';
import { startEmulator } from '../../src/emulator';
import type { EmulatorHandle } from '../../src/emulator/types';
import { provision } from '../../src/provision';
import { alpTradeFacts } from '../../src/records/alp-trade-facts';
import { evaluatePosture, gatherPostureFacts, type PostureSources } from '../../src/reports';
import { createObjectStore } from '../../src/storage';
import type { StorageAdapter } from '../../src/storage/types';
import { ManualClock } from '../../src/util/clock';
import { ingestEvent, makeRecord } from '../catalog/fixtures';
import { alpTrade } from './alp-fixtures';

/**
 * The posture facts gathered from a live archive as it exists today: the emulator's buckets
 * (provisioned, not yet locked), a SQLite catalog with principals, records and ALP trades.
 */

const creds = { accessKeyId: 'LTAIposturetest', accessKeySecret: 'posture-secret' };
const NOW = new Date('2026-12-10T02:00:00Z'); // 10:00 in Hong Kong

let dir: string;
let emulator: EmulatorHandle;
let store: StorageAdapter;
let catalog: Catalog;
let plan: BucketPlan;
let clock: ManualClock;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-posture-'));
  clock = new ManualClock(NOW);
  emulator = await startEmulator({
    dataDir: path.join(dir, 'oss'),
    credentials: [creds],
    clock,
    logFlushSeconds: 3600,
  });
  store = createObjectStore({
    ...parseConfig({}).oss,
    ...creds,
    endpoint: emulator.url,
    region: 'oss-local',
  });
  plan = bucketPlan(parseConfig({ buckets: { prefix: 'posture' } }));
  await provision(store, plan, { clock });
  catalog = await openCatalog({ sqlitePath: path.join(dir, 'catalog.sqlite'), clock });
  await catalog.addPrincipal({ name: 'alice', role: 'compliance', kind: 'user' });
  const bob = await catalog.addPrincipal({ name: 'bob', role: 'compliance', kind: 'user' });
  await catalog.disablePrincipal(bob.id);
  await catalog.addPrincipal({ name: 'oms', role: 'ingest', kind: 'system' });
  // Records ingested on three Hong Kong days; 16:30Z is already the next day in Hong Kong.
  const at = ['2026-12-01T03:00:00Z', '2026-12-01T04:00:00Z', '2026-12-09T16:30:00Z', '2026-08-01T00:00:00Z'];
  for (const [i, t] of at.entries()) {
    const id = `T-P-${i}`;
    await catalog.commitRecord(makeRecord({ recordId: id, ingestedAt: new Date(t) }), ingestEvent(id));
  }
  const trade = alpTrade({
    recordId: 'AT-P-1',
    alpId: 'ALP-A',
    userId: 'U-1',
    quantity: 100,
    price: '10',
    executedAt: '2026-11-20T10:00:00+08:00',
  });
  const source = alpTradeFacts(trade);
  if (source) await catalog.addAlpTradeSources([source]);
});

afterAll(async () => {
  await catalog.close();
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function sources(extra: Partial<PostureSources> = {}): PostureSources {
  return {
    store,
    plan,
    catalog,
    clock,
    operator: 'Example Securities Limited',
    edsp: { provider: 'Alibaba Cloud OSS', region: 'oss-local', endpoint: emulator.url },
    signedUrls: { maxExpirySeconds: 3600, httpsOnly: false },
    ...extra,
  };
}

describe('posture facts from the archive as it is today', () => {
  it('reads every bucket: unlocked retention fails, logging is on', async () => {
    const facts = await gatherPostureFacts(sources());
    if (!facts.buckets.available) throw new Error(facts.buckets.reason);
    expect(facts.buckets.value.map((b) => b.bucket).sort()).toEqual(
      [...plan.records.map((r) => r.bucket), plan.audit.bucket, plan.exports.bucket, plan.logs.bucket].sort(),
    );
    for (const b of facts.buckets.value) {
      expect(b.retention).toMatchObject({
        available: true,
        value: { state: 'InProgress', days: b.configuredDays },
      });
      if (b.role !== 'logs') {
        expect(b.logging).toEqual({
          available: true,
          value: { targetBucket: plan.logs.bucket, targetPrefix: 'access-log/' },
        });
      }
      expect(b.encryption).toEqual({ available: false, reason: expect.stringMatching(/encryption/) });
    }
    const report = evaluatePosture(facts);
    const status = Object.fromEntries(report.lines.map((l) => [l.id, l.status]));
    expect(status.retention).toBe('failing');
    expect(status['access-logging']).toBe('ok');
    expect(status['compliance-principals']).toBe('warning'); // bob is disabled: one left
    expect(status.checkpoint).toBe('warning'); // not connected yet: not available
    // Plain HTTP to the local emulator, policies not read here: a warning, never ok.
    expect(status['https-only']).toBe('warning');
  });

  it('counts records per Hong Kong day over the last 90 days, zeros included', async () => {
    const facts = await gatherPostureFacts(sources());
    if (!facts.recordsPerDay.available) throw new Error(facts.recordsPerDay.reason);
    const days = facts.recordsPerDay.value;
    expect(days).toHaveLength(90);
    expect(days[days.length - 1]?.date).toBe('2026-12-10');
    const byDate = Object.fromEntries(days.map((d) => [d.date, d.count]));
    expect(byDate['2026-12-01']).toBe(2);
    expect(byDate['2026-12-10']).toBe(1);
    expect(byDate['2026-12-09']).toBe(0);
    expect(days.reduce((a, d) => a + d.count, 0)).toBe(3); // August is outside the 90 days
    expect(facts.auditEventsBySource).toEqual({
      available: true,
      value: [{ source: `archive API: ${ingestEvent('x').action.split('.')[0]}`, count: 4 }],
    });
  });

  it('lists the ALP report due for the month that traded, in its warning window', async () => {
    const facts = await gatherPostureFacts(sources());
    expect(facts.alpReportsDue).toEqual({
      available: true,
      value: [
        {
          month: '2026-11',
          alpId: 'ALP-A',
          dueDate: '2026-12-14',
          warnFrom: '2026-12-09',
          state: 'warning',
          archived: null,
        },
      ],
    });
    const archived = await gatherPostureFacts(
      sources({ providers: { alpReportArchived: () => Promise.resolve(true) } }),
    );
    const line = evaluatePosture(archived).lines.find((l) => l.id === 'alp-reports');
    expect(line?.status).toBe('ok');
  });

  it('plugs in the facts of parts built later, and reports a failing provider as not available', async () => {
    const facts = await gatherPostureFacts(
      sources({
        providers: {
          encryption: () => Promise.resolve({ algorithm: 'AES256' }),
          checkpoint: () => Promise.reject(new Error('ledger offline')),
        },
      }),
    );
    if (!facts.buckets.available) throw new Error('buckets');
    expect(facts.buckets.value[0]?.encryption).toEqual({ available: true, value: { algorithm: 'AES256' } });
    expect(facts.checkpoint).toEqual({ available: false, reason: 'could not be read: ledger offline' });
  });

  it('passes the retention line once the policies are locked', async () => {
    await provision(store, plan, { clock, lock: true });
    const report = evaluatePosture(await gatherPostureFacts(sources()));
    expect(report.lines.find((l) => l.id === 'retention')?.status).toBe('ok');
    expect(report.lines.find((l) => l.id === 'audit-retention')?.status).toBe('ok');
  });
});
