/**
 * KMS (2016-01-20) as the archive uses it: the signing key's description and public key, and
 * AsymmetricSign over a digest the archive computed. Ids travel as strings (pop-core parses with
 * json-bigint).
 */
import { ControlPlaneError } from '../errors';
import type { RpcTransport } from './rpc';

export const KMS_API_VERSION = '2016-01-20';

export type KmsSignAlgorithm = 'ECDSA_SHA_256' | 'RSA_PSS_SHA_256' | 'RSA_PKCS1_SHA_256';

export interface KmsKeyInfo {
  keyId: string;
  keySpec: string;
  keyUsage: string;
  keyState: string;
  /** The version AsymmetricSign and GetPublicKey name. */
  primaryKeyVersion: string;
  protectionLevel?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export class KmsClient {
  constructor(private readonly rpc: RpcTransport) {}

  async describeKey(keyId: string): Promise<KmsKeyInfo> {
    const a = await this.rpc.call<{ KeyMetadata?: Record<string, unknown> }>('DescribeKey', { KeyId: keyId });
    const m = a.KeyMetadata ?? {};
    const info = {
      keyId: str(m.KeyId),
      keySpec: str(m.KeySpec),
      keyUsage: str(m.KeyUsage),
      keyState: str(m.KeyState),
      primaryKeyVersion: str(m.PrimaryKeyVersion),
    };
    if (Object.values(info).some((v) => v === undefined))
      throw new ControlPlaneError('Kms DescribeKey: unexpected answer (not an asymmetric key?)');
    const protection = str(m.ProtectionLevel);
    return {
      ...(info as Omit<KmsKeyInfo, 'protectionLevel'>),
      ...(protection ? { protectionLevel: protection } : {}),
    };
  }

  /** The public key as PEM (SPKI). */
  async getPublicKey(keyId: string, keyVersionId: string): Promise<string> {
    const a = await this.rpc.call<{ PublicKey?: unknown }>('GetPublicKey', {
      KeyId: keyId,
      KeyVersionId: keyVersionId,
    });
    const pem = str(a.PublicKey);
    if (pem === undefined || !pem.includes('BEGIN PUBLIC KEY'))
      throw new ControlPlaneError('Kms GetPublicKey: no PEM public key');
    return pem;
  }

  /** Signs a digest (32 bytes for the SHA-256 algorithms); returns the signature bytes as KMS gave them. */
  async asymmetricSign(
    keyId: string,
    keyVersionId: string,
    algorithm: KmsSignAlgorithm,
    digest: Buffer,
  ): Promise<Buffer> {
    const a = await this.rpc.call<{ Value?: unknown }>('AsymmetricSign', {
      KeyId: keyId,
      KeyVersionId: keyVersionId,
      Algorithm: algorithm,
      Digest: digest.toString('base64'),
    });
    const value = str(a.Value);
    if (value === undefined) throw new ControlPlaneError('Kms AsymmetricSign: no signature in the answer');
    return Buffer.from(value, 'base64');
  }
}
