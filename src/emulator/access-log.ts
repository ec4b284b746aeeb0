import { randomBytes } from 'node:crypto';
import type { Logger } from '../log';
import type { Clock } from '../util/clock';

/** One request, as the access log records it. */
export interface AccessRecord {
  remoteIp: string;
  time: Date;
  method: string;
  /** Request target as received, signatures and credentials already blanked (redactUri). */
  uri: string;
  httpVersion: string;
  status: number;
  sentBytes: number;
  requestTimeMs: number;
  referer: string;
  userAgent: string;
  host: string;
  requestId: string;
  requester: string;
  operation: string;
  bucket: string;
  key: string;
  objectSize: number | null;
  serverCostMs: number;
  errorCode: string | null;
  requestLength: number | null;
  ownerId: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SECRET_PARAMS = new Set([
  'signature',
  'x-oss-signature',
  'x-oss-credential',
  'ossaccesskeyid',
  'security-token',
  'x-oss-security-token',
]);
// Control characters are exactly what these patterns exist to find.
// eslint-disable-next-line no-control-regex
const UNSAFE_QUOTED = /["\\\u0000-\u001f\u007f]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_BARE = /[\s"\\\u0000-\u001f\u007f]/g;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `[02/May/2012:00:00:04 +0000]` (UTC). */
export function logTime(d: Date): string {
  return `[${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000]`;
}

/** Blanks the values of signature, credential and token query parameters (names are kept). */
export function redactUri(rawUrl: string): string {
  const q = rawUrl.indexOf('?');
  if (q < 0) return rawUrl;
  const parts = rawUrl.slice(q + 1).split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    let name: string;
    try {
      name = decodeURIComponent(part.slice(0, eq)).toLowerCase();
    } catch {
      name = part.slice(0, eq).toLowerCase();
    }
    if (SECRET_PARAMS.has(name)) {
      parts[i] = part.slice(0, eq + 1);
      changed = true;
    }
  }
  return changed ? `${rawUrl.slice(0, q)}?${parts.join('&')}` : rawUrl;
}

function percent(c: string): string {
  return '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
}

function quoted(value: string): string {
  return `"${value === '' ? '-' : value.replace(UNSAFE_QUOTED, percent)}"`;
}

function bare(value: string | number | null): string {
  if (value === null || value === '') return '-';
  return String(value).replace(UNSAFE_BARE, percent);
}

/**
 * One line in OSS's access-log format (see OSS-PROTOCOL.md): space-separated fields in OSS's
 * order; the request line, Referer, User-Agent and HostName quoted. Quotes, backslashes and
 * control characters inside a field are percent-encoded, so every line splits unambiguously.
 */
export function formatAccessLine(r: AccessRecord): string {
  return [
    bare(r.remoteIp),
    '-',
    '-',
    logTime(r.time),
    quoted(`${r.method} ${r.uri} HTTP/${r.httpVersion}`),
    r.status,
    r.sentBytes,
    r.requestTimeMs,
    quoted(r.referer),
    quoted(r.userAgent),
    quoted(r.host),
    bare(r.requestId),
    'true',
    bare(r.requester),
    bare(r.operation),
    bare(r.bucket),
    r.key === '' ? '-' : encodeURIComponent(r.key),
    bare(r.objectSize),
    r.serverCostMs,
    bare(r.errorCode),
    bare(r.requestLength),
    bare(r.ownerId),
    '-',
    '-',
  ].join(' ');
}

/** Field names of a parsed line, in order (a line may carry more trailing fields). */
export const ACCESS_LOG_FIELDS = [
  'remoteIp',
  'reserved1',
  'reserved2',
  'time',
  'request',
  'status',
  'sentBytes',
  'requestTimeMs',
  'referer',
  'userAgent',
  'host',
  'requestId',
  'loggingFlag',
  'requester',
  'operation',
  'bucket',
  'key',
  'objectSize',
  'serverCostMs',
  'errorCode',
  'requestLength',
  'userId',
  'deltaDataSize',
  'syncRequest',
] as const;

const TOKEN = /"([^"]*)"|\[([^\]]*)\]|(\S+)/g;

/** Splits a line into its fields (quotes and brackets removed); extra trailing fields are kept. */
export function parseAccessLine(line: string): Record<string, string> & { extra: string[] } {
  const values: string[] = [];
  for (const m of line.matchAll(TOKEN)) values.push((m[1] ?? m[2] ?? m[3]) as string);
  const out: Record<string, string> = {};
  ACCESS_LOG_FIELDS.forEach((name, i) => {
    out[name] = values[i] ?? '';
  });
  return Object.assign(out, { extra: values.slice(ACCESS_LOG_FIELDS.length) });
}

/** Where a source bucket's log lines go. */
export interface LogTarget {
  bucket: string;
  prefix: string;
}

/** Writes a finished log object into its target bucket (through the normal object write path). */
export type LogWriter = (target: LogTarget, key: string, body: Buffer) => Promise<void>;

/**
 * Buffers access-log lines per source bucket and writes them as objects named
 * `<TargetPrefix><SourceBucket>YYYY-mm-DD-HH-MM-SS-<unique>` every `flushSeconds` and on close.
 * Lines not yet flushed are lost if the process dies (OSS itself delivers logs best-effort).
 */
export class AccessLog {
  private pending = new Map<string, { target: LogTarget; lines: string[] }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: Clock,
    private readonly flushSeconds: number,
    private readonly writer: LogWriter,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      void this.flush();
    }, this.flushSeconds * 1000);
    this.timer.unref();
  }

  record(source: string, target: LogTarget, record: AccessRecord): void {
    let entry = this.pending.get(source);
    if (!entry || entry.target.bucket !== target.bucket || entry.target.prefix !== target.prefix) {
      if (entry) this.writeOut(source, entry);
      entry = { target, lines: [] };
      this.pending.set(source, entry);
    }
    entry.lines.push(formatAccessLine(record));
  }

  /** Writes every pending line now; resolves when the objects are stored. */
  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const [source, entry] of batch) this.writeOut(source, entry);
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private writeOut(source: string, entry: { target: LogTarget; lines: string[] }): void {
    if (entry.lines.length === 0) return;
    const d = this.clock.now();
    const stamp = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}`;
    const key = `${entry.target.prefix}${source}${stamp}-${randomBytes(8).toString('hex').toUpperCase()}`;
    const body = Buffer.from(entry.lines.join('\n') + '\n', 'utf8');
    const write = this.writer(entry.target, key, body).catch((err: unknown) => {
      this.logger.warn(
        { err, source, target: entry.target.bucket, lines: entry.lines.length },
        'access log lines could not be written',
      );
    });
    this.flushing = Promise.all([this.flushing, write]).then(() => undefined);
  }
}
