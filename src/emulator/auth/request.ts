/**
 * Parsing shared by the V1 and V4 verifiers: the path-style URI, the query string, header access,
 * RFC 3986 encoding and constant-time comparison. Written for the per-request hot path: no regex
 * is compiled per call, and the common case (ASCII keys, no escapes) allocates little.
 */
import { timingSafeEqual } from 'node:crypto';

export type HeaderMap = Record<string, string | string[] | undefined>;

/** One query parameter, percent-decoded. `value` is '' both for `?k` and `?k=`. */
export interface QueryParam {
  key: string;
  value: string;
}

/** A path-style request target: '/' (service), '/bucket[/]' (bucket) or '/bucket/key'. */
export interface ParsedTarget {
  /** undefined for the service level ('/'). */
  bucket: string | undefined;
  /** Percent-decoded object key; '' for bucket-level and service-level requests. */
  key: string;
  /**
   * Whether a '/' follows the bucket in the path ('/bucket/', '/bucket/key'); false for
   * '/bucket' (aliyun-sdk lists that way and signs '/bucket') and for the service level.
   */
  bucketSlash: boolean;
  query: QueryParam[];
}

/** Thrown (and turned into 400 InvalidURI) when the URI cannot be percent-decoded. */
export class UriError extends Error {}

function decode(s: string): string {
  if (s.indexOf('%') === -1) return s;
  try {
    // decodeURIComponent, not the form decoder: '+' stays '+', as OSS does.
    return decodeURIComponent(s);
  } catch {
    throw new UriError(s);
  }
}

/** Splits rawUrl ('/bucket/a%20b?x=1&y') into bucket, decoded key and decoded query params. */
export function parseTarget(rawUrl: string): ParsedTarget {
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (rawPath.charCodeAt(0) !== 47 /* '/' */) throw new UriError(rawUrl);

  let bucket: string | undefined;
  let key = '';
  let bucketSlash = false;
  if (rawPath.length > 1) {
    const slash = rawPath.indexOf('/', 1);
    if (slash === -1) {
      bucket = decode(rawPath.slice(1));
    } else {
      bucket = decode(rawPath.slice(1, slash));
      key = decode(rawPath.slice(slash + 1));
      bucketSlash = true;
    }
  }

  const query: QueryParam[] = [];
  if (q !== -1 && q < rawUrl.length - 1) {
    let start = q + 1;
    const end = rawUrl.length;
    while (start <= end) {
      let amp = rawUrl.indexOf('&', start);
      if (amp === -1) amp = end;
      if (amp > start) {
        const eq = rawUrl.indexOf('=', start);
        if (eq === -1 || eq > amp) {
          query.push({ key: decode(rawUrl.slice(start, amp)), value: '' });
        } else {
          query.push({ key: decode(rawUrl.slice(start, eq)), value: decode(rawUrl.slice(eq + 1, amp)) });
        }
      }
      start = amp + 1;
    }
  }
  return { bucket, key, bucketSlash, query };
}

/** The first value of a query parameter, or undefined. */
export function queryValue(query: readonly QueryParam[], key: string): string | undefined {
  for (const p of query) if (p.key === key) return p.value;
  return undefined;
}

/** A header as one string (Node joins repeated headers with ', '; arrays only for set-cookie). */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(', ');
}

// RFC 3986 unreserved: A-Z a-z 0-9 - . _ ~
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-._~]/.test(ch)) UNRESERVED[c] = 1;
}
const SUB_DELIMS_LEFT_BY_ENCODE_URI_COMPONENT = /[!'()*]/g;
const SLASH_ESCAPED = '%2F';

function escapeLeftover(c: string): string {
  return '%' + c.charCodeAt(0).toString(16).toUpperCase();
}

/**
 * RFC 3986 percent-encoding as OSS V4 (and ali-oss's encodeString) does it: everything but the
 * unreserved characters, UTF-8, upper-case hex. With keepSlash, '/' stays literal (canonical URI).
 */
export function uriEncode(s: string, keepSlash: boolean): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (UNRESERVED[c] !== 1 && !(keepSlash && c === 47))) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  const enc = encodeURIComponent(s).replace(SUB_DELIMS_LEFT_BY_ENCODE_URI_COMPONENT, escapeLeftover);
  return keepSlash ? enc.replaceAll(SLASH_ESCAPED, '/') : enc;
}

/** Constant-time string equality (false at once when the lengths differ, which leaks only length). */
export function safeEqual(provided: string, expected: string): boolean {
  const a = Buffer.from(provided, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** Byte-wise (UTF-16 code unit) ordering, as Array.prototype.sort uses by default. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
