import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bucketPlan, parseConfig, type Config } from '../../src/config';
import { startEmulator } from '../../src/emulator';
import type { EmulatorHandle } from '../../src/emulator/types';
import {
  ACCESS_LOG_PREFIX,
  IN_PROGRESS_WINDOW_MS,
  bucketSecurity,
  provision,
  wormStatus,
} from '../../src/provision';
import { doctor } from '../../src/provision/doctor';
import { createObjectStore } from '../../src/storage';
import type { StorageAdapter } from '../../src/storage/types';
import { ManualClock } from '../../src/util/clock';

/**
 * Provisioning and posture against the emulator with a manual clock: buckets, logging and
 * retention policies made idempotently; worm status with the lock deadline; doctor's verdicts.
 */

const HOUR = 3600_000;
const creds = { accessKeyId: 'LTAIprovisiontest', accessKeySecret: 'provision-secret' };

let dir: string;
let clock: ManualClock;
let emulator: EmulatorHandle;
let store: StorageAdapter;
let prefixCounter = 0;

function configFor(prefix: string, days = 10): Config {
  return parseConfig({
    buckets: {
      prefix,
      classes: [
        {
          name: 'short',
          days,
          recordTypes: [
            'order',
            'trade',
            'contract_note',
            'alp_order',
            'alp_trade',
            'correction',
            'document',
          ],
        },
        { name: 'voice', days: days + 1, documentTypes: ['voice_recording'] },
      ],
      lapseWarningHours: 6,
    },
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-provision-'));
  clock = new ManualClock(new Date('2026-11-22T00:00:00Z'));
  emulator = await startEmulator({ dataDir: dir, credentials: [creds], clock, logFlushSeconds: 3600 });
  store = createObjectStore({
    ...parseConfig({}).oss,
    ...creds,
    endpoint: emulator.url,
    region: 'oss-local',
  });
});

afterAll(async () => {
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const nextPrefix = (): string => `prov${++prefixCounter}`;

describe('provision', () => {
  it('creates every bucket, sends access logs to the logs bucket and initiates retention with the configured days', async () => {
    const config = configFor(nextPrefix());
    const plan = bucketPlan(config);
    const actions = await provision(store, plan, { clock });
    const all = [
      ...plan.records.map((r) => r.bucket),
      plan.audit.bucket,
      plan.exports.bucket,
      plan.logs.bucket,
    ];
    for (const bucket of all) {
      expect(actions).toContainEqual(expect.objectContaining({ bucket, action: 'created' }));
      const policy = await store.getRetention(bucket);
      expect(policy?.state).toBe('InProgress');
      const planned =
        plan.records.find((r) => r.bucket === bucket)?.days ??
        (bucket === plan.audit.bucket ? plan.audit.days : undefined);
      if (planned !== undefined) expect(policy?.days).toBe(planned);
      if (bucket === plan.logs.bucket) {
        expect(await store.getLogging(bucket)).toBeNull();
      } else {
        expect(await store.getLogging(bucket)).toEqual({
          targetBucket: plan.logs.bucket,
          targetPrefix: ACCESS_LOG_PREFIX,
        });
      }
    }
    // the audit trail is kept as long as the longest class
    expect((await store.getRetention(plan.audit.bucket))?.days).toBe(11);
  });

  it('sets the default encryption (AES256 locally) and skips the HTTPS-only policy over plain HTTP, idempotently', async () => {
    const config = configFor(nextPrefix());
    const plan = bucketPlan(config);
    const security = bucketSecurity(config, emulator.url);
    const first = await provision(store, plan, { clock, security });
    expect(first.filter((a) => a.action === 'encryption-set')).toHaveLength(plan.records.length + 3);
    expect(first.find((a) => a.action === 'https-policy-skipped')?.detail).toMatch(/plain HTTP/);
    expect(await store.getEncryption(plan.audit.bucket)).toEqual({ algorithm: 'AES256' });
    expect(await store.getBucketPolicy(plan.audit.bucket)).toBeNull();
    const again = await provision(store, plan, { clock, security });
    expect(new Set(again.map((a) => a.action))).toEqual(
      new Set(['exists', 'logging-ok', 'retention-ok', 'encryption-ok', 'https-policy-skipped']),
    );
    // A KMS key named in the configuration replaces the default (new objects only).
    const kms = parseConfig({
      ...config,
      buckets: { ...config.buckets, encryption: { kmsKeyId: 'key-prod-1' } },
    });
    const changed = await provision(store, plan, { clock, security: bucketSecurity(kms, emulator.url) });
    expect(changed.filter((a) => a.action === 'encryption-changed')).toHaveLength(plan.records.length + 3);
    expect(await store.getEncryption(plan.logs.bucket)).toEqual({ algorithm: 'KMS', keyId: 'key-prod-1' });
  });

  it('is idempotent: a second run changes nothing', async () => {
    const plan = bucketPlan(configFor(nextPrefix()));
    await provision(store, plan, { clock });
    const before = await wormStatus(store, plan, clock);
    const again = await provision(store, plan, { clock });
    expect(new Set(again.map((a) => a.action))).toEqual(new Set(['exists', 'logging-ok', 'retention-ok']));
    expect(await wormStatus(store, plan, clock)).toEqual(before);
  });

  it('locks InProgress policies only when asked', async () => {
    const plan = bucketPlan(configFor(nextPrefix()));
    await provision(store, plan, { clock });
    expect((await store.getRetention(plan.audit.bucket))?.state).toBe('InProgress');
    const actions = await provision(store, plan, { clock, lock: true });
    expect(actions.filter((a) => a.action === 'retention-locked')).toHaveLength(plan.records.length + 3);
    for (const row of await wormStatus(store, plan, clock)) {
      expect(row.state).toBe('Locked');
      expect(row.lockDeadlineMs).toBeNull();
    }
  });

  it('reports, and never shortens or silently extends, a policy with too few days', async () => {
    const prefix = nextPrefix();
    await provision(store, bucketPlan(configFor(prefix, 10)), { clock, lock: true });
    const longer = bucketPlan(configFor(prefix, 20));
    const actions = await provision(store, longer, { clock, lock: true });
    const short = actions.filter((a) => a.action === 'retention-short');
    expect(short.length).toBeGreaterThan(0);
    expect(short[0]?.detail).toMatch(/strongroom worm extend/);
    expect((await store.getRetention(longer.records[0]!.bucket))?.days).toBe(10);
  });
});

describe('the HTTPS-only policy over the emulator’s TLS listener', () => {
  const TLS_DIR = path.join(__dirname, '..', 'fixtures', 'tls');
  const cert = fs.readFileSync(path.join(TLS_DIR, 'localhost.cert.pem'));
  let tlsDir: string;
  let secureEmulator: EmulatorHandle;
  let secure: StorageAdapter;
  let plain: StorageAdapter;

  beforeAll(async () => {
    tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-provision-tls-'));
    secureEmulator = await startEmulator({
      dataDir: tlsDir,
      credentials: [creds],
      clock,
      tls: { key: fs.readFileSync(path.join(TLS_DIR, 'localhost.key.pem')), cert },
    });
    const oss = { ...parseConfig({}).oss, ...creds, region: 'oss-local' };
    secure = createObjectStore({ ...oss, endpoint: secureEmulator.tlsUrl as string }, undefined, {
      tlsCa: cert,
    });
    plain = createObjectStore({ ...oss, endpoint: secureEmulator.url });
  });

  afterAll(async () => {
    await secureEmulator.close();
    fs.rmSync(tlsDir, { recursive: true, force: true });
  });

  it('is set over https, keeps other statements, is idempotent, and refuses plain HTTP', async () => {
    const config = configFor(nextPrefix());
    const plan = bucketPlan(config);
    const endpoint = secureEmulator.tlsUrl as string;
    // One bucket already has a policy of its own: the HTTPS-only statement is added to it.
    await secure.createBucket(plan.exports.bucket);
    const own = {
      Version: '1',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['oss:DeleteObject'],
          Principal: ['*'],
          Resource: [`acs:oss:*:*:${plan.exports.bucket}/*`],
        },
      ],
    };
    await secure.putBucketPolicy(plan.exports.bucket, own);

    const actions = await provision(secure, plan, {
      clock,
      lock: true,
      security: bucketSecurity(config, endpoint),
    });
    expect(actions.filter((a) => a.action === 'https-policy-set')).toHaveLength(plan.records.length + 3);
    const merged = await secure.getBucketPolicy(plan.exports.bucket);
    expect((merged?.Statement as unknown[])[0]).toEqual(own.Statement[0]);
    expect(merged?.Statement as unknown[]).toHaveLength(2);

    const again = await provision(secure, plan, { clock, security: bucketSecurity(config, endpoint) });
    expect(again.filter((a) => a.action === 'https-policy-ok')).toHaveLength(plan.records.length + 3);
    expect(again.some((a) => a.action.endsWith('-set') || a.action.endsWith('-changed'))).toBe(false);

    const report = await doctor(secure, plan, config, { clock, endpoint });
    expect(report.findings.filter((f) => f.severity !== 'ok')).toEqual([]);
    expect(report.findings.find((f) => f.check === 'https-policy')?.message).toMatch(/acs:SecureTransport/);
    // The same key over plain HTTP is refused by the bucket policy.
    await expect(plain.getLogging(plan.audit.bucket)).rejects.toMatchObject({ name: 'AccessDeniedError' });
  });
});

describe('worm status', () => {
  it('shows the time left to lock while InProgress, and the lapse after 24 hours', async () => {
    const plan = bucketPlan(configFor(nextPrefix()));
    await provision(store, plan, { clock });
    let rows = await wormStatus(store, plan, clock);
    expect(rows.every((r) => r.state === 'InProgress' && r.lockDeadlineMs === IN_PROGRESS_WINDOW_MS)).toBe(
      true,
    );
    clock.advance(5 * HOUR);
    rows = await wormStatus(store, plan, clock);
    expect(rows[0]?.lockDeadlineMs).toBe(IN_PROGRESS_WINDOW_MS - 5 * HOUR);
    clock.advance(20 * HOUR);
    rows = await wormStatus(store, plan, clock);
    // OSS drops an InProgress policy that was not completed within 24 hours
    expect(rows.every((r) => r.state === 'None')).toBe(true);
  });

  it('says NoBucket for buckets that do not exist', async () => {
    const rows = await wormStatus(store, bucketPlan(configFor(nextPrefix())), clock);
    expect(rows.every((r) => r.state === 'NoBucket' && r.days === null)).toBe(true);
  });
});

describe('doctor', () => {
  const fails = (r: Awaited<ReturnType<typeof doctor>>, check: string): string[] =>
    r.findings.filter((f) => f.severity === 'fail' && f.check === check).map((f) => f.bucket);

  it('is not compliant before provisioning: every bucket missing', async () => {
    const config = configFor(nextPrefix());
    const plan = bucketPlan(config);
    const report = await doctor(store, plan, config, { clock, endpoint: emulator.url });
    expect(report.compliant).toBe(false);
    expect(fails(report, 'bucket')).toHaveLength(plan.records.length + 3);
  });

  it('fails InProgress policies, warns of the lapse, and fails it when close', async () => {
    const config = configFor(nextPrefix());
    const plan = bucketPlan(config);
    await provision(store, plan, { clock });
    let report = await doctor(store, plan, config, { clock, endpoint: emulator.url });
    expect(report.compliant).toBe(false);
    expect(fails(report, 'retention')).toHaveLength(plan.records.length + 3);
    expect(report.findings.filter((f) => f.check === 'lapse').every((f) => f.severity === 'warn')).toBe(true);
    clock.advance(20 * HOUR); // 4 hours left, under the 6-hour warning
    report = await doctor(store, plan, config, { clock, endpoint: emulator.url });
    expect(fails(report, 'lapse')).toHaveLength(plan.records.length + 3);
    expect(report.findings.find((f) => f.check === 'lapse')?.message).toMatch(/lapses in 4h 0m/);
  });

  it('is compliant once every bucket is Locked with enough days, logging and encryption on', async () => {
    const config = configFor(nextPrefix());
    const plan = bucketPlan(config);
    await provision(store, plan, { clock, lock: true, security: bucketSecurity(config, emulator.url) });
    const report = await doctor(store, plan, config, { clock, endpoint: emulator.url });
    // Plain HTTP to the local emulator: no HTTPS-only policy, said as a warning on every bucket.
    const notOk = report.findings.filter((f) => f.severity !== 'ok');
    expect(notOk.map((f) => `${f.check}:${f.severity}`)).toEqual(
      Array(plan.records.length + 3).fill('https-policy:warn'),
    );
    expect(notOk[0]?.message).toMatch(/plain HTTP \(local\)/);
    expect(report.compliant).toBe(true);
  });

  it('fails a bucket without default encryption, and an https endpoint without the HTTPS-only policy', async () => {
    const config = configFor(nextPrefix());
    const plan = bucketPlan(config);
    await provision(store, plan, { clock, lock: true });
    const report = await doctor(store, plan, config, { clock, endpoint: emulator.url });
    expect(fails(report, 'encryption')).toHaveLength(plan.records.length + 3);
    expect(report.compliant).toBe(false);
    const overHttps = await doctor(store, plan, config, {
      clock,
      endpoint: 'https://oss-cn-hongkong.aliyuncs.com',
    });
    expect(fails(overHttps, 'https-policy')).toHaveLength(plan.records.length + 3);
  });

  it('fails a bucket whose logging is off or whose days are too few', async () => {
    const prefix = nextPrefix();
    const config = configFor(prefix, 10);
    const plan = bucketPlan(config);
    await provision(store, plan, { clock, lock: true });
    // Another bucket as logging target: access would no longer land in the archive's logs bucket.
    const stray = `${prefix}-stray`;
    await store.createBucket(stray);
    await store.putLogging(plan.records[0]!.bucket, { targetBucket: stray, targetPrefix: 'x/' });
    const longer = configFor(prefix, 30);
    const report = await doctor(store, bucketPlan(longer), longer, { clock, endpoint: emulator.url });
    expect(report.compliant).toBe(false);
    expect(fails(report, 'logging')).toEqual([plan.records[0]!.bucket]);
    expect(fails(report, 'retention-days')).toContain(plan.records[0]!.bucket);
    expect(
      report.findings.find((f) => f.check === 'retention-days' && f.severity === 'fail')?.message,
    ).toMatch(/10 days, fewer than the configured 30/);
  });
});
