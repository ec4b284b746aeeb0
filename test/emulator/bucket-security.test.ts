/**
 * Bucket default encryption (?encryption) and bucket policies (?policy) through the real ali-oss
 * client: stored with the bucket, kept across a restart, and the HTTPS-only policy of
 * infra/policies enforced (plain HTTP refused, the TLS listener allowed).
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import OSS from 'ali-oss';
import { startEmulator } from '../../src/emulator';
import { loadPolicyTemplate, POLICY_FILES } from '../../src/emulator/iam/defaults';
import { expectOssError, makeClient, tempDir, uniqueBucket, type Res } from './helpers';

const TLS_DIR = path.join(__dirname, '..', 'fixtures', 'tls');
const tls = {
  key: fs.readFileSync(path.join(TLS_DIR, 'localhost.key.pem')),
  cert: fs.readFileSync(path.join(TLS_DIR, 'localhost.cert.pem')),
};

/** ali-oss's bucket-security calls (typed from node_modules/ali-oss/lib/common/bucket/*.js). */
interface SecurityClient {
  putBucket(name: string): Promise<unknown>;
  put(name: string, body: Buffer): Promise<{ res: Res }>;
  get(name: string): Promise<{ content: Buffer }>;
  useBucket(name: string): void;
  putBucketEncryption(
    name: string,
    rule: { SSEAlgorithm: string; KMSMasterKeyID?: string },
  ): Promise<{ status: number }>;
  getBucketEncryption(
    name: string,
  ): Promise<{ encryption: { SSEAlgorithm: string; KMSMasterKeyID?: string }; status: number }>;
  deleteBucketEncryption(name: string): Promise<{ status: number }>;
  putBucketPolicy(name: string, policy: object): Promise<{ status: number }>;
  getBucketPolicy(name: string): Promise<{ policy: unknown; status: number; res: Res }>;
  deleteBucketPolicy(name: string): Promise<{ status: number }>;
  getBucketInfo(name: string): Promise<{ bucket: Record<string, unknown> }>;
}

const keys = { accessKeyId: 'LTAIsecurity0001', accessKeySecret: 'security-secret-0001' };
const region = 'oss-cn-hongkong';

function plainClient(url: string): SecurityClient {
  return makeClient(url, keys.accessKeyId, keys.accessKeySecret, { region }) as unknown as SecurityClient;
}

function tlsClient(url: string): SecurityClient {
  return new OSS({
    endpoint: url,
    ...keys,
    region,
    sldEnable: true,
    httpsAgent: new https.Agent({ ca: tls.cert, keepAlive: true }),
  } as OSS.Options) as unknown as SecurityClient;
}

function httpsOnly(bucket: string): object {
  return loadPolicyTemplate(POLICY_FILES.bucketHttpsOnly, { bucket_name: bucket }) as object;
}

