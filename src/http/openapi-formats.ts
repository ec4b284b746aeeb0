/**
 * The JSON Schema of the record fields zod cannot describe by itself: the predicate fields of
 * src/records/schemas (`formatted`, `z.custom`, a string with a refinement). zod's toJSONSchema
 * gives them no type; here each gets the type, pattern, bounds and format that say what its
 * predicate accepts, and the shared ones a name (a component schema of their own).
 *
 * test/http/openapi.test.ts checks these against the predicates on accepted and refused samples
 * (ajv on this schema, zod on the record schema) and fails when a property is left untyped, so a
 * new predicate field needs its line here.
 */
import type { z } from 'zod';
import { RECORD_ID_PATTERN } from '../records';
import { contentType, documentType, fileName } from '../records/schemas/document';
import {
  capacity,
  charge,
  currency,
  externalId,
  instrument,
  isoDate,
  money,
  quantity,
  recordId,
  sha256Hex,
  side,
  signedMoney,
  timestamp,
  venueCode,
} from '../records/schemas/primitives';

type Json = Record<string, unknown>;

const DECIMAL_MAX = 40;
const UNSIGNED_DECIMAL = '^(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?$';
// Control characters are refused everywhere; no leading or trailing white space.
const EXTERNAL_ID = '^(?!\\s)(?!.*\\s$)[^\\u0000-\\u001f\\u007f-\\u009f]*$';

/** Named, shared field schemas: [zod schema, component name, its JSON Schema (absent: zod's own)]. */
export const NAMED_FIELDS: [z.ZodType, string, Json | undefined][] = [
  [recordId, 'RecordId', { type: 'string', pattern: RECORD_ID_PATTERN.source, maxLength: 128 }],
  [externalId, 'ExternalId', { type: 'string', minLength: 1, maxLength: 128, pattern: EXTERNAL_ID }],
  [venueCode, 'VenueCode', { type: 'string', pattern: '^[A-Z0-9][A-Z0-9_-]{0,31}$' }],
  [currency, 'Currency', { type: 'string', pattern: '^[A-Z]{3}$' }],
  [sha256Hex, 'Sha256', { type: 'string', pattern: '^[0-9a-f]{64}$' }],
  [money, 'Money', { type: 'string', pattern: UNSIGNED_DECIMAL, maxLength: DECIMAL_MAX }],
  [
    signedMoney,
    'SignedMoney',
    { type: 'string', pattern: '^-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?$', maxLength: DECIMAL_MAX },
  ],
  [
    quantity,
    'Quantity',
    {
      anyOf: [
        { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
        {
          type: 'string',
          pattern: `^(?=[0-9.]*[1-9])${UNSIGNED_DECIMAL.slice(1)}`,
          maxLength: DECIMAL_MAX,
        },
      ],
    },
  ],
  [isoDate, 'Date', { type: 'string', format: 'date', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }],
  [
    timestamp,
    'Timestamp',
    {
      type: 'string',
      format: 'date-time',
      // Seconds and a UTC offset are required (RFC 3339 allows neither to be left out either).
      pattern:
        '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})$',
      description:
        'an ISO 8601 timestamp with seconds and a UTC offset, such as "2026-11-21T09:31:02.123+08:00"',
    },
  ],
  [instrument, 'Instrument', undefined],
  [charge, 'Charge', undefined],
  [side, 'Side', undefined],
  [capacity, 'Capacity', undefined],
  [documentType, 'DocumentType', { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' }],
  [
    fileName,
    'FileName',
    {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: '^(?!\\.{1,2}$)[^/\\\\\\u0000-\\u001f\\u007f]+$',
    },
  ],
  [
    contentType,
    'ContentType',
    {
      type: 'string',
      maxLength: 255,
      pattern: '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\\s*;\\s*[!-~]+=[!-~]+)*$',
    },
  ],
];

const BY_SCHEMA = new Map<unknown, Json>(
  NAMED_FIELDS.filter((f): f is [z.ZodType, string, Json] => f[2] !== undefined).map(([s, , j]) => [s, j]),
);

/** The predicate fields that are not shared, by their issue code. */
const BY_CODE: Record<string, (message: string) => Json> = {
  invalid_instrument_code: () => ({ type: 'string', pattern: '^[!-~]{1,32}$' }),
  invalid_isin: () => ({ type: 'string', pattern: '^[A-Z]{2}[A-Z0-9]{9}[0-9]$' }),
  invalid_charge_type: () => ({ type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' }),
  invalid_field_path: () => ({
    type: 'string',
    maxLength: 256,
    pattern: '^[A-Za-z][A-Za-z0-9_]*(\\.([A-Za-z][A-Za-z0-9_]*|0|[1-9][0-9]*))*$',
  }),
  // text(max): its refusal message names the bound (`text of 1-500 characters, not blank`).
  invalid_text: (message) => ({
    type: 'string',
    minLength: 1,
    maxLength: Number(/1-(\d+) characters/.exec(message)?.[1] ?? 10_000),
    pattern: '\\S',
  }),
};

interface ZodDef {
  type?: string;
  params?: { code?: unknown };
  error?: unknown;
  message?: unknown;
}

function messageOf(def: ZodDef): string | undefined {
  if (typeof def.error === 'function') {
    const said: unknown = (def.error as (iss: unknown) => unknown)({
      code: 'custom',
      input: undefined,
      path: [],
    });
    if (typeof said === 'string') return said;
  }
  return undefined;
}

/** toJSONSchema's `override`: the type and format of a predicate field, and its refusal message. */
export function describeField(ctx: { zodSchema: unknown; jsonSchema: Json }): void {
  const known = BY_SCHEMA.get(ctx.zodSchema);
  const def = (ctx.zodSchema as { _zod?: { def?: ZodDef } })._zod?.def;
  const message = def ? messageOf(def) : undefined;
  if (known) {
    Object.assign(ctx.jsonSchema, known);
    if (message && known.description === undefined) ctx.jsonSchema.description = message;
    return;
  }
  if (def?.type !== 'custom') return;
  const code = typeof def.params?.code === 'string' ? def.params.code : '';
  const make = BY_CODE[code];
  if (make) Object.assign(ctx.jsonSchema, make(message ?? ''));
  if (message) ctx.jsonSchema.description = message;
}
