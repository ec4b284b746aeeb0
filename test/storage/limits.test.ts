import { V4_MAX_EXPIRES_SECONDS } from '../../src/emulator/auth/v4';
import { MAX_RETENTION_DAYS } from '../../src/emulator/retention';
import { ACCESS_KEY_ID_PREFIX, newAccessKeyPair, OSS_LIMITS } from '../../src/storage/limits';
import { parseConfig } from '../../src/config';

/**
 * The archive side's OSS limits (src/storage/limits.ts) and the emulator's own copy (it stands in
 * for the cloud) must agree, or the tests would pass against a cloud that is not OSS.
 */
test('the archive and the emulator agree on the OSS limits', () => {
  expect(OSS_LIMITS.maxRetentionDays).toBe(MAX_RETENTION_DAYS);
  expect(OSS_LIMITS.maxSignedUrlSeconds).toBe(V4_MAX_EXPIRES_SECONDS);
});

test('the configuration takes its bounds from them', () => {
  expect(parseConfig({}).oss.maxSignedUrlSeconds).toBe(OSS_LIMITS.maxSignedUrlSeconds);
  expect(() => parseConfig({ buckets: { auditDays: OSS_LIMITS.maxRetentionDays + 1 } })).toThrow(/auditDays/);
  expect(() => parseConfig({ oss: { partSizeBytes: OSS_LIMITS.minPartBytes - 1 } })).toThrow(/partSizeBytes/);
});

test('local key pairs have the shape of Alibaba Cloud AccessKeys', () => {
  const a = newAccessKeyPair();
  const b = newAccessKeyPair();
  expect(a.accessKeyId.startsWith(ACCESS_KEY_ID_PREFIX)).toBe(true);
  expect(a.accessKeyId).not.toBe(b.accessKeyId);
  expect(a.accessKeySecret.length).toBeGreaterThanOrEqual(30);
});
