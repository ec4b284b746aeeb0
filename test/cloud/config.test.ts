import { cloudEndpoints } from '../../src/cloud';
import { loadConfig } from '../../src/config';

const production = {
  STRONGROOM_PROFILE: 'production',
  STRONGROOM_OSS_ENDPOINT: 'https://oss-cn-hongkong.aliyuncs.com',
  STRONGROOM_OSS_ACCESS_KEY_ID: 'LTAIexample',
  STRONGROOM_OSS_ACCESS_KEY_SECRET: 'example',
};

describe('the cloud settings', () => {
  it('defaults: Hong Kong, the local signer, no role or key configured', () => {
    const c = loadConfig({ env: {} });
    expect(c.cloud).toEqual({
      region: 'cn-hongkong',
      signer: 'local',
      timeoutMs: 5000,
      retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2000 },
      allowHttpLoopback: false,
    });
  });

  it('reads its environment variables', () => {
    const c = loadConfig({
      env: {
        ...production,
        STRONGROOM_EXPORT_ROLE_ARN: 'acs:ram::1234567890123456:role/acme-export-reader',
        STRONGROOM_KMS_KEY_ID: 'key-abc',
        STRONGROOM_SIGNER: 'kms',
        STRONGROOM_CLOUD_REGION: 'ap-southeast-1',
      },
    });
    expect(c.cloud).toMatchObject({
      exportRoleArn: 'acs:ram::1234567890123456:role/acme-export-reader',
      kmsKeyId: 'key-abc',
      signer: 'kms',
      region: 'ap-southeast-1',
    });
  });

  it('refuses a KMS signer without a key, a malformed role ARN, and plain HTTP in production', () => {
    expect(() => loadConfig({ env: { STRONGROOM_SIGNER: 'kms' } })).toThrow(
      /cloud\.kmsKeyId: signer "kms" needs the KMS key id/,
    );
    expect(() => loadConfig({ env: { STRONGROOM_EXPORT_ROLE_ARN: 'arn:aws:iam::1:role/x' } })).toThrow(
      /cloud\.exportRoleArn/,
    );
    expect(() =>
      loadConfig({ env: { ...production, STRONGROOM_STS_ENDPOINT: 'http://sts.example.com' } }),
    ).toThrow(/cloud\.stsEndpoint: production uses HTTPS only/);
    expect(() =>
      loadConfig({
        env: { ...production, STRONGROOM_KMS_ENDPOINT: 'http://127.0.0.1:4000' },
        overrides: { cloud: { allowHttpLoopback: true } },
      }),
    ).not.toThrow();
    // The local profile may point at an emulator over HTTP.
    expect(loadConfig({ env: { STRONGROOM_STS_ENDPOINT: 'http://127.0.0.1:4000' } }).cloud.stsEndpoint).toBe(
      'http://127.0.0.1:4000',
    );
  });

  it('endpoints: configured ones win, then the local control plane, then (production) the region', () => {
    const local = loadConfig({ env: {} });
    expect(cloudEndpoints('local', local.cloud, 'http://127.0.0.1:5000')).toEqual({
      sts: 'http://127.0.0.1:5000',
      kms: 'http://127.0.0.1:5000',
      actionTrail: 'http://127.0.0.1:5000',
    });
    expect(cloudEndpoints('local', local.cloud, undefined)).toBeNull();
    const prod = loadConfig({
      env: { ...production, STRONGROOM_KMS_ENDPOINT: 'https://kms-vpc.cn-hongkong.aliyuncs.com' },
    });
    expect(cloudEndpoints('production', prod.cloud, undefined)).toEqual({
      sts: 'https://sts.cn-hongkong.aliyuncs.com',
      kms: 'https://kms-vpc.cn-hongkong.aliyuncs.com',
      actionTrail: 'https://actiontrail.cn-hongkong.aliyuncs.com',
    });
  });
});
