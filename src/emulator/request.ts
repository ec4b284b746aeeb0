import { OssError, ossErrors } from './errors';

/** Query parameters, decoded; a bare `?uploads` is present with value ''. First occurrence wins. */
export type Query = Map<string, string>;

export interface Target {
  /** '' for service-level requests (ListBuckets). */
  bucket: string;
  /** Decoded object key; '' for bucket-level requests. */
  key: string;
  query: Query;
}

const PLUS = /\+/g;

function decodeQueryPart(s: string): string {
  return decodeURIComponent(s.indexOf('+') >= 0 ? s.replace(PLUS, ' ') : s);
}

function invalidUri(): OssError {
  return new OssError(400, 'InvalidURI', "Couldn't parse the specified URI.");
}

/**
 * Splits a path-style request target into bucket, key and query. The key is percent-decoded with
 * decodeURIComponent ('+' stays '+', as OSS and ali-oss sign it); query values also take '+' as
 * a space (form encoding; ali-oss always sends %20 and %2B).
 */
export function parseTarget(rawUrl: string): Target {
  let url = rawUrl;
  if (!url.startsWith('/')) {
    // absolute-form (a proxy-style request line): drop scheme and authority
    const scheme = url.indexOf('://');
    const slash = scheme >= 0 ? url.indexOf('/', scheme + 3) : -1;
    url = slash >= 0 ? url.slice(slash) : '/';
  }
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  const query: Query = new Map();
  try {
    if (q >= 0 && q + 1 < url.length) {
      for (const part of url.slice(q + 1).split('&')) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        const name = decodeQueryPart(eq >= 0 ? part.slice(0, eq) : part);
        if (!query.has(name)) query.set(name, eq >= 0 ? decodeQueryPart(part.slice(eq + 1)) : '');
      }
    }
    const slash = path.indexOf('/', 1);
    if (slash < 0) return { bucket: decodeURIComponent(path.slice(1)), key: '', query };
    return {
      bucket: decodeURIComponent(path.slice(1, slash)),
      key: decodeURIComponent(path.slice(slash + 1)),
      query,
    };
  } catch {
    throw invalidUri();
  }
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** OSS bucket names: 3-63 characters, lower-case letters, digits and hyphens, no hyphen at either end. */
export function checkBucketName(name: string): void {
  if (!BUCKET_NAME.test(name)) throw ossErrors.invalidBucketName(name);
}

export const MAX_KEY_BYTES = 1023;

/** OSS object names: 1-1023 bytes of UTF-8, not starting with '/' or '\'. Returns the UTF-8 bytes. */
export function checkObjectKey(key: string): Buffer {
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length > MAX_KEY_BYTES) throw ossErrors.keyTooLong();
  if (bytes.length === 0 || key[0] === '/' || key[0] === '\\') throw ossErrors.invalidObjectName();
  return bytes;
}

/** One header value as a string (the first, if the client repeated it). */
export function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'true';
}

const DIGITS = /^[0-9]{1,10}$/;

/** Parses a non-negative integer query/header value; throws InvalidArgument otherwise. */
export function parseIntArg(name: string, value: string, min: number, max: number): number {
  const n = DIGITS.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw ossErrors.invalidArgument(
      `Argument ${name} is invalid: it must be an integer from ${min} to ${max}.`,
      name,
      value,
    );
  }
  return n;
}
