/**
 * The access-log line, in the official field order of OSS-PROTOCOL.md ("Bucket logging"):
 *
 *   RemoteIP - - [Time] "RequestURL" HTTPStatus SentBytes RequestTime "Referer" "UserAgent"
 *   "HostName" "RequestID" "LoggingFlag" "RequesterAliyunID" "Operation" "BucketName"
 *   "ObjectName" ObjectSize ServerCostTime "ErrorCode" RequestLength "UserID" DeltaDataSize
 *   "SyncRequest" "StorageClass" "TargetStorageClass" "TransmissionAccelerationAccessPoint"
 *   "AccessKeyID" "BucketARN"
 *
 * `-` marks an empty field. Inside quoted fields, quotes, backslashes and control characters are
 * percent-encoded, so every line splits unambiguously and holds no line break (a choice of the
 * emulator: how OSS escapes them is not documented). ObjectName is URL-encoded.
 */

/** One request, as the access log records it. */
export interface AccessRecord {
  remoteIp: string;
  time: Date;
  method: string;
  /** Request target as received, signatures and credentials already blanked (redactUri). */
  uri: string;
  httpVersion: string;
  /** null when no answer was sent (written as `-`). */
  status: number | null;
  sentBytes: number;
  requestTimeMs: number;
  referer: string;
  userAgent: string;
  host: string;
  requestId: string;
  /** RequesterAliyunID: the user id of the requester; null when anonymous or not authenticated. */
  requesterId: string | null;
  operation: string;
  bucket: string;
  key: string;
  objectSize: number | null;
  serverCostMs: number;
  errorCode: string | null;
  requestLength: number | null;
  /** UserID: the bucket owner. */
  ownerId: string;
  deltaDataSize: number | null;
  storageClass: string | null;
  targetStorageClass: string | null;
  /** The access key whose signature verified (STS keys included); null for anonymous. */
  accessKeyId: string | null;
  bucketArn: string;
}

/** The field names of a current line, in order (for documentation and tests). */
export const ACCESS_LOG_FIELDS = [
  'RemoteIP',
  'Reserved',
  'Reserved',
  'Time',
  'RequestURL',
  'HTTPStatus',
  'SentBytes',
  'RequestTime',
  'Referer',
  'UserAgent',
  'HostName',
  'RequestID',
  'LoggingFlag',
  'RequesterAliyunID',
  'Operation',
  'BucketName',
  'ObjectName',
  'ObjectSize',
  'ServerCostTime',
  'ErrorCode',
  'RequestLength',
  'UserID',
  'DeltaDataSize',
  'SyncRequest',
  'StorageClass',
  'TargetStorageClass',
  'TransmissionAccelerationAccessPoint',
  'AccessKeyID',
  'BucketARN',
] as const;

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

/** `YYYY-mm-DD-HH-00-00` of the hour holding `ms` (UTC): the time part of a log object's name. */
export function hourStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${pad(d.getUTCHours())}-00-00`;
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

function quoted(value: string | null): string {
  return `"${value === null || value === '' ? '-' : value.replace(UNSAFE_QUOTED, percent)}"`;
}

function bare(value: string | number | null): string {
  if (value === null || value === '') return '-';
  return String(value).replace(UNSAFE_BARE, percent);
}

/** One line, without its line break. */
export function formatAccessLine(r: AccessRecord): string {
  return [
    bare(r.remoteIp),
    '-',
    '-',
    logTime(r.time),
    quoted(`${r.method} ${r.uri} HTTP/${r.httpVersion}`),
    bare(r.status),
    bare(r.sentBytes),
    bare(r.requestTimeMs),
    quoted(r.referer),
    quoted(r.userAgent),
    quoted(r.host),
    quoted(r.requestId),
    quoted('true'),
    quoted(r.requesterId),
    quoted(r.operation),
    quoted(r.bucket),
    quoted(r.key === '' ? null : encodeURIComponent(r.key)),
    bare(r.objectSize),
    bare(r.serverCostMs),
    quoted(r.errorCode),
    bare(r.requestLength),
    quoted(r.ownerId),
    bare(r.deltaDataSize),
    quoted(null), // SyncRequest: no CDN or mirroring back-to-origin here
    quoted(r.storageClass),
    quoted(r.targetStorageClass),
    quoted(null), // TransmissionAccelerationAccessPoint: no transfer acceleration here
    quoted(r.accessKeyId),
    quoted(r.bucketArn),
  ].join(' ');
}
