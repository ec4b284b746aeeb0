/** Valid examples of every record type, shared by the records tests. Each test takes a fresh copy. */
import { REGULATORY_TRADE_TEXT } from '../../src/records/fixtures';

/** The trade of ../shared/docs/REGULATORY.md, character for character (one definition: src/records/fixtures.ts). */
export { REGULATORY_TRADE_TEXT };

/** Its RFC 8785 form, written by hand (keys sorted, no whitespace). */
export const REGULATORY_TRADE_CANONICAL =
  '{"accountId":"A-1001-01","capacity":"agency","clientId":"C-1001","currency":"HKD",' +
  '"executedAt":"2026-11-21T09:31:02.123+08:00","instrument":{"code":"0700","exchange":"XHKG"},' +
  '"orderId":"O-20261121-000417","price":"388.20","quantity":1000,"recordId":"T-20261121-000001",' +
  '"recordType":"trade","side":"buy","tradeId":"T-20261121-000001","venue":"XHKG"}';

/** SHA-256 of REGULATORY_TRADE_CANONICAL (checked independently with sha256sum and Python). */
export const REGULATORY_TRADE_SHA256 = 'a3fea7fa9a437eaf9a964fbea4e6ef802ad33268d4fdca90eef1a2c59ea7035f';

type Json = Record<string, unknown>;

const examples: Record<string, Json> = {
  order: {
    recordType: 'order',
    recordId: 'O-20261121-000417',
    orderId: 'O-20261121-000417',
    clientId: 'C-1001',
    accountId: 'A-1001-01',
    receivedAt: '2026-11-21T09:30:58.001+08:00',
    channel: 'phone',
    receivingStaffId: 'S-042',
    instrument: { exchange: 'XHKG', code: '0700' },
    side: 'buy',
    quantity: 1000,
    orderType: 'limit',
    limitPrice: '388.20',
    currency: 'HKD',
    validity: 'day',
    capacity: 'agency',
    voiceRecordingRef: 'VR-20261121-0099',
    amendments: [{ amendedAt: '2026-11-21T09:30:59+08:00', quantity: 1500, staffId: 'S-042' }],
    cancellations: [{ cancelledAt: '2026-11-21T09:31:30Z', quantity: '500', reason: 'client request' }],
    transmittedAt: '2026-11-21T09:31:00.250+08:00',
  },
  trade: JSON.parse(REGULATORY_TRADE_TEXT) as Json,
  contract_note: {
    recordType: 'contract_note',
    recordId: 'CN-20261121-0001',
    noteId: 'CN-20261121-0001',
    clientId: 'C-1001',
    accountId: 'A-1001-01',
    tradeIds: ['T-20261121-000001'],
    issueDate: '2026-11-21',
    capacityStatement: 'We acted as your agent.',
    consideration: '388200.00',
    currency: 'HKD',
    charges: [
      { type: 'brokerage', amount: '970.50' },
      { type: 'stamp_duty', amount: '389' },
      { type: 'sfc_levy', amount: '10.87', currency: 'HKD' },
    ],
    netAmount: '389570.37',
    settlementDate: '2026-11-24',
    documentRecordId: 'D-CN-20261121-0001',
  },
  alp_order: {
    recordType: 'alp_order',
    recordId: 'AO-1',
    orderId: 'AO-1',
    clientId: 'C-2002',
    accountId: 'A-2002-01',
    receivedAt: '2026-03-02T10:00:00+08:00',
    channel: 'electronic',
    instrument: { exchange: 'XHKG', code: '0005' },
    side: 'sell',
    quantity: '400',
    orderType: 'limit',
    limitPrice: '61.25',
    validity: 'gtd',
    validUntil: '2026-03-06',
    capacity: 'agency',
    shortSell: true,
    shortSellAssuranceRef: 'SLB-77',
    alpId: 'ALP-X',
    userId: 'U-9',
    userCategory: 'institutional_professional_investor',
    orderOrigin: 'agency',
    optedOut: false,
    postedToExchange: true,
  },
  alp_trade: {
    recordType: 'alp_trade',
    recordId: 'AT-1',
    tradeId: 'AT-1',
    orderId: 'AO-1',
    executedAt: '2026-03-02T23:59:59.999-05:00',
    venue: 'ALP-X',
    instrument: { exchange: 'XHKG', code: '0005', isin: 'GB0005405286' },
    side: 'sell',
    quantity: 400,
    price: '61.2',
    currency: 'HKD',
    capacity: 'principal',
    accountId: 'HOUSE-1',
    counterparty: 'U-9',
    commission: '0',
    fees: '1.23',
    stampDuty: '25',
    settlementDate: '2026-03-04',
    alpId: 'ALP-X',
    userId: 'U-9',
    userCategory: 'operator_proprietary',
    orderOrigin: 'proprietary',
    routedToAlpId: 'ALP-Y',
    crossedWithinBbo: true,
    referencePrice: '61.20',
  },
  document: {
    recordType: 'document',
    recordId: 'D-CN-20261121-0001',
    documentType: 'contract_note',
    title: 'Contract note CN-20261121-0001',
    documentDate: '2026-11-21',
    clientId: 'C-1001',
    accountId: 'A-1001-01',
    tradeIds: ['T-20261121-000001'],
    noteIds: ['CN-20261121-0001'],
    fileName: 'CN-20261121-0001.PDF',
    contentType: 'application/pdf',
    sha256: 'a3fea7fa9a437eaf9a964fbea4e6ef802ad33268d4fdca90eef1a2c59ea7035f',
    size: 48213,
  },
  correction: {
    recordType: 'correction',
    recordId: 'X-20261122-0001',
    amends: 'T-20261121-000001',
    amendsRecordType: 'trade',
    reason: 'Price keyed wrongly; confirmed with the exchange.',
    correctedAt: '2026-11-22T10:15:00+08:00',
    approvedBy: 'MIC-1',
    changes: [{ field: 'price', from: '388.20', to: '388.40' }],
  },
};

/** A fresh, mutable copy of the valid example of a record type. */
export function example(type: string): Json {
  const e = examples[type];
  if (!e) throw new Error(`no example for ${type}`);
  return structuredClone(e);
}

export const EXAMPLE_TYPES = Object.keys(examples);
