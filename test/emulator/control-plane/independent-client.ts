/**
 * A second RPC client, written from the algorithm documented in CONTROL-PLANE.md ("The RPC
 * protocol"), not from pop-core's code: its own RFC 3986 encoder over UTF-8 bytes, its own
 * parameter flattening, and global fetch (undici) instead of pop-core's httpx. The emulator must
 * give it the same answers it gives pop-core, so it is not tuned to one client.
 */
import { createHmac, randomBytes } from 'node:crypto';

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/** RFC 3986 percent-encoding of the UTF-8 bytes; only A-Z a-z 0-9 - _ . ~ stay bare. */
export function rfc3986(value: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(value)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(ch) ? ch : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface CallOptions {
  method?: 'GET' | 'POST';
  /** Override the Timestamp (default: now, UTC, seconds). */
  timestamp?: string;
  nonce?: string;
  /** Change the signature after signing (for refusal tests). */
  tamper?: (signature: string) => string;
  /** Drop a common parameter before signing. */
  omit?: string;
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** The exact query/body string sent (signature included), for replays. */
  sent: { url: string; method: string; payload: string };
}

function utcSeconds(d: Date): string {
  return d.toISOString().slice(0, 19) + 'Z';
}

export async function send(url: string, method: string, payload: string): Promise<RawAnswer> {
  const res =
    method === 'GET'
      ? await fetch(`${url}/?${payload}`)
      : await fetch(`${url}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: payload,
        });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: JSON.parse(text) as Record<string, unknown>,
    sent: { url, method, payload },
  };
}

export function signedPayload(
  method: string,
  creds: Credentials,
  version: string,
  action: string,
  params: Record<string, string>,
  options: CallOptions = {},
): string {
  const all: Record<string, string> = {
    Action: action,
    Version: version,
    Format: 'JSON',
    AccessKeyId: creds.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: options.nonce ?? randomBytes(16).toString('hex'),
    Timestamp: options.timestamp ?? utcSeconds(new Date()),
    ...params,
  };
  if (creds.securityToken !== undefined) all.SecurityToken = creds.securityToken;
  if (options.omit !== undefined) delete all[options.omit];
  const names = Object.keys(all).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = names.map((n) => `${rfc3986(n)}=${rfc3986(all[n] as string)}`).join('&');
  const toSign = `${method}&${rfc3986('/')}&${rfc3986(canonical)}`;
  let signature = createHmac('sha1', `${creds.accessKeySecret}&`).update(toSign, 'utf8').digest('base64');
  if (options.tamper) signature = options.tamper(signature);
  return `${canonical}&Signature=${rfc3986(signature)}`;
}

/** One signed call; the answer is returned whatever its status. */
export function call(
  endpoint: string,
  creds: Credentials,
  version: string,
  action: string,
  params: Record<string, string> = {},
  options: CallOptions = {},
): Promise<RawAnswer> {
  const method = options.method ?? 'GET';
  return send(endpoint, method, signedPayload(method, creds, version, action, params, options));
}
