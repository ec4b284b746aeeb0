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
