/**
 * Hong Kong time: UTC+08:00 all year (no daylight saving since 1979), so a local date or month
 * follows from an instant alone.
 */
export const HONG_KONG_OFFSET_MINUTES = 8 * 60;
export const HONG_KONG_OFFSET_MS = HONG_KONG_OFFSET_MINUTES * 60_000;

const TIMESTAMP =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(Z|([+-])([0-9]{2}):([0-9]{2}))$/;

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Milliseconds since the epoch of an ISO 8601 timestamp with offset (the records' form), without
 * Date.parse (whose handling of 7-9 fraction digits varies). Fraction digits past the millisecond
 * are dropped: truncation never moves an instant across a minute, so never across a month.
 * Null when the text is not such a timestamp.
 */
export function instantOf(timestamp: string): number | null {
  const m = TIMESTAMP.exec(timestamp);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  let offsetMin = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
}

/** `YYYY-MM-DD` of an instant in Hong Kong. */
export function hongKongDate(instant: Date | number): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  return new Date(ms + HONG_KONG_OFFSET_MS).toISOString().slice(0, 10);
}

/** `YYYY-MM` of an instant in Hong Kong. */
export function hongKongMonthOf(instant: Date | number): string {
  return hongKongDate(instant).slice(0, 7);
}

/** An instant written in Hong Kong time, `YYYY-MM-DDTHH:MM:SS+08:00`. */
export function hongKongTimestamp(instant: Date | number): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  return `${new Date(ms + HONG_KONG_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}
