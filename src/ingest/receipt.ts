import type { CatalogRecord } from '../catalog';
import type { Receipt } from './types';

/** The receipt of a stored record, from its catalog row. */
export function toReceipt(r: CatalogRecord): Receipt {
  return {
    recordId: r.recordId,
    recordType: r.recordType,
    schemaVersion: r.schemaVersion,
    bucket: r.bucket,
    key: r.objectKey,
    sha256: r.sha256,
    crc64: r.crc64,
    size: r.size,
    ledgerSeq: r.ledgerSeq,
    retainUntil: r.retainUntil.toISOString(),
    ingestedAt: r.ingestedAt.toISOString(),
    principal: r.principalId,
  };
}
