/**
 * The audit trail, read (issue 10's pinned API): GET /v1/audit (events, filtered,
 * keyset-paginated on seq, as JSON, NDJSON or CSV), GET /v1/records/:id/audit (every event about
 * one record from every source: the archive's own, and access-log lines on its object) and
 * GET /v1/audit/segments (the sealed segments). Action `audit.read` (compliance, auditor).
 * Every page names the next one: `nextCursor` in JSON, `x-strongroom-next-cursor` in every format.
 */
import { Router } from 'express';
import type { AuditQuery } from '../../catalog/evidence-types';
import { descriptionKeyOf } from '../../catalog';
import type { AuditEvent, AuditOutcome, AuditSource } from '../../catalog/types';
import { ossTarget } from '../../audit/imported-events';
import {
  AuditQuerySchema,
  RecordAuditQuerySchema,
  SegmentsQuerySchema,
  decodeCursor,
  encodeCursor,
  parseQuery,
  segmentView,
} from '../audit-schemas';
import { eventView, eventsCsv, eventsNdjson, parseInstant } from '../../audit/format';
import { json, route, text, type Answer } from '../route';
import { parseRecordIdParam } from '../schemas';
import type { AppDeps } from '../types';

export const NEXT_CURSOR_HEADER = 'x-strongroom-next-cursor';
const DEFAULT_PAGE = 100;

type Format = 'json' | 'ndjson' | 'csv';

/** One page of events in the asked format; `more` when another page follows. */
function eventsAnswer(
  events: AuditEvent[],
  limit: number,
  format: Format,
  extra: Record<string, unknown> = {},
): Answer {
  const page = events.slice(0, limit);
  const last = page[page.length - 1];
  const next = events.length > limit && last ? encodeCursor('audit', last.seq) : undefined;
  const headers: Record<string, string> = {
    'Cache-Control': 'no-store',
    ...(next ? { [NEXT_CURSOR_HEADER]: next } : {}),
  };
  if (format === 'csv')
    return text(eventsCsv(page), {
      headers: {
        ...headers,
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': 'attachment; filename="audit.csv"',
      },
    });
  if (format === 'ndjson')
    return text(eventsNdjson(page), {
      headers: { ...headers, 'Content-Type': 'application/x-ndjson; charset=utf-8' },
    });
  return json({ ...extra, items: page.map(eventView), ...(next ? { nextCursor: next } : {}) }, { headers });
}

export function auditRouter(deps: AppDeps): Router {
  const router = Router();

  router.get(
    '/audit',
    ...route(deps, 'audit.read', async ({ req, audit }) => {
      audit.note({ operation: 'audit.query' });
      const q = parseQuery(AuditQuerySchema, req.query, 'audit query');
      const limit = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit);
      const afterSeq = decodeCursor('audit', q.cursor);
      const filters: Omit<AuditQuery, 'limit'> = {
        ...(q.from !== undefined ? { from: parseInstant(q.from) as Date } : {}),
        ...(q.to !== undefined ? { to: parseInstant(q.to) as Date } : {}),
        ...(q.principal !== undefined ? { principalId: q.principal } : {}),
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.outcome !== undefined ? { outcome: q.outcome as AuditOutcome } : {}),
        ...(q.target !== undefined ? { target: q.target } : {}),
        ...(q.source !== undefined ? { source: q.source as AuditSource } : {}),
        ...(afterSeq !== undefined ? { afterSeq } : {}),
      };
      audit.note({ query: { ...q, cursor: undefined } });
      const events = await deps.auditLog.queryAudit({ ...filters, limit: limit + 1 });
      audit.note({ results: Math.min(events.length, limit) });
      return eventsAnswer(events, limit, q.format ?? 'json');
    }),
  );

  router.get(
    '/audit/segments',
    ...route(deps, 'audit.read', async ({ req, audit }) => {
      audit.note({ operation: 'audit.segments' });
      const q = parseQuery(SegmentsQuerySchema, req.query, 'segment list');
      const limit = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit);
      const after = decodeCursor('segments', q.cursor);
      const rows = await deps.auditLog.auditSegments({
        ...(after !== undefined ? { afterFromSeq: after } : {}),
        limit: Math.min(limit + 1, 1000),
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      // A full page of 1000 cannot look one further: it names a next page, which may be empty.
      const more = rows.length > limit || rows.length === 1000;
      const next = more && last ? encodeCursor('segments', last.fromSeq) : undefined;
      return json(
        { items: page.map(segmentView), ...(next ? { nextCursor: next } : {}) },
        { headers: { 'Cache-Control': 'no-store', ...(next ? { [NEXT_CURSOR_HEADER]: next } : {}) } },
      );
    }),
  );

  router.get(
    '/records/:id/audit',
    ...route(deps, 'audit.read', async ({ req, audit }) => {
      audit.note({ operation: 'record.audit' });
      const q = parseQuery(RecordAuditQuerySchema, req.query, 'record audit');
      const limit = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit);
      const afterSeq = decodeCursor('audit', q.cursor);
      const record = await deps.records.find(parseRecordIdParam(req.params.id));
      // The archive's events name the record; access logs and ActionTrail name its objects (a
      // document has two: its file, the record's object, and its description next to it).
      const description = descriptionKeyOf(record);
      const objects = [
        ossTarget(record.bucket, record.objectKey),
        ...(description !== null ? [ossTarget(record.bucket, description)] : []),
      ];
      const targets = [record.recordId, ...objects];
      const pages = await Promise.all(
        targets.map((target) =>
          deps.auditLog.queryAudit({
            target,
            limit: limit + 1,
            ...(afterSeq !== undefined ? { afterSeq } : {}),
          }),
        ),
      );
      const merged = pages.flat().sort((a, b) => a.seq - b.seq);
      audit.note({ results: Math.min(merged.length, limit) });
      return eventsAnswer(merged, limit, q.format ?? 'json', {
        recordId: record.recordId,
        object: ossTarget(record.bucket, record.objectKey),
        objects,
      });
    }),
  );

  return router;
}
