/**
 * The `cloud` settings (part of the one schema in src/config): where STS, KMS and ActionTrail
 * are, which role hands out export links, which KMS key signs, and which signer the archive uses.
 *
 * Endpoints: absent means the embedded emulator's control plane in the local profile, and the
 * region's public endpoints in production (`https://sts.<region>.aliyuncs.com`, ...). Production
 * speaks HTTPS only (`allowHttpLoopback` admits an emulator on this machine, as oss does).
 * The archive calls the control plane with the same access key as OSS (its RAM user or STS role).
 */
import { z } from 'zod';

const ROLE_ARN = /^acs:ram::\d+:role\/[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;
const positiveInt = z.number().int().positive();

export const CloudConfigSchema = z
  .object({
    /** Region id of STS, KMS and ActionTrail (Hong Kong: cn-hongkong). */
    region: z
      .string()
      .regex(/^[a-z]{2}-[a-z0-9-]+$/, 'a region id such as cn-hongkong')
      .default('cn-hongkong'),
    stsEndpoint: z.url().optional(),
    kmsEndpoint: z.url().optional(),
    actionTrailEndpoint: z.url().optional(),
    /** The role whose sessions sign export download links (local default: `<prefix>-export-reader`). */
    exportRoleArn: z.string().regex(ROLE_ARN, 'acs:ram::<account>:role/<name>').optional(),
    /** The role that deletes records past retention, narrowed to exact keys (local default: `<prefix>-disposition`). */
    dispositionRoleArn: z.string().regex(ROLE_ARN, 'acs:ram::<account>:role/<name>').optional(),
    /** The KMS key that signs checkpoints when `signer` is `kms` (EC_P256, SIGN/VERIFY). */
    kmsKeyId: z.string().min(1).optional(),
    /** Default: the key's primary version. */
    kmsKeyVersionId: z.string().min(1).optional(),
    /** What signs the ledger's checkpoints: a local Ed25519 key in the data directory, or the KMS key. */
    signer: z.enum(['local', 'kms']).default('local'),
    timeoutMs: positiveInt.default(5_000),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(10).default(4),
        baseDelayMs: z.number().int().min(0).default(100),
        maxDelayMs: z.number().int().min(0).default(2_000),
      })
      .strict()
      .prefault({}),
    /** Production only: also accept http:// endpoints on this machine's loopback interface. */
    allowHttpLoopback: z.boolean().default(false),
  })
  .strict();

export type CloudConfig = z.output<typeof CloudConfigSchema>;

export const CLOUD_ENV_VARS: Record<string, { path: string[]; type: 'string' | 'number' }> = {
  STRONGROOM_CLOUD_REGION: { path: ['cloud', 'region'], type: 'string' },
  STRONGROOM_STS_ENDPOINT: { path: ['cloud', 'stsEndpoint'], type: 'string' },
  STRONGROOM_KMS_ENDPOINT: { path: ['cloud', 'kmsEndpoint'], type: 'string' },
  STRONGROOM_ACTIONTRAIL_ENDPOINT: { path: ['cloud', 'actionTrailEndpoint'], type: 'string' },
  STRONGROOM_EXPORT_ROLE_ARN: { path: ['cloud', 'exportRoleArn'], type: 'string' },
  STRONGROOM_DISPOSITION_ROLE_ARN: { path: ['cloud', 'dispositionRoleArn'], type: 'string' },
  STRONGROOM_KMS_KEY_ID: { path: ['cloud', 'kmsKeyId'], type: 'string' },
  STRONGROOM_SIGNER: { path: ['cloud', 'signer'], type: 'string' },
};

function isHttpLoopback(endpoint: string): boolean {
  const url = new URL(endpoint);
  return (
    url.protocol === 'http:' &&
    (url.hostname === 'localhost' || url.hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(url.hostname))
  );
}

/** Cross-field rules, called from the schema's superRefine. */
export function cloudConfigIssues(
  profile: 'local' | 'production',
  cloud: CloudConfig,
): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  if (cloud.signer === 'kms' && cloud.kmsKeyId === undefined)
    issues.push({ path: ['cloud', 'kmsKeyId'], message: 'signer "kms" needs the KMS key id' });
  if (profile === 'production') {
    for (const name of ['stsEndpoint', 'kmsEndpoint', 'actionTrailEndpoint'] as const) {
      const endpoint = cloud[name];
      if (endpoint === undefined || endpoint.startsWith('https://')) continue;
      if (cloud.allowHttpLoopback && isHttpLoopback(endpoint)) continue;
      issues.push({ path: ['cloud', name], message: 'production uses HTTPS only' });
    }
  }
  return issues;
}

export interface CloudEndpoints {
  sts: string;
  kms: string;
  actionTrail: string;
}

/**
 * The endpoints to use: configured ones win; then the local control plane (when the embedded
 * emulator runs); then, in production, the region's. Null when none is known (local profile
 * pointed at an external OSS emulator without cloud endpoints).
 */
export function cloudEndpoints(
  profile: 'local' | 'production',
  cloud: CloudConfig,
  localControlPlane: string | undefined,
): CloudEndpoints | null {
  const fallback = (service: string): string | undefined =>
    localControlPlane ??
    (profile === 'production' ? `https://${service}.${cloud.region}.aliyuncs.com` : undefined);
  const sts = cloud.stsEndpoint ?? fallback('sts');
  const kms = cloud.kmsEndpoint ?? fallback('kms');
  const actionTrail = cloud.actionTrailEndpoint ?? fallback('actiontrail');
  if (sts === undefined || kms === undefined || actionTrail === undefined) return null;
  return { sts, kms, actionTrail };
}
