/**
 * The ALP monthly top-10 report (Code of Conduct Schedule 8 para 27(d)): per ALP and Hong Kong
 * calendar month, the 10 largest users by turnover, from the archived `alp_trade` records with
 * their corrections applied. Exact decimals throughout; the rules are stated in the report.
 */
import { ValidationError } from '../../errors';
import type { AlpTradeMonth } from '../../catalog';
import { systemClock, type Clock } from '../../util/clock';
import { Decimal } from '../../util/decimal';
import {
  HOLIDAY_SOURCE,
  HongKongCalendar,
  alpReportDueDate,
  formatMonth,
  hongKongMonthRange,
  hongKongTimestamp,
  lastDayOfMonth,
  parseMonth,
} from '../calendar';

/** What the report reads: the catalog's ALP trade facts (or anything that answers the same). */
export interface AlpTradeFacts {
  alpTradeMonth(month: string, alpId: string): Promise<AlpTradeMonth>;
  alpIdsWithTrades(month: string): Promise<string[]>;
}

/**
 * Exchange rates to rank users across currencies. No rates are built in: without this option the
 * ranking is by HKD turnover alone and other currencies are listed, not converted.
 */
export interface FxRates {
  /** Who published the rates, named in the report (e.g. "HKMA indicative closing rates"). */
  source: string;
  /** The day the rates are of, `YYYY-MM-DD`. */
  asOf: string;
  /** HKD for one unit of each currency, decimal text (HKD itself is 1 and need not be listed). */
  hkdPerUnit: Readonly<Record<string, string>>;
}

export interface AlpTop10Options {
  /** `YYYY-MM`, a Hong Kong calendar month. */
  month: string;
  alpId: string;
  /** The licensed corporation operating the ALP, as the SFC knows it. */
  operator: string;
  clock?: Clock;
  calendar?: HongKongCalendar;
  fx?: FxRates;
  /** Ledger index of the archived copy of this report, when it has one. */
  ledgerIndex?: number | null;
  /** How many users (default 10). */
  limit?: number;
}

export interface AlpTop10User {
  rank: number;
  userId: string;
  /** The user's category; several joined by "; " when it changed during the month. */
  userCategory: string;
  userCategories: string[];
  trades: number;
  correctedTrades: number;
  quantity: string;
  turnover: Record<string, string>;
  /** HKD turnover, or the HKD equivalent of all currencies with `fx`: what the ranking compares. */
  rankingTurnover: string;
  /** rankingTurnover / the ALP's total rankingTurnover, 6 decimal places (half-even); null when the total is 0. */
  share: string | null;
  /** True when the next or previous user has the same rankingTurnover (the tie rule decided). */
  tied: boolean;
}

export interface AlpTop10Report {
  report: 'alp-top10';
  version: 1;
  operator: string;
  month: string;
  alpId: string;
  dueDate: string;
  /** Week days between the month's end and the due date that were not business days. */
  dueDateHolidays: { date: string; name: string }[];
  generatedAt: string;
  period: { from: string; to: string; timeZone: string; complete: boolean };
  ranking: { basis: string; fx: FxRates | null; tieRule: string; shareRule: string };
  correctionRule: string;
  totals: {
    users: number;
    trades: number;
    correctedTrades: number;
    quantity: string;
    turnover: Record<string, string>;
    rankingTurnover: string;
  };
  users: AlpTop10User[];
  excluded: {
    cancelled: { tradeRecordId: string; userId: string }[];
    invalid: { tradeRecordId: string; userId: string; problem: string }[];
  };
  /** Ledger index of the archived copy, or null when not archived. */
  ledgerIndex: number | null;
  /** How the figures were computed, one sentence each. */
  method: string[];
}

export const TIE_RULE =
  'Users with equal ranking turnover are ordered by user id, ascending, compared as UTF-8 bytes.';
export const SHARE_RULE =
  "A user's share is their ranking turnover divided by the ALP's total ranking turnover for the month, rounded half-even to 6 decimal places.";
export const CORRECTION_RULE =
  'Corrections are applied in order of correctedAt, then record id: a corrected trade counts with its corrected values (and in its corrected month and ALP); a trade whose correction sets its quantity to zero or removes it is cancelled and not counted at all; a trade left invalid by a correction is not counted and is listed.';

const SHARE_PLACES = 6;
const MONEY_PLACES = 2;

