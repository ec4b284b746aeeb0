/**
 * Retention classes: OSS retention is per bucket, so each class is a bucket and each record
 * goes to exactly one. A document goes by its documentType first (voice recordings: 6 months,
 * CDD: 5 years...), then, like every other record, by its recordType. The first class in the
 * configured order that matches wins.
 */
import type { RetentionClass } from '../config';
import { ConfigError } from '../errors';
import { RECORD_TYPES, type ArchiveRecord, type RecordType } from './schemas';

// Defensive `?? []`: a class built without its schema defaults (e.g. a default array
// that bypassed parsing) may lack one of the two lists.
const recordTypesOf = (c: RetentionClass): readonly string[] => c.recordTypes ?? [];
const documentTypesOf = (c: RetentionClass): readonly string[] => c.documentTypes ?? [];

export function retentionClassFor(record: ArchiveRecord, classes: readonly RetentionClass[]): RetentionClass {
  if (record.recordType === 'document') {
    const byDocumentType = classes.find((c) => documentTypesOf(c).includes(record.documentType));
    if (byDocumentType) return byDocumentType;
  }
  const byRecordType = classes.find((c) => recordTypesOf(c).includes(record.recordType));
  if (byRecordType) return byRecordType;
  const what =
    record.recordType === 'document'
      ? `record type "document" (documentType "${record.documentType}")`
      : `record type "${record.recordType}"`;
  throw new ConfigError(
    `no retention class covers ${what}: add it to buckets.classes[].recordTypes` +
      (record.recordType === 'document' ? ' or its documentType to buckets.classes[].documentTypes' : ''),
    { details: { recordType: record.recordType, classes: classes.map((c) => c.name) } },
  );
}

/** Record types no class covers: check at start so a record is never refused for want of a bucket. */
export function uncoveredRecordTypes(classes: readonly RetentionClass[]): RecordType[] {
  return RECORD_TYPES.filter((t) => !classes.some((c) => recordTypesOf(c).includes(t)));
}
