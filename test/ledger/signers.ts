import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Signer } from '../../src/cloud/signer';

/** Test signers with node:crypto (the production ones live in src/cloud). */

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function ed25519Signer(seed: Buffer): Signer & { calls: number } {
  const key: KeyObject = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x as string, 'base64url');
  const s = {
    algorithm: 'ed25519' as const,
    description: 'test Ed25519 key',
    calls: 0,
    publicKey: async () => pub,
    sign: async (message: Buffer) => {
      s.calls++;
      return sign(null, message, key);
    },
  };
  return s;
}

export function ecdsaSigner(): Signer & { calls: number } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const s = {
    algorithm: 'ecdsa-p256-sha256' as const,
    description: 'test ECDSA P-256 key',
    calls: 0,
    publicKey: async () => spki,
    sign: async (message: Buffer) => {
      s.calls++;
      return sign('sha256', message, { key: privateKey, dsaEncoding: 'der' });
    },
  };
  return s;
}
