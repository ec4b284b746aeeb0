import { randomUUID } from 'node:crypto';

/**
 * Control characters written as `\uXXXX`, so that hostile input (a NUL in a record id, say) is
 * recorded legibly and the same on both databases: PostgreSQL text cannot hold NUL at all.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

export function legibleText(value: string): string {
  return value.replace(CONTROL_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const legibleOrNull = (value: string | null | undefined): string | null =>
  value == null ? null : legibleText(value);

/**
 * A UUIDv7 (RFC 9562: 48-bit milliseconds, then random bits) for event ids. Ids that grow with
 * time land at the right edge of the unique index, so each group dirties a few index pages
 * instead of one random page per event (SQLite writes whole pages to its WAL on every commit).
 */
export function timeOrderedUuid(nowMs: number): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx
  const t = Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, '0').slice(-12);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}
