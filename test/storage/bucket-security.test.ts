/**
 * The adapter's encryption and bucket-policy calls (src/storage/bucket-admin.ts) over the emulator:
 * absent is null, a missing bucket is NotFound, a refusal is AccessDenied (never null: ali-oss's
 * own getBucketPolicy answers null for any status but 200).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccessDeniedError, NotFoundError, ValidationError } from '../../src/errors';
import { parseConfig } from '../../src/config';
import { startEmulator } from '../../src/emulator';
import type { EmulatorHandle } from '../../src/emulator/types';
import { createObjectStore } from '../../src/storage';
import type { StorageAdapter } from '../../src/storage/types';

const root = { accessKeyId: 'LTAIsecroot00001', accessKeySecret: 'sec-root-secret' };
const reader = { accessKeyId: 'LTAIsecreader001', accessKeySecret: 'sec-reader-secret' };
let dir: string;
let emulator: EmulatorHandle;
let admin: StorageAdapter;
let limited: StorageAdapter;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-storage-sec-'));
  emulator = await startEmulator({
    dataDir: dir,
    credentials: [root],
    iam: {
      accountId: '1000000000000001',
      users: [
        {
          name: 'reader',
          accessKeys: [{ id: reader.accessKeyId, secret: reader.accessKeySecret }],
          policies: ['info-only'],
        },
      ],
      policies: {
        'info-only': {
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: ['oss:GetBucketInfo'], Resource: ['*'] }],
        },
      },
    },
  });
  const oss = { ...parseConfig({}).oss, endpoint: emulator.url, region: 'oss-local' };
  admin = createObjectStore({ ...oss, ...root });
  limited = createObjectStore({ ...oss, ...reader });
});

afterAll(async () => {
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('absent is null; put and read back; a missing bucket is NotFound; a refusal is AccessDenied', async () => {
  await admin.createBucket('sec-adapter');
  expect(await admin.getEncryption('sec-adapter')).toBeNull();
  expect(await admin.getBucketPolicy('sec-adapter')).toBeNull();

  await admin.putEncryption('sec-adapter', { algorithm: 'KMS', keyId: 'key-a&b' });
  expect(await admin.getEncryption('sec-adapter')).toEqual({ algorithm: 'KMS', keyId: 'key-a&b' });
  await admin.putEncryption('sec-adapter', { algorithm: 'SM4' });
  expect(await admin.getEncryption('sec-adapter')).toEqual({ algorithm: 'SM4' });
  await expect(admin.putEncryption('sec-adapter', { algorithm: 'AES256', keyId: 'k' })).rejects.toThrow(
    ValidationError,
  );

  const doc = {
    Version: '1',
    Statement: [
      {
        Effect: 'Deny',
        Action: ['oss:DeleteObject'],
        Principal: ['*'],
        Resource: ['acs:oss:*:*:sec-adapter/*'],
      },
    ],
  };
  await admin.putBucketPolicy('sec-adapter', doc);
  expect(await admin.getBucketPolicy('sec-adapter')).toEqual(doc);

  await expect(admin.getEncryption('sec-no-such-bucket')).rejects.toThrow(NotFoundError);
  await expect(admin.getBucketPolicy('sec-no-such-bucket')).rejects.toThrow(NotFoundError);
  await expect(limited.getBucketPolicy('sec-adapter')).rejects.toThrow(AccessDeniedError);
  await expect(limited.getEncryption('sec-adapter')).rejects.toThrow(AccessDeniedError);
});
