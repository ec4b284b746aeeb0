import { DEFAULT_RETENTION_CLASSES, parseConfig, type RetentionClass } from '../../src/config';
import { ConfigError, ValidationError } from '../../src/errors';
import {
  businessDate,
  businessFields,
  documentKey,
  fileExtension,
  objectKey,
  parseRecord,
  retentionClassFor,
  uncoveredRecordTypes,
  type ArchiveRecord,
  type DocumentRecord,
} from '../../src/records';
import { example } from './fixtures';

function rec(type: string, patch: Record<string, unknown> = {}): ArchiveRecord {
  return parseRecord({ ...example(type), ...patch });
}

describe('objectKey: <recordType>/<yyyy>/<mm>/<dd>/<recordId>.json by business date', () => {
  it.each<[string, string]>([
    ['order', 'order/2026/11/21/O-20261121-000417.json'], // receivedAt
    ['trade', 'trade/2026/11/21/T-20261121-000001.json'], // executedAt
    ['contract_note', 'contract_note/2026/11/21/CN-20261121-0001.json'], // issueDate
    ['alp_order', 'alp_order/2026/03/02/AO-1.json'],
    ['alp_trade', 'alp_trade/2026/03/02/AT-1.json'], // 23:59:59.999-05:00 is the 2nd where it happened
    ['document', 'document/2026/11/21/D-CN-20261121-0001.json'], // documentDate
    ['correction', 'correction/2026/11/22/X-20261122-0001.json'], // correctedAt, not the amended trade's date
  ])('%s -> %s', (type, key) => {
    expect(objectKey(rec(type))).toBe(key);
  });

  it('uses the local date as written in the offset, never UTC or the server zone', () => {
    expect(businessDate(rec('trade', { executedAt: '2026-11-21T07:00:00+08:00' }))).toBe('2026-11-21'); // 2026-11-20 in UTC
    expect(businessDate(rec('trade', { executedAt: '2026-12-31T20:00:00-10:00' }))).toBe('2026-12-31'); // 2027 in UTC
    expect(objectKey(rec('order', { receivedAt: '2027-01-01T00:00:00+14:00' }))).toBe(
      'order/2027/01/01/O-20261121-000417.json',
    );
  });

  it('dates a document without documentDate by recordedAt', () => {
    const d = example('document');
    delete d.documentDate;
    const doc = parseRecord({ ...d, recordedAt: '2026-05-04T23:30:00+08:00' });
    expect(objectKey(doc)).toBe('document/2026/05/04/D-CN-20261121-0001.json');
    expect(
      businessDate(parseRecord({ ...d, recordedAt: '2026-05-04T23:30:00Z', documentDate: '2026-05-01' })),
    ).toBe('2026-05-01');
  });

  it('refuses to build a key for a record with a hostile id (unvalidated input)', () => {
    const hostile = { ...example('trade'), recordId: '../../audit/x' } as unknown as ArchiveRecord;
    expect(() => objectKey(hostile)).toThrow(ValidationError);
  });
});

describe('documentKey keeps a sanitised extension', () => {
  const doc = rec('document') as DocumentRecord;
  it.each<[string, string]>([
    ['CN.PDF', '.pdf'],
    ['recording.mp3', '.mp3'],
    ['archive.tar.gz', '.gz'],
    ['weird.p d!f', '.pdf'],
    ['README', '.bin'],
    ['.profile', '.bin'],
    ['trailing.', '.bin'],
    ['報告.文档', '.bin'],
    ['x.averyveryverylongextension', '.averyveryverylon'],
    ['dir/sub\\name.docx', '.docx'],
    ['log.json', '.json-file'],
    ['log.ndjson', '.ndjson'],
  ])('%j -> %s', (name, ext) => {
    expect(fileExtension(name)).toBe(ext);
  });

  it('defaults to the description fileName and sits next to the description', () => {
    expect(documentKey(doc)).toBe('document/2026/11/21/D-CN-20261121-0001.pdf');
    expect(documentKey(doc, 'call.WAV')).toBe('document/2026/11/21/D-CN-20261121-0001.wav');
    expect(documentKey(doc, '../../etc/passwd')).toBe('document/2026/11/21/D-CN-20261121-0001.bin');
  });

  it('never takes the key of its own description, even for a .json file', () => {
    expect(documentKey(doc, 'data.json')).not.toBe(objectKey(doc));
    expect(documentKey(doc, 'data.JSON')).toBe('document/2026/11/21/D-CN-20261121-0001.json-file');
  });
});

