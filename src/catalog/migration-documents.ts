import { sql, type Kysely } from 'kysely';

/**
 * Migration 0008: documents found by their type (the archived ALP and posture reports, the EDSP
 * undertaking or notice), in business-date order. Partial: only documents carry a type, so
 * records of every other type cost nothing.
 */
export async function documentsByType(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('records_by_document_type')
    .on('records')
    .columns(['document_type', 'business_date', 'record_id'])
    .where(sql.ref('document_type'), 'is not', null)
    .execute();
}
