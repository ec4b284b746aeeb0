/**
 * A bucket's default server-side encryption (`?encryption`) and its bucket policy (`?policy`),
 * kept with the bucket's other settings in the index (they survive a restart like retention and
 * logging). The policy is enforced on every request to the bucket by iam/oss-access.ts, with the
 * one policy evaluator (iam/policy.ts).
 */
import type { Handler } from '../context';
import { ossErrors } from '../errors';
import { PolicyGrammarError, parsePolicy } from '../iam/policy';
import { send, sendEmpty, sendXml } from '../response';
import { childElement, childText, el } from '../xml';
import { readSmallBody, requireBucket } from './common';
import { readXmlBody } from './xml-body';

/** The algorithms OSS takes as a bucket's default (SM4 only in some regions; accepted here). */
const SSE_ALGORITHMS = new Set(['AES256', 'KMS', 'SM4']);
/** OSS limits a bucket policy to 16 KB. */
const MAX_POLICY_BYTES = 16 * 1024;

/** PUT /bucket?encryption with ServerSideEncryptionRule > ApplyServerSideEncryptionByDefault. */
export const putBucketEncryption: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const doc = await readXmlBody(ctx, 'ServerSideEncryptionRule');
  const rule = doc ? childElement(doc, 'ApplyServerSideEncryptionByDefault') : undefined;
  if (!rule) throw ossErrors.malformedXml();
  const algorithm = (childText(rule, 'SSEAlgorithm') ?? '').trim();
  if (!SSE_ALGORITHMS.has(algorithm))
    throw ossErrors.invalidArgument('SSEAlgorithm must be AES256, KMS or SM4.', 'SSEAlgorithm', algorithm);
  const keyText = childText(rule, 'KMSMasterKeyID');
  const keyId = keyText === undefined || keyText.trim() === '' ? null : keyText.trim();
  if (keyId !== null && algorithm !== 'KMS')
    throw ossErrors.invalidArgument(
      'KMSMasterKeyID is allowed only with SSEAlgorithm KMS.',
      'KMSMasterKeyID',
      keyId,
    );
  await env.writes.run(() => {
    requireBucket(env, ctx.bucket);
    env.index.setEncryption(ctx.bucket, algorithm, keyId);
  });
  sendEmpty(ctx, 200);
};

/** GET /bucket?encryption: 404 NoSuchServerSideEncryptionRule when the bucket has none. */
export const getBucketEncryption: Handler = async (ctx, env) => {
  const b = requireBucket(env, ctx.bucket);
  if (b.sse_algorithm === null) throw ossErrors.noSuchEncryption();
  const key = b.sse_key_id === null ? '' : el('KMSMasterKeyID', b.sse_key_id);
  sendXml(
    ctx,
    200,
    `<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault>${el('SSEAlgorithm', b.sse_algorithm)}${key}</ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>`,
  );
};

/** DELETE /bucket?encryption */
export const deleteBucketEncryption: Handler = async (ctx, env) => {
  await env.writes.run(() => {
    requireBucket(env, ctx.bucket);
    env.index.setEncryption(ctx.bucket, null, null);
  });
  sendEmpty(ctx, 204);
};

/** PUT /bucket?policy with a JSON policy document (checked by the RAM policy grammar, kind bucket). */
export const putBucketPolicy: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const body = await readSmallBody(ctx, MAX_POLICY_BYTES);
  const text = body.toString('utf8');
  try {
    parsePolicy(text, 'bucket');
  } catch (err) {
    if (err instanceof PolicyGrammarError) throw ossErrors.invalidPolicyDocument(err.message);
    throw err;
  }
  await env.writes.run(() => {
    requireBucket(env, ctx.bucket);
    env.index.setPolicy(ctx.bucket, text);
  });
  sendEmpty(ctx, 200);
};

/** GET /bucket?policy: the document as stored; 404 NoSuchBucketPolicy when there is none. */
export const getBucketPolicy: Handler = async (ctx, env) => {
  const b = requireBucket(env, ctx.bucket);
  if (b.policy === null) throw ossErrors.noSuchBucketPolicy();
  send(ctx, 200, { 'content-type': 'application/json' }, b.policy);
};

/** DELETE /bucket?policy */
export const deleteBucketPolicy: Handler = async (ctx, env) => {
  await env.writes.run(() => {
    requireBucket(env, ctx.bucket);
    env.index.setPolicy(ctx.bucket, null);
  });
  sendEmpty(ctx, 204);
};
