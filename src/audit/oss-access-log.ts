/**
 * OSS access logs, read: one line into a typed entry, and the log objects of a bucket in order.
 * Pure code (no I/O), for the importer that puts access which bypassed the archive into the
 * audit trail. The format is the official one of OSS-PROTOCOL.md ("Bucket logging"):
 *
 *   RemoteIP - - [Time] "RequestURL" HTTPStatus SentBytes RequestTime "Referer" "UserAgent"
 *   "HostName" "RequestID" "LoggingFlag" "RequesterAliyunID" "Operation" "BucketName"
 *   "ObjectName" ObjectSize ServerCostTime "ErrorCode" RequestLength "UserID" DeltaDataSize
 *   "SyncRequest" "StorageClass" "TargetStorageClass" "TransmissionAccelerationAccessPoint"
 *   "AccessKeyID" "BucketARN" [fields OSS adds later...]
 *
 * Accepted: older lines that stop after SyncRequest (the later fields are then null), newer
 * lines with more fields (kept, as written, in `extra`), quoted fields with spaces and quotes
 * inside (Referer and User-Agent come from the client unescaped: where a quote inside the
 * User-Agent makes the split ambiguous, the split whose later fields are well-formed wins; a
 * Referer ends at its first `" "`). `-` is an empty field (null). Refused, with a reason:
 * anything else; nothing here throws.
 */

export interface OssAccessLogEntry {
  remoteIp: string;
  /** The request's time, the line's own UTC offset applied. */
  time: Date;
  /** The time as written, e.g. `02/May/2012:00:00:04 +0800`. */
  timeText: string;
  /** The request line as logged, e.g. `GET /key?acl HTTP/1.1` (query values may be blanked). */
  request: string;
  /** From `request`, null when it is not `METHOD URI HTTP/x`. */
  method: string | null;
  uri: string | null;
  httpVersion: string | null;
  /** null (`-`) when no answer was sent (the connection was cut first). */
  status: number | null;
  sentBytes: number | null;
  requestTimeMs: number | null;
  referer: string | null;
  userAgent: string | null;
  hostName: string | null;
  requestId: string;
  loggingFlag: string | null;
  /** RequesterAliyunID: the requester's user id; null for anonymous requests. */
  requesterId: string | null;
  operation: string | null;
  bucket: string | null;
  /** ObjectName, URL-decoded. */
  objectKey: string | null;
  objectSize: number | null;
  serverCostTimeMs: number | null;
  errorCode: string | null;
  requestLength: number | null;
  /** UserID: the bucket owner. */
  ownerId: string | null;
  deltaDataSize: number | null;
  syncRequest: string | null;
  storageClass: string | null;
  targetStorageClass: string | null;
  transmissionAccelerationAccessPoint: string | null;
  /** The access key that signed the request (`STS.` for STS credentials); null for anonymous. */
  accessKeyId: string | null;
  bucketArn: string | null;
  /** Fields after BucketARN, as written (quotes removed). */
  extra: string[];
}

export type OssAccessLogParse = { ok: true; entry: OssAccessLogEntry } | { ok: false; reason: string };

/** Longer lines are refused (OSS lines are a few hundred bytes; a URL is at most a few KiB). */
export const MAX_LINE_LENGTH = 256 * 1024;
/** Fields from HostName to SyncRequest: every line has at least these after the User-Agent. */
const TAIL_MIN = 14;
/** How many ways of splitting Referer and User-Agent are tried (each) when quotes make it ambiguous. */
const MAX_SPLITS = 8;

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
/** The end of the request field: `" STATUS SENT RT "` (the Referer's quote opens next). */
const AFTER_REQUEST = /" (\d{3}|-) (-|\d+) (-|\d+) "/g;
const UNSIGNED = /^\d{1,15}$/;
const SIGNED = /^-?\d{1,15}$/;
const HTTP_VERSION = /^HTTP\/\d(\.\d)?$/;

