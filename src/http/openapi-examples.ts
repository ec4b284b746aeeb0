/**
 * An example per operation of the OpenAPI document, keyed `METHOD /path` as the document spells
 * them. Request examples are the REGULATORY.md trade and a document about it (src/records/fixtures);
 * test/http/openapi.test.ts lints them against the schemas and sends each request example to a
 * real server, expecting the status the document gives (`status`). A new operation needs one.
 */
import { exampleTrade, trade } from '../records/fixtures';

type Json = Record<string, unknown>;

export interface OperationExample {
  /** Example request body per media type. */
  body?: Record<string, unknown>;
  /** Example values of parameters, by name. */
  parameters?: Record<string, string>;
  /** Parameters that go with one of the request bodies only (`?type=` with a CSV batch). */
  bodyParameters?: Record<string, Record<string, string>>;
  /** The status the example request is answered with (and, with `response`, its example). */
  status: string;
  response?: { mediaType: string; value: unknown };
}

const ID = 'T-20261121-000001';

/**
 * Objects the lifecycle examples name, whose ids the server generates: test/http/openapi.test.ts
 * makes them (through the catalog, with these ids) before it sends the examples. The hold and the
 * disposition are another compliance principal's (four eyes: the examples release and approve
 * them); the two trades of 2013 are past their retain-until (2020-11-21) and held by nothing.
 */
export const EXAMPLE_OBJECTS = {
  /** A hold on the example trade, placed by another compliance principal. */
  holdId: 'hold_01a20b48-0900-7c3e-9a41-5f0e2b7d1a01',
  /** A proposal (by another compliance principal) to dispose of `pastRecordIds[0]`. */
  dispositionId: 'dsp_01a21faa-8a80-7b52-8e17-3c9d4f6a2b02',
  /** A finished cheap (HEAD) sweep of every records bucket, no problem found. */
  verificationId: 'fx_01a22bae-b680-7d04-b1a9-6e2f8c3d5e03',
  pastRecordIds: ['T-20131121-000001', 'T-20131121-000002'],
  /** An open alert: a deep sweep found the example trade's object changed. */
  alertId: 'alr_01a24c1e-2a00-7f3a-8d2b-7a1c9e4f6b04',
  /** A ready export of the example trade (built once the example trade is stored). */
  exportId: 'ex-20261201-0a1b2c3d4e5f',
} as const;

/** An SFC access request for the example trade (POST /v1/exports). */
export const EXPORT_REQUEST = {
  reference: 'SFC/ENF/2026/0042',
  recipient: {
    name: 'Jane Officer',
    organisation: 'Securities and Futures Commission',
    email: 'jane.officer@sfc.example',
  },
  purpose: 'Enquiry under s.179 SFO into the trading of client C-1001 on 2026-11-21',
  criteria: { recordIds: [ID] },
  includeAudit: true,
};

// One archive's answers, for the response examples (bucket prefix h1181feb, local signer).
const ORIGIN = 'strongroom/h1181feb';
const BUCKET = 'h1181feb-records-7y';
const TRADE_KEY = `trade/2026/11/21/${ID}.json`;
const TRADE_SHA256 = 'a3fea7fa9a437eaf9a964fbea4e6ef802ad33268d4fdca90eef1a2c59ea7035f';
const TRADE_LEAF = '955128171470893d58c2593f29e698dbd16993a0bccd76ea71bb7fdbdec35dad';
const CHECKPOINT = {
  treeSize: 8,
  rootHash: 'f046341bb382123e9fd93713462ce3afb9de709725f2e335dd9a90dfc87b2994',
  createdAt: '2026-12-01T16:00:50.829Z',
  key: 'ledger/checkpoint/00000000000000000008',
};
const CHECKPOINT_NOTE =
  `${ORIGIN}\n8\n8EY0G7OCEj6f2TcTRizjr7necJcl8uM13ZqQ38h7KZQ=\n\n` +
  `\u2014 ${ORIGIN} nLMJmUh4ZXfmyChy+rKKz+bVq76HgC0/D86kjJapo4fMZtbuNi6vcvxdIO+bT6yC55fcpM2Pkx79qM0sutSsYeU+Xwo=\n`;
