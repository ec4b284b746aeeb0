import type { EmulatorEnv, Handler } from '../context';
import { ossErrors } from '../errors';
import type { BucketRow } from '../persistence/metadata-index';
import { header, parseIntArg } from '../request';
import { sendEmpty, sendXml } from '../response';
import { childText, el } from '../xml';
import { isoDate, nowMs, requireBucket } from './common';
import { checkStorageClass } from './attributes';
import { readXmlBody } from './xml-body';

const OSS_PREFIX = /^oss-/;

function ownerXml(env: EmulatorEnv): string {
  return `<Owner>${el('ID', env.owner.id)}${el('DisplayName', env.owner.displayName)}</Owner>`;
}

/** PUT /bucket */
export const putBucket: Handler = async (ctx, env) => {
  const acl = header(ctx.req.headers, 'x-oss-acl');
  if (acl !== undefined && acl !== 'private') {
    // Every request must be signed by a configured key, so a public ACL could not be honoured.
    throw ossErrors.notImplemented(`Bucket ACL ${acl}`);
  }
  const config = await readXmlBody(ctx, 'CreateBucketConfiguration', true);
  const requested = config ? childText(config, 'StorageClass') : undefined;
  // Standard or IA (the default class of the bucket's objects); archive classes are 501.
  const storageClass = requested === undefined ? 'Standard' : checkStorageClass(requested, 'StorageClass');
  await env.writes.run(() => {
    if (env.index.getBucket(ctx.bucket)) throw ossErrors.bucketAlreadyExists(ctx.bucket);
    env.index.insertBucket(ctx.bucket, nowMs(env), 'private', storageClass);
  });
  sendEmpty(ctx, 200, { location: `/${ctx.bucket}` });
};

/** DELETE /bucket: refused while it holds objects (protected or not) or unfinished uploads. */
export const deleteBucket: Handler = async (ctx, env) => {
  await env.writes.run(() => {
    requireBucket(env, ctx.bucket);
    if (env.index.bucketHasObjects(ctx.bucket) || env.index.bucketHasUploads(ctx.bucket))
      throw ossErrors.bucketNotEmpty(ctx.bucket);
    env.index.deleteBucket(ctx.bucket);
  });
  sendEmpty(ctx, 204);
};

function bucketXml(env: EmulatorEnv, b: BucketRow): string {
  return (
    '<Bucket>' +
    el('CreationDate', isoDate(b.created_ms)) +
    el('ExtranetEndpoint', env.host()) +
    el('IntranetEndpoint', env.host()) +
    el('Location', env.region) +
    el('Name', b.name) +
    el('Region', env.region.replace(OSS_PREFIX, '')) +
    el('StorageClass', b.storage_class) +
    '</Bucket>'
  );
}

/** GET / (ListBuckets): prefix, marker, max-keys. */
export const listBuckets: Handler = async (ctx, env) => {
  const prefix = ctx.query.get('prefix') ?? '';
  const marker = ctx.query.get('marker') ?? '';
  const maxRaw = ctx.query.get('max-keys');
  const maxKeys = maxRaw === undefined || maxRaw === '' ? 1000 : parseIntArg('max-keys', maxRaw, 1, 1000);
  const all = env.index.allBuckets().filter((b) => b.name.startsWith(prefix) && b.name > marker);
  const shown = all.slice(0, maxKeys);
  const truncated = all.length > maxKeys;
  let xml = '<ListAllMyBucketsResult>';
  if (prefix !== '') xml += el('Prefix', prefix);
  if (marker !== '') xml += el('Marker', marker);
  if (maxRaw !== undefined) xml += el('MaxKeys', maxKeys);
  xml += el('IsTruncated', truncated);
  if (truncated) xml += el('NextMarker', shown[shown.length - 1]?.name ?? '');
  xml +=
    ownerXml(env) +
    '<Buckets>' +
    shown.map((b) => bucketXml(env, b)).join('') +
    '</Buckets></ListAllMyBucketsResult>';
  sendXml(ctx, 200, xml);
};

/** GET /bucket?bucketInfo */
export const getBucketInfo: Handler = async (ctx, env) => {
  const b = requireBucket(env, ctx.bucket);
  let xml = '<BucketInfo><Bucket>';
  xml += el('AccessMonitor', 'Disabled') + el('CreationDate', isoDate(b.created_ms));
  xml += el('ExtranetEndpoint', env.host()) + el('IntranetEndpoint', env.host()) + el('Location', env.region);
  xml +=
    el('StorageClass', b.storage_class) +
    el('TransferAcceleration', 'Disabled') +
    el('CrossRegionReplication', 'Disabled');
  xml += el('Name', b.name) + el('DataRedundancyType', 'LRS') + ownerXml(env);
  xml += `<AccessControlList>${el('Grant', b.acl)}</AccessControlList>`;
  const sse =
    el('SSEAlgorithm', b.sse_algorithm ?? 'None') +
    (b.sse_key_id === null ? '' : el('KMSMasterKeyID', b.sse_key_id));
  xml += `<ServerSideEncryptionRule>${sse}</ServerSideEncryptionRule>`;
  xml += `<BucketPolicy>${el('LogBucket', b.log_target ?? '')}${el('LogPrefix', b.log_prefix ?? '')}</BucketPolicy>`;
  xml += '</Bucket></BucketInfo>';
  sendXml(ctx, 200, xml);
};

/** GET /bucket?location */
export const getBucketLocation: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  sendXml(ctx, 200, el('LocationConstraint', env.region));
};

/** GET /bucket?acl (always private: see putBucket). */
export const getBucketAcl: Handler = async (ctx, env) => {
  const b = requireBucket(env, ctx.bucket);
  sendXml(
    ctx,
    200,
    `<AccessControlPolicy>${ownerXml(env)}<AccessControlList>${el('Grant', b.acl)}</AccessControlList></AccessControlPolicy>`,
  );
};
