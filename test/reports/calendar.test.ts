import {
  HongKongCalendar,
  alpReportDueDate,
  alpReportDueWindow,
  hongKongDate,
  hongKongMonthOf,
  hongKongMonthRange,
  instantOf,
  parseMonth,
} from '../../src/reports/calendar';

/**
 * The general holidays of 2026 as gazetted by the HKSAR Government (Cap. 149), written out here
 * by hand: the test checks the library against the gazette, then counts business days itself.
 */
const GAZETTE_2026 = [
  '2026-01-01', // The first day of January
  '2026-02-17', // Lunar New Year's Day
  '2026-02-18',
  '2026-02-19',
  '2026-04-03', // Good Friday
  '2026-04-04', // The day following Good Friday
  '2026-04-06', // The day following Ching Ming Festival
  '2026-04-07', // The day following Easter Monday
  '2026-05-01', // Labour Day
  '2026-05-25', // The day following the Birthday of the Buddha
  '2026-06-19', // Tuen Ng Festival
  '2026-07-01', // HKSAR Establishment Day
  '2026-09-26', // The day following the Chinese Mid-Autumn Festival
  '2026-10-01', // National Day
  '2026-10-19', // The day following Chung Yeung Festival
  '2026-12-25', // Christmas Day
  '2026-12-26', // The first weekday after Christmas Day
];

/** Independent count: walk day by day with UTC dates, skipping Sat/Sun and the gazette's days. */
function tenthBusinessDayAfter(monthEnd: string, holidays: readonly string[]): string {
  let t = Date.parse(`${monthEnd}T00:00:00Z`);
  let counted = 0;
  for (;;) {
    t += 86_400_000;
    const day = new Date(t);
    const iso = day.toISOString().slice(0, 10);
    const wd = day.getUTCDay();
    if (wd !== 0 && wd !== 6 && !holidays.includes(iso)) counted++;
    if (counted === 10) return iso;
  }
}

describe('Hong Kong calendar', () => {
  const calendar = new HongKongCalendar();

  it('has the gazetted general holidays of 2026', () => {
    expect([...calendar.holidaysOf(2026).keys()].sort()).toEqual(GAZETTE_2026);
  });

  it('puts the due date on the 10th business day after each month of 2026', () => {
    for (let m = 1; m <= 11; m++) {
      const month = parseMonth(`2026-${String(m).padStart(2, '0')}`);
      const end = new Date(Date.UTC(2026, m, 0)).toISOString().slice(0, 10);
      expect(alpReportDueDate(month, calendar)).toBe(tenthBusinessDayAfter(end, GAZETTE_2026));
    }
  });

  it('moves the due date past a holiday: National Day pushes September 2026’s report a day', () => {
    const due = alpReportDueDate(parseMonth('2026-09'), calendar);
    expect(due).toBe(tenthBusinessDayAfter('2026-09-30', GAZETTE_2026));
    expect(due).not.toBe(tenthBusinessDayAfter('2026-09-30', []));
    expect(calendar.skippedBetween('2026-09-30', due)).toEqual([
      { date: '2026-10-01', reason: { kind: 'holiday', name: 'National Day' } },
    ]);
  });

  it('takes extra closures configured by the operator (a typhoon day)', () => {
    const stormy = new HongKongCalendar({ extraClosures: ['2026-12-03'] });
    const plain = alpReportDueDate(parseMonth('2026-11'), calendar);
    const moved = alpReportDueDate(parseMonth('2026-11'), stormy);
    expect(moved).toBe(calendar.addBusinessDays(plain, 1));
    expect(() => new HongKongCalendar({ extraClosures: ['2026-13-01'] })).toThrow(RangeError);
  });

  it('warns from three business days before the due date, overdue after it', () => {
    const month = parseMonth('2026-11');
    const due = alpReportDueDate(month, calendar);
    const w = alpReportDueWindow(month, new Date(`${due}T12:00:00+08:00`), calendar);
    expect(w.dueDate).toBe(due);
    // Three business days back from the due date, counted independently.
    let t = Date.parse(`${due}T00:00:00Z`);
    let back = 0;
    while (back < 3) {
      t -= 86_400_000;
      const day = new Date(t);
      const iso = day.toISOString().slice(0, 10);
      if (day.getUTCDay() % 6 !== 0 && !GAZETTE_2026.includes(iso)) back++;
    }
    const warnFrom = new Date(t).toISOString().slice(0, 10);
    expect(w.warnFrom).toBe(warnFrom);
    expect(w.state).toBe('warning');
    const dayBefore = new Date(t - 86_400_000).toISOString().slice(0, 10);
    expect(alpReportDueWindow(month, new Date(`${dayBefore}T23:59:59+08:00`), calendar).state).toBe(
      'not_due',
    );
    expect(alpReportDueWindow(month, new Date(`${warnFrom}T00:00:00+08:00`), calendar).state).toBe('warning');
    const after = new Date(Date.parse(`${due}T00:00:00+08:00`) + 86_400_000);
    expect(alpReportDueWindow(month, after, calendar).state).toBe('overdue');
  });

  it('cuts months at 00:00 Hong Kong time', () => {
    const { from, to } = hongKongMonthRange(parseMonth('2026-11'));
    expect(from.toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(to.toISOString()).toBe('2026-11-30T16:00:00.000Z');
    const at = (s: string): string => hongKongMonthOf(instantOf(s) as number);
    expect(at('2026-11-01T00:00:00+08:00')).toBe('2026-11');
    expect(at('2026-10-31T23:59:59.999999999+08:00')).toBe('2026-10');
    expect(at('2026-10-31T16:00:00Z')).toBe('2026-11');
    expect(at('2026-10-31T15:59:59.999Z')).toBe('2026-10');
    expect(at('2026-11-30T12:00:00-04:00')).toBe('2026-12');
    expect(instantOf('2026-11-01T00:00:00+08:00')).toBe(from.getTime());
    expect(instantOf('2026-02-30T00:00:00Z')).toBeNull();
    expect(instantOf('2026-11-01 00:00:00')).toBeNull();
    expect(hongKongDate(new Date('2026-11-30T16:00:00Z'))).toBe('2026-12-01');
    expect(() => parseMonth('2026-13')).toThrow(/YYYY-MM/);
  });
});
