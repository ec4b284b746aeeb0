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

const SIGNED_QUERY =
  /([?&](?:Signature|OSSAccessKeyId|AccessKeyId|SecurityToken|security-token|x-oss-signature|x-oss-credential|x-oss-security-token)=)[^&#\s]*/gi;

/** Removes signatures, credentials and tokens from a URL or path before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(SIGNED_QUERY, '$1[Redacted]');
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