function fail(reason: string): OssAccessLogParse {
  return { ok: false, reason };
}

/** `-` (or nothing) is an empty field. */
function opt(v: string | undefined): string | null {
  return v === undefined || v === '' || v === '-' ? null : v;
}

function num(v: string | undefined, pattern: RegExp): number | null | undefined {
  const s = opt(v);
  if (s === null) return null;
  return pattern.test(s) ? Number(s) : undefined;
}

/** `02/May/2012:00:00:04 +0800` -> the instant, or null when not a real time. */
function parseTime(text: string): Date | null {
  const m = TIME.exec(text);
  if (m === null) return null;
  const month = MONTHS[m[2] as string];
  if (month === undefined) return null;
  const [day, year, hour, minute, second] = [m[1], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetMin = Number(m[8]) * 60 + Number(m[9]);
  if (hour > 23 || minute > 59 || second > 59 || Number(m[9]) > 59 || Number(m[8]) > 14) return null;
  const local = Date.UTC(year, month, day, hour, minute, second);
  const check = new Date(local);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month) return null; // 31/Apr
  return new Date(local - (m[7] === '-' ? -1 : 1) * offsetMin * 60_000);
}

interface Token {
  text: string;
  quoted: boolean;
}

/**
 * Space-separated fields from `pos`: a quoted field ends at the first quote followed by a space
 * or the end of the line. Null when a quote never closes.
 */
function tokenize(line: string, pos: number): Token[] | null {
  const out: Token[] = [];
  let i = pos;
  const n = line.length;
  while (i < n) {
    if (line.charCodeAt(i) === 0x20) {
      i++;
      continue;
    }
    if (line.charCodeAt(i) === 0x22) {
      let end = line.indexOf('"', i + 1);
      while (end !== -1 && end + 1 < n && line.charCodeAt(end + 1) !== 0x20) end = line.indexOf('"', end + 1);
      if (end === -1) return null;
      out.push({ text: line.slice(i + 1, end), quoted: true });
      i = end + 1;
    } else {
      let end = line.indexOf(' ', i);
      if (end === -1) end = n;
      out.push({ text: line.slice(i, end), quoted: false });
      i = end;
    }
  }
  return out;
}

/** Checks the fields from HostName on; returns the reason they are not well-formed, or null. */
function tailProblem(tail: Token[]): string | null {
  if (tail.length < TAIL_MIN)
    return `the line has ${tail.length + 10} fields; the format has at least ${TAIL_MIN + 10}`;
  if (opt(tail[1]?.text) === null) return 'RequestID is empty';
  if (num(tail[7]?.text, UNSIGNED) === undefined) return 'ObjectSize is not a number';
  if (num(tail[8]?.text, UNSIGNED) === undefined) return 'ServerCostTime is not a number';
  if (num(tail[10]?.text, UNSIGNED) === undefined) return 'RequestLength is not a number';
  if (num(tail[12]?.text, SIGNED) === undefined) return 'DeltaDataSize is not a number';
  const key = opt(tail[6]?.text);
  if (key !== null && decodeKey(key) === null) return `ObjectName "${key}" is not valid URL encoding`;
  return null;
}

