import type { Transaction } from 'kysely';
import { ValidationError } from '../errors';
import { buildAuditRows } from './audit-rows';
import { takeSeqs } from './group';
import type { CatalogDatabase } from './schema';
import type { AuditEvent, NewAuditEvent } from './types';
import { validateAuditEvent } from './validate';

type Trx = Transaction<CatalogDatabase>;

/**
 * Audit events appended inside the caller's transaction (a hold and its event, a tombstone and
 * its events...): seqs taken from the audit counter (after the ledger's, the lock order of
 * group.ts), chained by the one builder (audit-rows.ts). They commit or roll back with the rows.
 */
export async function insertAuditEvents(
  trx: Trx,
  events: readonly NewAuditEvent[],
  now: Date,
): Promise<AuditEvent[]> {
  for (const e of events) validateAuditEvent(e);
  if (events.length === 0) return [];
  const base = await takeSeqs(trx, 'audit', events.length);
  const built = await buildAuditRows(trx, base, events, now);
  for (const row of built.rows) await trx.insertInto('audit_events').values(row).execute();
  return built.events;
}

/** A write without its audit event is never made: every lifecycle write names one. */
export function requireEvents(events: readonly NewAuditEvent[]): void {
  if (events.length === 0) throw new ValidationError('a lifecycle write needs its audit event');
}

/** The message of a database error (better-sqlite3 and pg alike). */
export function dbMessage(err: unknown): string {
  const m = (err as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : '';
}
