/**
 * ActionTrail (2020-07-06) LookupEvents, walked page by page with NextToken: who changed a
 * retention policy, logging or a bucket policy, who assumed which role, who signed with the key.
 * Events are kept 90 days by the cloud: an importer must run well inside that window.
 */
import { ControlPlaneError } from '../errors';
import type { RpcTransport } from './rpc';

export const ACTIONTRAIL_API_VERSION = '2020-07-06';

export type LookupAttributeKey =
  | 'EventName'
  | 'ServiceName'
  | 'User'
  | 'EventAccessKeyId'
  | 'ResourceName'
  | 'ResourceType'
  | 'EventRW'
  | 'EventId';

/** An event with the documented fields (CONTROL-PLANE.md); anything else the cloud adds is in `raw`. */
export interface CloudEvent {
  eventId: string;
  eventName: string;
  eventTime: Date;
  eventRW?: string;
  serviceName?: string;
  sourceIpAddress?: string;
  requestId?: string;
  errorCode?: string;
  resourceName?: string;
  userIdentity: {
    type?: string;
    principalId?: string;
    accountId?: string;
    accessKeyId?: string;
    userName?: string;
  };
  raw: Record<string, unknown>;
}

export interface LookupRequest {
  start: Date;
  end: Date;
  /** At most two, ANDed, exact match. */
  attributes?: readonly { key: LookupAttributeKey; value: string }[];
  /** Events per page (1-50, default 50). */
  pageSize?: number;
  direction?: 'FORWARD' | 'BACKWARD';
}

function utc(d: Date): string {
  return d.toISOString().slice(0, 19) + 'Z';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function toEvent(raw: unknown): CloudEvent {
  if (typeof raw !== 'object' || raw === null)
    throw new ControlPlaneError('Actiontrail LookupEvents: an event is not an object');
  const r = raw as Record<string, unknown>;
  const eventId = str(r.eventId);
  const eventName = str(r.eventName);
  const time = str(r.eventTime);
  if (
    eventId === undefined ||
    eventName === undefined ||
    time === undefined ||
    Number.isNaN(Date.parse(time))
  )
    throw new ControlPlaneError('Actiontrail LookupEvents: an event lacks eventId, eventName or eventTime');
  const ui =
    typeof r.userIdentity === 'object' && r.userIdentity !== null
      ? (r.userIdentity as Record<string, unknown>)
      : {};
  const optional = (v: unknown): string | undefined => str(v);
  const event: CloudEvent = {
    eventId,
    eventName,
    eventTime: new Date(time),
    userIdentity: {},
    raw: r,
  };
  for (const [k, v] of [
    ['eventRW', r.eventRW],
    ['serviceName', r.serviceName],
    ['sourceIpAddress', r.sourceIpAddress],
    ['requestId', r.requestId],
    ['errorCode', r.errorCode],
    ['resourceName', r.resourceName],
  ] as const) {
    const s = optional(v);
    if (s !== undefined) event[k] = s;
  }
  for (const k of ['type', 'principalId', 'accountId', 'accessKeyId', 'userName'] as const) {
    const s = optional(ui[k]);
    if (s !== undefined) event.userIdentity[k] = s;
  }
  return event;
}

export class ActionTrailClient {
  constructor(private readonly rpc: RpcTransport) {}

  /** Every event of the range, one page per request. */
  async *lookupEvents(req: LookupRequest): AsyncGenerator<CloudEvent> {
    const attributes = req.attributes ?? [];
    if (attributes.length > 2)
      throw new ControlPlaneError('LookupEvents takes at most two lookup attributes');
    const base: Record<string, unknown> = {
      StartTime: utc(req.start),
      EndTime: utc(req.end),
      MaxResults: String(req.pageSize ?? 50),
      Direction: req.direction ?? 'BACKWARD',
    };
    if (attributes.length > 0) base.LookupAttribute = attributes.map((a) => ({ Key: a.key, Value: a.value }));
    let token: string | undefined;
    do {
      const page = await this.rpc.call<{ Events?: unknown; NextToken?: unknown }>('LookupEvents', {
        ...base,
        ...(token !== undefined ? { NextToken: token } : {}),
      });
      const events = page.Events ?? [];
      if (!Array.isArray(events))
        throw new ControlPlaneError('Actiontrail LookupEvents: Events is not a list');
      for (const e of events) yield toEvent(e);
      token = str(page.NextToken);
    } while (token !== undefined);
  }
}