/** The example alert (EXAMPLE_OBJECTS.alertId) as GET /v1/alerts/{id} answers it. */
export const ALERT = {
  id: EXAMPLE_OBJECTS.alertId,
  raisedAt: '2026-12-01T02:00:00.000Z',
  source: 'fixity' as const,
  kind: 'checksum_mismatch',
  summary: `${BUCKET}/${TRADE_KEY}: the stored bytes hash differently from the catalog`,
  details: { bucket: BUCKET, key: TRADE_KEY, recordId: ID, expected: TRADE_SHA256, found: '0'.repeat(64) },
  open: true,
  acknowledgedAt: null,
  acknowledgedBy: null,
  acknowledgement: null,
};
const ALERT_ACK = 'Restored from the replica bucket after checking its SHA-256; incident INC-2026-114';
/** The compliance principal sending the examples, and the other one (four eyes). */
const COMPLIANCE = 'usr_729721f1446aa2924a3f16ad';
const COMPLIANCE_2 = 'usr_a8066aa58650f71e25fe3d48';
const INGEST_EVENT = {
  seq: 5,
  eventId: 'evt_01a23256-5d4a-7688-bcca-5272b61b865c',
  at: '2026-12-01T16:00:50.506Z',
  source: 'api',
  principalId: 'usr_2b40f9f672f1b791f21610e8',
  action: 'records.write',
  target: ID,
  outcome: 'allowed',
  ip: '127.0.0.1',
  requestId: 'req_c998ab29-7b66-4ee1-b30d-61c884d30875',
  details: {
    bucket: BUCKET,
    key: TRADE_KEY,
    method: 'POST',
    operation: 'record.ingest',
    route: '/v1/records',
    sha256: TRADE_SHA256,
    size: 347,
  },
  prevHash: 'e9bbd204fb692f703a31007196e3990d375f623ce6cec1e1064651043168e494',
  hash: '2e1535c88f33f44b38f498aa8c18cd1766cfa0ce0bdb686573521c31901a433d',
};
const PLACE_HOLD = {
  name: 'SFC enquiry 2026/118',
  matter: 'SFC enquiry into the November 2026 trading of client C-1001',
  reason: 'Records of the enquiry period must be kept until the SFC closes the enquiry',
  criteria: { clientId: 'C-1001', from: '2026-11-01', to: '2026-11-30' },
};
const RELEASE_REASON = 'Complaint CMP-2026-031 closed on 2026-11-30; nothing further to keep';
const APPROVAL_NOTE = 'Checked against the eligible list of 2026-12-01 and open holds';

export function exampleDocumentDescription(recordId = 'DOC-20261120-0001'): Json {
  return {
    recordType: 'document',
    recordId,
    documentType: 'client_agreement',
    title: 'Client agreement, C-1001',
    documentDate: '2026-11-20',
    clientId: 'C-1001',
    relatedRecordIds: [ID],
    fileName: 'agreement.pdf',
    contentType: 'application/pdf',
  };
}

const CSV_HEADER =
  'recordId,tradeId,orderId,executedAt,venue,instrument.exchange,instrument.code,side,quantity,price,currency,capacity,clientId,accountId';