function decodeKey(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** Indexes of `" "` (a quoted field closing, the next opening) from `from`, at most MAX_SPLITS. */
function splits(line: string, from: number): number[] {
  const out: number[] = [];
  let i = line.indexOf('" "', from);
  while (i !== -1 && out.length < MAX_SPLITS) {
    out.push(i);
    i = line.indexOf('" "', i + 1);
  }
  return out;
}

/** Parses one line of an OSS access log (its line break may be left on). */
export function parseOssAccessLogLine(line: string): OssAccessLogParse {
  try {
    return parseLine(line);
  } catch (err) {
    return fail(`the line could not be read (${(err as Error).message})`);
  }
}

function parseLine(input: string): OssAccessLogParse {
  if (typeof input !== 'string') return fail('not a string');
  const line = input.endsWith('\r\n') ? input.slice(0, -2) : input.replace(/[\r\n]$/, '');
  if (line.trim() === '') return fail('empty line');
  if (line.length > MAX_LINE_LENGTH) return fail(`longer than ${MAX_LINE_LENGTH} characters`);
  if (/[\r\n]/.test(line)) return fail('holds a line break');

  // RemoteIP - - [Time] "
  const open = line.indexOf(' [');
  const close = line.indexOf('] "', open + 2);
  if (open <= 0 || close === -1) return fail('no [time] after the remote IP and the two reserved fields');
  const head = line.slice(0, open).split(' ');
  if (head.length !== 3 || head.some((f) => f === '')) return fail('expected "RemoteIP - -" before the time');
  const timeText = line.slice(open + 2, close);
  const time = parseTime(timeText);
  if (time === null) return fail(`the time "${timeText}" is not dd/Mon/yyyy:HH:MM:SS +hhmm`);

  // "RequestURL" HTTPStatus SentBytes RequestTime "
  const requestStart = close + 3;
  AFTER_REQUEST.lastIndex = requestStart;
  const after = AFTER_REQUEST.exec(line);
  if (after === null) return fail('no "request line" followed by HTTPStatus, SentBytes and RequestTime');
  const request = line.slice(requestStart, after.index);
  const refererStart = after.index + after[0].length; // just after the Referer's opening quote

  // "Referer" "UserAgent": client text, possibly with quotes. Where the User-Agent ends is
  // decided by what follows (the first split whose later fields are well-formed wins); where the
  // Referer ends cannot be (both splits leave the same fields after): it is taken to end at its
  // first `" "`, as a URL holds no raw quote. A refusal gives the reason of the first split.
  let problem: string | null = null;
  for (const r of splits(line, refererStart)) {
    for (const u of splits(line, r + 3)) {
      const tail = tokenize(line, u + 2);
      const p = tail === null ? 'a quoted field is not closed' : tailProblem(tail);
      if (p !== null || tail === null) {
        problem ??= p;
        continue;
      }
      return {
        ok: true,
        entry: build({
          remoteIp: head[0] as string,
          time,
          timeText,
          request,
          status: after[1] === '-' ? null : Number(after[1]),
          sentBytes: after[2] === '-' ? null : Number(after[2]),
          requestTimeMs: after[3] === '-' ? null : Number(after[3]),
          referer: opt(line.slice(refererStart, r)),
          userAgent: opt(line.slice(r + 3, u)),
          tail,
        }),
      };
    }
  }
  return fail(problem ?? 'no "Referer" "UserAgent" fields');
}

interface Parts {
  remoteIp: string;
  time: Date;
  timeText: string;
  request: string;
  status: number | null;
  sentBytes: number | null;
  requestTimeMs: number | null;
  referer: string | null;
  userAgent: string | null;
  tail: Token[];
}

function build(p: Parts): OssAccessLogEntry {
  const t = p.tail.map((x) => x.text);
  const firstSpace = p.request.indexOf(' ');
  const lastSpace = p.request.lastIndexOf(' ');
  const version = lastSpace > firstSpace ? p.request.slice(lastSpace + 1) : '';
  const wellFormed = firstSpace > 0 && HTTP_VERSION.test(version);
  const rawKey = opt(t[6]);
  return {
    remoteIp: p.remoteIp,
    time: p.time,
    timeText: p.timeText,
    request: p.request,
    method: wellFormed ? p.request.slice(0, firstSpace) : null,
    uri: wellFormed ? p.request.slice(firstSpace + 1, lastSpace) : null,
    httpVersion: wellFormed ? version.slice(5) : null,
    status: p.status,
    sentBytes: p.sentBytes,
    requestTimeMs: p.requestTimeMs,
    referer: p.referer,
    userAgent: p.userAgent,
    hostName: opt(t[0]),
    requestId: t[1] as string,
    loggingFlag: opt(t[2]),
    requesterId: opt(t[3]),
    operation: opt(t[4]),
    bucket: opt(t[5]),
    objectKey: rawKey === null ? null : decodeKey(rawKey),
    objectSize: num(t[7], UNSIGNED) ?? null,
    serverCostTimeMs: num(t[8], UNSIGNED) ?? null,
    errorCode: opt(t[9]),
    requestLength: num(t[10], UNSIGNED) ?? null,
    ownerId: opt(t[11]),
    deltaDataSize: num(t[12], SIGNED) ?? null,
    syncRequest: opt(t[13]),
    storageClass: opt(t[14]),
    targetStorageClass: opt(t[15]),
    transmissionAccelerationAccessPoint: opt(t[16]),
    accessKeyId: opt(t[17]),
    bucketArn: opt(t[18]),
    extra: t.slice(19),
  };
}

/** Every line of a log object, numbered from 1 (empty lines skipped). */
export function parseOssAccessLog(text: string): Array<{ lineNumber: number; result: OssAccessLogParse }> {
  const out: Array<{ lineNumber: number; result: OssAccessLogParse }> = [];
  if (typeof text !== 'string') return out;
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() !== '') out.push({ lineNumber: i + 1, result: parseOssAccessLogLine(raw) });
  });
  return out;
}

