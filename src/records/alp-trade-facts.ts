/**
 * ALP trade facts: what the ALP monthly top-10 report (Code of Conduct Schedule 8 para 27(d))
 * needs of each archived `alp_trade`, and how corrections change it. Pure functions: the catalog
 * stores what `alpTradeFacts` returns for each archived record (at ingest and at reindex) and
 * keeps, per trade, the fact `foldAlpTrade` computes from everything stored about that trade.
 *
 * Rules (docs/decisions/0010-reports.md):
 * - A trade's facts are its alpId, userId, userCategory, quantity, price, currency and
 *   executedAt; turnover is quantity × price, exact.
 * - A `correction` concerns an ALP trade when it amends a record id (`amends`) and either carries
 *   a replacement of type `alp_trade` or changes one of those fields; a correction that names
 *   another `amendsRecordType`, or changes only other fields, has no effect here.
 * - Corrections apply in the order of their `correctedAt` instant, then record id: an order the
 *   records themselves carry, so reindexing in any order rebuilds the same facts.
 * - A correction that sets the quantity to zero or removes it (`to: null`) cancels the trade (a
 *   busted trade executed nothing): it no longer counts at all. A replacement can never cancel
 *   (its quantity is validated positive).
 * - A correction that leaves a field invalid (a price that is not a decimal, say) makes the
 *   trade `invalid`: not counted, and listed with the problem so a person can fix it with a
 *   further correction. Never silently dropped.
 */
import { hongKongMonthOf, instantOf } from '../util/hong-kong-time';
import { Decimal } from '../util/decimal';
import type { ArchiveRecord } from './schemas';

export const ALP_FACT_FIELDS = [
  'alpId',
  'userId',
  'userCategory',
  'quantity',
  'price',
  'currency',
  'executedAt',
] as const;
export type AlpFactField = (typeof ALP_FACT_FIELDS)[number];

export const USER_CATEGORIES = [
  'institutional_professional_investor',
  'corporate_professional_investor',
  'individual_professional_investor',
  'operator_proprietary',
] as const;

/** JSON values as the records hold them (a correction's `to` may be anything). */
export type FactValue = string | number | boolean | null | FactValue[] | { [key: string]: FactValue };

export type AlpFactValues = Partial<Record<AlpFactField, FactValue>>;

export interface AlpFactChange {
  field: AlpFactField;
  /** The corrected value; null removes the field. A path into a field (`price.x`) is kept as invalid. */
  to: FactValue;
  /** Set when the correction's field path went inside the fact field (never valid for these fields). */
  path?: string;
}

/** What one archived record contributes: the trade itself, or a correction of it. */
export type AlpTradeSource =
  | {
      kind: 'trade';
      /** The record that says it: here the trade itself. */
      sourceRecordId: string;
      tradeRecordId: string;
      values: AlpFactValues;
    }
  | {
      kind: 'correction';
      sourceRecordId: string;
      /** The trade it amends (`amends`). */
      tradeRecordId: string;
      /** `correctedAt` as a UTC instant with milliseconds (`2026-11-21T01:31:02.123Z`): the order of application. */
      correctedAt: string;
      changes?: AlpFactChange[];
      replacement?: AlpFactValues;
    };

export type AlpTradeState = 'counted' | 'cancelled' | 'invalid';

/** A trade as the report counts it, after its corrections. */
export interface AlpTradeFact {
  tradeRecordId: string;
  state: AlpTradeState;
  /** Why the trade is `invalid` (null otherwise). */
  problem: string | null;
  alpId: string;
  userId: string;
  userCategory: string;
  currency: string;
  /** As written in the record (with its offset). */
  executedAt: string;
  /** The executedAt instant, ms since the epoch. */
  executedAtMs: number;
  /** Hong Kong calendar month of executedAt, `YYYY-MM`. */
  month: string;
  quantity: Decimal;
  price: Decimal;
  /** quantity × price, exact. */
  turnover: Decimal;
  /** Corrections applied (0 for a trade never corrected). */
  corrections: number;
}

function pick(o: Record<string, unknown>): AlpFactValues {
  const values: AlpFactValues = {};
  for (const f of ALP_FACT_FIELDS) {
    if (o[f] !== undefined) values[f] = o[f] as FactValue;
  }
  return values;
}

function isFactField(name: string): name is AlpFactField {
  return (ALP_FACT_FIELDS as readonly string[]).includes(name);
}

/**
 * The facts an archived record contributes to the ALP trade table, or null when it contributes
 * none. Call it with every record archived (ingest) and every record read back (reindex).
 */
export function alpTradeFacts(record: ArchiveRecord): AlpTradeSource | null {
  if (record.recordType === 'alp_trade') {
    return {
      kind: 'trade',
      sourceRecordId: record.recordId,
      tradeRecordId: record.recordId,
      values: pick(record),
    };
  }
  if (record.recordType !== 'correction') return null;
  if (record.amendsRecordType !== undefined && record.amendsRecordType !== 'alp_trade') return null;
  const at = instantOf(record.correctedAt);
  if (at === null) return null; // the schema guarantees a timestamp; nothing to order by otherwise
  const base = {
    kind: 'correction' as const,
    sourceRecordId: record.recordId,
    tradeRecordId: record.amends,
    correctedAt: new Date(at).toISOString(),
  };
  if (record.replacement !== undefined) {
    if (record.replacement.recordType !== 'alp_trade') return null;
    return { ...base, replacement: pick(record.replacement) };
  }
  const changes: AlpFactChange[] = [];
  for (const c of record.changes ?? []) {
    const head = c.field.split('.')[0] ?? c.field;
    if (!isFactField(head)) continue;
    const to = (c.to ?? null) as FactValue;
    changes.push(head === c.field ? { field: head, to } : { field: head, to, path: c.field });
  }
  return changes.length > 0 ? { ...base, changes } : null;
}

