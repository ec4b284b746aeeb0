/**
 * Example records, shared by the tests, the crash harness and the documentation: one place for
 * the trade everyone sends. Each call returns a fresh copy (callers change theirs freely).
 */

/** The trade of ../shared/docs/REGULATORY.md (from the repository root), character for character. */
export const REGULATORY_TRADE_TEXT = `{"recordType":"trade","recordId":"T-20261121-000001","tradeId":"T-20261121-000001",
 "orderId":"O-20261121-000417","executedAt":"2026-11-21T09:31:02.123+08:00","venue":"XHKG",
 "instrument":{"exchange":"XHKG","code":"0700"},"side":"buy","quantity":1000,"price":"388.20",
 "currency":"HKD","capacity":"agency","clientId":"C-1001","accountId":"A-1001-01"}`;

/** The REGULATORY.md trade, parsed: a valid `trade` record. */
export function exampleTrade(): Record<string, unknown> {
  return JSON.parse(REGULATORY_TRADE_TEXT) as Record<string, unknown>;
}

/** The example trade under another id (record id and trade id alike), with `overrides` on top. */
export function trade(recordId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...exampleTrade(), recordId, tradeId: recordId, ...overrides };
}

/**
 * The i-th of many distinct valid trades (`T-<tag>-<i>`): business dates over 20 days, varied
 * sides, quantities and prices, so that a large batch looks like a day's flow.
 */
export function numberedTrade(tag: string, i: number): Record<string, unknown> {
  const id = `T-${tag}-${String(i).padStart(7, '0')}`;
  return trade(id, {
    orderId: `O-${tag}-${i}`,
    executedAt: `2026-10-${String(1 + (i % 20)).padStart(2, '0')}T09:31:02.${String(i % 1000).padStart(3, '0')}+08:00`,
    quantity: 100 + (i % 5000),
    price: `${1 + (i % 997)}.${String(i % 100).padStart(2, '0')}`,
  });
}
