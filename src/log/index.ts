import pino, { type Logger, type LoggerOptions } from 'pino';
import { prettyDestination } from './pretty';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear. Secrets (access keys, tokens, signatures) never
 * reach logs: callers also never log raw URLs with signatures; use `redactUrl` first.
 */
export const REDACT_PATHS = [
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-oss-security-token"]',
  'accessKeySecret',
  '*.accessKeySecret',
  '*.*.accessKeySecret',
  'accessKeyId',
  '*.accessKeyId',
  '*.*.accessKeyId',
  'securityToken',
  '*.securityToken',
  '*.*.securityToken',
  'stsToken',
  '*.stsToken',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'signature',
  '*.signature',
  // The control plane's JSON (STS Credentials) and RPC parameters, as the cloud spells them.
  'AccessKeySecret',
  '*.AccessKeySecret',
  '*.*.AccessKeySecret',
  'SecurityToken',
  '*.SecurityToken',
  '*.*.SecurityToken',
  'Signature',
  '*.Signature',
];

/**
 * Query parameters whose name says they carry a credential: tokens (`access_token`, `id_token`),
 * keys (`api_key`, `OSSAccessKeyId`), secrets, signatures (`Signature`, `x-oss-signature`,
 * `X-Amz-Signature`, `sig`), credentials, passwords, sessions and auth codes. Matched on the
 * decoded name, case-insensitively; a benign parameter caught by it (a `key` that is not one)
 * only loses its value in the log.
 */
const CREDENTIAL_NAME = /token|key|secret|sig|passw|pwd|credential|auth|session|jwt|cookie|code/i;
/** An API token (src/auth/tokens.ts, `sr_` + 43 base64url characters) wherever it appears. */
const API_TOKEN = /sr_[A-Za-z0-9_-]{16,}/g;
/** A JWT (OIDC id and access tokens): three base64url parts, the first a JSON header. */
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
/** `scheme://user:password@` */
const USERINFO = /(\/\/)[^/\s?#@]*@/g;

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      return CREDENTIAL_NAME.test(decodedName(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=[Redacted]` : pair;
    })
    .join('&');
}

/**
 * Removes credentials from a URL or path before it is logged (issue 8, item 8): the values of
 * query parameters named like credentials, the user and password of `user:password@`, and API
 * tokens and JWTs wherever they appear (a token pasted into a path is redacted too). Everything
 * else is kept as it was, byte for byte.
 */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#');
  const beforeHash = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : `#${redactQuery(url.slice(hash + 1))}`;
  const q = beforeHash.indexOf('?');
  const redacted =
    q === -1 ? beforeHash : `${beforeHash.slice(0, q + 1)}${redactQuery(beforeHash.slice(q + 1))}`;
  return `${redacted}${fragment}`
    .replace(USERINFO, '$1[Redacted]@')
    .replace(API_TOKEN, 'sr_[Redacted]')
    .replace(JWT, '[Redacted]');
}

export interface LogOptions {
  level?: string;
  /**
   * Human-readable output (local profile on a terminal: one line per request, src/log/pretty.ts),
   * to the destination or stderr; JSON lines with ISO times otherwise.
   */
  pretty?: boolean;
  /** ANSI colours for the level in pretty output (a terminal). */
  color?: boolean;
  /** Where to write; defaults to stdout. Tests pass a stream to inspect what is logged. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LogOptions = {}): Logger {
  const base: LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    base: { service: 'strongroom' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.pretty) {
    const out = options.destination ?? process.stderr;
    return pino(base, prettyDestination(out, { color: options.color ?? false }) as pino.DestinationStream);
  }
  if (options.destination) return pino(base, options.destination as pino.DestinationStream);
  return pino(base);
}

/** A logger that discards everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
