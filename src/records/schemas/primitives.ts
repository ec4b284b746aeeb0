/**
 * Field-level schemas shared by every record type. Each refusal carries a stable issue code in
 * `params.code` (read by validateRecord) and a message a sender can act on.
 */
import { z } from 'zod';
import { checkRecordId } from '../ids';

/** A custom issue with a stable code, for superRefine callbacks. */
export function issue(code: string, message: string, path?: PropertyKey[]) {
  return { code: 'custom' as const, message, params: { code }, ...(path ? { path } : {}) };
}

/**
 * A string checked by `test`. `abort: false` keeps zod going after a refusal, so the record's
 * cross-field rules still run and every issue is reported (z.custom aborts by default).
 */
export function formatted(code: string, message: string, test: (v: string) => boolean) {
  return z.custom<string>((v) => typeof v === 'string' && test(v), {
    message,
    params: { code },
    abort: false,
  });
}

// --- identifiers ---------------------------------------------------------------------------

export const recordId = z.custom<string>((v) => checkRecordId(v).ok, {
  error: (iss) => {
    const check = checkRecordId(iss.input);
    return check.ok ? 'not a valid record id' : check.reason;
  },
  params: { code: 'invalid_record_id' },
  abort: false,
});

/**
 * Identifiers of the sender's systems (order, trade, client, account, staff ids): 1-128
 * characters, no control characters, no leading or trailing spaces. Looser than record ids:
 * they never become part of a key.
 */
export const externalId = formatted(
  'invalid_id',
  'an identifier: 1-128 characters, no control characters, no leading or trailing spaces',
  // eslint-disable-next-line no-control-regex
  (v) => v.length >= 1 && v.length <= 128 && !/[\u0000-\u001f\u007f-\u009f]/.test(v) && v.trim() === v,
);

/** Free text (titles, reasons, statements): non-empty, bounded. */
export function text(max: number) {
  return formatted(
    'invalid_text',
    `text of 1-${max} characters, not blank`,
    (v) => v.trim().length > 0 && v.length <= max,
  );
}

/** A trading venue: an ISO 10383 MIC (XHKG) or an ALP id. Upper-case letters, digits, "_", "-". */
export const venueCode = formatted(
  'invalid_venue',
  'a venue code such as "XHKG": upper-case letters, digits, "_" or "-", at most 32 characters',
  (v) => /^[A-Z0-9][A-Z0-9_-]{0,31}$/.test(v),
);

export const currency = formatted('invalid_currency', 'an ISO 4217 currency code such as "HKD"', (v) =>
  /^[A-Z]{3}$/.test(v),
);

export const sha256Hex = formatted('invalid_sha256', '64 lower-case hexadecimal characters', (v) =>
  /^[0-9a-f]{64}$/.test(v),
);

// --- numbers as strings ----------------------------------------------------------------------

const DECIMAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;
const UNSIGNED_DECIMAL = /^(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;
const MAX_DECIMAL_LENGTH = 40;

/** Money amounts that may be negative (adjustments, net consideration). */
export const signedMoney = formatted(
  'invalid_decimal',
  'a decimal string such as "-12.50" (money is never a JSON number)',
  (v) => v.length <= MAX_DECIMAL_LENGTH && DECIMAL.test(v),
);

/** Prices, fees, commissions, consideration: non-negative decimal strings. */
export const money = formatted(
  'invalid_decimal',
  'a non-negative decimal string such as "388.20" (money and prices are never JSON numbers)',
  (v) => v.length <= MAX_DECIMAL_LENGTH && UNSIGNED_DECIMAL.test(v),
);

function isPositiveQuantity(v: unknown): boolean {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v > 0;
  if (typeof v === 'string')
    return v.length <= MAX_DECIMAL_LENGTH && UNSIGNED_DECIMAL.test(v) && /[1-9]/.test(v);
  return false;
}

/** A quantity: a positive JSON integer (up to 2^53-1) or a positive decimal string such as "0.5". */
export const quantity = z
  .custom<number | string>(isPositiveQuantity, {
    message: 'a positive integer or a positive decimal string such as "1000" (fractions only as strings)',
    params: { code: 'invalid_quantity' },
    abort: false,
  })
  // Named in the JSON Schema, so that non-JSON channels (CSV) give a whole quantity as a JSON
  // integer, as the documented JSON form has it (src/http/batch/csv.ts).
  .meta({ format: 'quantity' });

// --- dates and times -------------------------------------------------------------------------

function isRealDate(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
  return d <= days;
}

const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const TIMESTAMP =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,9})?(Z|[+-]([0-9]{2}):([0-9]{2}))$/;
const TIMESTAMP_NO_OFFSET = /^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$/;

