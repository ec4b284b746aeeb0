/**
 * The KMS signer: an EC_P256 key whose private half never leaves KMS (an HSM in production).
 * sign(message) hashes the message with SHA-256, has KMS sign the digest (ECDSA_SHA_256), and
 * returns the signature DER-encoded; raw r||s (64 bytes), should KMS ever answer so, is converted.
 * Every signature is verified against the key's public key before it is returned, so a wrong
 * key, version or encoding fails here and not in an auditor's verifier.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ConfigError, ControlPlaneError } from '../errors';
import type { KmsClient } from './kms';
import type { Signer } from './signer';

export interface KmsSignerOptions {
  kms: KmsClient;
  keyId: string;
  /** Default: the key's PrimaryKeyVersion (DescribeKey). */
  keyVersionId?: string;
}

function derInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let b = bytes.subarray(i);
  if (((b[0] as number) & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}

/** DER is a SEQUENCE (0x30) whose length byte covers the rest; anything else of 64 bytes is r||s. */
export function toDerSignature(sig: Buffer): Buffer {
  if (sig.length >= 8 && sig[0] === 0x30 && sig[1] === sig.length - 2) return sig;
  if (sig.length === 64) {
    const body = Buffer.concat([derInteger(sig.subarray(0, 32)), derInteger(sig.subarray(32))]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
  throw new ControlPlaneError(`Kms AsymmetricSign: a ${sig.length}-byte signature is neither DER nor r||s`);
}

export class KmsSigner implements Signer {
  readonly algorithm = 'ecdsa-p256-sha256' as const;
  readonly description: string;
  private key: Promise<{ version: string; publicKey: KeyObject; spki: Buffer }> | null = null;

  constructor(private readonly options: KmsSignerOptions) {
    this.description = `KMS key ${options.keyId}${options.keyVersionId ? ` version ${options.keyVersionId}` : ''} (ECDSA P-256, SHA-256)`;
  }

  private resolve(): Promise<{ version: string; publicKey: KeyObject; spki: Buffer }> {
    this.key ??= (async () => {
      const { kms, keyId } = this.options;
      let version = this.options.keyVersionId;
      if (version === undefined) {
        const info = await kms.describeKey(keyId);
        if (info.keySpec !== 'EC_P256' || info.keyUsage !== 'SIGN/VERIFY')
          throw new ConfigError(
            `KMS key ${keyId} is ${info.keySpec} ${info.keyUsage}: the signer needs EC_P256 SIGN/VERIFY`,
          );
        version = info.primaryKeyVersion;
      }
      const publicKey = createPublicKey(await kms.getPublicKey(keyId, version));
      if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
        throw new ConfigError(`KMS key ${keyId} is not an EC P-256 key`);
      return { version, publicKey, spki: publicKey.export({ type: 'spki', format: 'der' }) };
    })().catch((err: unknown) => {
      this.key = null; // try again next time (the control plane may have been down)
      throw err;
    });
    return this.key;
  }

  async publicKey(): Promise<Buffer> {
    return Buffer.from((await this.resolve()).spki);
  }

  async sign(message: Buffer): Promise<Buffer> {
    const { version, publicKey } = await this.resolve();
    const digest = createHash('sha256').update(message).digest();
    const der = toDerSignature(
      await this.options.kms.asymmetricSign(this.options.keyId, version, 'ECDSA_SHA_256', digest),
    );
    if (!verify('sha256', message, publicKey, der))
      throw new ControlPlaneError(
        `Kms AsymmetricSign: the signature of key ${this.options.keyId} does not verify`,
      );
    return der;
  }
}
