import { createCloudClients, type CloudClients } from '../../src/cloud';
import { silentLogger } from '../../src/log';
import { CREATE_KEY, startCloudEmulator, KMS } from '../emulator/control-plane/helpers';

/**
 * Where the src/cloud conformance suite runs: the in-process emulator (always), and the real
 * Alibaba Cloud control plane when credentials are given in the environment:
 *
 *   STRONGROOM_TEST_ALIBABA_ACCESS_KEY_ID      a RAM user's key (not the account's root key)
 *   STRONGROOM_TEST_ALIBABA_ACCESS_KEY_SECRET
 *   STRONGROOM_TEST_ALIBABA_ROLE_ARN           a role that user may assume (sts:AssumeRole + trust)
 *   STRONGROOM_TEST_ALIBABA_KMS_KEY_ID         an EC_P256 SIGN/VERIFY key the user may DescribeKey,
 *                                              GetPublicKey and AsymmetricSign with
 *   STRONGROOM_TEST_ALIBABA_REGION             default cn-hongkong
 *   STRONGROOM_TEST_ALIBABA_BUCKET             a bucket name for the session scope (nothing is read)
 *   STRONGROOM_TEST_ALIBABA_STS_ENDPOINT, _KMS_ENDPOINT, _ACTIONTRAIL_ENDPOINT: defaults are the region's
 */
export interface CloudTarget {
  name: string;
  kind: 'emulator' | 'alibaba';
  clients: CloudClients;
  roleArn: string;
  kmsKeyId: string;
  bucket: string;
  close(): Promise<void>;
}

export interface TargetSpec {
  name: string;
  open(): Promise<CloudTarget>;
}

const retry = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2000 };

export function emulatorTarget(): TargetSpec {
  return {
    name: 'emulator',
    open: async () => {
      const cloud = await startCloudEmulator();
      const key = await cloud
        .rpc(KMS, cloud.root)
        .request<{ KeyMetadata: { KeyId: string } }>(
          'CreateKey',
          { KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' },
          CREATE_KEY,
        );
      const e = cloud.endpoint;
      return {
        name: 'emulator',
        kind: 'emulator',
        clients: createCloudClients({
          endpoints: { sts: e, kms: e, actionTrail: e },
          credentials: cloud.svc,
          cloud: { timeoutMs: 5000, retry },
          logger: silentLogger(),
        }),
        roleArn: cloud.roleArn('reader'),
        kmsKeyId: key.KeyMetadata.KeyId,
        bucket: 'data-conformance',
        close: () => cloud.stop(),
      };
    },
  };
}

export interface AlibabaEnv {
  accessKeyId: string;
  accessKeySecret: string;
  roleArn: string;
  kmsKeyId: string;
  region: string;
  bucket: string;
  endpoints: { sts: string; kms: string; actionTrail: string };
}

/** Real-cloud settings from the environment, or the reason the real-cloud run is skipped. */
export function alibabaEnv(env: NodeJS.ProcessEnv = process.env): AlibabaEnv | { skipped: string } {
  const required = [
    'STRONGROOM_TEST_ALIBABA_ACCESS_KEY_ID',
    'STRONGROOM_TEST_ALIBABA_ACCESS_KEY_SECRET',
    'STRONGROOM_TEST_ALIBABA_ROLE_ARN',
    'STRONGROOM_TEST_ALIBABA_KMS_KEY_ID',
  ];
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0)
    return {
      skipped: `real Alibaba Cloud control-plane run skipped: ${missing.join(', ')} not set (running against the emulator only)`,
    };
  const region = env.STRONGROOM_TEST_ALIBABA_REGION || 'cn-hongkong';
  return {
    accessKeyId: env.STRONGROOM_TEST_ALIBABA_ACCESS_KEY_ID as string,
    accessKeySecret: env.STRONGROOM_TEST_ALIBABA_ACCESS_KEY_SECRET as string,
    roleArn: env.STRONGROOM_TEST_ALIBABA_ROLE_ARN as string,
    kmsKeyId: env.STRONGROOM_TEST_ALIBABA_KMS_KEY_ID as string,
    region,
    bucket: env.STRONGROOM_TEST_ALIBABA_BUCKET || 'strongroom-conformance-probe',
    endpoints: {
      sts: env.STRONGROOM_TEST_ALIBABA_STS_ENDPOINT || `https://sts.${region}.aliyuncs.com`,
      kms: env.STRONGROOM_TEST_ALIBABA_KMS_ENDPOINT || `https://kms.${region}.aliyuncs.com`,
      actionTrail:
        env.STRONGROOM_TEST_ALIBABA_ACTIONTRAIL_ENDPOINT || `https://actiontrail.${region}.aliyuncs.com`,
    },
  };
}

export function alibabaTarget(cfg: AlibabaEnv): TargetSpec {
  return {
    name: `Alibaba Cloud (${cfg.region})`,
    open: async () => ({
      name: `Alibaba Cloud (${cfg.region})`,
      kind: 'alibaba',
      clients: createCloudClients({
        endpoints: cfg.endpoints,
        credentials: { accessKeyId: cfg.accessKeyId, accessKeySecret: cfg.accessKeySecret },
        cloud: { timeoutMs: 10_000, retry },
        logger: silentLogger(),
      }),
      roleArn: cfg.roleArn,
      kmsKeyId: cfg.kmsKeyId,
      bucket: cfg.bucket,
      close: async () => {},
    }),
  };
}
