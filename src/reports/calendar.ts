/**
 * Hong Kong time and Hong Kong business days, for the reports' periods and due dates.
 *
 * Hong Kong keeps UTC+08:00 all year (no daylight saving since 1979), so a calendar month in
 * Hong Kong runs from `YYYY-MM-01T00:00:00+08:00` (inclusive) to the next month's first instant
 * (exclusive), and a timestamp's Hong Kong month follows from its instant alone.
 *
 * Business days: Monday to Friday, less the Hong Kong general holidays (Cap. 149) as given by the
 * `date-holidays` package (its `HK` data, type `public`; docs/decisions/0010-reports.md), less any
 * extra closures the operator configures (a day closed by a typhoon or black rainstorm signal is
 * known only on the day: no library has it).
 */
import Holidays from 'date-holidays';
import { ValidationError } from '../errors';
import { HONG_KONG_OFFSET_MS, daysInMonth, hongKongDate } from '../util/hong-kong-time';

export {
  HONG_KONG_OFFSET_MINUTES,
  daysInMonth,
  hongKongDate,
  hongKongMonthOf,
  hongKongTimestamp,
  instantOf,
} from '../util/hong-kong-time';

const DAY_MS = 86_400_000;

/** A calendar month, `YYYY-MM`. */
export interface Month {
  year: number;
  /** 1..12 */
  month: number;
}

const MONTH = /^([0-9]{4})-(0[1-9]|1[0-2])$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

export function parseMonth(text: string): Month {
  const m = MONTH.exec(text);
  if (!m || Number(m[1]) < 1970) {
    throw new ValidationError(`month must be YYYY-MM (1970 or later), not ${JSON.stringify(text)}`, {
      details: [{ path: ['month'], message: 'a month written YYYY-MM, such as 2026-11' }],
    });
  }
  return { year: Number(m[1]), month: Number(m[2]) };
}

export function formatMonth(m: Month): string {
  return `${String(m.year).padStart(4, '0')}-${String(m.month).padStart(2, '0')}`;
}

export function nextMonth(m: Month): Month {
  return m.month === 12 ? { year: m.year + 1, month: 1 } : { year: m.year, month: m.month + 1 };
}

export function previousMonth(m: Month): Month {
  return m.month === 1 ? { year: m.year - 1, month: 12 } : { year: m.year, month: m.month - 1 };
}

/** The month's instants in Hong Kong: [from, to). */
export function hongKongMonthRange(m: Month): { from: Date; to: Date } {
  const start = (x: Month): Date => new Date(Date.UTC(x.year, x.month - 1, 1) - HONG_KONG_OFFSET_MS);
  return { from: start(m), to: start(nextMonth(m)) };
}

