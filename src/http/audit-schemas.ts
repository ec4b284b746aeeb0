/**
 * The audit routes' query parameters and answers (GET /v1/audit, /v1/records/:id/audit,
 * /v1/audit/segments; pinned by issue 10). Unknown or repeated parameters, bad dates, cursors and
 * limits are 400s naming the parameter.
 */
import { z } from 'zod';
import { AUDIT_SOURCES } from '../catalog/types';
import type { AuditSegmentRow } from '../catalog/evidence-types';
import { parseInstant } from '../audit/format';
import { validationError } from './errors';

const instant = z.string().refine((s) => parseInstant(s) !== undefined, {
  message:
    'a date (YYYY-MM-DD, 00:00 UTC) or an RFC 3339 time with its offset, e.g. 2026-11-21T08:00:00+08:00',
});
const text = z.string().min(1).max(2048);
const limit = z.string().refine((s) => /^[0-9]{1,4}$/.test(s) && Number(s) >= 1 && Number(s) <= 1000, {
  message: 'an integer from 1 to 1000',
});
const cursor = z.string().min(1).max(256).describe('nextCursor of the previous page (opaque)');
const format = z.enum(['json', 'ndjson', 'csv']).describe('json (default), ndjson or csv');

export const AuditQuerySchema = z
  .strictObject({
    from: instant.optional().describe('events at or after this time'),
    to: instant.optional().describe('events before this time'),
    principal: text.optional().describe('principal id'),
    action: text.optional(),
    outcome: z.enum(['allowed', 'denied', 'error']).optional(),
    target: text.optional().describe('exact target: a record id, oss://<bucket>/<key>, ...'),
    source: z.enum(AUDIT_SOURCES as readonly ['api', 'oss-access-log', 'actiontrail']).optional(),
    cursor: cursor.optional(),
    limit: limit.optional().describe('page size, 1 to 1000 (default 100)'),
    format: format.optional(),
  })
  .superRefine((q, ctx) => {
    const from = q.from === undefined ? undefined : parseInstant(q.from);
    const to = q.to === undefined ? undefined : parseInstant(q.to);
    if (from && to && from.getTime() > to.getTime())
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  });

export const RecordAuditQuerySchema = z.strictObject({
  cursor: cursor.optional(),
  limit: limit.optional().describe('page size, 1 to 1000 (default 100)'),
  format: format.optional(),
});

export const SegmentsQuerySchema = z.strictObject({
  cursor: cursor.optional(),
  limit: limit.optional().describe('page size, 1 to 1000 (default 100)'),
});

export type AuditQueryParams = z.infer<typeof AuditQuerySchema>;

/** Validates express's parsed query against `schema`; ValidationError listing every issue. */
export function parseQuery<T>(schema: z.ZodType<T>, query: unknown, what: string): T {
  const result = schema.safeParse(query ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap(
    (i): { path: readonly PropertyKey[]; code: string; message: string }[] =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({
            path: [k],
            code: 'unknown_parameter',
            message: `unknown parameter "${k.slice(0, 64)}"`,
          }))
        : [
            {
              path: i.path,
              code: i.code,
              message:
                i.path.length > 0 && i.code === 'invalid_type'
                  ? 'given more than once or not a string'
                  : i.message,
            },
          ],
  );
  throw validationError(`invalid ${what} parameters`, issues);
}

/** Cursors: opaque to clients, `<kind>:<seq>` in base64url here. */
export function encodeCursor(kind: 'audit' | 'segments', seq: number): string {
  return Buffer.from(`${kind}:${seq}`, 'utf8').toString('base64url');
}

export function decodeCursor(kind: 'audit' | 'segments', value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const textValue = /^[A-Za-z0-9_-]+$/.test(value) ? Buffer.from(value, 'base64url').toString('utf8') : '';
  const m = /^([a-z]+):(\d{1,15})$/.exec(textValue);
  if (m === null || m[1] !== kind)
    throw validationError('invalid cursor', [
      {
        path: ['cursor'],
        code: 'invalid_cursor',
        message: 'not a cursor returned by a previous page of this list',
      },
    ]);
  return Number(m[2]);
}

export function segmentView(s: AuditSegmentRow): Record<string, unknown> {
  return { key: s.key, fromSeq: s.fromSeq, toSeq: s.toSeq, sha256: s.sha256, ledgerIndex: s.ledgerSeq };
}

export const AuditEventSchema = z.object({
  seq: z.number().int(),
  eventId: z.string(),
  at: z.string().describe('ISO 8601, UTC'),
  source: z.enum(['api', 'oss-access-log', 'actiontrail']),
  principalId: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['allowed', 'denied', 'error']),
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
  details: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('its canonical JSON (sorted keys) is the hashed text'),
  prevHash: z.string(),
  hash: z.string(),
});

export const AuditPageSchema = z.object({
  items: z.array(AuditEventSchema),
  nextCursor: z.string().optional(),
});

/** GET /v1/records/:id/audit: a page of events, with the record and its object they were found by. */
export const RecordAuditPageSchema = AuditPageSchema.extend({
  recordId: z.string(),
  object: z.string().describe("the record's object, oss://<bucket>/<key>: the target of access-log lines"),
  objects: z
    .array(z.string())
    .describe(
      "every object of the record the trail was searched for: the record's object, and a document's description",
    ),
});

export const SegmentPageSchema = z.object({
  items: z.array(
    z.object({
      key: z.string(),
      fromSeq: z.number().int(),
      toSeq: z.number().int(),
      sha256: z.string(),
      ledgerIndex: z.number().int(),
    }),
  ),
  nextCursor: z.string().optional(),
});
