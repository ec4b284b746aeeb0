import type { Insertable, Transaction } from 'kysely';
import { AUDIT_GENESIS_HASH, auditEventHash, canonicalJson, type AuditHashInput } from './hashing';
import { toAuditEvent, toDbTime } from './mappers';
import type { AuditEventsTable, CatalogDatabase } from './schema';
import type { AuditEvent, NewAuditEvent } from './types';
import { legibleOrNull, legibleText, timeOrderedUuid } from './legible';

type Trx = Transaction<CatalogDatabase>;

/**
 * The rows of audit events seq `base`, `base + 1`, ... chained onto the event before `base`: the
 * one builder of the audit chain, used by the group committer (group.ts) and by the writes that
 * put their own events in their transaction (holds, dispositions, fixity reports). The caller has
 * taken the seqs (takeSeqs, which holds the counter's row lock until commit) and inserts the rows.
 */
export async function buildAuditRows(
  trx: Trx,
  base: number,
  events: readonly NewAuditEvent[],
  now: Date,
): Promise<{ rows: Insertable<AuditEventsTable>[]; events: AuditEvent[] }> {
  const rows: Insertable<AuditEventsTable>[] = [];
  const out: AuditEvent[] = [];
  if (events.length === 0) return { rows, events: out };
  let prevHash = AUDIT_GENESIS_HASH;
  if (base > 0) {
    const prev = await trx
      .selectFrom('audit_events')
      .select('hash')
      .where('seq', '=', base - 1)
      .executeTakeFirst();
    if (!prev) {
      throw new Error(`audit event ${base - 1} is missing: the audit chain is broken, refusing to append`);
    }
    prevHash = prev.hash;
  }
  events.forEach((e, k) => {
    const seq = base + k;
    const fields: AuditHashInput = {
      seq,
      eventId: e.eventId ?? `evt_${timeOrderedUuid((e.at ?? now).getTime())}`,
      at: e.at ?? now,
      principalId: legibleOrNull(e.principalId),
      action: legibleText(e.action),
      target: legibleOrNull(e.target),
      outcome: e.outcome,
      ip: legibleOrNull(e.ip),
      requestId: legibleOrNull(e.requestId),
      details: e.details == null ? null : canonicalJson(e.details),
      source: e.source ?? 'api',
      prevHash,
    };
    const hash = auditEventHash(fields);
    const row = {
      seq,
      event_id: fields.eventId,
      at: toDbTime(fields.at),
      principal_id: fields.principalId,
      action: fields.action,
      target: fields.target,
      outcome: fields.outcome,
      ip: fields.ip,
      request_id: fields.requestId,
      details: fields.details,
      source: fields.source ?? 'api',
      prev_hash: prevHash,
      hash,
    };
    rows.push(row);
    out.push(toAuditEvent(row));
    prevHash = hash;
  });
  return { rows, events: out };
}
