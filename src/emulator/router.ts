import type { Handler } from './context';
import { ossErrors } from './errors';
import * as bucket from './handlers/bucket';
import * as security from './handlers/bucket-security';
import { copyObject } from './handlers/copy';
import { deleteMultipleObjects } from './handlers/delete-multiple';
import { listObjects, listObjectsV2 } from './handlers/list';
import * as logging from './handlers/logging';
import * as multipart from './handlers/multipart';
import * as object from './handlers/object';
import * as tagging from './handlers/tagging';
import * as worm from './handlers/worm';
import type { Query } from './request';

export interface Route {
  /** OSS operation name, as OSS access logs and fault rules call it. */
  operation: string;
  handler: Handler;
  /** Service-level (no bucket), bucket-level or object-level. */
  level: 'service' | 'bucket' | 'object';
}

/**
 * Sub-resources OSS knows but the emulator does not serve. A request naming one is refused with
 * 501 NotImplemented rather than mistaken for a plain bucket or object call (PUT /b?cors must
 * never create a bucket, GET /k?symlink must never return the object).
 */
const UNSUPPORTED = [
  'append',
  'position',
  'symlink',
  'restore',
  'callback',
  'callback-var',
  'cors',
  'website',
  'referer',
  'lifecycle',
  'versions',
  'versioning',
  'versionId',
  'stat',
  'requestPayment',
  'inventory',
  'inventoryId',
  'asyncFetch',
  'x-oss-process',
  'replication',
  'replicationLocation',
  'replicationProgress',
  'transferAcceleration',
  'accessPoint',
  'resourceGroup',
  'style',
  'cname',
  'objectWorm',
  'retention',
  'legalHold',
  'qos',
  'policyStatus',
  'live',
  'vod',
  'comp',
  'select',
  'metaQuery',
  'publicAccessBlock',
  'httpsConfig',
  'responseHeader',
  'userDefinedLogFieldsConfig',
];

function route(operation: string, handler: Handler, level: Route['level']): Route {
  return { operation, handler, level };
}

function unsupported(query: Query): string | undefined {
  for (const name of UNSUPPORTED) if (query.has(name)) return name;
  return undefined;
}

/** Picks the operation for a request (throws 405/501 OssErrors for what is not served). */
export function resolveRoute(
  method: string,
  bucketName: string,
  key: string,
  query: Query,
  hasCopySource: boolean,
): Route {
  const sub = unsupported(query);
  if (sub !== undefined) throw ossErrors.notImplemented(`The ?${sub} sub-resource`);
  if (bucketName === '') {
    if (method === 'GET') return route('ListBuckets', bucket.listBuckets, 'service');
    throw ossErrors.methodNotAllowed();
  }
  if (key === '') return bucketRoute(method, query);
  return objectRoute(method, query, hasCopySource);
}

