/**
 * What every bucket must have besides retention and logging: a default server-side encryption
 * (the configuration's `buckets.encryption`) and the HTTPS-only bucket policy of
 * `infra/policies/bucket-https-only.json` (the file the Terraform module attaches too). Provision
 * sets them, doctor and the posture report check them, all through the functions here.
 *
 * The HTTPS-only policy is set only when the archive itself reaches OSS over HTTPS: over plain
 * HTTP (the local emulator) it would refuse the archive's own requests. Such an endpoint is then
 * reported, honestly, as a warning (docs/decisions/0020-secure-transport.md).
 */
import type { Config } from '../config';
import { evaluate, compilePolicy, PolicyGrammarError } from '../emulator/iam/policy';
import { loadPolicyTemplate, POLICY_FILES } from '../emulator/iam/defaults';
import type { BucketEncryption, BucketPolicyDocument } from '../storage/types';

export interface BucketSecurity {
  /** The default server-side encryption every bucket gets. */
  encryption: BucketEncryption;
  /** Whether provision attaches the HTTPS-only policy (the endpoint is https). */
  httpsOnly: boolean;
  /** The endpoint the decision was made for. */
  endpoint: string;
}

/** `https://...`: the only endpoints the HTTPS-only policy can be set for. */
export function isHttpsEndpoint(endpoint: string): boolean {
  try {
    return new URL(endpoint).protocol === 'https:';
  } catch {
    return false;
  }
}

/** The configured encryption: `buckets.encryption`, KMS when a key id is named, else AES256. */
export function wantedEncryption(config: Pick<Config, 'buckets'>): BucketEncryption {
  const e = config.buckets.encryption;
  const algorithm = e.algorithm ?? (e.kmsKeyId !== undefined ? 'KMS' : 'AES256');
  return algorithm === 'KMS' && e.kmsKeyId !== undefined ? { algorithm, keyId: e.kmsKeyId } : { algorithm };
}

export function bucketSecurity(config: Pick<Config, 'buckets'>, endpoint: string): BucketSecurity {
  return { encryption: wantedEncryption(config), httpsOnly: isHttpsEndpoint(endpoint), endpoint };
}

export function sameEncryption(a: BucketEncryption | null, b: BucketEncryption): boolean {
  return a !== null && a.algorithm === b.algorithm && (a.keyId ?? null) === (b.keyId ?? null);
}

export function describeEncryption(e: BucketEncryption): string {
  return e.keyId !== undefined ? `${e.algorithm} with key ${e.keyId}` : e.algorithm;
}

/** The HTTPS-only policy of a bucket, rendered from infra/policies/bucket-https-only.json. */
export function httpsOnlyPolicy(bucket: string): BucketPolicyDocument {
  return loadPolicyTemplate(POLICY_FILES.bucketHttpsOnly, { bucket_name: bucket }) as BucketPolicyDocument;
}

/** Requests a statement must deny over plain HTTP (and allow over HTTPS) to count as HTTPS-only. */
function probes(bucket: string): { action: string; resource: string }[] {
  const arn = `acs:oss:cn-hongkong:1000000000000000:${bucket}`;
  return [
    { action: 'oss:GetObject', resource: `${arn}/probe` },
    { action: 'oss:PutObject', resource: `${arn}/probe` },
    { action: 'oss:ListObjects', resource: arn },
  ];
}

function statementsOf(doc: BucketPolicyDocument): unknown[] {
  const raw = doc.Statement;
  return Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
}

/**
 * The statement of a bucket policy that denies everyone every read, write and listing of the
 * bucket over plain HTTP, and only over plain HTTP (as JSON text), or null. Decided by the one
 * policy evaluator (src/emulator/iam/policy.ts), not by comparing text.
 */
export function httpsOnlyStatement(doc: BucketPolicyDocument | null, bucket: string): string | null {
  if (doc === null) return null;
  for (const statement of statementsOf(doc)) {
    let compiled;
    try {
      compiled = compilePolicy({ Version: '1', Statement: [statement] }, 'bucket');
    } catch (err) {
      if (err instanceof PolicyGrammarError) continue;
      throw err;
    }
    const decide = (secure: boolean, p: { action: string; resource: string }) =>
      evaluate([compiled], {
        ...p,
        context: (key) => (key === 'acs:securetransport' ? String(secure) : undefined),
        principals: ['acs:ram::1000000000000000:user/anyone', '200000000000000000'],
      });
    const all = probes(bucket);
    if (
      all.every((p) => decide(false, p) === 'ExplicitDeny') &&
      all.every((p) => decide(true, p) !== 'ExplicitDeny')
    )
      return JSON.stringify(statement);
  }
  return null;
}

/** The policy with the HTTPS-only statement added to what is there (other statements kept). */
export function withHttpsOnly(existing: BucketPolicyDocument | null, bucket: string): BucketPolicyDocument {
  const wanted = httpsOnlyPolicy(bucket);
  if (existing === null) return wanted;
  return { ...existing, Statement: [...statementsOf(existing), ...statementsOf(wanted)] };
}
