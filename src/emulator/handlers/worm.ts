import { randomBytes } from 'node:crypto';
import type { Handler, RequestContext } from '../context';
import { ossErrors } from '../errors';
import {
  effectivePolicy,
  MAX_RETENTION_DAYS,
  MIN_RETENTION_DAYS,
  WORM_COMPLETE_WINDOW_MS,
} from '../retention';
import { sendEmpty, sendXml } from '../response';
import { childText, el } from '../xml';
import { nowMs, requireBucket } from './common';
import { readXmlBody } from './xml-body';

const DAYS = /^[0-9]{1,9}$/;

async function readDays(ctx: RequestContext, root: string): Promise<number> {
  const doc = await readXmlBody(ctx, root);
  const raw = doc ? childText(doc, 'RetentionPeriodInDays') : undefined;
  if (raw === undefined) throw ossErrors.malformedXml();
  const text = raw.trim();
  const days = DAYS.test(text) ? Number(text) : NaN;
  if (!(days >= MIN_RETENTION_DAYS && days <= MAX_RETENTION_DAYS)) {
    throw ossErrors.invalidArgument(
      `RetentionPeriodInDays must be an integer from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}.`,
      'RetentionPeriodInDays',
      text,
    );
  }
  return days;
}

/** OSS writes WORM dates without milliseconds or zone: 2020-10-15T15:50:32. */
function wormDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** POST /bucket?worm: a new policy, InProgress until completed (lapses after 24 hours). */
export const initiateBucketWorm: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const days = await readDays(ctx, 'InitiateWormConfiguration');
  const wormId = randomBytes(16).toString('hex').toUpperCase();
  await env.writes.run(() => {
    const bucket = requireBucket(env, ctx.bucket);
    const now = nowMs(env);
    if (effectivePolicy(bucket, now) !== null) throw ossErrors.wormExists();
    env.index.setWorm(ctx.bucket, wormId, 'InProgress', days, now);
  });
  sendEmpty(ctx, 200, { 'x-oss-worm-id': wormId });
};

/** POST /bucket?wormId=ID: InProgress -> Locked. */
export const completeBucketWorm: Handler = async (ctx, env) => {
  const wormId = ctx.query.get('wormId') ?? '';
  await env.writes.run(() => {
    const bucket = requireBucket(env, ctx.bucket);
    const policy = effectivePolicy(bucket, nowMs(env));
    if (policy === null || policy.id !== wormId) throw ossErrors.noSuchWorm();
    // Completing an already Locked policy changes nothing.
    if (policy.state === 'InProgress')
      env.index.setWorm(ctx.bucket, policy.id, 'Locked', policy.days, policy.createdMs);
  });
  sendEmpty(ctx, 200);
};

/** POST /bucket?wormExtend&wormId=ID: Locked policies only, never shorter. */
export const extendBucketWorm: Handler = async (ctx, env) => {
  const wormId = ctx.query.get('wormId') ?? '';
  requireBucket(env, ctx.bucket);
  const days = await readDays(ctx, 'ExtendWormConfiguration');
  await env.writes.run(() => {
    const bucket = requireBucket(env, ctx.bucket);
    const policy = effectivePolicy(bucket, nowMs(env));
    if (policy === null || policy.id !== wormId) throw ossErrors.noSuchWorm();
    if (policy.state !== 'Locked')
      throw ossErrors.invalidWorm(
        'The WORM Configuration is in progress: only a Locked configuration can be extended.',
      );
    if (days < policy.days) {
      throw ossErrors.invalidWorm(
        `The retention period can only be extended: ${days} days is shorter than the current ${policy.days}.`,
      );
    }
    env.index.setWorm(ctx.bucket, policy.id, 'Locked', days, policy.createdMs);
  });
  sendEmpty(ctx, 200);
};

/** GET /bucket?worm */
export const getBucketWorm: Handler = async (ctx, env) => {
  const bucket = requireBucket(env, ctx.bucket);
  const policy = effectivePolicy(bucket, nowMs(env));
  if (policy === null) throw ossErrors.noSuchWorm();
  let xml = '<WormConfiguration>' + el('WormId', policy.id) + el('State', policy.state);
  xml += el('RetentionPeriodInDays', policy.days) + el('CreationDate', wormDate(policy.createdMs));
  // For an InProgress policy: when it lapses unless completed.
  if (policy.state === 'InProgress')
    xml += el('ExpirationDate', wormDate(policy.createdMs + WORM_COMPLETE_WINDOW_MS));
  sendXml(ctx, 200, xml + '</WormConfiguration>');
};

/** DELETE /bucket?worm: only while InProgress. */
export const abortBucketWorm: Handler = async (ctx, env) => {
  await env.writes.run(() => {
    const bucket = requireBucket(env, ctx.bucket);
    const policy = effectivePolicy(bucket, nowMs(env));
    if (policy === null) throw ossErrors.noSuchWorm();
    if (policy.state === 'Locked') throw ossErrors.wormLocked();
    env.index.setWorm(ctx.bucket, null, null, null, null);
  });
  sendEmpty(ctx, 204);
};
