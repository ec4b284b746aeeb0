/**
 * The posture report's encryption and HTTPS-only lines from the live store (the providers of
 * src/runtime/posture.ts), against the emulator's TLS listener: failing for a bucket without
 * default encryption and for one without the HTTPS-only policy, ok after `provision`.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import OSS from 'ali-oss';
import { openCatalog, type Catalog } from '../../src/catalog';
import { bucketPlan, parseConfig, type Config } from '../../src/config';
import { startEmulator } from '../../src/emulator';
import type { EmulatorHandle } from '../../src/emulator/types';
import { bucketSecurity, provision } from '../../src/provision';
import { postureReport } from '../../src/reports/posture-service';
import { postureSources, reportService } from '../../src/runtime/posture';
import { createObjectStore } from '../../src/storage';
import type { AliOssStore } from '../../src/storage/ali-oss-store';
import { ManualClock } from '../../src/util/clock';

const TLS_DIR = path.join(__dirname, '..', 'fixtures', 'tls');
const cert = fs.readFileSync(path.join(TLS_DIR, 'localhost.cert.pem'));
const creds = { accessKeyId: 'LTAIpostureTls01', accessKeySecret: 'posture-tls-secret' };

let dir: string;
let emulator: EmulatorHandle;
let store: AliOssStore;
let catalog: Catalog;
let config: Config;
const clock = new ManualClock(new Date('2026-12-10T02:00:00Z'));

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-posture-tls-'));
  emulator = await startEmulator({
    dataDir: path.join(dir, 'oss'),
    credentials: [creds],
    clock,
    tls: { key: fs.readFileSync(path.join(TLS_DIR, 'localhost.key.pem')), cert },
  });
  config = parseConfig({ buckets: { prefix: 'psec' } });
  store = createObjectStore(
    { ...config.oss, ...creds, endpoint: emulator.tlsUrl as string, region: 'oss-local' },
    undefined,
    { tlsCa: cert },
  );
  catalog = await openCatalog({ sqlitePath: path.join(dir, 'catalog.sqlite'), clock });
});

afterAll(async () => {
  await catalog.close();
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function lines(): Promise<Record<string, { status: string; evidence: string[] }>> {
  const report = await postureReport({
    sources: postureSources({
      config,
      store,
      catalog,
      reports: reportService(config, catalog, clock),
      endpoint: emulator.tlsUrl as string,
      clock,
    }),
  });
  return Object.fromEntries(report.lines.map((l) => [l.id, { status: l.status, evidence: l.evidence }]));
}

test('encryption and HTTPS-only lines: failing without them, ok after provision, failing again for the one bucket that lost one', async () => {
  const plan = bucketPlan(config);
  const endpoint = emulator.tlsUrl as string;
  await provision(store, plan, { clock, lock: true });
  let l = await lines();
  expect(l.encryption?.status).toBe('failing');
  expect(l.encryption?.evidence).toContain(
    `[failing] ${plan.audit.bucket}: no default server-side encryption`,
  );
  expect(l['https-only']?.status).toBe('failing');
  expect(l['https-only']?.evidence).toContain(
    `[failing] ${plan.audit.bucket}: no bucket policy denies plain HTTP`,
  );

  await provision(store, plan, { clock, security: bucketSecurity(config, endpoint) });
  l = await lines();
  expect(l.encryption?.status).toBe('ok');
  expect(l.encryption?.evidence).toContain(`${plan.audit.bucket}: AES256`);
  expect(l['https-only']?.status).toBe('ok');
  const found = l['https-only']?.evidence.find((e) => e.startsWith(`${plan.logs.bucket}:`));
  expect(found).toContain('"acs:SecureTransport":["false"]');

  // One bucket loses its encryption, another its policy (the account's root key, over TLS).
  const root = new OSS({
    endpoint,
    ...creds,
    region: 'oss-local',
    sldEnable: true,
    httpsAgent: new https.Agent({ ca: cert }),
  } as OSS.Options) as unknown as {
    deleteBucketEncryption(b: string): Promise<{ status: number }>;
    deleteBucketPolicy(b: string): Promise<{ status: number }>;
  };
  expect((await root.deleteBucketEncryption(plan.exports.bucket)).status).toBe(204);
  expect((await root.deleteBucketPolicy(plan.records[0]!.bucket)).status).toBe(204);
  l = await lines();
  expect(l.encryption?.status).toBe('failing');
  expect(l.encryption?.evidence.filter((e) => e.startsWith('[failing]'))).toEqual([
    `[failing] ${plan.exports.bucket}: no default server-side encryption`,
  ]);
  expect(l['https-only']?.evidence.filter((e) => e.startsWith('[failing]'))).toEqual([
    `[failing] ${plan.records[0]!.bucket}: no bucket policy denies plain HTTP`,
  ]);

  // provision puts both back.
  await provision(store, plan, { clock, security: bucketSecurity(config, endpoint) });
  l = await lines();
  expect([l.encryption?.status, l['https-only']?.status]).toEqual(['ok', 'ok']);
});
