import { validateRecord, type ArchiveRecord } from '../../src/records';

/** A small deterministic generator (tests never depend on Math.random). */
export function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

export const CATEGORIES = [
  'institutional_professional_investor',
  'corporate_professional_investor',
  'individual_professional_investor',
  'operator_proprietary',
] as const;

export interface TradeSpec {
  recordId: string;
  alpId: string;
  userId: string;
  userCategory?: (typeof CATEGORIES)[number];
  quantity: number | string;
  price: string;
  currency?: string;
  executedAt: string;
}

/** A valid alp_trade record (checked against the archive's own schema). */
export function alpTrade(spec: TradeSpec): ArchiveRecord {
  const input = {
    recordType: 'alp_trade',
    recordId: spec.recordId,
    tradeId: spec.recordId,
    orderId: `O-${spec.recordId}`,
    executedAt: spec.executedAt,
    venue: spec.alpId,
    instrument: { exchange: 'XHKG', code: '0700' },
    side: 'buy',
    quantity: spec.quantity,
    price: spec.price,
    currency: spec.currency ?? 'HKD',
    capacity: 'agency',
    clientId: `C-${spec.userId}`,
    accountId: `A-${spec.userId}`,
    alpId: spec.alpId,
    userId: spec.userId,
    userCategory: spec.userCategory ?? 'institutional_professional_investor',
    orderOrigin: 'agency',
    crossedWithinBbo: false,
  };
  const checked = validateRecord(input);
  if (!checked.ok) throw new Error(`fixture is not a valid alp_trade: ${JSON.stringify(checked.issues)}`);
  return checked.record;
}

/** A valid correction changing fields of a record. */
export function correction(
  recordId: string,
  amends: string,
  correctedAt: string,
  changes: { field: string; to: unknown }[],
  amendsRecordType?: string,
): ArchiveRecord {
  const checked = validateRecord({
    recordType: 'correction',
    recordId,
    amends,
    ...(amendsRecordType ? { amendsRecordType } : {}),
    reason: 'booking error',
    correctedAt,
    changes,
  });
  if (!checked.ok) throw new Error(`fixture is not a valid correction: ${JSON.stringify(checked.issues)}`);
  return checked.record;
}

/** A valid correction replacing a whole ALP trade. */
export function replacement(recordId: string, correctedAt: string, spec: TradeSpec): ArchiveRecord {
  const checked = validateRecord({
    recordType: 'correction',
    recordId,
    amends: spec.recordId,
    amendsRecordType: 'alp_trade',
    reason: 'trade re-booked',
    correctedAt,
    replacement: alpTrade(spec),
  });
  if (!checked.ok) throw new Error(`fixture is not a valid correction: ${JSON.stringify(checked.issues)}`);
  return checked.record;
}
