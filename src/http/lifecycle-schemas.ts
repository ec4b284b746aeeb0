/**
 * Shapes of the lifecycle routes (issue 12): legal holds and fixity reports. Kept apart from
 * schemas.ts (the record routes') and registered in the OpenAPI document by openapi-lifecycle.ts.
 */
import { z } from 'zod';
import type { Hold } from '../catalog';
import { RECORD_ID_PATTERN, RECORD_TYPES } from '../records';
import { isIsoDate } from '../records/schemas';
import { validationError } from './errors';

const isoDate = z
  .string()
  .refine(isIsoDate, { message: 'a real date written YYYY-MM-DD' })
  .meta({ format: 'date' });
const text = (max: number) => z.string().trim().min(1, 'required').max(max);
const filter = z.string().min(1).max(128);

export const HoldCriteriaSchema = z
  .strictObject({
    recordIds: z.array(z.string().regex(RECORD_ID_PATTERN, 'a record id')).min(1).max(10_000).optional(),
    clientId: filter.optional(),
    accountId: filter.optional(),
    type: z.enum(RECORD_TYPES).optional().describe('record type'),
    from: isoDate.optional().describe('first business date, inclusive'),
    to: isoDate.optional().describe('last business date, inclusive'),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), { message: 'at least one criterion' })
  .describe('every criterion given must match; recordIds also cover their corrections');

export const PlaceHoldSchema = z.strictObject({
  name: text(200),
  matter: text(200).describe('the matter or investigation the hold is for'),
  reason: text(2000),
  criteria: HoldCriteriaSchema,
});

export const RetentionEventSchema = z.strictObject({
  clientId: filter,
  event: z.literal('relationship_ended'),
  at: z
    .union([z.iso.datetime({ offset: true }), isoDate])
    .describe('when the relationship ended: ISO 8601 with offset, or a date (midnight UTC)'),
});

export const ProposeDispositionSchema = z
  .strictObject({
    reason: text(2000),
    recordIds: z.array(z.string().regex(RECORD_ID_PATTERN, 'a record id')).min(1).max(10_000).optional(),
    asOf: isoDate.optional().describe('propose every record eligible as of this date (default: now)'),
  })
  .refine((d) => !(d.recordIds !== undefined && d.asOf !== undefined), {
    message: 'give recordIds or asOf, not both',
  });

export const ApproveDispositionSchema = z.strictObject({ note: text(2000) });

export const DispositionQuerySchema = z.strictObject({
  asOf: isoDate.optional().describe('eligible as of this date (default: now)'),
  format: z.enum(['json', 'csv']).optional(),
  cursor: z.string().regex(RECORD_ID_PATTERN).optional(),
});

export const ReleaseHoldSchema = z.strictObject({ reason: text(2000) });

export const HoldSchema = z.object({
  id: z.string(),
  name: z.string(),
  matter: z.string(),
  reason: z.string(),
  criteria: z.record(z.string(), z.unknown()),
  placedBy: z.string(),
  placedAt: z.string(),
  active: z.boolean(),
  release: z.object({ releasedBy: z.string(), reason: z.string(), releasedAt: z.string() }).nullable(),
});

export const VerificationSchema = z.object({
  id: z.string(),
  kind: z.enum(['head', 'deep']),
  bucket: z.string().nullable(),
  sample: z.number(),
  initiated: z.string(),
  startedAt: z.string(),
  finished: z.boolean(),
  finishedAt: z.string().nullable(),
  problems: z.number().nullable(),
  counts: z.record(z.string(), z.number()).nullable(),
  report: z
    .object({ bucket: z.string(), key: z.string(), sha256: z.string(), ledgerSeq: z.number() })
    .nullable()
    .describe('the sealed report (JSON; the HTML summary has the same key ending .html) and its ledger leaf'),
});

/** A body checked against a schema: ValidationError (400) with every issue. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw validationError(
    `invalid ${what}`,
    result.error.issues.map((i) => ({ path: i.path, code: i.code, message: i.message })),
  );
}

/** A path id (hold, sweep): the record id alphabet. */
export function parseIdParam(raw: unknown, what: string): string {
  if (typeof raw === 'string' && RECORD_ID_PATTERN.test(raw)) return raw;
  throw validationError(`invalid ${what} id`, [
    { path: ['id'], code: 'invalid_id', message: `not a ${what} id` },
  ]);
}

export function holdView(h: Hold): z.infer<typeof HoldSchema> {
  return {
    id: h.id,
    name: h.name,
    matter: h.matter,
    reason: h.reason,
    criteria: { ...h.criteria },
    placedBy: h.placedBy,
    placedAt: h.placedAt.toISOString(),
    active: h.release === null,
    release: h.release
      ? {
          releasedBy: h.release.releasedBy,
          reason: h.release.reason,
          releasedAt: h.release.releasedAt.toISOString(),
        }
      : null,
  };
}
