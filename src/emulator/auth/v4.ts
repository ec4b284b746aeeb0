/**
 * OSS Signature V4 (OSS4-HMAC-SHA256), in the Authorization header and in signed URLs.
 *
 * CanonicalRequest = VERB \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n AdditionalHeaders \n HashedPayload
 * StringToSign     = 'OSS4-HMAC-SHA256' \n x-oss-date \n date/region/oss/aliyun_v4_request \n hex(SHA256(CanonicalRequest))
 * Signature        = hex(HMAC-SHA256(SigningKey, StringToSign)), SigningKey = HMAC chain from 'aliyun_v4' + secret
 *                    over date, region, 'oss', 'aliyun_v4_request'.
 * (ali-oss lib/common/signUtils.js getCanonicalRequest / getStringToSign / getSignatureV4; the official
 * Python SDK v2 signer builds the same canonical query: sorted, empty values as bare keys.)
 */
import { createHash, createHmac } from 'node:crypto';

import { AuthOutcome, invalidArgument, requestExpired, signatureMismatch, unknownAccessKey } from './outcome';
import {
  compareStrings,
  headerValue,
  HeaderMap,
  ParsedTarget,
  queryValue,
  safeEqual,
  uriEncode,
} from './request';

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';
const PRODUCT = 'oss';
const TERMINATOR = 'aliyun_v4_request';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const OSS_HEADER_PREFIX = 'x-oss-';
/** The longest validity a V4 signed URL may claim: 7 days. */
export const V4_MAX_EXPIRES_SECONDS = 604800;

const ISO_BASIC_DATETIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const POSITIVE_INTEGER = /^\d{1,15}$/;

interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  /** date/region/oss/aliyun_v4_request */
  scope: string;
}

/** 'AK/20250101/cn-hongkong/oss/aliyun_v4_request' -> parts, or undefined when malformed. */
function parseCredential(credential: string): Credential | undefined {
  // The id cannot contain '/', the scope has exactly four parts: split from the left.
  const s1 = credential.indexOf('/');
  if (s1 <= 0) return undefined;
  const s2 = credential.indexOf('/', s1 + 1);
  if (s2 === -1) return undefined;
  const s3 = credential.indexOf('/', s2 + 1);
  if (s3 === -1) return undefined;
  const s4 = credential.indexOf('/', s3 + 1);
  if (s4 === -1 || credential.indexOf('/', s4 + 1) !== -1) return undefined;
  const date = credential.slice(s1 + 1, s2);
  const region = credential.slice(s2 + 1, s3);
  if (date.length !== 8 || region === '') return undefined;
  if (credential.slice(s3 + 1, s4) !== PRODUCT || credential.slice(s4 + 1) !== TERMINATOR) return undefined;
  return { accessKeyId: credential.slice(0, s1), date, region, scope: credential.slice(s1 + 1) };
}

/** '20250101T120000Z' -> epoch ms, or NaN (also for impossible dates such as 20250231). */
function parseIsoBasic(s: string): number {
  const m = ISO_BASIC_DATETIME.exec(s);
  if (m === null) return NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return NaN;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 April over into 1 May: refuse instead.
  return new Date(ms).getUTCDate() === day ? ms : NaN;
}

/** 'host;range' -> ['host', 'range'] lower-cased, empty entries dropped. */
function parseAdditionalHeaders(list: string | undefined): string[] {
  if (list === undefined || list === '') return [];
  const out: string[] = [];
  for (const part of list.split(';')) {
    const name = part.trim().toLowerCase();
    if (name !== '') out.push(name);
  }
  return out;
}

function isDefaultSignedHeader(name: string): boolean {
  return name === 'content-type' || name === 'content-md5' || name.startsWith(OSS_HEADER_PREFIX);
}

