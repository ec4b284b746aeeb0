/**
 * Imported access as audit events: an OSS access-log line (source `oss-access-log`) and an
 * ActionTrail event (source `actiontrail`). Pure code. The field names of `details` are pinned in
 * docs/decisions/0018-audit-trail.md (the export engineer reads downloads of bags from them).
 * Nothing secret goes in: no request line or Referer (a signed URL's signature), no STS answer
 * (credentials), request parameters only without anything named like a secret.
 */
import type { CloudEvent } from '../cloud/actiontrail';
import type { AuditOutcome, NewAuditEvent } from '../catalog/types';
import { attributionDetails, type Attribution } from './attribution';
import type { OssAccessLogEntry } from './oss-access-log';

export const OSS_LOG_SOURCE = 'oss-access-log';
export const ACTIONTRAIL_SOURCE = 'actiontrail';

/** `oss://<bucket>/<key>`: the target of an access-log event on an object (`oss://<bucket>` on a bucket). */
export function ossTarget(bucket: string, key?: string | null): string {
  return key === null || key === undefined || key === '' ? `oss://${bucket}` : `oss://${bucket}/${key}`;
}

/** The event id of an access-log line: one per bucket and OSS request id (the dedupe key). */
export function ossLogEventId(bucket: string, requestId: string): string {
  return `oss:${bucket}:${requestId}`;
}

export function actionTrailEventId(eventId: string): string {
  return `actiontrail:${eventId}`;
}

function outcomeOfStatus(status: number | null): AuditOutcome {
  if (status === null) return 'error';
  if (status < 400) return 'allowed';
  return status === 401 || status === 403 ? 'denied' : 'error';
}

/** The audit event of one access-log line, logged for `sourceBucket` in log object `logObject`. */
export function ossLogEvent(
  entry: OssAccessLogEntry,
  who: Attribution,
  where: { sourceBucket: string; logObject: string; line: number },
): NewAuditEvent {
  const bucket = entry.bucket ?? where.sourceBucket;
  const details: Record<string, unknown> = {
    operation: entry.operation,
    bucket,
    key: entry.objectKey,
    status: entry.status,
    sentBytes: entry.sentBytes,
    objectSize: entry.objectSize,
    accessKeyId: entry.accessKeyId,
    requesterId: entry.requesterId,
    errorCode: entry.errorCode,
    method: entry.method,
    userAgent: entry.userAgent,
    logObject: where.logObject,
    line: where.line,
    ...attributionDetails(who),
  };
  return {
    eventId: ossLogEventId(bucket, entry.requestId),
    at: entry.time,
    principalId: who.principalId,
    action: `oss.${entry.operation ?? entry.method ?? 'Unknown'}`,
    target: ossTarget(bucket, entry.objectKey),
    outcome: outcomeOfStatus(entry.status),
    ip: entry.remoteIp,
    requestId: entry.requestId,
    details,
    source: OSS_LOG_SOURCE,
  };
}

const SECRET_NAME = /secret|token|password|signature|credential|plaintext/i;

/** Request parameters without anything that may be secret, at most 4 KiB of them. */
export function safeParameters(value: unknown, depth = 0): unknown {
  if (depth > 4) return '[nested]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => safeParameters(v, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      out[k] = SECRET_NAME.test(k) ? '[redacted]' : safeParameters(v, depth + 1);
    return out;
  }
  if (typeof value === 'string' && value.length > 1024) return `${value.slice(0, 1024)}…`;
  return value;
}

function boundedParameters(raw: unknown): unknown {
  const safe = safeParameters(raw);
  return JSON.stringify(safe ?? null).length > 4096 ? '[too long]' : safe;
}

/** The target of a control-plane event: an OSS bucket or object as `oss://<bucket>[/<key>]`, else the resource as named. */
export function actionTrailTarget(e: CloudEvent): string | null {
  const service = (e.serviceName ?? '').toLowerCase();
  const resource = e.resourceName;
  if (resource === undefined) return null;
  if (service === 'oss') {
    const path = resource.replace(/^acs:oss:[^:]*:[^:]*:/, '');
    const slash = path.indexOf('/');
    const bucket = slash === -1 ? path : path.slice(0, slash);
    const key = slash === -1 ? null : path.slice(slash + 1);
    return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket) ? ossTarget(bucket, key) : resource;
  }
  return resource;
}

export function actionTrailEvent(e: CloudEvent, who: Attribution): NewAuditEvent {
  const denied = e.errorCode !== undefined && /denied|forbidden|unauthori/i.test(e.errorCode);
  const details: Record<string, unknown> = {
    eventName: e.eventName,
    serviceName: e.serviceName ?? null,
    eventRW: e.eventRW ?? null,
    resourceName: e.resourceName ?? null,
    errorCode: e.errorCode ?? null,
    accessKeyId: e.userIdentity.accessKeyId ?? null,
    userType: e.userIdentity.type ?? null,
    userName: e.userIdentity.userName ?? null,
    userPrincipalId: e.userIdentity.principalId ?? null,
    accountId: e.userIdentity.accountId ?? null,
    requestParameters: boundedParameters(e.raw.requestParameters ?? null),
    ...attributionDetails(who),
  };
  return {
    eventId: actionTrailEventId(e.eventId),
    at: e.eventTime,
    principalId: who.principalId,
    action: `actiontrail.${e.eventName}`,
    target: actionTrailTarget(e),
    outcome: e.errorCode === undefined ? 'allowed' : denied ? 'denied' : 'error',
    ip: e.sourceIpAddress ?? null,
    requestId: e.requestId ?? null,
    details,
    source: ACTIONTRAIL_SOURCE,
  };
}
