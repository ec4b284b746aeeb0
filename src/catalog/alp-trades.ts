import { sql, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import { ValidationError } from '../errors';
import { foldAlpTrade, type AlpTradeFact, type AlpTradeSource } from '../records/alp-trade-facts';
import { Decimal } from '../util/decimal';
import { fromDbTime, toDbTime } from './mappers';
import type { AlpTradeFactsTable, CatalogDatabase } from './schema';
import type {
  AlpTradeException,
  AlpTradeFactRow,
  AlpTradeGroup,
  AlpTradeMonth,
  CatalogDialect,
} from './types';
import { RECORD_ID } from './validate';

/**
 * The ALP trade facts (migration-alp-trades.ts): written from the sources records contribute,
 * read by the ALP monthly top-10 report in one grouped scan.
 */

type Db = Kysely<CatalogDatabase>;
type Trx = Transaction<CatalogDatabase>;

/**
 * Fraction digits of `turnover_e4`: turnover × 10^4 as an integer. Every HKEX price has at most 3
 * decimals and board lots are whole shares, so nearly every trade fits; one that does not is
 * summed from its text (exact either way).
 */
export const TURNOVER_SCALE = 4;
const INT64_MAX = 2n ** 63n - 1n;
/** Any constant: PostgreSQL writers of these tables serialise on this advisory lock. */
const PG_LOCK_KEY = 0x414c5054; // "ALPT"
const ROWS_PER_INSERT = 100;
const IDS_PER_LOOKUP = 500;
const MONTH = /^[0-9]{4}-(0[1-9]|1[0-2])$/;

/** Joins the grouping columns with U+001F, which none of them can contain (see the migration). */
const SEP = '\u001f';
export function groupKey(userId: string, currency: string, category: string): string {
  return `${userId}${SEP}${currency}${SEP}${category}`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The integer part and the fraction in 10^-9, or null when not exact in those columns. */
/** `value × 10^scale` when that is an integer in 0..2^63-1, else null (stored with exact = 0). */
export function scaledInt64(value: Decimal, scale: number): bigint | null {
  const scaled = value.toScaled(scale);
  return scaled === null || scaled < 0n || scaled > INT64_MAX ? null : scaled;
}

function factRow(fact: AlpTradeFact): Insertable<AlpTradeFactsTable> {
  const q = scaledInt64(fact.quantity, 0);
  const t = scaledInt64(fact.turnover, TURNOVER_SCALE);
  const exact = q !== null && t !== null;
  return {
    trade_record_id: fact.tradeRecordId,
    state: fact.state,
    problem: fact.problem,
    alp_id: fact.alpId,
    user_id: fact.userId,
    user_category: fact.userCategory,
    currency: fact.currency,
    month_hk: fact.month,
    group_key: groupKey(fact.userId, fact.currency, fact.userCategory),
    executed_at: toDbTime(new Date(fact.executedAtMs)),
    quantity: fact.quantity.toString(),
    price: fact.price.toString(),
    turnover: fact.turnover.toString(),
    quantity_int: exact ? q.toString() : '0',
    turnover_e4: exact ? t.toString() : '0',
    exact: exact ? 1 : 0,
    corrections: fact.corrections,
  };
}

/** Throws ValidationError unless the source is sound (ids, kind). */
export function checkAlpTradeSource(s: AlpTradeSource, i = 0): void {
  const bad = (path: string, message: string): never => {
    throw new ValidationError(`invalid ALP trade source: ${message}`, {
      details: [{ path: ['sources', i, path], message }],
    });
  };
  if (!RECORD_ID.test(s.sourceRecordId)) bad('sourceRecordId', 'must be a record id');
  if (!RECORD_ID.test(s.tradeRecordId)) bad('tradeRecordId', 'must be a record id');
  if (s.kind !== 'trade' && s.kind !== 'correction') bad('kind', 'must be trade or correction');
  if (s.kind === 'trade' && s.sourceRecordId !== s.tradeRecordId)
    bad('tradeRecordId', 'a trade is its own source');
}

/**
 * Adds sources and recomputes the facts of the trades they touch, in one transaction of its own
 * (for sources of records already catalogued: the repair after recovery, tests). The write path
 * and reindex do not call this: their sources come with the record's row and are written in the
 * record's own transaction (`writeAlpTradeSources`, from the group commit in group.ts).
 */
export async function addAlpTradeSources(
  db: Db,
  dialect: CatalogDialect,
  sources: readonly AlpTradeSource[],
): Promise<{ added: number; tradesUpdated: number }> {
  sources.forEach(checkAlpTradeSource);
  if (sources.length === 0) return { added: 0, tradesUpdated: 0 };
  return db.transaction().execute((trx) => writeAlpTradeSources(trx, dialect, sources));
}

/**
 * Inside a transaction: stores the sources (a source already there is skipped) and refolds every
 * trade they touch. On PostgreSQL, writers serialise on an advisory lock (two instances
 * ingesting a trade and its correction at once must not each fold without the other's source);
 * SQLite's writers are serialised already (BEGIN IMMEDIATE). Sources must have been checked
 * (`checkAlpTradeSource`).
 */
export async function writeAlpTradeSources(
  trx: Trx,
  dialect: CatalogDialect,
  sources: readonly AlpTradeSource[],
): Promise<{ added: number; tradesUpdated: number }> {
  if (sources.length === 0) return { added: 0, tradesUpdated: 0 };
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${PG_LOCK_KEY})`.execute(trx);
  let added = 0;
  for (const part of chunks(sources, ROWS_PER_INSERT)) {
    const result = await trx
      .insertInto('alp_trade_sources')
      .values(
        part.map((s) => ({
          source_record_id: s.sourceRecordId,
          trade_record_id: s.tradeRecordId,
          kind: s.kind,
          payload: JSON.stringify(s),
        })),
      )
      .onConflict((oc) => oc.column('source_record_id').doNothing())
      .executeTakeFirst();
    added += Number(result.numInsertedOrUpdatedRows ?? 0n);
  }
  const tradeIds = [...new Set(sources.map((s) => s.tradeRecordId))];
  let tradesUpdated = 0;
  for (const ids of chunks(tradeIds, IDS_PER_LOOKUP)) {
    tradesUpdated += await refold(trx, ids);
  }
  return { added, tradesUpdated };
}

async function refold(trx: Trx, tradeIds: string[]): Promise<number> {
  const rows = await trx
    .selectFrom('alp_trade_sources')
    .select(['trade_record_id', 'payload'])
    .where('trade_record_id', 'in', tradeIds)
    .execute();
  const byTrade = new Map<string, AlpTradeSource[]>();
  for (const r of rows) {
    const list = byTrade.get(r.trade_record_id) ?? [];
    list.push(JSON.parse(r.payload) as AlpTradeSource);
    byTrade.set(r.trade_record_id, list);
  }
  const facts: Insertable<AlpTradeFactsTable>[] = [];
  for (const list of byTrade.values()) {
    const fact = foldAlpTrade(list);
    if (fact) facts.push(factRow(fact));
  }
  for (const part of chunks(facts, ROWS_PER_INSERT)) {
    await trx
      .insertInto('alp_trade_facts')
      .values(part)
      .onConflict((oc) =>
        oc.column('trade_record_id').doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          problem: eb.ref('excluded.problem'),
          alp_id: eb.ref('excluded.alp_id'),
          user_id: eb.ref('excluded.user_id'),
          user_category: eb.ref('excluded.user_category'),
          currency: eb.ref('excluded.currency'),
          month_hk: eb.ref('excluded.month_hk'),
          group_key: eb.ref('excluded.group_key'),
          executed_at: eb.ref('excluded.executed_at'),
          quantity: eb.ref('excluded.quantity'),
          price: eb.ref('excluded.price'),
          turnover: eb.ref('excluded.turnover'),
          quantity_int: eb.ref('excluded.quantity_int'),
          turnover_e4: eb.ref('excluded.turnover_e4'),
          exact: eb.ref('excluded.exact'),
          corrections: eb.ref('excluded.corrections'),
        })),
      )
      .execute();
  }
  return facts.length;
}

function checkMonthAndAlp(month: string, alpId?: string): void {
  if (!MONTH.test(month)) {
    throw new ValidationError('month must be YYYY-MM', {
      details: [{ path: ['month'], message: 'YYYY-MM' }],
    });
  }
  if (alpId !== undefined && (alpId.length < 1 || alpId.length > 128)) {
    throw new ValidationError('alpId must be 1-128 characters', {
      details: [{ path: ['alpId'], message: '1-128 characters' }],
    });
  }
}

/**
 * The columns read back row by row: never the 64-bit integer columns, which can pass 2^53 (the
 * PostgreSQL pool's int8 parser refuses such values, SQLite's driver would round them).
 */
const ROW_COLUMNS = [
  'trade_record_id',
  'state',
  'problem',
  'alp_id',
  'user_id',
  'user_category',
  'currency',
  'month_hk',
  'executed_at',
  'quantity',
  'price',
  'turnover',
  'exact',
  'corrections',
] as const;
type FactRowRead = Pick<Selectable<AlpTradeFactsTable>, (typeof ROW_COLUMNS)[number]>;

/** A sum's text at `scale` fraction digits (exact: BigInt). */
function fromSum(text: string, scale: number): Decimal {
  return Decimal.of(BigInt(text), scale);
}

/**
 * SQLite's refusal to round a sum. Matched by message, not `instanceof Error`: the native addon's
 * SqliteError may come from another realm (a jest worker that loaded it first; see
 * test/catalog/harness.ts).
 */
function isIntegerOverflow(err: unknown): boolean {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /integer overflow/i.test(message);
}

interface GroupAccumulator {
  userId: string;
  currency: string;
  userCategory: string;
  trades: number;
  corrected: number;
  quantity: Decimal;
  turnover: Decimal;
}

/**
 * One grouped scan over the covering index, sums in integer arithmetic cast to text; then the
 * exception rows (cancelled, invalid, corrected, or not exact in the columns) from their partial
 * index: few, and they keep the scan down to the three sums it cannot do without. On
 * SQLite, a sum past 2^63 raises "integer overflow" and the month is summed again row by row in
 * the application (exact, slower); PostgreSQL sums bigint into numeric and never overflows.
 */
export async function alpTradeMonth(db: Db, month: string, alpId: string): Promise<AlpTradeMonth> {
  checkMonthAndAlp(month, alpId);
  const groups = new Map<string, GroupAccumulator>();
  const add = (g: Omit<GroupAccumulator, never>): void => {
    const key = groupKey(g.userId, g.currency, g.userCategory);
    const had = groups.get(key);
    if (!had) {
      groups.set(key, g);
      return;
    }
    had.trades += g.trades;
    had.corrected += g.corrected;
    had.quantity = had.quantity.add(g.quantity);
    had.turnover = had.turnover.add(g.turnover);
  };
  try {
    const rows = await db
      .selectFrom('alp_trade_facts')
      .select((eb) => [
        'group_key',
        eb.fn.countAll<number | string>().as('trades'),
        sql<string>`cast(sum(quantity_int) as text)`.as('q_int'),
        sql<string>`cast(sum(turnover_e4) as text)`.as('t_e4'),
      ])
      .where('month_hk', '=', month)
      .where('alp_id', '=', alpId)
      .where('state', '=', 'counted')
      .groupBy('group_key')
      .execute();
    for (const r of rows) {
      const [userId = '', currency = '', userCategory = ''] = r.group_key.split(SEP);
      add({
        userId,
        currency,
        userCategory,
        trades: Number(r.trades),
        corrected: 0, // from the exception rows below
        quantity: fromSum(r.q_int, 0),
        turnover: fromSum(r.t_e4, TURNOVER_SCALE),
      });
    }
  } catch (err) {
    if (!isIntegerOverflow(err)) throw err;
    groups.clear();
    const rows = await db
      .selectFrom('alp_trade_facts')
      .select(['user_id', 'currency', 'user_category', 'corrections', 'quantity', 'turnover'])
      .where('month_hk', '=', month)
      .where('alp_id', '=', alpId)
      .where('state', '=', 'counted')
      .execute();
    for (const r of rows) {
      add({
        userId: r.user_id,
        currency: r.currency,
        userCategory: r.user_category,
        trades: 1,
        corrected: r.corrections > 0 ? 1 : 0,
        quantity: Decimal.parse(r.quantity),
        turnover: Decimal.parse(r.turnover),
      });
    }
    return {
      groups: finish(groups),
      exceptions: await exceptionRows(db, month, alpId, false, () => undefined),
    };
  }
  const exceptions = await exceptionRows(db, month, alpId, true, (r) => {
    // Counted, and corrected or not exact in the columns (counted in `trades` above, with zeros).
    const g = groups.get(groupKey(r.user_id, r.currency, r.user_category));
    if (!g) throw new Error(`catalog: ALP fact ${r.trade_record_id} has no group`);
    if (r.corrections > 0) g.corrected++;
    if (r.exact === 0) {
      g.quantity = g.quantity.add(Decimal.parse(r.quantity));
      g.turnover = g.turnover.add(Decimal.parse(r.turnover));
    }
  });
  return { groups: finish(groups), exceptions };
}

async function exceptionRows(
  db: Db,
  month: string,
  alpId: string,
  withCounted: boolean,
  onCounted: (row: FactRowRead) => void,
): Promise<AlpTradeException[]> {
  const rows = await db
    .selectFrom('alp_trade_facts')
    .select(ROW_COLUMNS)
    .where('month_hk', '=', month)
    .where('alp_id', '=', alpId)
    .where(sql<boolean>`(state <> 'counted' or exact = 0 or corrections > 0)`)
    .orderBy('trade_record_id')
    .execute();
  const out: AlpTradeException[] = [];
  for (const r of rows) {
    if (r.state === 'counted') {
      if (withCounted) onCounted(r);
      continue;
    }
    out.push({
      tradeRecordId: r.trade_record_id,
      state: r.state as 'cancelled' | 'invalid', // CHECK constraint
      problem: r.problem,
      userId: r.user_id,
      currency: r.currency,
    });
  }
  return out;
}

function finish(groups: Map<string, GroupAccumulator>): AlpTradeGroup[] {
  return [...groups.values()].map((g) => ({
    userId: g.userId,
    currency: g.currency,
    userCategory: g.userCategory,
    trades: g.trades,
    corrected: g.corrected,
    quantity: g.quantity.toString(),
    turnover: g.turnover.toString(),
  }));
}

export async function alpIdsWithTrades(db: Db, month: string): Promise<string[]> {
  checkMonthAndAlp(month);
  const rows = await db
    .selectFrom('alp_trade_facts')
    .select('alp_id')
    .distinct()
    .where('month_hk', '=', month)
    .where('state', '=', 'counted')
    .orderBy('alp_id')
    .execute();
  return rows.map((r) => r.alp_id);
}

export async function alpTradeFact(db: Db, tradeRecordId: string): Promise<AlpTradeFactRow | undefined> {
  const r = await db
    .selectFrom('alp_trade_facts')
    .select(ROW_COLUMNS)
    .where('trade_record_id', '=', tradeRecordId)
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    tradeRecordId: r.trade_record_id,
    state: r.state as AlpTradeFactRow['state'], // CHECK constraint
    problem: r.problem,
    alpId: r.alp_id,
    userId: r.user_id,
    userCategory: r.user_category,
    currency: r.currency,
    month: r.month_hk,
    executedAt: fromDbTime(r.executed_at),
    quantity: r.quantity,
    price: r.price,
    turnover: r.turnover,
    exact: r.exact === 1,
    corrections: r.corrections,
  };
}

export async function alpTradesWithoutFacts(db: Db, limit = 1000): Promise<string[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new ValidationError('limit must be 1..10000', {
      details: [{ path: ['limit'], message: '1..10000' }],
    });
  }
  const rows = await db
    .selectFrom('records as r')
    .select('r.record_id')
    .where('r.record_type', '=', 'alp_trade')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('alp_trade_sources as s')
            .select('s.source_record_id')
            .whereRef('s.source_record_id', '=', 'r.record_id'),
        ),
      ),
    )
    .orderBy('r.record_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.record_id);
}