export function canonicalRequestV4(
  method: string,
  headers: HeaderMap,
  target: ParsedTarget,
  additionalHeaders: readonly string[],
  excludeQueryKey: string | undefined,
): string {
  // Canonical URI: '/bucket/key' percent-encoded, '/' kept; '/' alone for the service level.
  const uri = target.bucket === undefined ? '/' : uriEncode('/' + target.bucket + '/' + target.key, true);

  // Canonical query: every parameter (but the signature itself), encoded, sorted; '' -> bare key.
  let query = '';
  if (target.query.length > 0) {
    const pairs: { k: string; v: string }[] = [];
    for (const p of target.query) {
      if (p.key === excludeQueryKey) continue;
      pairs.push({ k: uriEncode(p.key, false), v: p.value === '' ? '' : uriEncode(p.value, false) });
    }
    if (pairs.length > 1) pairs.sort((a, b) => compareStrings(a.k, b.k) || compareStrings(a.v, b.v));
    let sep = '';
    for (const p of pairs) {
      query += sep + p.k;
      if (p.v !== '') query += '=' + p.v;
      sep = '&';
    }
  }

  // Canonical headers: content-type, content-md5, x-oss-* and the additional headers.
  const names: string[] = [];
  for (const name of Object.keys(headers)) {
    if (headers[name] !== undefined && isDefaultSignedHeader(name)) names.push(name);
  }
  for (const name of additionalHeaders) {
    if (!isDefaultSignedHeader(name) && !names.includes(name)) names.push(name);
  }
  names.sort();
  let canonicalHeaders = '';
  for (const name of names) canonicalHeaders += name + ':' + (headerValue(headers, name) ?? '').trim() + '\n';

  // ali-oss and the Python SDK send the list lower-cased, sorted, de-duplicated and without
  // content-type, content-md5 or x-oss-*; it is signed in the order the client sent it.
  const additional = additionalHeaders.join(';');
  const payload = headerValue(headers, 'x-oss-content-sha256') ?? UNSIGNED_PAYLOAD;

  return (
    method.toUpperCase() +
    '\n' +
    uri +
    '\n' +
    query +
    '\n' +
    canonicalHeaders +
    '\n' +
    additional +
    '\n' +
    payload
  );
}

/**
 * The canonical request is hashed as the bytes that came on the wire: header values are latin1
 * text from Node (one character per byte; ali-oss with `headerEncoding: 'latin1'` sends UTF-8
 * metadata that way and hashes those bytes), and everything else in it is percent-encoded ASCII.
 */
export function stringToSignV4(isoDateTime: string, scope: string, canonicalRequest: string): string {
  return (
    V4_ALGORITHM +
    '\n' +
    isoDateTime +
    '\n' +
    scope +
    '\n' +
    createHash('sha256').update(canonicalRequest, 'latin1').digest('hex')
  );
}

/** Derived signing keys, per access key, date and region: four HMACs saved on most requests. */
const signingKeys = new Map<string, { secret: string; key: Buffer }>();
const SIGNING_KEY_CACHE_MAX = 1024;

function signingKey(accessKeyId: string, secret: string, date: string, region: string): Buffer {
  const cacheKey = accessKeyId + '/' + date + '/' + region;
  const hit = signingKeys.get(cacheKey);
  if (hit !== undefined && hit.secret === secret) return hit.key;
  const kDate = createHmac('sha256', 'aliyun_v4' + secret)
    .update(date)
    .digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kProduct = createHmac('sha256', kRegion).update(PRODUCT).digest();
  const key = createHmac('sha256', kProduct).update(TERMINATOR).digest();
  if (signingKeys.size >= SIGNING_KEY_CACHE_MAX) signingKeys.clear();
  signingKeys.set(cacheKey, { secret, key });
  return key;
}

function verify(
  method: string,
  headers: HeaderMap,
  target: ParsedTarget,
  cred: Credential,
  secret: string,
  isoDateTime: string,
  additionalHeaders: string[],
  provided: string,
  excludeQueryKey: string | undefined,
  scheme: 'v4-header' | 'v4-query',
): AuthOutcome {
  const canonical = canonicalRequestV4(method, headers, target, additionalHeaders, excludeQueryKey);
  const toSign = stringToSignV4(isoDateTime, cred.scope, canonical);
  const expected = createHmac('sha256', signingKey(cred.accessKeyId, secret, cred.date, cred.region))
    .update(toSign, 'utf8')
    .digest('hex');
  if (!safeEqual(provided, expected)) {
    const shown = Buffer.from(canonical, 'latin1').toString('utf8');
    return signatureMismatch(cred.accessKeyId, provided, Buffer.from(toSign, 'utf8'), 4, shown);
  }
  return { ok: true, accessKeyId: cred.accessKeyId, scheme };
}

/** The fields of 'OSS4-HMAC-SHA256 Credential=...,AdditionalHeaders=...,Signature=...'. */
interface V4AuthorizationFields {
  credential?: string;
  additionalHeaders?: string;
  signature?: string;
}

