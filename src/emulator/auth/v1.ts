/**
 * OSS Signature V1: `Authorization: OSS AK:base64(HMAC-SHA1(secret, StringToSign))` and the
 * signed URL form (`OSSAccessKeyId`, `Expires`, `Signature`).
 *
 * StringToSign = VERB \n Content-MD5 \n Content-Type \n DATE \n CanonicalizedOSSHeaders CanonicalizedResource
 * (ali-oss lib/common/signUtils.js buildCanonicalString / buildCanonicalizedResource).
 */
import { createHmac } from 'node:crypto';

import {
  AuthOutcome,
  invalidArgument,
  queryAuthIncomplete,
  requestExpired,
  signatureMismatch,
  unknownAccessKey,
} from './outcome';
import {
  compareStrings,
  headerValue,
  HeaderMap,
  ParsedTarget,
  QueryParam,
  queryValue,
  safeEqual,
} from './request';

/** Sub-resources that take part in the V1 CanonicalizedResource (OSS-PROTOCOL.md). */
const SIGNED_SUBRESOURCES: ReadonlySet<string> = new Set([
  'acl',
  // Also signed by OSS though missing from some lists (the official Go SDK signs them): ali-oss
  // signs `?bucketInfo` for GetBucketInfo.
  'bucketInfo',
  'cname',
  'comp',
  'qos',
  'live',
  'status',
  'vod',
  'startTime',
  'endTime',
  'img',
  'style',
  'styleName',
  'replication',
  'replicationProgress',
  'replicationLocation',
  'uploads',
  'location',
  'cors',
  'logging',
  'website',
  'referer',
  'lifecycle',
  'delete',
  'append',
  'tagging',
  'objectMeta',
  'uploadId',
  'partNumber',
  'security-token',
  'position',
  'symlink',
  'restore',
  'callback',
  'callback-var',
  'encryption',
  'versions',
  'versioning',
  'versionId',
  'policy',
  'stat',
  'requestPayment',
  'x-oss-request-payer',
  'sequential',
  'inventory',
  'inventoryId',
  'continuation-token',
  'asyncFetch',
  'worm',
  'wormId',
  'wormExtend',
  'x-oss-process',
  'x-oss-traffic-limit',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
]);

const OSS_HEADER_PREFIX = 'x-oss-';

function compareParams(a: QueryParam, b: QueryParam): number {
  return compareStrings(a.key, b.key) || compareStrings(a.value, b.value);
}

/**
 * '/bucket/key?sub&sub2=v': the decoded path plus the whitelisted sub-resources, sorted. The
 * bucket level is '/bucket/', or '/bucket' when the client addressed '/bucket' (aliyun-sdk's
 * path-style listing): the resource is what the client addressed, never both forms for one path.
 */
export function canonicalizedResource(target: ParsedTarget): string {
  let resource =
    target.bucket === undefined
      ? '/'
      : target.bucketSlash
        ? '/' + target.bucket + '/' + target.key
        : '/' + target.bucket;
  let signed: QueryParam[] | undefined;
  for (const p of target.query) {
    if (SIGNED_SUBRESOURCES.has(p.key)) (signed ??= []).push(p);
  }
  if (signed !== undefined) {
    if (signed.length > 1) signed.sort(compareParams);
    let sep = '?';
    for (const p of signed) {
      resource += sep + p.key;
      if (p.value !== '') resource += '=' + p.value;
      sep = '&';
    }
  }
  return resource;
}

/** Every x-oss-* header as 'name:value\n', sorted by name (values trimmed). */
export function canonicalizedOssHeaders(headers: HeaderMap): string {
  let names: string[] | undefined;
  for (const name of Object.keys(headers)) {
    if (name.startsWith(OSS_HEADER_PREFIX) && headers[name] !== undefined) (names ??= []).push(name);
  }
  if (names === undefined) return '';
  if (names.length > 1) names.sort();
  let out = '';
  for (const name of names) out += name + ':' + (headerValue(headers, name) ?? '').trim() + '\n';
  return out;
}