test('encryption and policy: 404 before, stored, read back, kept across a restart, deleted', async () => {
  const dataDir = tempDir('security');
  const bucket = uniqueBucket('sec');
  let emu = await startEmulator({ dataDir, credentials: [keys], region });
  try {
    let c = plainClient(emu.url);
    await c.putBucket(bucket);
    const none = await expectOssError(() => c.getBucketEncryption(bucket));
    expect([none.status, none.code]).toEqual([404, 'NoSuchServerSideEncryptionRule']);
    // ali-oss getBucketPolicy does not throw on 404: it answers policy null with the status.
    const noPolicy = await c.getBucketPolicy(bucket);
    expect([noPolicy.status, noPolicy.policy]).toEqual([404, null]);
    expect(String(noPolicy.res.data)).toContain('<Code>NoSuchBucketPolicy</Code>');

    const bad = await expectOssError(() => c.putBucketEncryption(bucket, { SSEAlgorithm: 'DES' }));
    expect([bad.status, bad.code]).toEqual([400, 'InvalidArgument']);
    const badKey = await expectOssError(() =>
      c.putBucketEncryption(bucket, { SSEAlgorithm: 'AES256', KMSMasterKeyID: 'k-1' }),
    );
    expect(badKey.code).toBe('InvalidArgument');
    const badPolicy = await expectOssError(() =>
      c.putBucketPolicy(bucket, { Version: '1', Statement: [{ Effect: 'Maybe' }] }),
    );
    expect([badPolicy.status, badPolicy.code]).toEqual([400, 'InvalidPolicyDocument']);

    expect(
      (await c.putBucketEncryption(bucket, { SSEAlgorithm: 'KMS', KMSMasterKeyID: 'key-42' })).status,
    ).toBe(200);
    const policy = {
      Version: '1',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['oss:DeleteObject'],
          Principal: ['*'],
          Resource: [`acs:oss:*:*:${bucket}/*`],
        },
      ],
    };
    expect((await c.putBucketPolicy(bucket, policy)).status).toBe(200);

    await emu.close();
    emu = await startEmulator({ dataDir, credentials: [keys], region });
    c = plainClient(emu.url);
    expect((await c.getBucketEncryption(bucket)).encryption).toEqual({
      SSEAlgorithm: 'KMS',
      KMSMasterKeyID: 'key-42',
    });
    const info = (await c.getBucketInfo(bucket)).bucket.ServerSideEncryptionRule as Record<string, string>;
    expect(info.SSEAlgorithm).toBe('KMS');
    const read = await c.getBucketPolicy(bucket);
    expect([read.status, read.policy]).toEqual([200, policy]);

    expect((await c.putBucketEncryption(bucket, { SSEAlgorithm: 'AES256' })).status).toBe(200);
    expect((await c.getBucketEncryption(bucket)).encryption).toEqual({ SSEAlgorithm: 'AES256' });
    expect((await c.deleteBucketEncryption(bucket)).status).toBe(204);
    expect((await expectOssError(() => c.getBucketEncryption(bucket))).code).toBe(
      'NoSuchServerSideEncryptionRule',
    );
    expect((await c.deleteBucketPolicy(bucket)).status).toBe(204);
    expect((await c.getBucketPolicy(bucket)).status).toBe(404);
  } finally {
    await emu.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the HTTPS-only policy refuses plain HTTP (403) and lets the TLS listener through', async () => {
  const dataDir = tempDir('https-only');
  const bucket = uniqueBucket('tls');
  const emu = await startEmulator({ dataDir, credentials: [keys], region, tls });
  try {
    expect(emu.tlsUrl).toMatch(/^https:\/\/localhost:\d+$/);
    const plain = plainClient(emu.url);
    const secure = tlsClient(emu.tlsUrl as string);
    await plain.putBucket(bucket);
    plain.useBucket(bucket);
    secure.useBucket(bucket);
    await plain.put('before', Buffer.from('plain is fine without a policy'));

    expect((await secure.putBucketPolicy(bucket, httpsOnly(bucket))).status).toBe(200);

    const refused = await expectOssError(() => plain.put('after', Buffer.from('over plain HTTP')));
    expect([refused.status, refused.code]).toEqual([403, 'AccessDenied']);
    const readRefused = await expectOssError(() => plain.get('before'));
    expect(readRefused.status).toBe(403);
    expect((await expectOssError(() => plain.getBucketEncryption(bucket))).status).toBe(403);

    expect((await secure.put('after', Buffer.from('over TLS'))).res.status).toBe(200);
    expect((await secure.get('after')).content.toString()).toBe('over TLS');
    expect((await secure.get('before')).content.toString()).toBe('plain is fine without a policy');

    // The owner can always read and remove the policy, even over plain HTTP (no lock-out).
    expect((await plain.getBucketPolicy(bucket)).status).toBe(200);
    expect((await plain.deleteBucketPolicy(bucket)).status).toBe(204);
    expect((await plain.put('again', Buffer.from('plain again'))).res.status).toBe(200);
  } finally {
    await emu.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