function parseAuthorizationFields(rest: string): V4AuthorizationFields | undefined {
  const fields: V4AuthorizationFields = {};
  let start = 0;
  while (start < rest.length) {
    let comma = rest.indexOf(',', start);
    if (comma === -1) comma = rest.length;
    const eq = rest.indexOf('=', start);
    if (eq === -1 || eq > comma) {
      if (rest.slice(start, comma).trim() !== '') return undefined;
    } else {
      const name = rest.slice(start, eq).trim();
      const value = rest.slice(eq + 1, comma).trim();
      if (name === 'Credential') fields.credential = value;
      else if (name === 'AdditionalHeaders') fields.additionalHeaders = value;
      else if (name === 'Signature') fields.signature = value;
      else return undefined;
    }
    start = comma + 1;
  }
  return fields;
}

const MALFORMED_V4_HEADER =
  'Authorization header is invalid: expected "OSS4-HMAC-SHA256 Credential=AK/yyyymmdd/region/oss/aliyun_v4_request,[AdditionalHeaders=a;b,]Signature=hex".';

/** `authorization` is the full header value, known to start with 'OSS4-HMAC-SHA256 '. */
export function verifyV4Header(
  method: string,
  headers: HeaderMap,
  authorization: string,
  target: ParsedTarget,
  secretFor: (accessKeyId: string) => string | undefined,
): AuthOutcome {
  const fields = parseAuthorizationFields(authorization.slice(V4_ALGORITHM.length + 1));
  if (fields === undefined || fields.credential === undefined || fields.signature === undefined) {
    return invalidArgument(MALFORMED_V4_HEADER);
  }
  const cred = parseCredential(fields.credential);
  if (cred === undefined) return invalidArgument(MALFORMED_V4_HEADER);
  if (fields.signature === '') return invalidArgument(MALFORMED_V4_HEADER);

  const secret = secretFor(cred.accessKeyId);
  if (secret === undefined) return unknownAccessKey(cred.accessKeyId);

  const isoDateTime = headerValue(headers, 'x-oss-date');
  if (isoDateTime === undefined || Number.isNaN(parseIsoBasic(isoDateTime))) {
    return invalidArgument('V4 header authentication requires an x-oss-date header as yyyymmddTHHMMSSZ.');
  }
  // No skew check against the clock: header authentication is valid whatever the emulator's time.
  return verify(
    method,
    headers,
    target,
    cred,
    secret,
    isoDateTime,
    parseAdditionalHeaders(fields.additionalHeaders),
    fields.signature,
    undefined,
    'v4-header',
  );
}

/** Signed URL: x-oss-signature-version, -credential, -date, -expires, [-additional-headers], -signature. */
export function verifyV4Query(
  method: string,
  headers: HeaderMap,
  target: ParsedTarget,
  secretFor: (accessKeyId: string) => string | undefined,
  now: Date,
): AuthOutcome {
  const q = target.query;
  const version = queryValue(q, 'x-oss-signature-version');
  if (version !== V4_ALGORITHM) {
    return invalidArgument(
      `Unsupported x-oss-signature-version "${version ?? ''}": only ${V4_ALGORITHM} is supported.`,
    );
  }
  const credential = queryValue(q, 'x-oss-credential');
  const isoDateTime = queryValue(q, 'x-oss-date');
  const expires = queryValue(q, 'x-oss-expires');
  const provided = queryValue(q, 'x-oss-signature');
  if (!credential || !isoDateTime || !expires || !provided) {
    return invalidArgument(
      'V4 signed URLs require x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature.',
      expires ? undefined : '0002-00000215',
    );
  }
  const cred = parseCredential(credential);
  if (cred === undefined)
    return invalidArgument('x-oss-credential is invalid: expected AK/yyyymmdd/region/oss/aliyun_v4_request.');
  const signedAtMs = parseIsoBasic(isoDateTime);
  if (Number.isNaN(signedAtMs)) return invalidArgument('x-oss-date is invalid: expected yyyymmddTHHMMSSZ.');
  if (!POSITIVE_INTEGER.test(expires) || Number(expires) < 1 || Number(expires) > V4_MAX_EXPIRES_SECONDS) {
    return invalidArgument(
      `x-oss-expires is invalid: it must be a number of seconds from 1 to ${V4_MAX_EXPIRES_SECONDS} (7 days).`,
      '0002-00000232',
    );
  }
  const expiresAtMs = signedAtMs + Number(expires) * 1000;
  if (now.getTime() > expiresAtMs) return requestExpired(expiresAtMs, now, 4);

  const secret = secretFor(cred.accessKeyId);
  if (secret === undefined) return unknownAccessKey(cred.accessKeyId);

  return verify(
    method,
    headers,
    target,
    cred,
    secret,
    isoDateTime,
    parseAdditionalHeaders(queryValue(q, 'x-oss-additional-headers')),
    provided,
    'x-oss-signature',
    'v4-query',
  );
}