/** A log object's name, `<TargetPrefix><SourceBucket>YYYY-mm-DD-HH-MM-SS-<unique>`, in parts. */
export interface OssLogObjectName {
  key: string;
  sourceBucket: string;
  /** `YYYY-mm-DD-HH-MM-SS` as in the name (OSS writes HH-00-00: one or more objects per hour). */
  stamp: string;
  unique: string;
}

const STAMP = '(\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2})-(.+)';
const ANY_SOURCE = new RegExp(`^([a-z0-9][a-z0-9-]{1,61}?[a-z0-9])${STAMP}$`);
const STAMP_ONLY = new RegExp(`^${STAMP}$`);

/**
 * The parts of a log object's name, or null when `key` is not one. Without `sourceBucket` the
 * shortest bucket name that fits is taken (a bucket name ending in something like a date stamp
 * is ambiguous: pass the source bucket when it is known).
 */
export function parseOssLogObjectName(
  key: string,
  options: { prefix: string; sourceBucket?: string },
): OssLogObjectName | null {
  if (typeof key !== 'string' || !key.startsWith(options.prefix)) return null;
  const rest = key.slice(options.prefix.length);
  if (options.sourceBucket !== undefined) {
    if (!rest.startsWith(options.sourceBucket)) return null;
    const m = STAMP_ONLY.exec(rest.slice(options.sourceBucket.length));
    return m === null
      ? null
      : { key, sourceBucket: options.sourceBucket, stamp: m[1] as string, unique: m[2] as string };
  }
  const m = ANY_SOURCE.exec(rest);
  return m === null
    ? null
    : { key, sourceBucket: m[1] as string, stamp: m[2] as string, unique: m[3] as string };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The log objects among `keys` (a listing of the target bucket), oldest first: by the hour in
 * the name, then the unique part, then the whole key. Keys that are not log objects of `prefix`
 * (and of `sourceBucket`, when given) are left out. Delivery is late and out of order on OSS:
 * an importer still dedupes lines by request id.
 */
export function listOssLogObjects(
  keys: Iterable<string>,
  options: { prefix: string; sourceBucket?: string },
): OssLogObjectName[] {
  const out: OssLogObjectName[] = [];
  for (const key of keys) {
    const parsed = parseOssLogObjectName(key, options);
    if (parsed !== null) out.push(parsed);
  }
  return out.sort(
    (a, b) => compare(a.stamp, b.stamp) || compare(a.unique, b.unique) || compare(a.key, b.key),
  );
}
