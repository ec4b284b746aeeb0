import type { ArchiveRecord } from '../../src/records';
import { CATEGORIES, alpTrade, correction, lcg, replacement, type TradeSpec } from './alp-fixtures';

/**
 * A generated month of ALP trades (September 2026, whose report is due after National Day) with
 * the awkward cases the report must get right, and an independent computation of the report's
 * figures written here with plain BigInt arithmetic.
 */
export const MONTH = '2026-09';
export const ALP = 'ALP-A';

export interface GeneratedMonth {
  records: ArchiveRecord[];
  /** The trades as specified, by record id. */
  trades: Map<string, TradeSpec>;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** A time in September 2026, Hong Kong, written with +08:00 or as UTC. */
function septemberTime(next: () => number): string {
  const day = 1 + Math.floor(next() * 30);
  const h = Math.floor(next() * 24);
  const m = Math.floor(next() * 60);
  const s = Math.floor(next() * 60);
  const local = `2026-09-${pad(day)}T${pad(h)}:${pad(m)}:${pad(s)}.${pad(Math.floor(next() * 1000), 3)}+08:00`;
  if (next() < 0.2) return new Date(Date.parse(local)).toISOString(); // the same instant, as Z
  return local;
}

export function generateMonth(seed = 42): GeneratedMonth {
  const next = lcg(seed);
  const trades = new Map<string, TradeSpec>();
  const records: ArchiveRecord[] = [];
  let n = 0;
  const add = (spec: Omit<TradeSpec, 'recordId'>): string => {
    const recordId = `AT-${pad(++n, 5)}`;
    const full = { recordId, ...spec };
    trades.set(recordId, full);
    records.push(alpTrade(full));
    return recordId;
  };
  // 14 ordinary users, most trading in HKD, some also in USD; U-14 in USD only.
  for (let u = 1; u <= 14; u++) {
    const userId = `U-${pad(u)}`;
    const userCategory = CATEGORIES[u % CATEGORIES.length];
    const count = 5 + Math.floor(next() * 30);
    for (let i = 0; i < count; i++) {
      const usd = u === 14 || (u % 4 === 0 && next() < 0.3);
      add({
        alpId: ALP,
        userId,
        userCategory,
        quantity: 100 * (1 + Math.floor(next() * 50)),
        price: `${1 + Math.floor(next() * 400)}.${pad(Math.floor(next() * 1000), 3)}`,
        currency: usd ? 'USD' : 'HKD',
        executedAt: septemberTime(next),
      });
    }
  }
  // A tie: two users with exactly the same HKD turnover, large enough to be ranked.
  add({
    alpId: ALP,
    userId: 'U-T2',
    quantity: 100000,
    price: '500',
    executedAt: '2026-09-10T10:00:00+08:00',
  });
  add({
    alpId: ALP,
    userId: 'U-T1',
    quantity: 250000,
    price: '200',
    executedAt: '2026-09-11T10:00:00+08:00',
  });
  // Hong Kong month boundaries: in at 00:00 +08:00 (however written), out a moment before or at the next month.
  add({ alpId: ALP, userId: 'U-01', quantity: 1000, price: '10', executedAt: '2026-09-01T00:00:00+08:00' });
  add({ alpId: ALP, userId: 'U-01', quantity: 1000, price: '10', executedAt: '2026-08-31T16:00:00.000Z' });
  const august = add({
    alpId: ALP,
    userId: 'U-01',
    quantity: 1000,
    price: '10',
    executedAt: '2026-08-31T23:59:59.999999+08:00',
  });
  add({
    alpId: ALP,
    userId: 'U-01',
    quantity: 1000,
    price: '10',
    executedAt: '2026-09-30T23:59:59.999+08:00',
  });
  add({ alpId: ALP, userId: 'U-01', quantity: 1000, price: '10', executedAt: '2026-09-30T16:00:00Z' });
  add({ alpId: ALP, userId: 'U-02', quantity: 1000, price: '10', executedAt: '2026-09-30T12:00:00-04:00' });
  // Other ALPs in the same month, and this ALP in other months.
  add({
    alpId: 'ALP-B',
    userId: 'U-01',
    quantity: 99999,
    price: '999',
    executedAt: '2026-09-15T10:00:00+08:00',
  });
  add({ alpId: ALP, userId: 'U-03', quantity: 99999, price: '999', executedAt: '2026-10-15T10:00:00+08:00' });
  // A turnover with more than 9 fraction digits (not exact in the integer columns).
  add({
    alpId: ALP,
    userId: 'U-05',
    quantity: '0.5',
    price: '0.0000000013',
    executedAt: '2026-09-12T10:00:00+08:00',
  });

  // Corrections.
  const [first, second, third, fourth, fifth, sixth] = [1, 2, 3, 4, 5, 6].map(
    (i) => `AT-${pad(i * 7, 5)}`,
  ) as [string, string, string, string, string, string];
  records.push(
    // A price corrected twice: the later correctedAt wins whatever the order of arrival.
    correction('CO-1', first, '2026-10-02T09:00:00+08:00', [{ field: 'price', to: '123.456' }], 'alp_trade'),
    correction('CO-2', first, '2026-10-02T01:00:01Z', [{ field: 'price', to: '654.321' }]),
    // Cancelled: quantity set to zero.
    correction('CO-3', second, '2026-10-03T09:00:00+08:00', [{ field: 'quantity', to: 0 }]),
    // Moved to another month, and to another ALP.
    correction('CO-4', third, '2026-10-03T09:00:00+08:00', [
      { field: 'executedAt', to: '2026-10-01T09:00:00+08:00' },
    ]),
    correction('CO-5', fourth, '2026-10-03T09:00:00+08:00', [{ field: 'alpId', to: 'ALP-B' }]),
    // A whole replacement: another user, another quantity.
    replacement('CO-6', '2026-10-04T09:00:00+08:00', {
      ...(trades.get(fifth) as TradeSpec),
      userId: 'U-09',
      quantity: 777,
    }),
    // Left invalid.
    correction('CO-7', sixth, '2026-10-04T09:00:00+08:00', [{ field: 'price', to: 'twelve' }]),
    // Into the month from August.
    correction('CO-8', august, '2026-10-04T09:00:00+08:00', [
      { field: 'executedAt', to: '2026-09-29T09:00:00+08:00' },
    ]),
    // A correction of something else entirely (has no effect).
    correction('CO-9', 'T-NOT-ALP', '2026-10-04T09:00:00+08:00', [{ field: 'price', to: '1' }], 'trade'),
  );
  return { records, trades };
}

// ---- the independent computation ---------------------------------------------------------

const SCALE = 20;

/** Decimal text (or integer) as a BigInt scaled by 10^20, by string padding. */
export function scaled(value: string | number): bigint {
  const text = String(value);
  const [int, frac = ''] = text.split('.');
  return BigInt(`${int}${frac.padEnd(SCALE, '0')}`);
}

/** A BigInt scaled by 10^(2*SCALE) or 10^SCALE back to canonical decimal text. */
export function unscale(v: bigint, scale: number): string {
  const digits = v.toString().padStart(scale + 1, '0');
  const int = digits.slice(0, -scale);
  const frac = digits.slice(-scale).replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}

export interface ExpectedUser {
  userId: string;
  categories: Set<string>;
  trades: number;
  corrected: number;
  quantity: bigint; // scale 20
  turnover: Map<string, bigint>; // scale 40
}

function hkMonth(ts: string): string {
  return new Date(Date.parse(ts) + 8 * 3600_000).toISOString().slice(0, 7);
}

/** The month's figures, from the records alone. */
export function expected(records: readonly ArchiveRecord[], month: string, alpId: string) {
  const byId = new Map<string, Record<string, unknown>>();
  for (const r of records) if (r.recordType === 'alp_trade') byId.set(r.recordId, { ...r });
  const corrections = records
    .filter((r) => r.recordType === 'correction')
    .map((r) => r as Extract<ArchiveRecord, { recordType: 'correction' }>)
    .sort(
      (a, b) => Date.parse(a.correctedAt) - Date.parse(b.correctedAt) || (a.recordId < b.recordId ? -1 : 1),
    );
  const cancelled = new Set<string>();
  const invalid = new Set<string>();
  const corrected = new Set<string>();
  for (const c of corrections) {
    const t = byId.get(c.amends);
    if (!t) continue;
    corrected.add(c.amends);
    if (c.replacement) byId.set(c.amends, { ...c.replacement });
    for (const ch of c.changes ?? []) t[ch.field] = ch.to;
    const now = byId.get(c.amends) as Record<string, unknown>;
    if (now.quantity === 0) cancelled.add(c.amends);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(String(now.price))) invalid.add(c.amends);
  }
  const users = new Map<string, ExpectedUser>();
  const totals = { trades: 0, corrected: 0, quantity: 0n, turnover: new Map<string, bigint>() };
  const excluded = { cancelled: [] as string[], invalid: [] as string[] };
  for (const [id, t] of byId) {
    if (t.alpId !== alpId || hkMonth(String(t.executedAt)) !== month) continue;
    if (cancelled.has(id)) {
      excluded.cancelled.push(id);
      continue;
    }
    if (invalid.has(id)) {
      excluded.invalid.push(id);
      continue;
    }
    const userId = String(t.userId);
    const u = users.get(userId) ?? {
      userId,
      categories: new Set(),
      trades: 0,
      corrected: 0,
      quantity: 0n,
      turnover: new Map(),
    };
    users.set(userId, u);
    const q = scaled(t.quantity as string | number);
    const turnover = q * scaled(String(t.price));
    const ccy = String(t.currency);
    u.categories.add(String(t.userCategory));
    u.trades++;
    if (corrected.has(id)) {
      u.corrected++;
      totals.corrected++;
    }
    u.quantity += q;
    u.turnover.set(ccy, (u.turnover.get(ccy) ?? 0n) + turnover);
    totals.trades++;
    totals.quantity += q;
    totals.turnover.set(ccy, (totals.turnover.get(ccy) ?? 0n) + turnover);
  }
  const hkd = (u: ExpectedUser): bigint => u.turnover.get('HKD') ?? 0n;
  const ranked = [...users.values()].sort((a, b) =>
    hkd(a) === hkd(b) ? (a.userId < b.userId ? -1 : 1) : hkd(b) > hkd(a) ? 1 : -1,
  );
  const totalHkd = totals.turnover.get('HKD') ?? 0n;
  /** share to 6 places, half-even, from BigInts. */
  const share = (v: bigint): string => {
    const n = v * 1_000_000n;
    let q = n / totalHkd;
    const r = n - q * totalHkd;
    if (r * 2n > totalHkd || (r * 2n === totalHkd && q % 2n === 1n)) q += 1n;
    return `${q / 1_000_000n}.${(q % 1_000_000n).toString().padStart(6, '0')}`;
  };
  return { ranked, totals, totalHkd, share, excluded };
}