/**
 * The bytes that are signed. Header values count as the bytes that came on the wire (Node hands
 * them over as latin1 text, one character per byte: ali-oss with `headerEncoding: 'latin1'` sends
 * UTF-8 metadata that way, and signs those bytes); the resource is the UTF-8 of the decoded path.
 * Only the date slot can come from elsewhere (a signed URL's Expires: ASCII digits).
 */
export function stringToSignV1(
  method: string,
  headers: HeaderMap,
  date: string,
  target: ParsedTarget,
): Buffer {
  const head =
    method.toUpperCase() +
    '\n' +
    (headerValue(headers, 'content-md5') ?? '') +
    '\n' +
    (headerValue(headers, 'content-type') ?? '') +
    '\n' +
    date +
    '\n' +
    canonicalizedOssHeaders(headers);
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(canonicalizedResource(target), 'utf8')]);
}

function sign(secret: string, stringToSign: Buffer): string {
  return createHmac('sha1', secret).update(stringToSign).digest('base64');
}

function verify(
  accessKeyId: string,
  provided: string,
  secret: string,
  stringToSign: Buffer,
  scheme: 'v1-header' | 'v1-query',
): AuthOutcome {
  const expected = sign(secret, stringToSign);
  if (!safeEqual(provided, expected)) return signatureMismatch(accessKeyId, provided, stringToSign, 1);
  return { ok: true, accessKeyId, scheme };
}

/** `authorization` is the full header value, known to start with 'OSS '. */
export function verifyV1Header(
  method: string,
  headers: HeaderMap,
  authorization: string,
  target: ParsedTarget,
  secretFor: (accessKeyId: string) => string | undefined,
): AuthOutcome {
  const colon = authorization.lastIndexOf(':');
  if (colon <= 4 || colon === authorization.length - 1) {
    return invalidArgument('Authorization header is invalid: expected "OSS AccessKeyId:Signature".');
  }
  const accessKeyId = authorization.slice(4, colon).trim();
  const provided = authorization.slice(colon + 1).trim();
  if (accessKeyId === '' || provided === '') {
    return invalidArgument('Authorization header is invalid: expected "OSS AccessKeyId:Signature".');
  }
  const secret = secretFor(accessKeyId);
  if (secret === undefined) return unknownAccessKey(accessKeyId);

  // ali-oss sends no Date header: it signs x-oss-date (RFC 1123). Other SDKs sign Date.
  const date = headerValue(headers, 'x-oss-date') ?? headerValue(headers, 'date');
  if (date === undefined) {
    // OSS refuses header authentication without a date (exact code/message not confirmed).
    return {
      ok: false,
      status: 403,
      code: 'AccessDenied',
      message: 'OSS authentication requires a valid Date.',
    };
  }
  return verify(accessKeyId, provided, secret, stringToSignV1(method, headers, date, target), 'v1-header');
}

const DIGITS_ONLY = /^\d{1,15}$/;

/** Signed URL: the query carries OSSAccessKeyId, Expires and Signature. */
export function verifyV1Query(
  method: string,
  headers: HeaderMap,
  target: ParsedTarget,
  secretFor: (accessKeyId: string) => string | undefined,
  now: Date,
): AuthOutcome {
  const accessKeyId = queryValue(target.query, 'OSSAccessKeyId');
  const expires = queryValue(target.query, 'Expires');
  const provided = queryValue(target.query, 'Signature');
  if (!accessKeyId || !expires || !provided) return queryAuthIncomplete();
  if (!DIGITS_ONLY.test(expires)) {
    return invalidArgument(
      'The expiration time in the URL signature is invalid: Expires must be epoch seconds.',
      '0002-00000070',
    );
  }
  const expiresAtMs = Number(expires) * 1000;
  if (now.getTime() > expiresAtMs) return requestExpired(expiresAtMs, now, 1);

  const secret = secretFor(accessKeyId);
  if (secret === undefined) return unknownAccessKey(accessKeyId);

  // Expires, exactly as sent, takes the DATE slot.
  return verify(accessKeyId, provided, secret, stringToSignV1(method, headers, expires, target), 'v1-query');
}
