/**
 * KMS (Version 2016-01-20), asymmetric signing keys only (CONTROL-PLANE.md, "KMS"): CreateKey,
 * DescribeKey, ListKeys, GetPublicKey, AsymmetricSign, AsymmetricVerify. Keys are EC_P256,
 * RSA_2048 or RSA_3072 with usage SIGN/VERIFY, one version each. RAM actions `kms:<Action>` on
 * `acs:kms:<region>:<account>:key/<keyId>` (`.../key` for CreateKey and ListKeys).
 */
import { formatTimestamp } from './rpc';
import {
  requiredParam,
  requirePermission,
  type ActionDef,
  type ControlPlaneEnv,
  type RpcCall,
  type ServiceDef,
} from './context';
import { rpcErrors } from './errors';
import {
  ecdsaSignDigest,
  ecdsaVerifyDigest,
  pkcs1SignDigest,
  pkcs1VerifyDigest,
  pssSignDigest,
  pssVerifyDigest,
} from './kms-crypto';
import { algorithmsFor, KEY_SPECS, type KeySpec, type KmsKey, type SignAlgorithm } from './kms-store';

export const KMS_VERSION = '2016-01-20';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function keyArn(env: ControlPlaneEnv, keyId: string): string {
  return `acs:kms:${env.region}:${env.directory.accountId}:key/${keyId}`;
}

function metadata(env: ControlPlaneEnv, key: KmsKey): Record<string, unknown> {
  return {
    KeyId: key.keyId,
    Arn: keyArn(env, key.keyId),
    KeySpec: key.spec,
    KeyUsage: key.usage,
    KeyState: 'Enabled',
    Origin: 'Aliyun_KMS',
    ProtectionLevel: key.protectionLevel,
    Description: key.description,
    Creator: key.creator,
    CreationDate: formatTimestamp(key.createdMs),
    PrimaryKeyVersion: key.versionId,
    AutomaticRotation: 'Disabled',
  };
}

/** The key a call names, after the caller's permission for `action` on it is checked. */
function namedKey(call: RpcCall, env: ControlPlaneEnv, action: string, withVersion: boolean): KmsKey {
  const keyId = requiredParam(call, 'KeyId');
  requirePermission(call, env, `kms:${action}`, keyArn(env, keyId), rpcErrors.kmsForbidden);
  const key = env.kms.get(keyId);
  if (key === null) throw rpcErrors.keyNotFound();
  if (withVersion && requiredParam(call, 'KeyVersionId') !== key.versionId)
    throw rpcErrors.keyVersionNotFound();
  return key;
}

function base64Param(call: RpcCall, name: string): Buffer {
  const raw = requiredParam(call, name);
  if (!BASE64.test(raw) || raw.length % 4 !== 0) throw rpcErrors.invalidParameter(name, 'not base64');
  return Buffer.from(raw, 'base64');
}

function algorithmFor(call: RpcCall, key: KmsKey): SignAlgorithm {
  const algorithm = requiredParam(call, 'Algorithm');
  const allowed: readonly string[] = algorithmsFor(key.spec);
  if (!allowed.includes(algorithm))
    throw rpcErrors.invalidParameter('Algorithm', `a ${key.spec} key signs with ${allowed.join(' or ')}`);
  return algorithm as SignAlgorithm;
}

function digestParam(call: RpcCall): Buffer {
  const digest = base64Param(call, 'Digest');
  if (digest.length !== 32) throw rpcErrors.invalidParameter('Digest', 'a SHA-256 digest is 32 bytes');
  return digest;
}

const keyResource = (call: RpcCall): { name: string; type: string } | null => {
  const id = call.params.get('KeyId');
  return id ? { name: id, type: 'ACS::KMS::Key' } : null;
};

