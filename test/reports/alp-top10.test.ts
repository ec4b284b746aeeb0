import { parse } from 'csv-parse/sync';
import type { Catalog } from '../../src/catalog';
import { alpTradeFacts, type AlpTradeSource } from '../../src/records/alp-trade-facts';
import { HongKongCalendar } from '../../src/reports/calendar';
import {
  alpTop10Report,
  alpTop10Reports,
  TIE_RULE,
  type AlpTop10Report,
} from '../../src/reports/alp-top10/compute';
import { alpTop10Csv, alpTop10Json } from '../../src/reports/alp-top10/render';
import { ManualClock } from '../../src/util/clock';
import {
  TEST_DATABASE_URL,
  postgresHarnessFactory,
  sqliteHarnessFactory,
  type CatalogHarness,
  type HarnessFactory,
} from '../catalog/harness';
import { ingestEvent, makeRecord } from '../catalog/fixtures';
import { alpTrade, correction, lcg } from './alp-fixtures';
import { ALP, MONTH, expected, generateMonth, unscale } from './alp-month';

/**
 * The ALP monthly top-10 report over the catalog's ALP trade facts, on every database, against a
 * computation of the same figures written independently in alp-month.ts.
 */

/** Canonical decimal text with at least two fraction digits, as money is shown. */
function money(canonical: string): string {
  const [int, frac = ''] = canonical.split('.');
  return `${int}.${frac.padEnd(2, '0')}`;
}

const GENERATED = new Date('2026-10-05T10:00:00+08:00');

function sourcesOf(records: Parameters<typeof alpTradeFacts>[0][]): AlpTradeSource[] {
  return records.map(alpTradeFacts).filter((s): s is AlpTradeSource => s !== null);
}