export function operationExamples(): Record<string, OperationExample> {
  return {
    'post /v1/records': { body: { 'application/json': exampleTrade() }, status: '201' },
    'post /v1/batches': {
      body: {
        'application/x-ndjson':
          [trade('T-20261121-000002'), trade('T-20261121-000003', { quantity: 500 })]
            .map((r) => JSON.stringify(r))
            .join('\n') + '\n',
        'text/csv': `${CSV_HEADER}\nT-20261121-000004,T-20261121-000004,O-20261121-000420,2026-11-21T09:45:10.250+08:00,XHKG,XHKG,0700,buy,500,388.40,HKD,agency,C-1001,A-1001-01\n`,
      },
      bodyParameters: { 'text/csv': { type: 'trade' } },
      status: '200',
    },
    'post /v1/documents': {
      body: {
        'multipart/form-data': {
          description: exampleDocumentDescription(),
          file: '%PDF-1.4 signed client agreement',
        },
      },
      status: '201',
    },
    'get /v1/records': { parameters: { type: 'trade', clientId: 'C-1001', limit: '10' }, status: '200' },
    'get /v1/records/{id}': { parameters: { id: ID }, status: '200' },
    'get /v1/records/{id}/content': { parameters: { id: ID }, status: '200' },
    // The evidence ledger: the POST runs after the example writes, so its checkpoint covers them
    // (leaves 0-2: the set-up's two 2013 trades and fixity report; 3: the example trade; 4-7 the
    // batch and the document). Responses: one archive's (bucket prefix h1181feb), hashes and all.
    'post /v1/ledger/checkpoint': {
      status: '200',
      response: {
        mediaType: 'application/json',
        value: { ...CHECKPOINT, checkpoint: CHECKPOINT_NOTE },
      },
    },
    'get /v1/ledger/checkpoint': {
      status: '200',
      response: { mediaType: 'text/plain', value: CHECKPOINT_NOTE },
    },
    'get /v1/ledger/checkpoints': {
      parameters: { limit: '10' },
      status: '200',
      response: { mediaType: 'application/json', value: { items: [CHECKPOINT] } },
    },
    'get /v1/ledger/key': {
      status: '200',
      response: {
        mediaType: 'text/plain',
        value: `${ORIGIN}+9cb30999+Af3kUhOYOZH8j2eegJdcbHiSJXqZPgSYRVfBjHuVqZKF\n`,
      },
    },
    'get /v1/ledger/entries/{index}': {
      parameters: { index: '3' },
      status: '200',
      response: {
        mediaType: 'application/json',
        value: {
          index: 3,
          kind: 'record',
          id: ID,
          sha256: TRADE_SHA256,
          leafHash: TRADE_LEAF,
          leafData: Buffer.from(`strongroom-leaf-v1\nrecord\n${ID}\n${TRADE_SHA256}\n`).toString('base64'),
        },
      },
    },
    'get /v1/ledger/proof/inclusion': {
      parameters: { index: '3', treeSize: '8' },
      status: '200',
      response: {
        mediaType: 'application/json',
        value: {
          index: 3,
          treeSize: 8,
          leafHash: TRADE_LEAF,
          proof: [
            '41469a41ec10fb0683f46f62f75e21ef6e94cbbf0ac9510af225e97613006a0c',
            '2d1c46168032dfa6869d70c8f61cd5e2e7e1078e4ccc4a49040352de0cf4e7b5',
            '4da023d1f681a801069d703e60e31e808e19efff4d254be7e63036a3ed0f4525',
          ],
        },
      },
    },
    'get /v1/ledger/proof/consistency': {
      parameters: { from: '4', to: '8' },
      status: '200',
      response: {
        mediaType: 'application/json',
        value: {
          from: 4,
          to: 8,
          proof: ['4da023d1f681a801069d703e60e31e808e19efff4d254be7e63036a3ed0f4525'],
        },
      },
    },
    'get /v1/records/{id}/proof': {
      parameters: { id: ID },
      status: '200',
      response: {
        mediaType: 'text/plain',
        value:
          'c2sp.org/tlog-proof@v1\nindex 3\n' +
          'QUaaQewQ+waD9G9i914h726Uy78KyVEK8iXpdhMAagw=\nLRxGFoAy36aGnXDI9hzV4ufhB45MzEpJBANS3gz057U=\n' +
          `TaAj0faBqAEGnXA+YOMegI4Z7/9NJUvn5jA2o+0PRSU=\n\n${CHECKPOINT_NOTE}`,
      },
    },
    'get /v1/audit': {
      parameters: { target: ID, limit: '10' },
      status: '200',
      response: { mediaType: 'application/json', value: { items: [INGEST_EVENT] } },
    },
    'get /v1/audit/segments': { parameters: { limit: '10' }, status: '200' },
    // No response example: the answer's recordId and object are not in the documented AuditPage.
    'get /v1/records/{id}/audit': { parameters: { id: ID, limit: '10' }, status: '200' },
    'get /v1/reports/alp-top10': { parameters: { month: '2026-11' }, status: '200' },
    'get /v1/posture': { parameters: { format: 'json' }, status: '200' },
    'get /v1/alerts': { parameters: { limit: '10' }, status: '200' },
    'get /v1/alerts/{id}': {
      parameters: { id: EXAMPLE_OBJECTS.alertId },
      status: '200',
      response: { mediaType: 'application/json', value: { alert: ALERT } },
    },
    'post /v1/alerts/{id}/acknowledge': {
      parameters: { id: EXAMPLE_OBJECTS.alertId },
      body: { 'application/json': { reason: ALERT_ACK } },
      status: '200',
      response: {
        mediaType: 'application/json',
        value: {
          alert: {
            ...ALERT,
            open: false,
            acknowledgedAt: '2026-12-01T09:30:00.000Z',
            acknowledgedBy: COMPLIANCE,
            acknowledgement: ALERT_ACK,
          },
        },
      },
    },
    // Lifecycle: the hold, the disposition and the sweep named by id are EXAMPLE_OBJECTS.
    'post /v1/holds': {
      body: { 'application/json': PLACE_HOLD },
      status: '201',
      response: {
        mediaType: 'application/json',
        value: {
          hold: {
            id: 'hold_01a23255-ff74-71ba-a535-4ebb331ad222',
            ...PLACE_HOLD,
            placedBy: COMPLIANCE,
            placedAt: '2026-12-01T16:00:26.484Z',
            active: true,
            release: null,
          },
        },
      },
    },
    'get /v1/holds': { status: '200' },
    'get /v1/holds/{id}': { parameters: { id: EXAMPLE_OBJECTS.holdId }, status: '200' },
    'post /v1/holds/{id}/release': {
      parameters: { id: EXAMPLE_OBJECTS.holdId },
      body: { 'application/json': { reason: RELEASE_REASON } },
      status: '200',
      response: {
        mediaType: 'application/json',
        value: {
          hold: {
            id: EXAMPLE_OBJECTS.holdId,
            name: 'Complaint CMP-2026-031',
            matter: `Complaint of client C-1001 about the execution of ${ID}`,
            reason: 'Keep the trade until the complaint is closed',
            criteria: { recordIds: [ID] },
            placedBy: COMPLIANCE_2,
            placedAt: '2026-11-24T02:00:00.000Z',
            active: false,
            release: {
              releasedBy: COMPLIANCE,
              reason: RELEASE_REASON,
              releasedAt: '2026-12-01T16:00:26.497Z',
            },
          },
        },
      },
    },
    'post /v1/retention-events': {
      body: { 'application/json': { clientId: 'C-1001', event: 'relationship_ended', at: '2026-11-30' } },
      status: '201',
    },
    'get /v1/disposition': {
      parameters: { asOf: '2026-12-01', format: 'json' },
      status: '200',
      response: {
        mediaType: 'application/json',
        value: {
          asOf: '2026-12-01T00:00:00.000Z',
          items: [
            {
              recordId: EXAMPLE_OBJECTS.pastRecordIds[1],
              bucket: BUCKET,
              key: `trade/2013/11/21/${EXAMPLE_OBJECTS.pastRecordIds[1]}.json`,
              sha256: 'b7cfabeddfa3be14be1ef8566596fc49ac64f6a4a3cd9881b0a53eb47a9f8e65',
              retentionClass: '7y',
              retainUntil: '2020-11-21T00:00:00.000Z',
              protectedUntil: null,
            },
          ],
        },
      },
    },
    'post /v1/dispositions': {
      body: {
        'application/json': {
          reason: 'Annual disposition: 2013 trades past their seven years',
          recordIds: [EXAMPLE_OBJECTS.pastRecordIds[1]],
        },
      },
      status: '201',
    },
    'get /v1/dispositions': { status: '200' },
    'get /v1/dispositions/{id}': { parameters: { id: EXAMPLE_OBJECTS.dispositionId }, status: '200' },
    'post /v1/dispositions/{id}/approve': {
      parameters: { id: EXAMPLE_OBJECTS.dispositionId },
      body: { 'application/json': { note: APPROVAL_NOTE } },
      status: '200',
      response: {
        mediaType: 'application/json',
        value: {
          disposition: {
            id: EXAMPLE_OBJECTS.dispositionId,
            proposedBy: COMPLIANCE_2,
            proposedAt: '2026-11-28T01:00:00.000Z',
            reason: 'Annual disposition: 2013 trades past their seven years',
            asOf: '2026-11-28T00:00:00.000Z',
            selection: 'list',
            itemCount: 1,
            approval: { approvedBy: COMPLIANCE, approvedAt: '2026-12-01T16:00:26.562Z', note: APPROVAL_NOTE },
            done: 1,
          },
          results: [
            {
              recordId: EXAMPLE_OBJECTS.pastRecordIds[0],
              outcome: 'disposed',
              detail: 'deleted; tombstone written',
              at: '2026-12-01T16:00:26.584Z',
            },
          ],
        },
      },
    },
    'get /v1/verifications': { status: '200' },
    // No response example: the answer's problems list is not in the documented response.
    'get /v1/verifications/{id}': { parameters: { id: EXAMPLE_OBJECTS.verificationId }, status: '200' },
    // SFC access requests: the export named by id is EXAMPLE_OBJECTS.exportId.
    'post /v1/exports': { body: { 'application/json': EXPORT_REQUEST }, status: '202' },
    'get /v1/exports': { parameters: { limit: '10' }, status: '200' },
    'get /v1/exports/{id}': { parameters: { id: EXAMPLE_OBJECTS.exportId }, status: '200' },
    'post /v1/exports/{id}/links': {
      parameters: { id: EXAMPLE_OBJECTS.exportId },
      body: { 'application/json': { ttlMinutes: 60 } },
      status: '201',
    },
    'get /metrics': {
      status: '200',
      response: {
        mediaType: 'text/plain',
        value:
          '# HELP strongroom_http_requests_total HTTP requests\n# TYPE strongroom_http_requests_total counter\n',
      },
    },
    'get /healthz': { status: '200', response: { mediaType: 'application/json', value: { status: 'ok' } } },
    'get /readyz': {
      status: '200',
      response: {
        mediaType: 'application/json',
        value: { ready: true, checks: [{ name: 'catalog', ok: true, detail: 'ok' }] },
      },
    },
    'get /docs': {
      status: '200',
      response: { mediaType: 'text/html', value: '<!doctype html><title>strongroom API reference</title>' },
    },
    'get /openapi.json': {
      status: '200',
      response: { mediaType: 'application/json', value: { openapi: '3.1.0', info: { title: 'strongroom' } } },
    },
  };
}

/** Puts an operation's example into its parameters, request body and response (in place). */
export function applyExample(operation: Json, example: OperationExample | undefined): void {
  if (!example) return;
  const params = operation.parameters as Json[] | undefined;
  const all = Object.assign({}, example.parameters, ...Object.values(example.bodyParameters ?? {})) as Record<
    string,
    string
  >;
  for (const [name, value] of Object.entries(all)) {
    const p = params?.find((q) => q.name === name);
    if (p) p.example = value;
  }
  const content = (operation.requestBody as { content?: Record<string, Json> } | undefined)?.content;
  for (const [media, value] of Object.entries(example.body ?? {})) {
    const c = content?.[media];
    if (c) c.example = value;
  }
  if (example.response) {
    const r = (operation.responses as Record<string, { content?: Record<string, Json> }>)[example.status];
    const c = r?.content?.[example.response.mediaType];
    if (c) c.example = example.response.value;
  }
}
