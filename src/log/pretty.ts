/**
 * Log lines for a person at a terminal (the local profile on a TTY): pino's JSON lines, each
 * turned into one line of text. A request is `POST /v1/records 201 33 ms ingest-1 req_…`, with
 * its error (code, message, details) or its batch counts on the same line; anything else is
 * `time LEVEL message key=value …`, with an error's stack below it. Runs in-process (no worker
 * thread), on what pino wrote, so the redaction of src/log/index.ts has already been applied.
 */

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

const COLORS: Record<number, string> = {
  20: '\x1b[90m',
  30: '\x1b[32m',
  40: '\x1b[33m',
  50: '\x1b[31m',
  60: '\x1b[35m',
};
const RESET = '\x1b[0m';

/** Keys every line has, or that the request line shows in its own way. */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'service', 'msg']);
const REQUEST_KEYS = new Set([
  'requestId',
  'method',
  'url',
  'route',
  'status',
  'ms',
  'principal',
  'error',
  'batch',
  'err',
  'aborted',
]);

export interface PrettyOptions {
  color?: boolean;
}

type Fields = Record<string, unknown>;

function clock(time: unknown): string {
  const d = typeof time === 'string' || typeof time === 'number' ? new Date(time) : new Date();
  if (Number.isNaN(d.getTime())) return String(time);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** Validation details as people read them: `quantity: required; price: a decimal string`. */
export function detailsText(details: unknown, max = 5): string {
  if (!Array.isArray(details)) return details === undefined ? '' : JSON.stringify(details);
  const parts = (details as unknown[]).slice(0, max).map((d) => {
    if (typeof d === 'object' && d !== null) {
      const { path, message } = d as { path?: unknown; message?: unknown };
      if (typeof message === 'string')
        return typeof path === 'string' && path ? `${path}: ${message}` : message;
    }
    return JSON.stringify(d);
  });
  if (details.length > max) parts.push(`… ${details.length - max} more`);
  return parts.join('; ');
}

function errorText(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const { code, message, details } = error as { code?: unknown; message?: unknown; details?: unknown };
  const detail = detailsText(details);
  return `${String(code)}: ${String(message)}${detail ? ` (${detail})` : ''}`;
}

function batchText(batch: unknown): string {
  if (typeof batch !== 'object' || batch === null) return '';
  const b = batch as Record<string, unknown>;
  const counts = `batch ${String(b.lines)} lines: ${String(b.created)} created, ${String(b.existing)} existing, ${String(b.failed)} failed`;
  return b.complete === false ? `${counts}, incomplete` : counts;
}

function stackOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const { stack, message } = err as { stack?: unknown; message?: unknown };
  const text = typeof stack === 'string' ? stack : typeof message === 'string' ? message : '';
  return text ? `\n    ${text.split('\n').join('\n    ')}` : '';
}

/** One pino JSON line as text (without the newline). Lines that are not JSON pass unchanged. */
export function formatLine(json: string, options: PrettyOptions = {}): string {
  let o: Fields;
  try {
    o = JSON.parse(json) as Fields;
  } catch {
    return json.replace(/\n$/, '');
  }
  const level = typeof o.level === 'number' ? o.level : 30;
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const tag = options.color ? `${COLORS[level] ?? ''}${name}${RESET}` : name;
  const head = `${clock(o.time)} ${tag}`;
  if (o.msg === 'request' && typeof o.method === 'string') {
    const parts = [
      `${o.method} ${String(o.url ?? o.route)}`,
      String(o.status),
      `${String(o.ms)} ms`,
      typeof o.principal === 'string' ? o.principal : '-',
      String(o.requestId ?? '-'),
    ];
    if (o.aborted === true) parts.push('(client went away)');
    const batch = batchText(o.batch);
    if (batch) parts.push(batch);
    const error = errorText(o.error);
    if (error) parts.push(error);
    const rest = Object.entries(o).filter(([k]) => !HIDDEN.has(k) && !REQUEST_KEYS.has(k));
    for (const [k, v] of rest) parts.push(`${k}=${value(v)}`);
    return `${head} ${parts.join(' ')}${stackOf(o.err)}`;
  }
  const fields = Object.entries(o)
    .filter(([k]) => !HIDDEN.has(k) && k !== 'err')
    .map(([k, v]) => `${k}=${value(v)}`);
  const msg = typeof o.msg === 'string' ? o.msg : '';
  return `${head} ${[msg, ...fields].filter(Boolean).join(' ')}${stackOf(o.err)}`;
}

/** A pino destination that writes each line as text to `out`. */
export function prettyDestination(
  out: NodeJS.WritableStream,
  options: PrettyOptions = {},
): { write(chunk: string): boolean } {
  return {
    write(chunk: string): boolean {
      let ok = true;
      for (const line of chunk.split('\n')) if (line) ok = out.write(`${formatLine(line, options)}\n`) && ok;
      return ok;
    },
  };
}
