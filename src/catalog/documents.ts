import type { Kysely } from 'kysely';
import { toRecord } from './mappers';
import type { CatalogDatabase } from './schema';
import type { CatalogRecord } from './types';
import { fail, isBusinessDate, type Issue } from './validate';

type Db = Kysely<CatalogDatabase>;

/** A document type as the records part writes it (src/records/schemas/document.ts). */
const DOCUMENT_TYPE = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_LIMIT = 10_000;

/**
 * Documents of one type, by business date (inclusive bounds, optional), ordered by business date
 * then record id: the archived reports, the EDSP's undertaking or notice. Read through the
 * partial index `records_by_document_type` (migration-documents.ts).
 */
export async function documentsOfType(
  db: Db,
  documentType: string,
  range: { fromDate?: string; toDate?: string; limit?: number } = {},
): Promise<CatalogRecord[]> {
  const issues: Issue[] = [];
  if (!DOCUMENT_TYPE.test(documentType))
    issues.push({ path: ['documentType'], message: 'lower-case letters, digits and "_", at most 64' });
  for (const key of ['fromDate', 'toDate'] as const) {
    const v = range[key];
    if (v !== undefined && !isBusinessDate(v))
      issues.push({ path: [key], message: 'must be a calendar date YYYY-MM-DD' });
  }
  const limit = range.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    issues.push({ path: ['limit'], message: `must be an integer from 1 to ${MAX_LIMIT}` });
  if (issues.length > 0) fail('invalid document lookup', issues);
  let query = db.selectFrom('records').selectAll().where('document_type', '=', documentType);
  if (range.fromDate !== undefined) query = query.where('business_date', '>=', range.fromDate);
  if (range.toDate !== undefined) query = query.where('business_date', '<=', range.toDate);
  const rows = await query.orderBy('business_date').orderBy('record_id').limit(limit).execute();
  return rows.map(toRecord);
}
