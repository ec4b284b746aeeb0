import type { Selectable } from 'kysely';
import type {
  ApiTokensTable,
  AuditEventsTable,
  LedgerLeavesTable,
  PrincipalsTable,
  RecordsTable,
} from './schema';
import type {
  ApiTokenInfo,
  AuditEvent,
  AuditOutcome,
  AuditSource,
  CatalogRecord,
  LedgerEntryKind,
  LedgerLeaf,
  Principal,
  PrincipalKind,
  Role,
} from './types';

/** Timestamps go in as ISO 8601 UTC text (see schema.ts). */
export function toDbTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
  return date.toISOString();
}

/** PostgreSQL returns a Date, SQLite the ISO text we stored. */
export function fromDbTime(value: Date | string): Date {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new RangeError(`catalog holds an invalid timestamp: ${String(value)}`);
  return date;
}

function fromDbTimeOrNull(value: Date | string | null): Date | null {
  return value === null ? null : fromDbTime(value);
}

export function toRecord(row: Selectable<RecordsTable>): CatalogRecord {
  return {
    recordId: row.record_id,
    recordType: row.record_type,
    schemaVersion: row.schema_version,
    businessDate: row.business_date,
    clientId: row.client_id,
    accountId: row.account_id,
    instrument: row.instrument,
    orderId: row.order_id,
    tradeId: row.trade_id,
    bucket: row.bucket,
    objectKey: row.object_key,
    sha256: row.sha256,
    crc64: row.crc64,
    md5: row.md5,
    size: row.size,
    contentType: row.content_type,
    retentionClass: row.retention_class,
    retainUntil: fromDbTime(row.retain_until),
    ingestedAt: fromDbTime(row.ingested_at),
    principalId: row.principal_id,
    ledgerSeq: row.ledger_seq,
    amends: row.amends,
    documentType: row.document_type,
    fileName: row.file_name,
  };
}

export function toLedgerLeaf(row: Selectable<LedgerLeavesTable>): LedgerLeaf {
  return {
    seq: row.seq,
    kind: row.kind as LedgerEntryKind, // CHECK constraint limits the values
    recordId: row.record_id,
    sha256: row.sha256,
    leafHash: row.leaf_hash,
    createdAt: fromDbTime(row.created_at),
  };
}

export function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    seq: row.seq,
    eventId: row.event_id,
    at: fromDbTime(row.at),
    principalId: row.principal_id,
    action: row.action,
    target: row.target,
    outcome: row.outcome as AuditOutcome, // CHECK constraint limits the values
    ip: row.ip,
    requestId: row.request_id,
    details: row.details,
    source: row.source as AuditSource, // CHECK constraint limits the values
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function toPrincipal(row: Selectable<PrincipalsTable>): Principal {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role, // CHECK constraint limits the values
    kind: row.kind as PrincipalKind, // CHECK constraint limits the values
    disabledAt: fromDbTimeOrNull(row.disabled_at),
    createdAt: fromDbTime(row.created_at),
    createdBy: row.created_by,
  };
}

export function toTokenInfo(row: Selectable<ApiTokensTable>): ApiTokenInfo {
  return {
    tokenHash: row.token_hash,
    principalId: row.principal_id,
    createdAt: fromDbTime(row.created_at),
    lastUsedAt: fromDbTimeOrNull(row.last_used_at),
    revokedAt: fromDbTimeOrNull(row.revoked_at),
  };
}