const EXTERNAL_ID = (v: string): boolean =>
  // eslint-disable-next-line no-control-regex -- the records' externalId rule
  v.length >= 1 && v.length <= 128 && !/[\u0000-\u001f\u007f-\u009f]/.test(v) && v.trim() === v;

type Evaluated =
  | { kind: 'valid'; fact: Omit<AlpTradeFact, 'tradeRecordId' | 'state' | 'problem' | 'corrections'> }
  | { kind: 'cancelled' }
  | { kind: 'invalid'; problem: string };

function evaluate(values: AlpFactValues, paths: ReadonlyMap<AlpFactField, string>): Evaluated {
  const q = values.quantity;
  const quantity = q === undefined || q === null ? Decimal.ZERO : Decimal.fromValue(q);
  if (quantity !== null && quantity.isZero()) return { kind: 'cancelled' };
  const problems: string[] = [];
  for (const [field, path] of paths) problems.push(`${field}: ${path} is not a field of a ${field}`);
  const text = (f: AlpFactField, ok: (v: string) => boolean, what: string): string => {
    const v = values[f];
    if (typeof v === 'string' && ok(v)) return v;
    problems.push(`${f}: ${v === undefined ? 'missing' : `${JSON.stringify(v)} is not ${what}`}`);
    return '';
  };
  const alpId = text('alpId', EXTERNAL_ID, 'an identifier');
  const userId = text('userId', EXTERNAL_ID, 'an identifier');
  const userCategory = text(
    'userCategory',
    (v) => (USER_CATEGORIES as readonly string[]).includes(v),
    `one of ${USER_CATEGORIES.join(', ')}`,
  );
  const currency = text('currency', (v) => /^[A-Z]{3}$/.test(v), 'an ISO 4217 code');
  const executedAt = text('executedAt', (v) => instantOf(v) !== null, 'a timestamp with offset');
  const price = typeof values.price === 'string' ? Decimal.tryParse(values.price) : null;
  if (price === null || price.sign() < 0)
    problems.push(`price: ${JSON.stringify(values.price)} is not a decimal string >= 0`);
  if (quantity === null || quantity.sign() < 0 || (typeof q === 'number' && !Number.isSafeInteger(q))) {
    problems.push(`quantity: ${JSON.stringify(q)} is not a positive quantity`);
  }
  if (problems.length > 0 || price === null || quantity === null) {
    return { kind: 'invalid', problem: problems.join('; ') };
  }
  const executedAtMs = instantOf(executedAt) as number;
  return {
    kind: 'valid',
    fact: {
      alpId,
      userId,
      userCategory,
      currency,
      executedAt,
      executedAtMs,
      month: hongKongMonthOf(executedAtMs),
      quantity,
      price,
      turnover: quantity.mul(price),
    },
  };
}

/** Corrections in the order they apply: correctedAt, then record id. */
function byApplication(
  a: Extract<AlpTradeSource, { kind: 'correction' }>,
  b: Extract<AlpTradeSource, { kind: 'correction' }>,
): number {
  if (a.correctedAt !== b.correctedAt) return a.correctedAt < b.correctedAt ? -1 : 1;
  return a.sourceRecordId < b.sourceRecordId ? -1 : a.sourceRecordId > b.sourceRecordId ? 1 : 0;
}

/**
 * The trade's fact from everything known about it (its own source and its corrections, in any
 * order), or null while the trade itself is not known (a correction met first at reindex).
 */
export function foldAlpTrade(sources: readonly AlpTradeSource[]): AlpTradeFact | null {
  const trade = sources.find((s) => s.kind === 'trade');
  if (!trade) return null;
  const corrections = sources
    .filter((s): s is Extract<AlpTradeSource, { kind: 'correction' }> => s.kind === 'correction')
    .sort(byApplication);
  let values: AlpFactValues = { ...trade.values };
  let paths = new Map<AlpFactField, string>();
  let current = evaluate(values, paths);
  let lastValid = current.kind === 'valid' ? current.fact : null;
  for (const c of corrections) {
    if (c.replacement) {
      values = { ...c.replacement };
      paths = new Map();
    } else {
      for (const ch of c.changes ?? []) {
        if (ch.path !== undefined) {
          paths.set(ch.field, ch.path);
        } else {
          paths.delete(ch.field);
          if (ch.to === null) delete values[ch.field];
          else values[ch.field] = ch.to;
        }
      }
    }
    current = evaluate(values, paths);
    if (current.kind === 'valid') lastValid = current.fact;
  }
  // A trade that was never valid (it passed the schema at ingest, so only if the rules drift) is
  // kept as invalid with what can be shown of it.
  const shown = lastValid ?? {
    alpId: String(trade.values.alpId ?? ''),
    userId: String(trade.values.userId ?? ''),
    userCategory: String(trade.values.userCategory ?? ''),
    currency: String(trade.values.currency ?? ''),
    executedAt: String(trade.values.executedAt ?? ''),
    executedAtMs: 0,
    month: '',
    quantity: Decimal.ZERO,
    price: Decimal.ZERO,
    turnover: Decimal.ZERO,
  };
  const common = { tradeRecordId: trade.tradeRecordId, corrections: corrections.length, ...shown };
  if (current.kind === 'valid') return { ...common, ...current.fact, state: 'counted', problem: null };
  if (current.kind === 'cancelled') return { ...common, state: 'cancelled', problem: null };
  return { ...common, state: 'invalid', problem: current.problem };
}