function parseDate(date: string): number {
  const m = DATE.exec(date);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[3]) < 1) {
    throw new RangeError(`not a date: ${date}`);
  }
  if (Number(m[3]) > daysInMonth(Number(m[1]), Number(m[2]))) throw new RangeError(`not a date: ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

function addDays(date: string, days: number): string {
  return new Date(parseDate(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The last day of the month, `YYYY-MM-DD`. */
export function lastDayOfMonth(m: Month): string {
  return `${formatMonth(m)}-${String(daysInMonth(m.year, m.month)).padStart(2, '0')}`;
}

export interface HongKongCalendarOptions {
  /** Further days without business (`YYYY-MM-DD`), e.g. a day closed by a typhoon signal No. 8. */
  extraClosures?: readonly string[];
}

/** Why a day is not a business day. */
export type NonBusinessReason = { kind: 'weekend' } | { kind: 'holiday' | 'closure'; name: string };

/** The library that supplies the holidays, named in the reports' "how it was computed". */
export const HOLIDAY_SOURCE = 'date-holidays (Hong Kong, public holidays)';

/**
 * The holidays of each year, computed once per process: date-holidays works them out from its
 * rules (lunar dates included), which costs 100 ms or more per year; they never change.
 */
let holidayRules: Holidays | null = null;
const holidaysByYear = new Map<number, ReadonlyMap<string, string>>();

function generalHolidays(year: number): ReadonlyMap<string, string> {
  let found = holidaysByYear.get(year);
  if (!found) {
    holidayRules ??= new Holidays('HK', { languages: ['en'], types: ['public'] });
    const days = new Map<string, string>();
    for (const h of holidayRules.getHolidays(year, 'en')) {
      if (h.type === 'public') days.set(h.date.slice(0, 10), h.name);
    }
    holidaysByYear.set(year, days);
    found = days;
  }
  return found;
}

export class HongKongCalendar {
  private readonly closures: Set<string>;

  constructor(options: HongKongCalendarOptions = {}) {
    for (const c of options.extraClosures ?? []) parseDate(c);
    this.closures = new Set(options.extraClosures ?? []);
  }

  /** The general holidays of a year: date -> English name. */
  holidaysOf(year: number): ReadonlyMap<string, string> {
    return generalHolidays(year);
  }

  /** Null on a business day, else why not. */
  nonBusinessReason(date: string): NonBusinessReason | null {
    const weekday = new Date(parseDate(date)).getUTCDay();
    if (weekday === 0 || weekday === 6) return { kind: 'weekend' };
    const holiday = this.holidaysOf(Number(date.slice(0, 4))).get(date);
    if (holiday !== undefined) return { kind: 'holiday', name: holiday };
    if (this.closures.has(date)) return { kind: 'closure', name: 'closure configured by the operator' };
    return null;
  }

  isBusinessDay(date: string): boolean {
    return this.nonBusinessReason(date) === null;
  }

  /** The `n`-th business day after `date` (n > 0), or before it (n < 0); `date` itself not counted. */
  addBusinessDays(date: string, n: number): string {
    if (!Number.isInteger(n) || n === 0) throw new RangeError('n must be a non-zero integer');
    const step = n > 0 ? 1 : -1;
    let left = Math.abs(n);
    let day = date;
    while (left > 0) {
      day = addDays(day, step);
      if (this.isBusinessDay(day)) left--;
    }
    return day;
  }

  /** Days skipped between `from` (exclusive) and `to` (inclusive) that were not business days. */
  skippedBetween(from: string, to: string): { date: string; reason: NonBusinessReason }[] {
    const out: { date: string; reason: NonBusinessReason }[] = [];
    for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) {
      const reason = this.nonBusinessReason(day);
      if (reason && reason.kind !== 'weekend') out.push({ date: day, reason });
    }
    return out;
  }
}

/** Code of Conduct Schedule 8 para 27(d): the report is due within 10 business days after the month. */
export const ALP_REPORT_BUSINESS_DAYS = 10;
/** `doctor` warns from this many business days before the due date. */
export const ALP_REPORT_WARNING_BUSINESS_DAYS = 3;

/** The due date (`YYYY-MM-DD`) of the ALP top-10 report for a month: its 10th HK business day after the month's end. */
export function alpReportDueDate(month: Month, calendar: HongKongCalendar): string {
  return calendar.addBusinessDays(lastDayOfMonth(month), ALP_REPORT_BUSINESS_DAYS);
}

export type ReportDueState = 'not_due' | 'warning' | 'overdue';

export interface ReportDueWindow {
  month: string;
  dueDate: string;
  /** From this day (inclusive) `doctor` warns while the report is not archived. */
  warnFrom: string;
  /** Where `today` falls: before warnFrom, from warnFrom to the due date, or after it. */
  state: ReportDueState;
}

/**
 * For `doctor`: where `now` (in Hong Kong) stands against a month's report: `warning` from three
 * business days before the due date through the due date itself, `overdue` after it.
 */
export function alpReportDueWindow(month: Month, now: Date, calendar: HongKongCalendar): ReportDueWindow {
  const dueDate = alpReportDueDate(month, calendar);
  const warnFrom = calendar.addBusinessDays(dueDate, -ALP_REPORT_WARNING_BUSINESS_DAYS);
  const today = hongKongDate(now);
  const state: ReportDueState = today > dueDate ? 'overdue' : today >= warnFrom ? 'warning' : 'not_due';
  return { month: formatMonth(month), dueDate, warnFrom, state };
}