/** Compares strings as UTF-8 bytes (JS `<` compares UTF-16 code units, which differs past U+FFFF). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

interface UserTotals {
  userId: string;
  categories: Set<string>;
  trades: number;
  corrected: number;
  quantity: Decimal;
  turnover: Map<string, Decimal>;
}

function rateTable(fx: FxRates | undefined): Map<string, Decimal> | null {
  if (!fx) return null;
  const rates = new Map<string, Decimal>([['HKD', Decimal.ONE]]);
  for (const [ccy, text] of Object.entries(fx.hkdPerUnit)) {
    const rate = Decimal.tryParse(text);
    if (!/^[A-Z]{3}$/.test(ccy) || !rate || rate.sign() <= 0) {
      throw new ValidationError(`fx rate for ${ccy} is not a positive decimal: ${text}`, {
        details: [{ path: ['fx', 'hkdPerUnit', ccy], message: 'a positive decimal string' }],
      });
    }
    if (ccy === 'HKD' && !rate.eq(Decimal.ONE)) {
      throw new ValidationError('the HKD rate of HKD is 1', {
        details: [{ path: ['fx', 'hkdPerUnit', 'HKD'], message: 'must be 1' }],
      });
    }
    rates.set(ccy, rate);
  }
  return rates;
}

function rankingValue(turnover: Map<string, Decimal>, rates: Map<string, Decimal> | null): Decimal {
  if (!rates) return turnover.get('HKD') ?? Decimal.ZERO;
  let total = Decimal.ZERO;
  for (const [ccy, amount] of turnover) {
    const rate = rates.get(ccy);
    if (!rate) throw new Error(`unreachable: no rate for ${ccy}`);
    total = total.add(amount.mul(rate));
  }
  return total;
}

function money(amounts: Map<string, Decimal>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ccy of [...amounts.keys()].sort())
    out[ccy] = (amounts.get(ccy) as Decimal).toFixedMin(MONEY_PLACES);
  return out;
}

/** The report for one ALP and month. */
export async function alpTop10Report(
  facts: AlpTradeFacts,
  options: AlpTop10Options,
): Promise<AlpTop10Report> {
  const month = parseMonth(options.month);
  const monthText = formatMonth(month);
  const calendar = options.calendar ?? new HongKongCalendar();
  const now = (options.clock ?? systemClock).now();
  const limit = options.limit ?? 10;
  const rates = rateTable(options.fx);
  const data = await facts.alpTradeMonth(monthText, options.alpId);

  const users = new Map<string, UserTotals>();
  const currencies = new Map<string, Decimal>();
  let trades = 0;
  let corrected = 0;
  let quantity = Decimal.ZERO;
  for (const g of data.groups) {
    let u = users.get(g.userId);
    if (!u) {
      u = {
        userId: g.userId,
        categories: new Set(),
        trades: 0,
        corrected: 0,
        quantity: Decimal.ZERO,
        turnover: new Map(),
      };
      users.set(g.userId, u);
    }
    const q = Decimal.parse(g.quantity);
    const t = Decimal.parse(g.turnover);
    u.categories.add(g.userCategory);
    u.trades += g.trades;
    u.corrected += g.corrected;
    u.quantity = u.quantity.add(q);
    u.turnover.set(g.currency, (u.turnover.get(g.currency) ?? Decimal.ZERO).add(t));
    currencies.set(g.currency, (currencies.get(g.currency) ?? Decimal.ZERO).add(t));
    trades += g.trades;
    corrected += g.corrected;
    quantity = quantity.add(q);
  }
  if (rates) {
    const missing = [...currencies.keys()].filter((c) => !rates.has(c)).sort();
    if (missing.length > 0) {
      throw new ValidationError(
        `the fx rates lack ${missing.join(', ')}, traded on ${options.alpId} in ${monthText}`,
        {
          details: missing.map((c) => ({ path: ['fx', 'hkdPerUnit', c], message: 'missing' })),
        },
      );
    }
  }
  // Sort keys computed once per user (thousands of users, ~n log n comparisons): the ranking
  // value as an integer at one common scale, the user id as UTF-8 bytes.
  const valued = [...users.values()].map((u) => ({ u, value: rankingValue(u.turnover, rates) }));
  const scale = Math.max(0, ...valued.map((v) => v.value.scale));
  const ranked = valued
    .map((v) => ({ ...v, key: v.value.atScale(scale), id: Buffer.from(v.u.userId, 'utf8') }))
    .sort((a, b) => (a.key === b.key ? Buffer.compare(a.id, b.id) : a.key < b.key ? 1 : -1));
  const totalRanking = rankingValue(currencies, rates);
  const top = ranked.slice(0, limit).map(({ u, value }, i): AlpTop10User => {
    const categories = [...u.categories].sort();
    const neighbourTied = (j: number): boolean => {
      const other = ranked[j];
      return other !== undefined && other.value.eq(value);
    };
    return {
      rank: i + 1,
      userId: u.userId,
      userCategory: categories.join('; '),
      userCategories: categories,
      trades: u.trades,
      correctedTrades: u.corrected,
      quantity: u.quantity.toString(),
      turnover: money(u.turnover),
      rankingTurnover: value.toFixedMin(MONEY_PLACES),
      share: totalRanking.isZero() ? null : value.div(totalRanking, SHARE_PLACES).toFixedMin(SHARE_PLACES),
      tied: neighbourTied(i - 1) || neighbourTied(i + 1),
    };
  });

  const range = hongKongMonthRange(month);
  const basis = rates
    ? `HKD equivalent of the turnover in every currency, at the rates of ${options.fx?.source} as of ${options.fx?.asOf}`
    : 'turnover in HKD; turnover in other currencies is listed, not converted (no FX source configured)';
  const dueDate = alpReportDueDate(month, calendar);
  return {
    report: 'alp-top10',
    version: 1,
    operator: options.operator,
    month: monthText,
    alpId: options.alpId,
    dueDate,
    dueDateHolidays: calendar.skippedBetween(lastDayOfMonth(month), dueDate).map((d) => ({
      date: d.date,
      name: d.reason.kind === 'weekend' ? 'weekend' : d.reason.name,
    })),
    generatedAt: hongKongTimestamp(now),
    period: {
      from: hongKongTimestamp(range.from),
      to: hongKongTimestamp(range.to),
      timeZone: 'Asia/Hong_Kong (UTC+08:00)',
      complete: now.getTime() >= range.to.getTime(),
    },
    ranking: { basis, fx: options.fx ?? null, tieRule: TIE_RULE, shareRule: SHARE_RULE },
    correctionRule: CORRECTION_RULE,
    totals: {
      users: users.size,
      trades,
      correctedTrades: corrected,
      quantity: quantity.toString(),
      turnover: money(currencies),
      rankingTurnover: totalRanking.toFixedMin(MONEY_PLACES),
    },
    users: top,
    excluded: {
      cancelled: data.exceptions
        .filter((e) => e.state === 'cancelled')
        .map((e) => ({ tradeRecordId: e.tradeRecordId, userId: e.userId })),
      invalid: data.exceptions
        .filter((e) => e.state === 'invalid')
        .map((e) => ({ tradeRecordId: e.tradeRecordId, userId: e.userId, problem: e.problem ?? 'invalid' })),
    },
    ledgerIndex: options.ledgerIndex ?? null,
    method: [
      `Source: the archived alp_trade records of ALP ${options.alpId} executed from ${hongKongTimestamp(range.from)} (inclusive) to ${hongKongTimestamp(range.to)} (exclusive), Hong Kong time, with the correction records that amend them.`,
      CORRECTION_RULE,
      'Turnover of a trade is its quantity times its price, in its currency; sums are exact decimals (no rounding, no binary floating point).',
      `Ranking: ${basis}. ${TIE_RULE}`,
      SHARE_RULE,
      `Due date: the ${10}th Hong Kong business day after the month's end (Code of Conduct Schedule 8 para 27(d)); business days are Monday to Friday less the general holidays from ${HOLIDAY_SOURCE}.`,
    ],
  };
}

/** One report per ALP that had counted trades in the month, by ALP id. */
export async function alpTop10Reports(
  facts: AlpTradeFacts,
  options: Omit<AlpTop10Options, 'alpId' | 'ledgerIndex'>,
): Promise<AlpTop10Report[]> {
  const alps = await facts.alpIdsWithTrades(formatMonth(parseMonth(options.month)));
  const out: AlpTop10Report[] = [];
  for (const alpId of alps) out.push(await alpTop10Report(facts, { ...options, alpId }));
  return out;
}
