/**
 * The API's request and response shapes (zod). Routes validate with them; the OpenAPI document is
 * generated from them (and from the record schemas of src/records).
 */
import { z } from 'zod';
import type { CatalogRecord } from '../catalog/types';
import { RECORD_ID_PATTERN, RECORD_TYPES, checkRecordId } from '../records';
import { isIsoDate } from '../records/schemas';
import { validationError } from './errors';
import { HoldSchema } from './lifecycle-schemas';

const isoDate = z
  .string()
  .refine(isIsoDate, { message: 'a real date written YYYY-MM-DD' })
  .meta({ format: 'date' });
const filter = z.string().min(1).max(128);

/** GET /v1/records: every parameter optional; unknown or repeated parameters are refused. */
export const SearchQuerySchema = z
  .strictObject({
    type: z.enum(RECORD_TYPES).optional().describe('record type'),
    from: isoDate.optional().describe('first business date, inclusive (YYYY-MM-DD)'),
    to: isoDate.optional().describe('last business date, inclusive (YYYY-MM-DD)'),
    clientId: filter.optional(),
    accountId: filter.optional(),
    instrument: filter.optional().describe('exchange and code joined by a colon, e.g. XHKG:0700'),
    orderId: filter.optional(),
    tradeId: filter.optional(),
    cursor: z.string().min(1).max(1024).optional().describe('nextCursor of the previous page (opaque)'),
    limit: z
      .string()
      .regex(/^[0-9]{1,4}$/, 'an integer from 1 to 1000')
      .optional()
      .describe('page size, 1 to 1000 (default 100)'),
  })
  .superRefine((q, ctx) => {
    if (q.limit !== undefined && (Number(q.limit) < 1 || Number(q.limit) > 1000)) {
      ctx.addIssue({ code: 'custom', path: ['limit'], message: 'an integer from 1 to 1000' });
    }
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    }
  });

export type SearchQuery = z.infer<typeof SearchQuerySchema>;

/** Validates a query object (express's parsed query); ValidationError listing every issue. */
export function parseSearchQuery(query: unknown): SearchQuery {
  const result = SearchQuerySchema.safeParse(query ?? {});
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
  throw validationError('invalid search parameters', issues);
}

/** A record id taken from a path: 400 with the reason when it is not a valid record id. */
export function parseRecordIdParam(raw: unknown): string {
  const check = checkRecordId(raw);
  if (check.ok) return check.id;
  throw validationError(`invalid record id: ${check.reason}`, [
    { path: ['id'], code: 'invalid_record_id', message: check.reason },
  ]);
}

export const RecordIdParamSchema = z.string().regex(RECORD_ID_PATTERN).describe('a record id');

export const ReceiptSchema = z.object({
  recordId: z.string(),
  recordType: z.string(),
  schemaVersion: z.number().int(),
  bucket: z.string(),
  key: z.string(),
  sha256: z.string().describe('SHA-256 (hex) of the stored bytes'),
  crc64: z.string().describe('CRC-64/XZ (ECMA) as an unsigned decimal string, as OSS reports it'),
  size: z.number().int(),
  ledgerSeq: z.number().int().describe('leaf index in the ledger (Merkle log)'),
  retainUntil: z.string().describe('ISO 8601: the object is protected until then'),
  ingestedAt: z.string(),
  principal: z.string().describe('principal id of the sender'),
});

export const IngestResultSchema = z.object({
  status: z.enum(['created', 'existing']),
  receipt: ReceiptSchema,
});

export const CatalogEntrySchema = z.object({
  recordId: z.string(),
  recordType: z.string(),
  schemaVersion: z.number().int(),
  businessDate: z.string().describe('YYYY-MM-DD'),
  clientId: z.string().nullable(),
  accountId: z.string().nullable(),
  instrument: z.string().nullable().describe('exchange:code, e.g. XHKG:0700'),
  orderId: z.string().nullable(),
  tradeId: z.string().nullable(),
  bucket: z.string(),
  objectKey: z.string(),
  sha256: z.string(),
  crc64: z.string(),
  md5: z.string(),
  size: z.number().int(),
  contentType: z.string(),
  retentionClass: z.string(),
  retainUntil: z.string(),
  ingestedAt: z.string(),
  principalId: z.string(),
  ledgerSeq: z.number().int(),
  amends: z.string().nullable().describe('for corrections: the record it amends'),
  documentType: z.string().nullable(),
  fileName: z.string().nullable(),
});