function suite(fresh: HarnessFactory): void {
  let h: CatalogHarness;
  let catalog: Catalog;
  const month = generateMonth();
  let report: AlpTop10Report;

  beforeAll(async () => {
    h = await fresh();
    catalog = await h.open();
    // Arrival in a shuffled order, in batches: corrections may come before their trades.
    const next = lcg(99);
    const shuffled = sourcesOf(month.records).sort(() => next() - 0.5);
    for (let i = 0; i < shuffled.length; i += 37) await catalog.addAlpTradeSources(shuffled.slice(i, i + 37));
    report = await alpTop10Report(catalog, {
      month: MONTH,
      alpId: ALP,
      operator: 'Example Securities Limited',
      clock: new ManualClock(GENERATED),
    });
  });
  afterAll(() => h.destroy());

  it('ranks the ten largest users by HKD turnover, ties by user id', () => {
    const want = expected(month.records, MONTH, ALP);
    expect(report.users.map((u) => u.userId)).toEqual(want.ranked.slice(0, 10).map((u) => u.userId));
    expect(report.users.map((u) => u.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The tie: U-T1 and U-T2 have the same turnover; U-T1 comes first, both marked.
    const t1 = report.users.find((u) => u.userId === 'U-T1');
    const t2 = report.users.find((u) => u.userId === 'U-T2');
    expect(t1?.turnover.HKD).toBe(t2?.turnover.HKD);
    expect((t1?.rank ?? 0) + 1).toBe(t2?.rank);
    expect(t1?.tied && t2?.tied).toBe(true);
    expect(report.ranking.tieRule).toBe(TIE_RULE);
  });

  it('gives each ranked user the trades, quantity, turnover per currency and share computed independently', () => {
    const want = expected(month.records, MONTH, ALP);
    for (const u of report.users) {
      const w = want.ranked.find((x) => x.userId === u.userId);
      expect(w).toBeDefined();
      if (!w) continue;
      expect(u.trades).toBe(w.trades);
      expect(u.correctedTrades).toBe(w.corrected);
      expect(u.quantity).toBe(unscale(w.quantity, 20));
      expect(Object.keys(u.turnover).sort()).toEqual([...w.turnover.keys()].sort());
      for (const [ccy, v] of w.turnover) expect(u.turnover[ccy]).toBe(money(unscale(v, 40)));
      expect(u.share).toBe(want.share(w.turnover.get('HKD') ?? 0n));
      expect(u.userCategories).toEqual([...w.categories].sort());
    }
  });

  it('totals the month of the ALP: other ALPs and other months excluded, corrections applied', () => {
    const want = expected(month.records, MONTH, ALP);
    expect(report.totals.trades).toBe(want.totals.trades);
    expect(report.totals.users).toBe(want.ranked.length);
    expect(report.totals.quantity).toBe(unscale(want.totals.quantity, 20));
    for (const [ccy, v] of want.totals.turnover) {
      expect(report.totals.turnover[ccy]).toBe(money(unscale(v, 40)));
    }
    expect(report.totals.rankingTurnover).toBe(report.totals.turnover.HKD);
    // Corrected and still counted here: the price corrected twice, the replaced one, the one moved in from August.
    expect(report.totals.correctedTrades).toBe(want.totals.corrected);
    expect(want.totals.corrected).toBe(3);
    expect(report.excluded.cancelled.map((e) => e.tradeRecordId)).toEqual(want.excluded.cancelled);
    expect(report.excluded.invalid.map((e) => e.tradeRecordId)).toEqual(want.excluded.invalid);
    expect(report.excluded.invalid[0]?.problem).toMatch(/price/);
  });

  it('counts the corrected values of a corrected trade (the later correction wins)', async () => {
    const fact = await catalog.alpTradeFact('AT-00007');
    // CO-1 at 01:00:00Z, CO-2 at 01:00:01Z: CO-2's price.
    expect(fact).toMatchObject({ price: '654.321', corrections: 2, state: 'counted' });
  });

  it('states the due date, moved by National Day, and the period in Hong Kong time', () => {
    expect(report.month).toBe('2026-09');
    expect(report.dueDate).toBe(new HongKongCalendar().addBusinessDays('2026-09-30', 10));
    expect(report.dueDate).toBe('2026-10-15');
    expect(report.dueDateHolidays).toEqual([{ date: '2026-10-01', name: 'National Day' }]);
    expect(report.period).toMatchObject({
      from: '2026-09-01T00:00:00+08:00',
      to: '2026-10-01T00:00:00+08:00',
      complete: true,
    });
    expect(report.generatedAt).toBe('2026-10-05T10:00:00+08:00');
  });

  it('has the JSON shape the issue asks for', () => {
    const json = JSON.parse(alpTop10Json(report)) as Record<string, unknown>;
    for (const key of ['month', 'alpId', 'dueDate', 'generatedAt', 'totals', 'users'])
      expect(json).toHaveProperty(key);
    expect(json.totals).toEqual(
      expect.objectContaining({
        trades: expect.any(Number),
        quantity: expect.any(String),
        turnover: expect.any(Object),
      }),
    );
    const user = (json.users as Record<string, unknown>[])[0];
    for (const key of ['rank', 'userId', 'userCategory', 'trades', 'quantity', 'turnover', 'share']) {
      expect(user).toHaveProperty(key);
    }
  });

  it('writes the same figures as CSV', () => {
    const rows = parse(alpTop10Csv(report), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(report.users.length + 1);
    report.users.forEach((u, i) => {
      const row = rows[i] as Record<string, string>;
      expect(row).toMatchObject({
        month: MONTH,
        alp_id: ALP,
        rank: String(u.rank),
        user_id: u.userId,
        share: u.share,
      });
      expect(row.turnover_HKD).toBe(u.turnover.HKD ?? '0.00');
      expect(row.quantity).toBe(u.quantity);
    });
    expect(rows[rows.length - 1]).toMatchObject({ rank: 'total', trades: String(report.totals.trades) });
  });

  it('ranks across currencies when an FX source is given, and refuses rates it lacks', async () => {
    const fx = { source: 'test rates', asOf: '2026-09-30', hkdPerUnit: { USD: '7.8' } };
    const withFx = await alpTop10Report(catalog, {
      month: MONTH,
      alpId: ALP,
      operator: 'X',
      fx,
      clock: new ManualClock(GENERATED),
    });
    const want = expected(month.records, MONTH, ALP);
    const value = (u: (typeof want.ranked)[number]): bigint =>
      (u.turnover.get('HKD') ?? 0n) * 10n + (u.turnover.get('USD') ?? 0n) * 78n;
    const ranked = [...want.ranked].sort((a, b) =>
      value(a) === value(b) ? (a.userId < b.userId ? -1 : 1) : value(b) > value(a) ? 1 : -1,
    );
    expect(withFx.users.map((u) => u.userId)).toEqual(ranked.slice(0, 10).map((u) => u.userId));
    expect(withFx.ranking.fx).toEqual(fx);
    await expect(
      alpTop10Report(catalog, { month: MONTH, alpId: ALP, operator: 'X', fx: { ...fx, hkdPerUnit: {} } }),
    ).rejects.toThrow(/lack USD/);
  });

  it('lists the ALPs that traded, and one report each', async () => {
    expect(await catalog.alpIdsWithTrades(MONTH)).toEqual(['ALP-A', 'ALP-B']);
    const all = await alpTop10Reports(catalog, {
      month: MONTH,
      operator: 'X',
      clock: new ManualClock(GENERATED),
    });
    expect(all.map((r) => r.alpId)).toEqual(['ALP-A', 'ALP-B']);
    expect(all[0]?.users).toEqual(report.users);
    const empty = await alpTop10Report(catalog, { month: '2026-07', alpId: ALP, operator: 'X' });
    expect(empty.users).toEqual([]);
    expect(empty.totals).toMatchObject({ trades: 0, users: 0, quantity: '0' });
  });

  it('sums exactly past 2^63 (SQLite raises "integer overflow"; the sums are redone row by row)', async () => {
    // Each row fits the integer columns (5e14 × 10^4 < 2^63); two of them in one group do not.
    const big = [1, 2, 3].map((i) =>
      alpTrade({
        recordId: `BIG-${i}`,
        alpId: 'ALP-BIG',
        userId: `U-${i % 2}`,
        quantity: '500000000000000',
        price: '1',
        executedAt: '2026-09-15T10:00:00+08:00',
      }),
    );
    await catalog.addAlpTradeSources(sourcesOf(big));
    expect(await catalog.alpTradeFact('BIG-1')).toMatchObject({ exact: true, turnover: '500000000000000' });
    const r = await alpTop10Report(catalog, { month: MONTH, alpId: 'ALP-BIG', operator: 'X' });
    expect(r.totals.quantity).toBe('1500000000000000');
    expect(r.totals.turnover.HKD).toBe('1500000000000000.00');
    expect(r.users.map((u) => [u.userId, u.turnover.HKD, u.trades])).toEqual([
      ['U-1', '1000000000000000.00', 2],
      ['U-0', '500000000000000.00', 1],
    ]);
  });

  it('sums rows too large or too fine for the integer columns from their exact text', async () => {
    const odd = [
      { recordId: 'ODD-1', quantity: '5000000000000000000', price: '1.5' },
      { recordId: 'ODD-2', quantity: '0.5', price: '0.00001' },
      { recordId: 'ODD-3', quantity: 3, price: '2.5' },
    ].map((t) =>
      alpTrade({ ...t, alpId: 'ALP-ODD', userId: 'U-1', executedAt: '2026-09-15T10:00:00+08:00' }),
    );
    await catalog.addAlpTradeSources(sourcesOf(odd));
    expect((await catalog.alpTradeFact('ODD-1'))?.exact).toBe(false);
    expect((await catalog.alpTradeFact('ODD-2'))?.exact).toBe(false);
    expect((await catalog.alpTradeFact('ODD-3'))?.exact).toBe(true);
    const r = await alpTop10Report(catalog, { month: MONTH, alpId: 'ALP-ODD', operator: 'X' });
    expect(r.totals.quantity).toBe('5000000000000000003.5');
    expect(r.totals.turnover.HKD).toBe('7500000000000000007.500005');
    expect(r.users[0]).toMatchObject({ userId: 'U-1', trades: 3, share: '1.000000' });
  });

  it('finds catalogued alp_trade records whose facts are missing (a crash between the two writes)', async () => {
    const trade = alpTrade({
      recordId: 'AT-GAP-1',
      alpId: 'ALP-GAP',
      userId: 'U-01',
      quantity: 100,
      price: '1',
      executedAt: '2026-09-20T10:00:00+08:00',
    });
    await catalog.commitRecord(
      makeRecord({ recordId: 'AT-GAP-1', recordType: 'alp_trade', businessDate: '2026-09-20' }),
      ingestEvent('AT-GAP-1'),
    );
    await catalog.commitRecord(
      makeRecord({ recordId: 'T-GAP-2', businessDate: '2026-09-20' }),
      ingestEvent('T-GAP-2'),
    );
    expect(await catalog.alpTradesWithoutFacts()).toEqual(['AT-GAP-1']);
    await catalog.addAlpTradeSources(sourcesOf([trade]));
    expect(await catalog.alpTradesWithoutFacts()).toEqual([]);
  });

  it('re-adding the same sources changes nothing; a correction added later is applied', async () => {
    const again = await catalog.addAlpTradeSources(sourcesOf(month.records));
    expect(again.added).toBe(0);
    const before = await alpTop10Report(catalog, {
      month: MONTH,
      alpId: ALP,
      operator: 'X',
      clock: new ManualClock(GENERATED),
    });
    expect(before.users).toEqual(report.users);
    const top = report.users[0];
    if (!top) throw new Error('no users');
    const cancelAll = month.records
      .filter((r) => r.recordType === 'alp_trade' && r.userId === top.userId && r.alpId === ALP)
      .map((r, i) =>
        correction(`CX-${i}`, r.recordId, '2026-10-06T09:00:00+08:00', [{ field: 'quantity', to: '0' }]),
      );
    await catalog.addAlpTradeSources(sourcesOf(cancelAll));
    const after = await alpTop10Report(catalog, { month: MONTH, alpId: ALP, operator: 'X' });
    expect(after.users.map((u) => u.userId)).not.toContain(top.userId);
    expect(after.users[0]?.userId).toBe(report.users[1]?.userId);
  });
}

describe('ALP top-10 report on SQLite', () => suite(sqliteHarnessFactory()));
describe('ALP top-10 report on SQLite in a worker thread', () =>
  suite(sqliteHarnessFactory({ worker: true })));
if (!TEST_DATABASE_URL) {
  console.warn('ALP top-10 report: the PostgreSQL run was SKIPPED because TEST_DATABASE_URL is not set.');
}
(TEST_DATABASE_URL ? describe : describe.skip)('ALP top-10 report on PostgreSQL', () =>
  suite(postgresHarnessFactory(TEST_DATABASE_URL)),
);
