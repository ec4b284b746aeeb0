/**
 * ActionTrail (Version 2020-07-06): LookupEvents over the events the emulator recorded
 * (CONTROL-PLANE.md, "ActionTrail"). StartTime defaults to 7 days before now, EndTime to now;
 * at most 2 LookupAttribute conditions, ANDed, exact match; MaxResults 1-50 (default 20);
 * Direction BACKWARD (newest first, the default) or FORWARD; NextToken absent on the last page.
 */
import { requirePermission, type ActionDef, type ServiceDef } from './context';
import { rpcErrors } from './errors';
import { formatTimestamp, parseTimestamp } from './rpc';
import { LOOKUP_KEYS, RETENTION_MS, type Cursor, type LookupKey } from '../trail/store';

export const ACTIONTRAIL_VERSION = '2020-07-06';
const DEFAULT_WINDOW_MS = 7 * 24 * 3600 * 1000;
const MAX_ATTRIBUTES = 2;

function encodeToken(c: Cursor): string {
  return Buffer.from(`${c.timeMs}.${c.seq}`, 'utf8').toString('base64url');
}

function decodeToken(token: string): Cursor | null {
  const m = /^(\d{1,15})\.(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m === null ? null : { timeMs: Number(m[1]), seq: Number(m[2]) };
}

function timeParam(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const ms = parseTimestamp(value);
  if (Number.isNaN(ms)) throw rpcErrors.invalidParameter(name, 'expected YYYY-MM-DDThh:mm:ssZ (UTC)');
  return ms;
}

const lookupEvents: ActionDef = {
  handle(call, env) {
    requirePermission(
      call,
      env,
      'actiontrail:LookupEvents',
      `acs:actiontrail:${env.region}:${env.directory.accountId}:*`,
      rpcErrors.trailForbidden,
    );
    const now = env.clock.now().getTime();
    const endMs = timeParam(call.params.get('EndTime'), 'EndTime', now);
    const startMs = Math.max(
      timeParam(call.params.get('StartTime'), 'StartTime', endMs - DEFAULT_WINDOW_MS),
      now - RETENTION_MS,
    );
    if (startMs > endMs) throw rpcErrors.invalidParameter('StartTime', 'after EndTime');

    const attributes: { key: LookupKey; value: string }[] = [];
    for (let i = 1; ; i++) {
      const key = call.params.get(`LookupAttribute.${i}.Key`);
      if (key === undefined) break;
      if (i > MAX_ATTRIBUTES)
        throw rpcErrors.invalidParameter('LookupAttribute', `at most ${MAX_ATTRIBUTES} conditions`);
      if (!(LOOKUP_KEYS as readonly string[]).includes(key))
        throw rpcErrors.invalidParameter(`LookupAttribute.${i}.Key`, `one of ${LOOKUP_KEYS.join(', ')}`);
      attributes.push({ key: key as LookupKey, value: call.params.get(`LookupAttribute.${i}.Value`) ?? '' });
    }

    const rawMax = call.params.get('MaxResults') ?? '';
    const max = rawMax === '' || rawMax === '0' ? 20 : /^\d{1,2}$/.test(rawMax) ? Number(rawMax) : NaN;
    if (!(max >= 1 && max <= 50)) throw rpcErrors.invalidParameter('MaxResults', '0 to 50');
    const direction = (call.params.get('Direction') ?? 'BACKWARD').toUpperCase();
    if (direction !== 'BACKWARD' && direction !== 'FORWARD')
      throw rpcErrors.invalidParameter('Direction', 'FORWARD or BACKWARD');

    const rawToken = call.params.get('NextToken') ?? '';
    const after = rawToken === '' ? null : decodeToken(rawToken);
    if (rawToken !== '' && after === null)
      throw rpcErrors.invalidParameter('NextToken', 'not a token this service gave');

    const page = env.trail.lookup({ startMs, endMs, attributes, limit: max, direction, after });
    const out: Record<string, unknown> = {
      StartTime: formatTimestamp(startMs),
      EndTime: formatTimestamp(endMs),
      Events: page.events,
    };
    if (page.next !== null) out.NextToken = encodeToken(page.next);
    return out;
  },
};

export const actionTrailService: ServiceDef = {
  name: 'Actiontrail',
  source: 'actiontrail.aliyuncs.com',
  actions: { LookupEvents: lookupEvents },
};