function bucketRoute(method: string, q: Query): Route {
  switch (method) {
    case 'PUT':
      if (q.has('logging')) return route('PutBucketLogging', logging.putBucketLogging, 'bucket');
      if (q.has('encryption')) return route('PutBucketEncryption', security.putBucketEncryption, 'bucket');
      if (q.has('policy')) return route('PutBucketPolicy', security.putBucketPolicy, 'bucket');
      if (q.has('acl') || q.has('tagging') || q.has('worm'))
        throw ossErrors.notImplemented('This bucket sub-resource');
      return route('PutBucket', bucket.putBucket, 'bucket');
    case 'GET':
      if (q.has('worm')) return route('GetBucketWorm', worm.getBucketWorm, 'bucket');
      if (q.has('logging')) return route('GetBucketLogging', logging.getBucketLogging, 'bucket');
      if (q.has('encryption')) return route('GetBucketEncryption', security.getBucketEncryption, 'bucket');
      if (q.has('policy')) return route('GetBucketPolicy', security.getBucketPolicy, 'bucket');
      if (q.has('bucketInfo')) return route('GetBucketInfo', bucket.getBucketInfo, 'bucket');
      if (q.has('location')) return route('GetBucketLocation', bucket.getBucketLocation, 'bucket');
      if (q.has('acl')) return route('GetBucketAcl', bucket.getBucketAcl, 'bucket');
      if (q.has('uploads')) return route('ListMultipartUploads', multipart.listMultipartUploads, 'bucket');
      if (q.has('tagging')) throw ossErrors.notImplemented('Bucket tagging');
      if (q.get('list-type') === '2') return route('ListObjectsV2', listObjectsV2, 'bucket');
      return route('ListObjects', listObjects, 'bucket');
    case 'DELETE':
      if (q.has('worm')) return route('AbortBucketWorm', worm.abortBucketWorm, 'bucket');
      if (q.has('logging')) return route('DeleteBucketLogging', logging.deleteBucketLogging, 'bucket');
      if (q.has('encryption'))
        return route('DeleteBucketEncryption', security.deleteBucketEncryption, 'bucket');
      if (q.has('policy')) return route('DeleteBucketPolicy', security.deleteBucketPolicy, 'bucket');
      if (q.has('tagging')) throw ossErrors.notImplemented('Bucket tagging');
      return route('DeleteBucket', bucket.deleteBucket, 'bucket');
    case 'POST':
      if (q.has('worm')) return route('InitiateBucketWorm', worm.initiateBucketWorm, 'bucket');
      if (q.has('wormExtend')) return route('ExtendBucketWorm', worm.extendBucketWorm, 'bucket');
      if (q.has('wormId')) return route('CompleteBucketWorm', worm.completeBucketWorm, 'bucket');
      if (q.has('delete')) return route('DeleteMultipleObjects', deleteMultipleObjects, 'bucket');
      throw ossErrors.methodNotAllowed();
    default:
      throw ossErrors.methodNotAllowed();
  }
}

function objectRoute(method: string, q: Query, hasCopySource: boolean): Route {
  // Bucket-level sub-resources: never mistaken for a plain object call.
  if (q.has('encryption') || q.has('policy')) throw ossErrors.notImplemented('This object sub-resource');
  switch (method) {
    case 'PUT':
      if (q.has('tagging')) return route('PutObjectTagging', tagging.putObjectTagging, 'object');
      if (q.has('acl')) throw ossErrors.notImplemented('Object ACL');
      if (q.has('partNumber') || q.has('uploadId')) {
        if (hasCopySource) throw ossErrors.notImplemented('UploadPartCopy');
        return route('UploadPart', multipart.uploadPart, 'object');
      }
      if (hasCopySource) return route('CopyObject', copyObject, 'object');
      return route('PutObject', object.putObject, 'object');
    case 'GET':
      if (q.has('tagging')) return route('GetObjectTagging', tagging.getObjectTagging, 'object');
      if (q.has('acl')) throw ossErrors.notImplemented('Object ACL');
      if (q.has('uploadId')) return route('ListParts', multipart.listParts, 'object');
      return route('GetObject', object.getObject, 'object');
    case 'HEAD':
      if (q.has('objectMeta')) return route('GetObjectMeta', object.getObjectMeta, 'object');
      return route('HeadObject', object.headObject, 'object');
    case 'DELETE':
      if (q.has('tagging')) return route('DeleteObjectTagging', tagging.deleteObjectTagging, 'object');
      if (q.has('uploadId')) return route('AbortMultipartUpload', multipart.abortMultipartUpload, 'object');
      return route('DeleteObject', object.deleteObject, 'object');
    case 'POST':
      if (q.has('uploads'))
        return route('InitiateMultipartUpload', multipart.initiateMultipartUpload, 'object');
      if (q.has('uploadId'))
        return route('CompleteMultipartUpload', multipart.completeMultipartUpload, 'object');
      throw ossErrors.methodNotAllowed();
    default:
      throw ossErrors.methodNotAllowed();
  }
}
