import { constants, createHash, createPublicKey, verify } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { call } from './independent-client';
import {
  ACCOUNT,
  CREATE_KEY,
  assume,
  expectRpcError,
  KMS,
  startCloudEmulator,
  type CloudEmulator,
  type Key,
} from './helpers';
import { listFiles } from '../helpers';

let cloud: CloudEmulator;

beforeAll(async () => {
  cloud = await startCloudEmulator();
});

afterAll(async () => {
  await cloud.stop();
});

interface KeyMetadata {
  KeyId: string;
  Arn: string;
  KeySpec: string;
  KeyUsage: string;
  KeyState: string;
  PrimaryKeyVersion: string;
  CreationDate: string;
}

async function createKey(key: Key, spec: string): Promise<KeyMetadata> {
  const r = await cloud
    .rpc(KMS, key)
    .request<{ KeyMetadata: KeyMetadata }>(
      'CreateKey',
      { KeySpec: spec, KeyUsage: 'SIGN/VERIFY', Description: `test ${spec}` },
      CREATE_KEY,
    );
  return r.KeyMetadata;
}

const digestOf = (message: Buffer): string => createHash('sha256').update(message).digest('base64');

describe('KMS signing keys', () => {
  it('CreateKey, DescribeKey and ListKeys describe the key; ids are strings', async () => {
    const meta = await createKey(cloud.svc, 'EC_P256');
    expect(meta).toMatchObject({
      KeyId: expect.stringMatching(/^key-[a-z0-9]{24}$/),
      Arn: `acs:kms:cn-hongkong:${ACCOUNT}:key/${meta.KeyId}`,
      KeySpec: 'EC_P256',
      KeyUsage: 'SIGN/VERIFY',
      KeyState: 'Enabled',
      PrimaryKeyVersion: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const described = await cloud
      .rpc(KMS, cloud.svc)
      .request<{ KeyMetadata: KeyMetadata }>('DescribeKey', { KeyId: meta.KeyId });
    expect(described.KeyMetadata).toEqual(meta);
    const listed = await cloud.rpc(KMS, cloud.svc).request<{
      Keys: { Key: { KeyId: string; KeyArn: string }[] };
      TotalCount: number;
      PageNumber: number;
      PageSize: number;
    }>('ListKeys', { PageSize: 100 });
    expect(listed.Keys.Key).toContainEqual({ KeyId: meta.KeyId, KeyArn: meta.Arn });
    expect(listed.TotalCount).toBeGreaterThanOrEqual(1);
    expect([listed.PageNumber, listed.PageSize]).toEqual([1, 100]);
  });

  it('ECDSA_SHA_256: the signature is DER and verifies with node:crypto and the PEM from GetPublicKey', async () => {
    const meta = await createKey(cloud.svc, 'EC_P256');
    const kms = cloud.rpc(KMS, cloud.svc);
    const pub = await kms.request<{ PublicKey: string; KeyId: string; KeyVersionId: string }>(
      'GetPublicKey',
      {
        KeyId: meta.KeyId,
        KeyVersionId: meta.PrimaryKeyVersion,
      },
    );
    expect(pub.PublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    expect(createPublicKey(pub.PublicKey).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const message = Buffer.from('strongroom checkpoint 42\n');
    const signed = await kms.request<{ Value: string; KeyId: string; KeyVersionId: string }>(
      'AsymmetricSign',
      {
        KeyId: meta.KeyId,
        KeyVersionId: meta.PrimaryKeyVersion,
        Algorithm: 'ECDSA_SHA_256',
        Digest: digestOf(message),
      },
      { method: 'POST' },
    );
    const sig = Buffer.from(signed.Value, 'base64');
    expect(sig[0]).toBe(0x30);
    expect(verify('sha256', message, pub.PublicKey, sig)).toBe(true);
    expect(verify('sha256', Buffer.from('tampered'), pub.PublicKey, sig)).toBe(false);
    const ok = await kms.request<{ Value: boolean }>('AsymmetricVerify', {
      KeyId: meta.KeyId,
      KeyVersionId: meta.PrimaryKeyVersion,
      Algorithm: 'ECDSA_SHA_256',
      Digest: digestOf(message),
      Value: signed.Value,
    });
    expect(ok.Value).toBe(true);
    const bad = await kms.request<{ Value: boolean }>('AsymmetricVerify', {
      KeyId: meta.KeyId,
      KeyVersionId: meta.PrimaryKeyVersion,
      Algorithm: 'ECDSA_SHA_256',
      Digest: digestOf(Buffer.from('other')),
      Value: signed.Value,
    });
    expect(bad.Value).toBe(false);
  });

  it('RSA_2048 with RSA_PSS_SHA_256 and RSA_PKCS1_SHA_256 verifies with node:crypto; the independent client agrees', async () => {
    const meta = await createKey(cloud.svc, 'RSA_2048');
    const versions = { KeyId: meta.KeyId, KeyVersionId: meta.PrimaryKeyVersion };
    const { PublicKey } = await cloud
      .rpc(KMS, cloud.svc)
      .request<{ PublicKey: string }>('GetPublicKey', versions);
    const message = Buffer.from('an RSA-signed checkpoint');
    for (const [algorithm, padding] of [
      ['RSA_PSS_SHA_256', constants.RSA_PKCS1_PSS_PADDING],
      ['RSA_PKCS1_SHA_256', constants.RSA_PKCS1_PADDING],
    ] as const) {
      const r = await call(
        cloud.endpoint,
        cloud.svc,
        KMS,
        'AsymmetricSign',
        { ...versions, Algorithm: algorithm, Digest: digestOf(message) },
        { method: 'POST' },
      );
      expect(r.status).toBe(200);
      const sig = Buffer.from(r.body.Value as string, 'base64');
      expect(sig.length).toBe(256);
      expect(verify('sha256', message, { key: PublicKey, padding, saltLength: 32 }, sig)).toBe(true);
      const v = await call(cloud.endpoint, cloud.svc, KMS, 'AsymmetricVerify', {
        ...versions,
        Algorithm: algorithm,
        Digest: digestOf(message),
        Value: r.body.Value as string,
      });
      expect(v.body.Value).toBe(true);
    }
  });

  it('refuses what a key cannot do, unknown keys and versions, and bad digests', async () => {
    const meta = await createKey(cloud.svc, 'EC_P256');
    const kms = cloud.rpc(KMS, cloud.svc);
    const base = {
      KeyId: meta.KeyId,
      KeyVersionId: meta.PrimaryKeyVersion,
      Digest: digestOf(Buffer.from('x')),
    };
    expect(
      (await expectRpcError(kms.request('AsymmetricSign', { ...base, Algorithm: 'RSA_PSS_SHA_256' }))).code,
    ).toBe('InvalidParameter');
    expect(
      (
        await expectRpcError(
          kms.request('AsymmetricSign', { ...base, Algorithm: 'ECDSA_SHA_256', Digest: 'not base64!' }),
        )
      ).code,
    ).toBe('InvalidParameter');
    expect(
      (
        await expectRpcError(
          kms.request('AsymmetricSign', {
            ...base,
            Algorithm: 'ECDSA_SHA_256',
            Digest: Buffer.alloc(20).toString('base64'),
          }),
        )
      ).data.Message,
    ).toContain('32 bytes');
    const unknown = await expectRpcError(
      kms.request('AsymmetricSign', { ...base, KeyId: 'key-nope', Algorithm: 'ECDSA_SHA_256' }),
    );
    expect([unknown.code, unknown.entry.response.statusCode]).toEqual(['Forbidden.KeyNotFound', 404]);
    expect(
      (await expectRpcError(kms.request('GetPublicKey', { KeyId: meta.KeyId, KeyVersionId: 'v0' }))).code,
    ).toBe('Forbidden.ResourceNotFound');
    expect((await expectRpcError(kms.request('GetPublicKey', { KeyId: meta.KeyId }))).code).toBe(
      'MissingParameter',
    );
    for (const [spec, usage] of [
      ['Aliyun_AES_256', 'ENCRYPT/DECRYPT'],
      ['EC_P256', 'ENCRYPT/DECRYPT'],
      ['EC_SM2', 'SIGN/VERIFY'],
    ]) {
      const err = await expectRpcError(kms.request('CreateKey', { KeySpec: spec, KeyUsage: usage }));
      expect([spec, usage, err.code]).toEqual([spec, usage, 'UnsupportedOperation']);
    }
  });

  it('RAM applies: a user without kms permissions is refused; a session policy narrows a session', async () => {
    const meta = await createKey(cloud.root, 'EC_P256');
    const params = {
      KeyId: meta.KeyId,
      KeyVersionId: meta.PrimaryKeyVersion,
      Algorithm: 'ECDSA_SHA_256',
      Digest: digestOf(Buffer.from('x')),
    };
    const nobody = await expectRpcError(cloud.rpc(KMS, cloud.nobody).request('AsymmetricSign', params));
    expect([nobody.code, nobody.entry.response.statusCode]).toEqual(['Forbidden.RAM', 403]);
    expect(
      (
        await expectRpcError(
          cloud.rpc(KMS, cloud.nobody).request('CreateKey', { KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' }),
        )
      ).code,
    ).toBe('Forbidden.RAM');
    // The reader role has no kms actions at all.
    const { key } = await assume(cloud, cloud.svc, 'reader');
    expect((await expectRpcError(cloud.rpc(KMS, key).request('GetPublicKey', params))).code).toBe(
      'Forbidden.RAM',
    );
    // The root account may do anything.
    expect(
      (await cloud.rpc(KMS, cloud.root).request<{ Value: string }>('AsymmetricSign', params)).Value,
    ).toEqual(expect.any(String));
  });

  it('private keys stay in the data directory (mode 0600) and appear in no answer', async () => {
    const meta = await createKey(cloud.svc, 'RSA_2048');
    const answers = JSON.stringify([
      await cloud.rpc(KMS, cloud.svc).request('DescribeKey', { KeyId: meta.KeyId }),
      await cloud
        .rpc(KMS, cloud.svc)
        .request('GetPublicKey', { KeyId: meta.KeyId, KeyVersionId: meta.PrimaryKeyVersion }),
      await cloud.rpc(KMS, cloud.svc).request('ListKeys', {}),
    ]);
    expect(answers).not.toContain('PRIVATE KEY');
    const dir = path.join(cloud.emu.dataDir, 'control-plane');
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of listFiles(dir)) expect([file, fs.statSync(file).mode & 0o077]).toEqual([file, 0]);
  });
});