export function isIsoDate(v: string): boolean {
  const m = DATE.exec(v);
  return m !== null && isRealDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Why a string is not an ISO 8601 timestamp with offset, or null when it is one. */
export function timestampProblem(v: string): string | null {
  const m = TIMESTAMP.exec(v);
  if (!m) {
    if (TIMESTAMP_NO_OFFSET.test(v)) return 'the timestamp has no UTC offset: add "Z" or "+08:00"';
    return 'an ISO 8601 timestamp with seconds and offset, such as "2026-11-21T09:31:02.123+08:00"';
  }
  if (!isRealDate(Number(m[1]), Number(m[2]), Number(m[3]))) return `${v.slice(0, 10)} is not a real date`;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return 'the time of day is out of range';
  if (m[7] !== 'Z' && (Number(m[8]) > 23 || Number(m[9]) > 59)) return 'the UTC offset is out of range';
  return null;
}

/** YYYY-MM-DD, a real calendar date. */
export const isoDate = formatted('invalid_date', 'a real date written YYYY-MM-DD', isIsoDate);

/** ISO 8601 / RFC 3339 date-time with seconds and a UTC offset (Z or ±hh:mm). */
export const timestamp = z.string().superRefine((v, ctx) => {
  const problem = timestampProblem(v);
  if (problem) ctx.addIssue(issue('invalid_timestamp', problem));
});

// --- shared structures -----------------------------------------------------------------------

export const instrument = z.strictObject({
  /** ISO 10383 MIC of the listing exchange, e.g. XHKG. */
  exchange: venueCode,
  /** The exchange's code, e.g. 0700. */
  code: formatted(
    'invalid_instrument_code',
    'an instrument code: 1-32 characters, no spaces or control characters',
    (v) => /^[\x21-\x7e]{1,32}$/.test(v),
  ),
  isin: formatted('invalid_isin', 'a 12-character ISIN such as "KYG875721634"', (v) =>
    /^[A-Z]{2}[A-Z0-9]{9}[0-9]$/.test(v),
  ).optional(),
});

export const side = z.enum(['buy', 'sell']);
export const capacity = z.enum(['agency', 'principal']);

/** A named charge (brokerage, trading fee, SFC levy, AFRC levy, stamp duty, CCASS fee...). */
export const charge = z.strictObject({
  type: formatted('invalid_charge_type', 'a charge type: lower-case letters, digits and "_"', (v) =>
    /^[a-z][a-z0-9_]{0,63}$/.test(v),
  ),
  amount: money,
  currency: currency.optional(),
});

// --- record envelope -------------------------------------------------------------------------

/** Version of the record schemas below. Bump when a change would refuse records accepted before. */
export const RECORD_SCHEMA_VERSION = 1;
export const SUPPORTED_SCHEMA_VERSIONS = [1] as const;

export const RECORD_TYPES = [
  'order',
  'trade',
  'contract_note',
  'alp_order',
  'alp_trade',
  'document',
  'correction',
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export function isRecordType(v: unknown): v is RecordType {
  return typeof v === 'string' && (RECORD_TYPES as readonly string[]).includes(v);
}

/**
 * Fields every record has. `schemaVersion` is optional: a sender may pin the version it was
 * written against, and a record pinned to a version this build does not know is refused.
 */
export function envelope<T extends RecordType>(recordType: T) {
  return {
    recordType: z.literal(recordType),
    recordId,
    schemaVersion: z
      .literal(SUPPORTED_SCHEMA_VERSIONS, {
        message: `a schema version this archive knows: ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}`,
      })
      .optional(),
  };
}

/** The value as an object when it is one (refinements also run on values that failed parsing). */
export function asObject(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Options for cross-field refinements: run them even when some fields failed, so every issue is reported. */
export const ALWAYS = { when: () => true } as const;
