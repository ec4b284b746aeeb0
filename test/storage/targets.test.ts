import { realOssEnv } from './helpers/targets';

describe('real-OSS conformance settings', () => {
  it('says why the real-OSS run is skipped when credentials are missing', () => {
    const r = realOssEnv({ STRONGROOM_TEST_OSS_ENDPOINT: 'https://oss-cn-hongkong.aliyuncs.com' });
    expect(r).toEqual({
      skipped: expect.stringContaining(
        'STRONGROOM_TEST_OSS_ACCESS_KEY_ID, STRONGROOM_TEST_OSS_ACCESS_KEY_SECRET not set',
      ),
    });
  });

  it('reads endpoint, keys, region, bucket prefix and the lock opt-in', () => {
    expect(
      realOssEnv({
        STRONGROOM_TEST_OSS_ENDPOINT: 'https://oss-cn-hongkong.aliyuncs.com',
        STRONGROOM_TEST_OSS_ACCESS_KEY_ID: 'LTAIx',
        STRONGROOM_TEST_OSS_ACCESS_KEY_SECRET: 's',
        STRONGROOM_TEST_OSS_BUCKET_PREFIX: 'Acme-Test',
      }),
    ).toEqual({
      endpoint: 'https://oss-cn-hongkong.aliyuncs.com',
      accessKeyId: 'LTAIx',
      accessKeySecret: 's',
      region: 'oss-cn-hongkong',
      bucketPrefix: 'acme-test',
      allowLock: false,
    });
  });
});