export const RecordViewSchema = z.object({
  record: CatalogEntrySchema,
  receipt: ReceiptSchema,
  correctedBy: z
    .array(z.string())
    .describe('record ids of the corrections that amend this record, in ledger order'),
  holds: z
    .array(HoldSchema)
    .optional()
    .describe('legal holds whose criteria cover the record, active or released'),
  retention: z
    .object({ retainUntil: z.string(), changes: z.array(z.record(z.string(), z.string())) })
    .optional()
    .describe('the retain-until as retention events moved it (only ever later), and each change'),
});

export const SearchPageSchema = z.object({
  items: z.array(CatalogEntrySchema),
  nextCursor: z.string().optional().describe('present when more records follow: pass it as `cursor`'),
});

/** What was wrong in detail: for ValidationFailed one issue per field; other codes say their own. */
const ErrorDetails = z
  .union([
    z.array(
      z.looseObject({
        path: z.string().describe('the field, dotted: `instrument.code`, `charges.0.amount`'),
        code: z.string().optional(),
        message: z.string(),
      }),
    ),
    z.array(z.unknown()),
    z.record(z.string(), z.unknown()),
  ])
  .describe(
    'ValidationFailed: one {path, code, message} per issue; other codes: an object or list of their own',
  );

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z
      .string()
      .describe('stable, machine-readable: ValidationFailed, Conflict, NotFound, Unauthenticated...'),
    message: z.string(),
    details: ErrorDetails.optional(),
    hint: z.string().optional(),
    requestId: z.string().optional(),
  }),
});

const LineError = z.object({ code: z.string(), message: z.string(), details: ErrorDetails.optional() });

export const BatchLineSchema = z
  .union([
    z.object({ line: z.number().int(), status: z.enum(['created', 'existing']), receipt: ReceiptSchema }),
    z.object({ line: z.number().int(), status: z.literal('error'), error: LineError }),
    z.object({
      summary: z.object({
        lines: z.number().int(),
        created: z.number().int(),
        existing: z.number().int(),
        failed: z.number().int(),
        complete: z.boolean().describe('false when the batch was cut short (see error)'),
      }),
      error: LineError.optional(),
    }),
  ])
  .describe('one line of the NDJSON answer of POST /v1/batches');

export const ReadinessSchema = z.object({
  ready: z.boolean(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
});

function iso(d: Date): string {
  return d.toISOString();
}

/** A catalog row as JSON. */
export function catalogEntry(r: CatalogRecord): z.infer<typeof CatalogEntrySchema> {
  return { ...r, retainUntil: iso(r.retainUntil), ingestedAt: iso(r.ingestedAt) };
}

/** GET /v1/reports/alp-top10: the month, optionally the ALP and the format. */
export const AlpReportQuerySchema = z.strictObject({
  month: z
    .string()
    .regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/, 'a month written YYYY-MM, such as 2026-11')
    .describe('the Hong Kong calendar month, YYYY-MM'),
  alpId: z.string().min(1).max(128).optional().describe('one ALP (default: every ALP that traded)'),
  format: z.enum(['json', 'csv', 'html']).optional().describe('json (default), csv or html (one ALP)'),
});

export type AlpReportQuery = z.infer<typeof AlpReportQuerySchema>;

/** Validates the ALP report's query; ValidationError listing every issue. */
export function parseAlpReportQuery(query: unknown): AlpReportQuery {
  const result = AlpReportQuerySchema.safeParse(query ?? {});
  if (result.success) return result.data;
  throw validationError(
    'invalid report parameters',
    result.error.issues.flatMap((i): { path: readonly PropertyKey[]; code: string; message: string }[] =>
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
              message: i.code === 'invalid_type' ? 'required, once, as a string' : i.message,
            },
          ],
    ),
  );
}

/** GET /v1/posture: the format only. */
export const PostureQuerySchema = z.strictObject({
  format: z.enum(['json', 'html']).optional().describe('json (default) or html'),
});

export function parsePostureQuery(query: unknown): z.infer<typeof PostureQuerySchema> {
  const result = PostureQuerySchema.safeParse(query ?? {});
  if (result.success) return result.data;
  throw validationError(
    'invalid posture parameters',
    result.error.issues.map((i) => ({ path: i.path, code: i.code, message: i.message })),
  );
}
