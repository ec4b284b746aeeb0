import { randomBytes } from 'node:crypto';

/**
 * The limits of Alibaba Cloud OSS that the archive side honours: the configuration schema, the
 * adapter and the CLI all import them from here. (The emulator keeps its own copy on purpose: it
 * stands in for the cloud, and the conformance suite checks that the two agree.)
 * Sources: ../shared/docs/OSS-PROTOCOL.md (paths to the shared docs are relative to the repository
 * root, see docs/ARCHITECTURE.md) and the OSS API reference.
 */
export const OSS_LIMITS = {
  /** Longest retention policy (InitiateBucketWorm RetentionPeriodInDays): 70 years. */
  maxRetentionDays: 25_550,
  /** Longest expiry of a V4 signed URL: 7 days. */
  maxSignedUrlSeconds: 604_800,
  /** Smallest multipart part (all but the last). */
  minPartBytes: 100 * 1024,
  /** Largest multipart part. */
  maxPartBytes: 5 * 1024 * 1024 * 1024,
  /** Most parts of one multipart upload. */
  maxParts: 10_000,
} as const;

/** Whether OSS accepts `n` bytes as the size of a multipart part (all but the last). */
export function isPartSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= OSS_LIMITS.minPartBytes && n <= OSS_LIMITS.maxPartBytes;
}

/** An AccessKey id as Alibaba Cloud issues them to RAM users: `LTAI` and then letters and digits. */
export const ACCESS_KEY_ID_PREFIX = 'LTAI';

/** A fresh key pair of the same shape, for the embedded emulator of the local profile. */
export function newAccessKeyPair(): { accessKeyId: string; accessKeySecret: string } {
  return {
    accessKeyId: `${ACCESS_KEY_ID_PREFIX}${randomBytes(10).toString('hex')}`,
    accessKeySecret: randomBytes(24).toString('base64url'),
  };
}