const createKey: ActionDef = {
  async handle(call, env) {
    requirePermission(
      call,
      env,
      'kms:CreateKey',
      `acs:kms:${env.region}:${env.directory.accountId}:key`,
      rpcErrors.kmsForbidden,
    );
    const spec = call.params.get('KeySpec') ?? '';
    const usage = call.params.get('KeyUsage') ?? '';
    if (!(KEY_SPECS as readonly string[]).includes(spec))
      throw rpcErrors.unsupportedKey(`KeySpec must be one of ${KEY_SPECS.join(', ')} (signing keys only)`);
    if (usage !== 'SIGN/VERIFY')
      throw rpcErrors.unsupportedKey('KeyUsage must be SIGN/VERIFY (signing keys only)');
    const protection = call.params.get('ProtectionLevel') ?? 'SOFTWARE';
    if (protection !== 'SOFTWARE' && protection !== 'HSM')
      throw rpcErrors.invalidParameter('ProtectionLevel', 'SOFTWARE or HSM');
    const key = await env.kms.create(spec as KeySpec, {
      description: call.params.get('Description') ?? '',
      protectionLevel: protection,
      creator: call.caller.principalId,
      nowMs: env.clock.now().getTime(),
    });
    return { KeyMetadata: metadata(env, key) };
  },
  trail: {
    rw: 'Write',
    resource: () => null,
    requestParameters: (call) => ({
      KeySpec: call.params.get('KeySpec'),
      KeyUsage: call.params.get('KeyUsage'),
      ProtectionLevel: call.params.get('ProtectionLevel'),
    }),
    responseElements: (result) => {
      const m = result.KeyMetadata as { KeyId: string; PrimaryKeyVersion: string };
      return { KeyMetadata: { KeyId: m.KeyId, PrimaryKeyVersion: m.PrimaryKeyVersion } };
    },
  },
};

const describeKey: ActionDef = {
  handle(call, env) {
    return { KeyMetadata: metadata(env, namedKey(call, env, 'DescribeKey', false)) };
  },
};

const listKeys: ActionDef = {
  handle(call, env) {
    requirePermission(
      call,
      env,
      'kms:ListKeys',
      `acs:kms:${env.region}:${env.directory.accountId}:key`,
      rpcErrors.kmsForbidden,
    );
    const page = Number(call.params.get('PageNumber') ?? '1');
    const size = Number(call.params.get('PageSize') ?? '10');
    if (!Number.isInteger(page) || page < 1)
      throw rpcErrors.invalidParameter('PageNumber', 'an integer >= 1');
    if (!Number.isInteger(size) || size < 1 || size > 100)
      throw rpcErrors.invalidParameter('PageSize', '1 to 100');
    const { keys, total } = env.kms.list((page - 1) * size, size);
    return {
      Keys: { Key: keys.map((k) => ({ KeyId: k.keyId, KeyArn: keyArn(env, k.keyId) })) },
      TotalCount: total,
      PageNumber: page,
      PageSize: size,
    };
  },
};

const getPublicKey: ActionDef = {
  handle(call, env) {
    const key = namedKey(call, env, 'GetPublicKey', true);
    return { KeyId: key.keyId, KeyVersionId: key.versionId, PublicKey: key.publicPem };
  },
};

const asymmetricSign: ActionDef = {
  handle(call, env) {
    const key = namedKey(call, env, 'AsymmetricSign', true);
    const algorithm = algorithmFor(call, key);
    const digest = digestParam(call);
    const priv = env.kms.privateKey(key.keyId);
    const signature =
      algorithm === 'ECDSA_SHA_256'
        ? ecdsaSignDigest(priv, digest)
        : algorithm === 'RSA_PSS_SHA_256'
          ? pssSignDigest(priv, digest)
          : pkcs1SignDigest(priv, digest);
    return { KeyId: key.keyId, KeyVersionId: key.versionId, Value: signature.toString('base64') };
  },
  trail: {
    rw: 'Write',
    resource: keyResource,
    requestParameters: (call) => ({
      KeyId: call.params.get('KeyId'),
      KeyVersionId: call.params.get('KeyVersionId'),
      Algorithm: call.params.get('Algorithm'),
    }),
    responseElements: () => null,
  },
};

const asymmetricVerify: ActionDef = {
  handle(call, env) {
    const key = namedKey(call, env, 'AsymmetricVerify', true);
    const algorithm = algorithmFor(call, key);
    const digest = digestParam(call);
    const value = base64Param(call, 'Value');
    const pub = env.kms.publicKey(key);
    const ok =
      algorithm === 'ECDSA_SHA_256'
        ? ecdsaVerifyDigest(pub, digest, value)
        : algorithm === 'RSA_PSS_SHA_256'
          ? pssVerifyDigest(pub, digest, value)
          : pkcs1VerifyDigest(pub, digest, value);
    return { KeyId: key.keyId, KeyVersionId: key.versionId, Value: ok };
  },
};

export const kmsService: ServiceDef = {
  name: 'Kms',
  source: 'kms.aliyuncs.com',
  actions: {
    CreateKey: createKey,
    DescribeKey: describeKey,
    ListKeys: listKeys,
    GetPublicKey: getPublicKey,
    AsymmetricSign: asymmetricSign,
    AsymmetricVerify: asymmetricVerify,
  },
};
