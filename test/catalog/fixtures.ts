import { createHash } from 'node:crypto';
import type { NewAuditEvent, NewRecord } from '../../src/catalog';

export const T0 = new Date('2026-11-21T01:31:02.123Z');

export function sha256Of(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A catalog row for a record, as the write path would build it; unique object key per id. */
export function makeRecord(overrides: Partial<NewRecord> & { recordId: string }): NewRecord {
  const recordType = overrides.recordType ?? 'trade';
  const businessDate = overrides.businessDate ?? '2026-11-21';
  const [y, m, d] = businessDate.split('-');
  const content = `{"recordId":${JSON.stringify(overrides.recordId)},"v":${JSON.stringify(overrides.sha256 ?? '')}}`;
  return {
    recordType,
    schemaVersion: 1,
    businessDate,
    clientId: null,
    accountId: null,
    instrument: null,
    orderId: null,
    tradeId: null,
    bucket: 'strongroom-records-7y',
    objectKey: `${recordType}/${y}/${m}/${d}/${overrides.recordId}.json`,
    sha256: sha256Of(content),
    crc64: '5956873917232961543',
    md5: createHash('md5').update(content).digest('base64'),
    size: Buffer.byteLength(content),
    contentType: 'application/json',
    retentionClass: '7y',
    retainUntil: new Date('2033-11-21T01:31:02.123Z'),
    ingestedAt: T0,
    principalId: 'usr_ingest0001',
    ...overrides,
  };
}

export function ingestEvent(recordId: string, extra?: Partial<NewAuditEvent>): NewAuditEvent {
  return {
    principalId: 'usr_ingest0001',
    action: 'record.ingest',
    target: recordId,
    outcome: 'allowed',
    ip: '10.0.0.7',
    requestId: `req-${recordId}`,
    details: { recordType: 'trade', bytes: 123 },
    ...extra,
  };
}