describe('businessFields', () => {
  it('for a trade', () => {
    expect(businessFields(rec('trade'))).toEqual({
      recordType: 'trade',
      businessDate: '2026-11-21',
      clientId: 'C-1001',
      accountId: 'A-1001-01',
      instrument: 'XHKG:0700',
      orderId: 'O-20261121-000417',
      tradeId: 'T-20261121-000001',
      relatedIds: ['O-20261121-000417', 'T-20261121-000001'],
    });
  });

  it('for an order, a principal ALP trade, a contract note and a document', () => {
    expect(businessFields(rec('order'))).toMatchObject({
      tradeId: null,
      orderId: 'O-20261121-000417',
      instrument: 'XHKG:0700',
    });
    expect(businessFields(rec('alp_trade'))).toMatchObject({
      clientId: null,
      accountId: 'HOUSE-1',
      tradeId: 'AT-1',
    });
    expect(businessFields(rec('contract_note'))).toEqual({
      recordType: 'contract_note',
      businessDate: '2026-11-21',
      clientId: 'C-1001',
      accountId: 'A-1001-01',
      instrument: null,
      orderId: null,
      tradeId: 'T-20261121-000001',
      relatedIds: ['CN-20261121-0001', 'D-CN-20261121-0001', 'T-20261121-000001'],
    });
    expect(businessFields(rec('contract_note', { tradeIds: ['T-1', 'T-2'] }))).toMatchObject({
      tradeId: null,
    });
    const d = example('document');
    delete d.clientId;
    delete d.accountId;
    expect(businessFields(parseRecord(d))).toMatchObject({
      clientId: null,
      accountId: null,
      orderId: null,
      instrument: null,
    });
  });

  it('for a correction: the amended id, and the replacement fields when there is one', () => {
    expect(businessFields(rec('correction'))).toEqual({
      recordType: 'correction',
      businessDate: '2026-11-22',
      clientId: null,
      accountId: null,
      instrument: null,
      orderId: null,
      tradeId: null,
      relatedIds: ['T-20261121-000001'],
    });
    const c = example('correction');
    delete c.changes;
    const withReplacement = parseRecord({ ...c, replacement: { ...example('trade'), price: '388.40' } });
    expect(businessFields(withReplacement)).toMatchObject({
      recordType: 'correction',
      businessDate: '2026-11-22',
      clientId: 'C-1001',
      instrument: 'XHKG:0700',
      tradeId: 'T-20261121-000001',
      relatedIds: ['O-20261121-000417', 'T-20261121-000001'],
    });
  });
});

describe('retentionClassFor', () => {
  const classes = parseConfig({}).buckets.classes;

  it('maps record types with the default classes', () => {
    for (const type of [
      'order',
      'trade',
      'contract_note',
      'alp_order',
      'alp_trade',
      'correction',
      'document',
    ]) {
      expect(retentionClassFor(rec(type), classes).name).toBe('7y');
    }
  });

  it('matches documentTypes before recordTypes', () => {
    expect(retentionClassFor(rec('document', { documentType: 'voice_recording' }), classes).name).toBe(
      'voice-6m',
    );
    expect(retentionClassFor(rec('document', { documentType: 'cdd' }), classes).name).toBe('aml-5y');
    expect(retentionClassFor(rec('document', { documentType: 'trading_log' }), classes).name).toBe(
      'etlog-2y',
    );
    expect(retentionClassFor(rec('document', { documentType: 'client_agreement' }), classes).name).toBe('7y');
  });

  it('takes the first matching class in configured order', () => {
    const two: RetentionClass[] = [
      { name: 'a', days: 10, description: '', recordTypes: ['trade'], documentTypes: [] },
      { name: 'b', days: 20, description: '', recordTypes: ['trade'], documentTypes: [] },
    ];
    expect(retentionClassFor(rec('trade'), two).name).toBe('a');
  });

  it('says clearly when no class covers a record', () => {
    const onlyVoice: RetentionClass[] = [
      { name: 'v', days: 184, description: '', recordTypes: [], documentTypes: ['voice_recording'] },
    ];
    expect(() => retentionClassFor(rec('trade'), onlyVoice)).toThrow(ConfigError);
    expect(() => retentionClassFor(rec('trade'), onlyVoice)).toThrow(
      /no retention class covers record type "trade"/,
    );
    expect(() => retentionClassFor(rec('document'), onlyVoice)).toThrow(/documentType "contract_note"/);
    expect(uncoveredRecordTypes(onlyVoice)).toHaveLength(7);
    expect(uncoveredRecordTypes(classes)).toEqual([]);
    expect(DEFAULT_RETENTION_CLASSES.length).toBe(classes.length);
  });
});
