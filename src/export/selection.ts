import { z } from 'zod';
import type { Catalog, CatalogRecord, ExportCriteria, ExportRecipient } from '../catalog';
// Not from '../catalog': that would load the database drivers wherever a bag is built.
import { criteriaSearch } from '../catalog/criteria';
import { BadRequestError, PayloadTooLargeError, ValidationError } from '../errors';

/** POST /v1/exports, as pinned by issue 11. */
const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const TEXT = z.string().trim().min(1).max(200);
export const ExportRequestSchema = z
  .object({
    reference: TEXT,
    recipient: z.object({ name: TEXT, organisation: TEXT, email: z.email().max(254).nullish() }).strict(),
    purpose: z.string().trim().min(1).max(2000),
    criteria: z
      .object({
        recordIds: z
          .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a record id'))
          .min(1)
          .max(10_000)
          .optional(),
        type: TEXT.optional(),
        from: DATE.optional(),
        to: DATE.optional(),
        clientId: TEXT.optional(),
        accountId: TEXT.optional(),
        instrument: TEXT.optional(),
        orderId: TEXT.optional(),
        tradeId: TEXT.optional(),
      })
      .strict(),
    includeAudit: z.boolean().optional(),
  })
  .strict();

export interface ExportRequest {
  reference: string;
  recipient: ExportRecipient;
  purpose: string;
  criteria: ExportCriteria;
  includeAudit: boolean;
}

export function parseExportRequest(body: unknown): ExportRequest {
  const parsed = ExportRequestSchema.safeParse(body);
  if (!parsed.success) {
    throw new ValidationError('invalid export request', {
      details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      hint: 'send {reference, recipient: {name, organisation, email?}, purpose, criteria: {...}, includeAudit?}',
    });
  }
  const v = parsed.data;
  const criteria: ExportCriteria = {};
  for (const [k, value] of Object.entries(v.criteria))
    if (value !== undefined) Object.assign(criteria, { [k]: value });
  if (Object.keys(criteria).length === 0)
    throw new BadRequestError('the criteria select nothing in particular', {
      hint: 'name record ids, or at least one of type, from, to, clientId, accountId, instrument, orderId, tradeId',
    });
  if (criteria.from !== undefined && criteria.to !== undefined && criteria.from > criteria.to)
    throw new BadRequestError(`criteria.from ${criteria.from} is after criteria.to ${criteria.to}`);
  return {
    reference: v.reference,
    recipient: {
      name: v.recipient.name,
      organisation: v.recipient.organisation,
      ...(v.recipient.email ? { email: v.recipient.email } : {}),
    },
    purpose: v.purpose,
    criteria,
    includeAudit: v.includeAudit ?? true,
  };
}

function matches(r: CatalogRecord, c: ExportCriteria): boolean {
  return (
    (c.type === undefined || r.recordType === c.type) &&
    (c.from === undefined || r.businessDate >= c.from) &&
    (c.to === undefined || r.businessDate <= c.to) &&
    (c.clientId === undefined || r.clientId === c.clientId) &&
    (c.accountId === undefined || r.accountId === c.accountId) &&
    (c.instrument === undefined || r.instrument === c.instrument) &&
    (c.orderId === undefined || r.orderId === c.orderId) &&
    (c.tradeId === undefined || r.tradeId === c.tradeId)
  );
}

/**
 * The records an export's criteria select, in (business date, record id) order for a search, in
 * the order given for record ids; only those whose ledger leaf is below `ledgerSize` (the ledger's
 * size when the export was asked for), so a rebuild selects exactly the same records. The
 * catalog's auditEventsOfSelection selects the same records in SQL (its suite holds the two equal):
 * a change here is a change there.
 */
export async function* selectRecords(
  catalog: Pick<Catalog, 'getRecord' | 'searchRecords'>,
  criteria: ExportCriteria,
  ledgerSize: number,
): AsyncGenerator<CatalogRecord> {
  if (criteria.recordIds !== undefined) {
    const seen = new Set<string>();
    for (const id of criteria.recordIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      const r = await catalog.getRecord(id);
      if (r && r.ledgerSeq < ledgerSize && matches(r, criteria)) yield r;
    }
    return;
  }
  // The same search as the catalog's auditEventsOfSelection makes of these criteria.
  const search = criteriaSearch(criteria);
  let cursor: string | undefined;
  do {
    const page = await catalog.searchRecords({
      ...search,
      limit: 1000,
      ...(cursor !== undefined ? { cursor } : {}),
    });
    for (const r of page.records) if (r.ledgerSeq < ledgerSize) yield r;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

export interface ExportCaps {
  maxRecords: number;
  maxBytes: number;
}

/**
 * Counts what the criteria select (in the catalog, one query: the same records selectRecords
 * yields); refuses nothing (400) and too much (413). `lastLedgerSeq` is the newest ledger leaf
 * among the records selected.
 */
export async function measureSelection(
  catalog: Pick<Catalog, 'measureSelection'>,
  criteria: ExportCriteria,
  ledgerSize: number,
  caps: ExportCaps,
): Promise<{ records: number; bytes: number; lastLedgerSeq: number }> {
  const { records, bytes, lastLedgerSeq } = await catalog.measureSelection({ criteria, ledgerSize });
  if (records > caps.maxRecords)
    throw new PayloadTooLargeError(`the criteria select more than ${caps.maxRecords} records`, {
      hint: 'narrow the criteria (dates, client, type) or split the request into several exports (exports.maxRecords)',
    });
  if (bytes > caps.maxBytes)
    throw new PayloadTooLargeError(`the records selected hold more than ${caps.maxBytes} bytes`, {
      hint: 'narrow the criteria or split the request into several exports (exports.maxBytes)',
    });
  if (records === 0)
    throw new BadRequestError('no record matches the criteria', {
      hint: 'check the record ids, dates (inclusive, YYYY-MM-DD) and identifiers; GET /v1/records searches with the same filters',
    });
  return { records, bytes, lastLedgerSeq };
}
