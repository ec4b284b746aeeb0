import type { Handler } from '../context';
import { ossErrors } from '../errors';
import { checkBucketName } from '../request';
import { sendEmpty, sendXml } from '../response';
import { childElement, childText, el } from '../xml';
import { requireBucket } from './common';
import { readXmlBody } from './xml-body';

const MAX_PREFIX = 32;

/** PUT /bucket?logging with BucketLoggingStatus (no LoggingEnabled: logging off). */
export const putBucketLogging: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const doc = await readXmlBody(ctx, 'BucketLoggingStatus');
  const enabled = doc ? childElement(doc, 'LoggingEnabled') : undefined;
  let target: string | null = null;
  let prefix: string | null = null;
  if (enabled) {
    target = (childText(enabled, 'TargetBucket') ?? '').trim();
    prefix = childText(enabled, 'TargetPrefix') ?? '';
    if (target === '') throw ossErrors.malformedXml();
    try {
      checkBucketName(target);
    } catch {
      throw ossErrors.invalidTargetBucketForLogging('The target bucket for logging is not valid.');
    }
    if (prefix.length > MAX_PREFIX)
      throw ossErrors.invalidArgument('TargetPrefix is too long.', 'TargetPrefix', prefix);
  }
  await env.writes.run(() => {
    requireBucket(env, ctx.bucket);
    if (target !== null && !env.index.getBucket(target)) {
      throw ossErrors.invalidTargetBucketForLogging('The target bucket for logging does not exist.');
    }
    env.index.setLogging(ctx.bucket, target, target === null ? null : prefix);
  });
  sendEmpty(ctx, 200);
};

/** GET /bucket?logging */
export const getBucketLogging: Handler = async (ctx, env) => {
  const b = requireBucket(env, ctx.bucket);
  let xml = '<BucketLoggingStatus>';
  if (b.log_target !== null) {
    xml += `<LoggingEnabled>${el('TargetBucket', b.log_target)}${el('TargetPrefix', b.log_prefix ?? '')}</LoggingEnabled>`;
  }
  sendXml(ctx, 200, xml + '</BucketLoggingStatus>');
};

/** DELETE /bucket?logging */
export const deleteBucketLogging: Handler = async (ctx, env) => {
  await env.writes.run(() => {
    requireBucket(env, ctx.bucket);
    env.index.setLogging(ctx.bucket, null, null);
  });
  sendEmpty(ctx, 204);
};
