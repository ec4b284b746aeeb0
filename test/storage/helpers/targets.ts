import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../../src/emulator';
import type { EmulatorHandle, FaultConfig } from '../../../src/emulator/types';
import { AliOssStore, type AliOssStoreOptions } from '../../../src/storage/ali-oss-store';
import { realSleep } from '../../../src/storage/retry';
import { OffsetClock } from '../../../src/util/clock';

/**
 * Where the storage conformance suite runs: the in-process emulator (always), and real OSS when
 * credentials are given in the environment:
 *
 *   STRONGROOM_TEST_OSS_ENDPOINT          e.g. https://oss-cn-hongkong.aliyuncs.com
 *   STRONGROOM_TEST_OSS_ACCESS_KEY_ID
 *   STRONGROOM_TEST_OSS_ACCESS_KEY_SECRET
 *   STRONGROOM_TEST_OSS_REGION            default oss-cn-hongkong
 *   STRONGROOM_TEST_OSS_BUCKET_PREFIX     default srtest (bucket names are global on OSS)
 *   STRONGROOM_TEST_OSS_ALLOW_LOCK=1      also run the tests that LOCK retention policies (1 day;
 *                                         irreversible: those buckets stay until the day is over)
 */

export const KiB = 1024;

export interface Target {
  name: string;
  kind: 'emulator' | 'oss';
  authVersion: 'v1' | 'v4';
  /** Whether tests may complete (lock) retention policies. */
  allowLock: boolean;
  /** A store with the suite's settings (threshold 256 KiB, parts 100 KiB); `delays` records backoff waits. */
  store(overrides?: Partial<AliOssStoreOptions>): AliOssStore;
  /** Backoff waits requested by stores of this target since the last reset. */
  delays: number[];
  /** A fresh, unique bucket name (registered for clean-up on real OSS). */
  bucketName(tag: string): string;
  /** Emulator only. */
  emulator?: { handle: EmulatorHandle; clock: OffsetClock; setFaults(f: FaultConfig | null): void };
  close(): Promise<void>;
}

export interface TargetSpec {
  name: string;
  /** Known before opening, so emulator-only tests can be skipped (not passed) on real OSS. */
  kind: Target['kind'];
  open(): Promise<Target>;
}

const SUITE = randomBytes(3).toString('hex');
let bucketCounter = 0;

function uniqueBucket(prefix: string, tag: string): string {
  bucketCounter++;
  const name = `${prefix}-${SUITE}-${bucketCounter}-${tag}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name;
}

function baseOptions(): Omit<
  AliOssStoreOptions,
  'endpoint' | 'region' | 'accessKeyId' | 'accessKeySecret' | 'authVersion'
> {
  return {
    timeoutMs: 30_000,
    retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 },
    multipartThresholdBytes: 256 * KiB,
    partSizeBytes: 100 * KiB,
    maxSignedUrlSeconds: 3600,
  };
}

export function emulatorTarget(authVersion: 'v1' | 'v4'): TargetSpec {
  return {
    name: `emulator, ${authVersion.toUpperCase()} signatures`,
    kind: 'emulator',
    open: async () => {
      const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'strongroom-conformance-'));
      const clock = new OffsetClock();
      const credential = {
        accessKeyId: `LTAI${randomBytes(8).toString('hex')}`,
        accessKeySecret: randomBytes(18).toString('base64url'),
      };
      const handle = await startEmulator({
        dataDir,
        credentials: [credential],
        clock,
        region: 'oss-cn-hongkong',
        port: 0,
      });
      const delays: number[] = [];
      const target: Target = {
        name: `emulator (${authVersion})`,
        kind: 'emulator',
        authVersion,
        allowLock: true,
        delays,
        store: (overrides = {}) =>
          new AliOssStore({
            endpoint: handle.url,
            region: handle.region,
            ...credential,
            authVersion,
            ...baseOptions(),
            // No real waiting against the emulator: the waits are recorded instead.
            sleep: async (ms) => {
              delays.push(ms);
            },
            ...overrides,
          }),
        bucketName: (tag) => uniqueBucket('sr', tag),
        emulator: { handle, clock, setFaults: (f) => handle.setFaults(f) },
        close: async () => {
          await handle.close();
          await fs.rm(dataDir, { recursive: true, force: true });
        },
      };
      return target;
    },
  };
}

export interface RealOssEnv {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  region: string;
  bucketPrefix: string;
  allowLock: boolean;
}

/** Real-OSS settings from the environment, or the reason the real-OSS run is skipped. */
export function realOssEnv(env: NodeJS.ProcessEnv = process.env): RealOssEnv | { skipped: string } {
  const endpoint = env.STRONGROOM_TEST_OSS_ENDPOINT;
  const accessKeyId = env.STRONGROOM_TEST_OSS_ACCESS_KEY_ID;
  const accessKeySecret = env.STRONGROOM_TEST_OSS_ACCESS_KEY_SECRET;
  const missing = [
    ['STRONGROOM_TEST_OSS_ENDPOINT', endpoint],
    ['STRONGROOM_TEST_OSS_ACCESS_KEY_ID', accessKeyId],
    ['STRONGROOM_TEST_OSS_ACCESS_KEY_SECRET', accessKeySecret],
  ]
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length > 0 || !endpoint || !accessKeyId || !accessKeySecret) {
    return {
      skipped: `real-OSS conformance run skipped: ${missing.join(', ')} not set (running against the emulator only)`,
    };
  }
  return {
    endpoint,
    accessKeyId,
    accessKeySecret,
    region: env.STRONGROOM_TEST_OSS_REGION || 'oss-cn-hongkong',
    bucketPrefix: (env.STRONGROOM_TEST_OSS_BUCKET_PREFIX || 'srtest').toLowerCase(),
    allowLock: env.STRONGROOM_TEST_OSS_ALLOW_LOCK === '1',
  };
}

export function realOssTarget(cfg: RealOssEnv): TargetSpec {
  return {
    name: 'real OSS, V4 signatures',
    kind: 'oss',
    open: async () => {
      const delays: number[] = [];
      const created: string[] = [];
      const make = (overrides: Partial<AliOssStoreOptions> = {}): AliOssStore =>
        new AliOssStore({
          endpoint: cfg.endpoint,
          region: cfg.region,
          accessKeyId: cfg.accessKeyId,
          accessKeySecret: cfg.accessKeySecret,
          authVersion: 'v4',
          ...baseOptions(),
          sleep: async (ms) => {
            delays.push(ms);
            await realSleep(ms);
          },
          ...overrides,
        });
      return {
        name: 'real OSS (v4)',
        kind: 'oss',
        authVersion: 'v4',
        allowLock: cfg.allowLock,
        delays,
        store: make,
        bucketName: (tag) => {
          const name = uniqueBucket(cfg.bucketPrefix, tag);
          created.push(name);
          return name;
        },
        close: async () => {
          const store = make();
          const left: string[] = [];
          for (const bucket of created) {
            try {
              if (!(await store.bucketInfo(bucket))) continue;
              const policy = await store.getRetention(bucket);
              if (policy?.state === 'InProgress') await store.abortRetention(bucket);
              for await (const o of store.list(bucket)) await store.delete(bucket, o.key);
              await store.deleteBucket(bucket);
            } catch {
              left.push(bucket);
            }
          }
          if (left.length > 0)
            console.warn(`conformance: buckets left on real OSS (locked or protected): ${left.join(', ')}`);
        },
      };
    },
  };
}
