import { createPublicKey, generateKeyPairSync, sign as nodeSign, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createCloudClients,
  createSigner,
  KmsSigner,
  LocalEd25519Signer,
  toDerSignature,
} from '../../src/cloud';
import { verifySignerOutput } from '../../src/cloud/doctor';
import { ConfigError, ControlPlaneError } from '../../src/errors';
import { silentLogger } from '../../src/log';
import { CREATE_KEY, KMS, startCloudEmulator, type CloudEmulator } from '../emulator/control-plane/helpers';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-signer-'));

describe('LocalEd25519Signer', () => {
  it('makes its key on first start (0600 in a 0700 directory) and keeps it', async () => {
    const dir = tmp();
    const first = LocalEd25519Signer.open(dir);
    const file = path.join(dir, 'keys', 'checkpoint-ed25519.pem');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const again = LocalEd25519Signer.open(dir);
    expect(await again.publicKey()).toEqual(await first.publicKey());
    expect((await first.publicKey()).length).toBe(32);
    expect(first.algorithm).toBe('ed25519');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('signs whole messages; node:crypto verifies with the raw public key; the description holds no key material', async () => {
    const dir = tmp();
    const signer = LocalEd25519Signer.open(dir);
    const message = Buffer.from('example.com/log\n42\nroot\n');
    const sig = await signer.sign(message);
    expect(sig.length).toBe(64);
    const pub = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: (await signer.publicKey()).toString('base64url') },
      format: 'jwk',
    });
    expect(verify(null, message, pub, sig)).toBe(true);
    expect(verify(null, Buffer.from('other'), pub, sig)).toBe(false);
    const pem = fs.readFileSync(path.join(dir, 'keys', 'checkpoint-ed25519.pem'), 'utf8');
    const body = pem.split('\n')[1] as string;
    expect(signer.description).not.toContain(body.slice(0, 16));
    expect(signer.description).toMatch(
      /^local Ed25519 key .*checkpoint-ed25519\.pem \(public key SHA-256 [0-9a-f]{16}\.\.\.\)$/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a key file others can read, and a file that is not an Ed25519 key', () => {
    const dir = tmp();
    LocalEd25519Signer.open(dir);
    const file = path.join(dir, 'keys', 'checkpoint-ed25519.pem');
    fs.chmodSync(file, 0o644);
    expect(() => LocalEd25519Signer.open(dir)).toThrow(ConfigError);
    expect(() => LocalEd25519Signer.open(dir)).toThrow(/readable by others/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    fs.writeFileSync(file, ec, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    expect(() => LocalEd25519Signer.open(dir)).toThrow(/not hold an Ed25519/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('toDerSignature', () => {
  it('keeps DER and turns raw r||s into DER that node:crypto accepts', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const message = Buffer.from('m');
    for (let i = 0; i < 20; i++) {
      const raw = nodeSign('sha256', Buffer.concat([message, Buffer.from([i])]), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      });
      const der = toDerSignature(raw);
      expect(verify('sha256', Buffer.concat([message, Buffer.from([i])]), publicKey, der)).toBe(true);
      expect(toDerSignature(der)).toBe(der);
    }
    expect(() => toDerSignature(Buffer.alloc(10))).toThrow(ControlPlaneError);
  });
});

describe('KmsSigner against the emulator', () => {
  let cloud: CloudEmulator;
  beforeAll(async () => {
    cloud = await startCloudEmulator();
  });
  afterAll(async () => {
    await cloud.stop();
  });

  const kmsClient = (): ReturnType<typeof createCloudClients> =>
    createCloudClients({
      endpoints: { sts: cloud.endpoint, kms: cloud.endpoint, actionTrail: cloud.endpoint },
      credentials: cloud.svc,
      cloud: { timeoutMs: 5000, retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
      logger: silentLogger(),
    });

  async function newKey(spec: string): Promise<{ KeyId: string; PrimaryKeyVersion: string }> {
    const r = await cloud
      .rpc(KMS, cloud.root)
      .request<{ KeyMetadata: { KeyId: string; PrimaryKeyVersion: string } }>(
        'CreateKey',
        { KeySpec: spec, KeyUsage: 'SIGN/VERIFY' },
        CREATE_KEY,
      );
    return r.KeyMetadata;
  }

  it('signs SHA-256(message) with ECDSA P-256: DER that node:crypto verifies with the SPKI public key', async () => {
    const key = await newKey('EC_P256');
    const signer = createSigner({ signer: 'kms', kmsKeyId: key.KeyId }, os.tmpdir(), kmsClient());
    expect(signer).toBeInstanceOf(KmsSigner);
    expect(signer.algorithm).toBe('ecdsa-p256-sha256');
    const spki = await signer.publicKey();
    const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(pub.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const message = Buffer.from('example.com/log\n7\nabc=\n');
    const sig = await signer.sign(message);
    expect(sig[0]).toBe(0x30);
    expect(verify('sha256', message, pub, sig)).toBe(true);
    expect(await verifySignerOutput(signer, message, sig)).toBe(true);
    expect(signer.description).toContain(key.KeyId);
  });

  it('refuses a key that is not EC_P256, and a KMS signer without key id or control plane', async () => {
    const rsa = await newKey('RSA_2048');
    const signer = new KmsSigner({ kms: kmsClient().kms, keyId: rsa.KeyId });
    await expect(signer.sign(Buffer.from('x'))).rejects.toThrow(/EC_P256 SIGN\/VERIFY/);
    expect(() => createSigner({ signer: 'kms' }, os.tmpdir(), kmsClient())).toThrow(ConfigError);
    expect(() => createSigner({ signer: 'kms', kmsKeyId: 'k' }, tmp(), null)).toThrow(
      /needs the control plane/,
    );
  });

  it('the local signer is the default', () => {
    const dir = tmp();
    expect(createSigner({ signer: 'local' }, dir, null)).toBeInstanceOf(LocalEd25519Signer);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
