/**
 * The RPC signature (CONTROL-PLANE.md, "The RPC protocol"), as the server checks it:
 *
 *   canonical    = sorted(name=value pairs but Signature), each percent-encoded, joined with '&'
 *   StringToSign = METHOD + '&' + percentEncode('/') + '&' + percentEncode(canonical)
 *   Signature    = base64(HMAC-SHA1(AccessKeySecret + '&', StringToSign))
 *
 * percentEncode is RFC 3986: only A-Z a-z 0-9 - _ . ~ stay bare, UTF-8, upper-case hex, space
 * is %20. Names sort by plain code-unit order.
 */
import { createHmac } from 'node:crypto';

export type RpcParams = Map<string, string>;

const LEFT_BY_ENCODE_URI_COMPONENT = /[!'()*]/g;

export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(
    LEFT_BY_ENCODE_URI_COMPONENT,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

export function stringToSign(method: string, params: RpcParams): string {
  const names = [...params.keys()].filter((k) => k !== 'Signature').sort();
  let canonical = '';
  for (const name of names) {
    if (canonical !== '') canonical += '&';
    canonical += percentEncode(name) + '=' + percentEncode(params.get(name) as string);
  }
  return `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

export function sign(secret: string, toSign: string): string {
  return createHmac('sha1', secret + '&')
    .update(toSign, 'utf8')
    .digest('base64');
}

const PLUS = /\+/g;

/** Thrown for a query or form body that cannot be decoded. */
export class FormError extends Error {}

/**
 * Decodes `a=1&b=x%20y` (a query string or an application/x-www-form-urlencoded body). The first
 * occurrence of a name wins; `+` is a space, as form encoding says (pop-core always sends %20).
 */
export function parseForm(text: string, into: RpcParams = new Map()): RpcParams {
  if (text === '') return into;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(PLUS, ' '));
      value = decodeURIComponent(rawValue.replace(PLUS, ' '));
    } catch {
      throw new FormError(part);
    }
    if (!into.has(name)) into.set(name, value);
  }
  return into;
}

/** `Key.1`, `Key.2`, ...: the values of a flattened list, in order, stopping at the first gap. */
export function listParam(params: RpcParams, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; ; i++) {
    const v = params.get(`${name}.${i}`);
    if (v === undefined) return out;
    out.push(v);
  }
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;

/** `2026-12-01T10:00:00Z` -> epoch ms, or NaN (also for impossible dates). */
export function parseTimestamp(s: string): number {
  const m = TIMESTAMP.exec(s);
  if (m === null) return NaN;
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) return NaN;
  // Date.parse rolls 31 April into 1 May on some engines: refuse instead.
  return new Date(ms).getUTCDate() === Number(m[3]) ? ms : NaN;
}

/** Epoch ms -> `2026-12-01T10:00:00Z` (the cloud's format: UTC, no milliseconds). */
export function formatTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
