import pino, { type Logger, type LoggerOptions } from 'pino';

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
  /** Human-readable output (local profile on a terminal); JSON otherwise. */
  pretty?: boolean;
  /** Where to write; defaults to stdout. Tests pass a stream to inspect what is logged. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LogOptions = {}): Logger {
  const base: LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    base: { service: 'strongroom' },
  };
  if (options.destination) return pino(base, options.destination as pino.DestinationStream);
  if (options.pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, destination: 2 } },
    });
  }
  return pino(base);
}

/** A logger that discards everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
