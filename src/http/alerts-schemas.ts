/**
 * Shapes of the alert routes (GET /v1/alerts, GET /v1/alerts/:id, POST /v1/alerts/:id/acknowledge):
 * the same alerts `strongroom alerts list|ack` shows, for the compliance officers who must answer
 * them without a shell on the server. Registered in the OpenAPI document by openapi-alerts.ts.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/types';
import { RECORD_ID_PATTERN } from '../records';
import { validationError } from './errors';

export const AcknowledgeAlertSchema = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1, 'required: say what was found and done')
    .max(2000)
    .describe('what was found and done; kept with the alert and in the audit event'),
});

export const AlertQuerySchema = z.strictObject({
  all: z
    .enum(['true', 'false'])
    .optional()
    .describe('true: acknowledged alerts too (default: open ones only)'),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, 'an integer from 1 to 1000')
    .refine((v) => Number(v) <= 1000, 'an integer from 1 to 1000')
    .optional(),
  cursor: z.string().max(200).optional().describe("the previous page's nextCursor"),
});

export const AlertSchema = z.object({
  id: z.string(),
  raisedAt: z.string().describe('RFC 3339, UTC'),
  source: z.enum(['ledger', 'audit', 'fixity', 'import', 'export', 'retention']),
  kind: z.string(),
  summary: z.string(),
  details: z.record(z.string(), z.unknown()).describe('where it is and what was expected and found'),
  open: z.boolean(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable().describe('the principal id (or cli:<user>@<host>)'),
  acknowledgement: z.string().nullable().describe('the reason given'),
});

export const AlertPageSchema = z.object({
  items: z.array(AlertSchema),
  nextCursor: z.string().optional(),
});

export function alertView(a: Alert): z.infer<typeof AlertSchema> {
  return {
    id: a.id,
    raisedAt: a.raisedAt.toISOString(),
    source: a.source,
    kind: a.kind,
    summary: a.summary,
    details: a.details,
    open: a.acknowledgedAt === null,
    acknowledgedAt: a.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: a.acknowledgedBy,
    acknowledgement: a.acknowledgement,
  };
}

/** A page's position: the last alert's raise time and id (newest first). */
export function encodeAlertCursor(a: Alert): string {
  return Buffer.from(`${a.raisedAt.toISOString()}|${a.id}`, 'utf8').toString('base64url');
}

export function decodeAlertCursor(cursor: string | undefined): { raisedAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const raisedAt = new Date(at ?? '');
  if (rest.length > 0 || id === undefined || !RECORD_ID_PATTERN.test(id) || Number.isNaN(raisedAt.getTime()))
    throw validationError('invalid alert cursor', [
      { path: ['cursor'], code: 'invalid_cursor', message: 'not a nextCursor of GET /v1/alerts' },
    ]);
  return { raisedAt, id };
}
