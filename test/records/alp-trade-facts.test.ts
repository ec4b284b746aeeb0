import { alpTradeFacts, foldAlpTrade, type AlpTradeSource } from '../../src/records/alp-trade-facts';
import { alpTrade, correction, lcg, replacement } from '../reports/alp-fixtures';

const T = alpTrade({
  recordId: 'AT-1',
  alpId: 'ALP-A',
  userId: 'U-1',
  quantity: 1000,
  price: '388.20',
  executedAt: '2026-11-21T09:31:02.123456789+08:00',
});

function sources(...records: Parameters<typeof alpTradeFacts>[0][]): AlpTradeSource[] {
  return records.map((r) => alpTradeFacts(r)).filter((s): s is AlpTradeSource => s !== null);
}

describe('ALP trade facts', () => {
  it('takes the fact fields of a trade; turnover is quantity × price, exact', () => {
    const fact = foldAlpTrade(sources(T));
    expect(fact).toMatchObject({
      tradeRecordId: 'AT-1',
      state: 'counted',
      alpId: 'ALP-A',
      userId: 'U-1',
      userCategory: 'institutional_professional_investor',
      currency: 'HKD',
      month: '2026-11',
      corrections: 0,
    });
    expect(fact?.turnover.toString()).toBe('388200');
    expect(fact?.executedAtMs).toBe(Date.UTC(2026, 10, 21, 1, 31, 2, 123));
  });

  it('ignores records and corrections that do not concern ALP trade facts', () => {
    expect(
      alpTradeFacts(correction('C-0', 'AT-1', '2026-11-22T10:00:00+08:00', [{ field: 'fees', to: '1' }])),
    ).toBeNull();
    expect(
      alpTradeFacts(
        correction('C-0', 'T-9', '2026-11-22T10:00:00+08:00', [{ field: 'quantity', to: 5 }], 'trade'),
      ),
    ).toBeNull();
    // A correction met before its trade (reindex order) waits: no fact yet.
    expect(
      foldAlpTrade(
        sources(correction('C-1', 'AT-1', '2026-11-22T10:00:00+08:00', [{ field: 'price', to: '1' }])),
      ),
    ).toBeNull();
  });

  it('applies changes in correctedAt order whatever order they arrive in', () => {
    const c1 = correction('C-1', 'AT-1', '2026-11-22T10:00:00+08:00', [{ field: 'price', to: '390' }]);
    const c2 = correction('C-2', 'AT-1', '2026-11-22T02:00:01Z', [{ field: 'price', to: '391.5' }]);
    const c3 = correction('C-3', 'AT-1', '2026-11-22T11:00:00+08:00', [{ field: 'quantity', to: '500' }]);
    const all = sources(T, c1, c2, c3);
    const next = lcg(3);
    for (let i = 0; i < 10; i++) {
      const shuffled = [...all].sort(() => next() - 0.5);
      const fact = foldAlpTrade(shuffled);
      // c1 (02:00Z), then c2 (02:00:01Z), then c3: price 391.5, quantity 500.
      expect(fact?.state).toBe('counted');
      expect(fact?.turnover.toString()).toBe('195750');
      expect(fact?.corrections).toBe(3);
    }
  });

  it('moves a trade to another month or ALP when a correction says so', () => {
    const c = correction('C-1', 'AT-1', '2026-12-02T10:00:00+08:00', [
      { field: 'executedAt', to: '2026-10-31T23:59:59+08:00' },
      { field: 'alpId', to: 'ALP-B' },
    ]);
    expect(foldAlpTrade(sources(T, c))).toMatchObject({ month: '2026-10', alpId: 'ALP-B' });
  });

  it('replaces all the facts with a replacement', () => {
    const r = replacement('C-1', '2026-11-22T10:00:00+08:00', {
      recordId: 'AT-1',
      alpId: 'ALP-A',
      userId: 'U-2',
      quantity: '0.5',
      price: '100.25',
      currency: 'USD',
      executedAt: '2026-11-21T09:31:02+08:00',
    });
    const fact = foldAlpTrade(sources(T, r));
    expect(fact).toMatchObject({ state: 'counted', userId: 'U-2', currency: 'USD', corrections: 1 });
    expect(fact?.turnover.toString()).toBe('50.125');
  });

  it('a quantity corrected to zero or removed cancels the trade', () => {
    for (const to of [0, '0', '0.000', null]) {
      const c = correction('C-1', 'AT-1', '2026-11-22T10:00:00+08:00', [{ field: 'quantity', to }]);
      const fact = foldAlpTrade(sources(T, c));
      expect(fact?.state).toBe('cancelled');
      // Still attributed to its ALP and month, with its last counted values.
      expect(fact).toMatchObject({ alpId: 'ALP-A', month: '2026-11' });
    }
  });

  it('a correction that leaves a field invalid makes the trade invalid, with the problem named', () => {
    const bad = correction('C-1', 'AT-1', '2026-11-22T10:00:00+08:00', [{ field: 'price', to: 'abc' }]);
    const fact = foldAlpTrade(sources(T, bad));
    expect(fact?.state).toBe('invalid');
    expect(fact?.problem).toMatch(/price/);
    const path = correction('C-2', 'AT-1', '2026-11-22T10:00:00+08:00', [
      { field: 'currency.code', to: 'USD' },
    ]);
    expect(foldAlpTrade(sources(T, path))?.problem).toMatch(/currency: currency.code/);
    // A later correction can repair it.
    const fix = correction('C-3', 'AT-1', '2026-11-23T10:00:00+08:00', [{ field: 'price', to: '1.5' }]);
    expect(foldAlpTrade(sources(T, bad, fix))).toMatchObject({ state: 'counted' });
  });
});
