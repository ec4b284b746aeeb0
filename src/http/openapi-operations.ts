/**
 * The operations of the OpenAPI document: every route, its policy action, parameters, bodies and
 * answers. Roles are not written here: buildOpenApi takes them from the policy table.
 */
import { z } from 'zod';
import type { Action } from '../auth/policy';
import { RECORD_ID_PATTERN, RECORD_TYPES } from '../records';
import { LIST_SEPARATOR } from './batch/csv';
import { ledgerOperations } from './openapi-ledger';
import { DOCUMENT_HEADER, FILE_NAME_HEADER } from './routes/documents';
import { AlpReportQuerySchema, PostureQuerySchema, SearchQuerySchema } from './schemas';
import { describeField } from './openapi-formats';
import { lifecycleOperations } from './openapi-lifecycle';
import { auditOperations } from './openapi-audit';
import { alertOperations } from './openapi-alerts';
import { exportOperations } from './openapi-exports';

export type Json = Record<string, unknown>;

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const json = (schema: Json) => ({ 'application/json': { schema } });

export interface Op {
  method: 'get' | 'post';
  path: string;
  action?: Action;
  summary: string;
  description?: string;
  parameters?: Json[];
  requestBody?: Json;
  responses: Json;
  errors: string[];
}

function searchParameters(): Json[] {
  const schema = z.toJSONSchema(SearchQuerySchema, {
    io: 'input',
    unrepresentable: 'any',
    override: describeField,
  }) as {
    properties?: Record<string, Json>;
  };
  return Object.entries(schema.properties ?? {}).map(([name, s]) => {
    const { description, ...rest } = s;
    const said =
      typeof description === 'string' ? description : `records whose ${name} is exactly this value`;
    return { name, in: 'query', required: false, schema: rest, description: said };
  });
}

function reportParameters(schema: z.ZodType): Json[] {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(js.properties ?? {}).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: 'query',
      required: (js.required ?? []).includes(name),
      schema: rest,
      ...(description ? { description } : {}),
    };
  });
}

const ID_PARAM = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'the record id',
  schema: { type: 'string', pattern: RECORD_ID_PATTERN.source },
};

const CSV_RULES = [
  'CSV (text/csv, ?type=<recordType>): the first row is the header; each header is a field path.',
  '`instrument.exchange` makes a nested object; `charges.0.amount` indexes a list of objects.',
  'An empty cell leaves the field out. `recordType` comes from ?type unless a column gives it.',
  'Cells stay strings exactly as written, except fields the schema types as integer/number (an integer cell becomes a number),',
  `boolean (true/false) or a list of values (split on "${LIST_SEPARATOR}", e.g. tradeIds "T-1${LIST_SEPARATOR}T-2").`,
  'Quantities, prices and money stay decimal strings. Quoted fields may hold commas, quotes ("") and line breaks.',
].join(' ');

export function operations(): Op[] {
  const ingestResult = { content: json(ref('IngestResult')) };
  return [
    {
      method: 'post',
      path: '/v1/records',
      action: 'records.write',
      summary: 'Ingest one record',
      description:
        'Validated, stored create-only in a retention-locked bucket, catalogued, added to the ledger; the receipt proves it.',
      requestBody: { required: true, content: json(ref('Record')) },
      responses: {
        '201': {
          description: 'stored now',
          headers: { Location: { schema: { type: 'string' } } },
          ...ingestResult,
        },
        '200': {
          description: 'the same record (same id, same bytes) was already stored: its receipt',
          ...ingestResult,
        },
      },
      errors: [
        'BadRequest',
        'Unauthorized',
        'Forbidden',
        'Conflict',
        'PayloadTooLarge',
        'UnsupportedMediaType',
        'InternalError',
        'Unavailable',
      ],
    },
    {
      method: 'post',
      path: '/v1/batches',
      action: 'records.write',
      summary: 'Ingest a batch of records (NDJSON or CSV), streamed',
      description:
        'NDJSON (application/x-ndjson): one record per line. ' +
        CSV_RULES +
        ' The answer is NDJSON, one result line per input line in input order (blank lines are skipped; `line` is the physical line number), ' +
        'then a summary line. Status 200 is sent before the lines are processed: errors are per line. ' +
        'A body that grows past the size limit while streaming ends the batch with "complete": false.',
      parameters: [
        {
          name: 'type',
          in: 'query',
          required: false,
          schema: { type: 'string', enum: [...RECORD_TYPES] },
          description: 'CSV only: the record type of every row',
        },
      ],
      requestBody: {
        required: true,
        content: {
          'application/x-ndjson': { schema: { type: 'string', description: 'one JSON record per line' } },
          'text/csv': { schema: { type: 'string', description: 'a header row, then one record per row' } },
        },
      },
      responses: {
        '200': {
          description: 'one BatchLine per input line, then a summary line',
          content: { 'application/x-ndjson': { schema: ref('BatchLine') } },
        },
      },
      errors: [
        'BadRequest',
        'Unauthorized',
        'Forbidden',
        'PayloadTooLarge',
        'UnsupportedMediaType',
        'InternalError',
      ],
    },
    {
      method: 'post',
      path: '/v1/documents',
      action: 'records.write',
      summary: 'Ingest a document (a file and its description), streamed',
      description:
        `Raw body: the file, with its description in ${DOCUMENT_HEADER} (base64url of the UTF-8 JSON of a document record) and ` +
        `optionally its name in ${FILE_NAME_HEADER} (percent-encoded UTF-8). Or multipart/form-data: a "description" field ` +
        '(the JSON) BEFORE a "file" part; parts after the file are ignored.',
      parameters: [
        {
          name: DOCUMENT_HEADER,
          in: 'header',
          required: false,
          schema: { type: 'string' },
          description: 'raw uploads: base64url of the JSON description (required for them)',
        },
        {
          name: FILE_NAME_HEADER,
          in: 'header',
          required: false,
          schema: { type: 'string' },
          description: 'raw uploads: percent-encoded file name',
        },
      ],
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              properties: {
                description: ref('DocumentRecord'),
                file: { type: 'string', contentMediaType: 'application/octet-stream' },
              },
              required: ['description', 'file'],
            },
            encoding: { description: { contentType: 'application/json' } },
          },
          '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
        },
      },
      responses: {
        '201': { description: 'stored now', ...ingestResult },
        '200': { description: 'already stored with the same bytes', ...ingestResult },
      },
      errors: [
        'BadRequest',
        'Unauthorized',
        'Forbidden',
        'Conflict',
        'PayloadTooLarge',
        'InternalError',
        'Unavailable',
      ],
    },
    {
      method: 'get',
      path: '/v1/records',
      action: 'records.read',
      summary: 'Search records (paginated)',
      description:
        'Filters combine with AND; results are ordered by business date and record id. Unknown parameters are refused.',
      parameters: searchParameters(),
      responses: { '200': { description: 'one page', content: json(ref('SearchPage')) } },
      errors: ['BadRequest', 'Unauthorized', 'Forbidden', 'InternalError', 'Unavailable'],
    },
    {
      method: 'get',
      path: '/v1/records/{id}',
      action: 'records.read',
      summary: 'A record: catalog entry, receipt, corrections',
      parameters: [ID_PARAM],
      responses: { '200': { description: 'the record', content: json(ref('RecordView')) } },
      errors: ['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'InternalError', 'Unavailable'],
    },
    {
      method: 'get',
      path: '/v1/records/{id}/content',
      action: 'records.read',
      summary: 'The stored bytes of a record or document, streamed',
      parameters: [ID_PARAM],
      responses: {
        '200': {
          description: 'the stored object, exactly as stored',
          headers: {
            ETag: { schema: { type: 'string' } },
            'x-strongroom-sha256': {
              schema: { type: 'string' },
              description: 'SHA-256 (hex) recorded at ingest',
            },
            'x-strongroom-crc64': { schema: { type: 'string' }, description: 'CRC-64/XZ recorded at ingest' },
          },
          content: { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
        },
      },
      errors: ['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'InternalError', 'Unavailable'],
    },
    ...ledgerOperations(),
    ...auditOperations(),
    ...alertOperations(),
    {
      method: 'get',
      path: '/v1/reports/alp-top10',
      action: 'reports.read',
      summary: 'The ALP monthly top-10 report (Code of Conduct Schedule 8 para 27(d))',
      description:
        'Per ALP: the 10 largest users by HKD turnover in the Hong Kong calendar month, with corrections applied, exact decimals, the due date (10 Hong Kong business days after the month) and the ledger index of the archived copy. Without alpId: every ALP that traded (HTML needs one ALP).',
      parameters: reportParameters(AlpReportQuerySchema),
      responses: {
        '200': {
          description:
            'the report (JSON: one report with alpId, else {month, reports}), CSV or one HTML page',
          content: {
            'application/json': { schema: { type: 'object' } },
            'text/csv': { schema: { type: 'string' } },
            'text/html': { schema: { type: 'string' } },
          },
        },
      },
      errors: ['BadRequest', 'Unauthorized', 'Forbidden', 'InternalError', 'Unavailable'],
    },
    {
      method: 'get',
      path: '/v1/posture',
      action: 'reports.read',
      summary: 'The EDSP posture report (SFC circular, paragraph 7)',
      description:
        'Each line ok, warning or failing with its evidence; what a part of the archive cannot show yet is "not available", never invented.',
      parameters: reportParameters(PostureQuerySchema),
      responses: {
        '200': {
          description: 'the report as JSON or one HTML page',
          content: {
            'application/json': { schema: { type: 'object' } },
            'text/html': { schema: { type: 'string' } },
          },
        },
      },
      errors: ['BadRequest', 'Unauthorized', 'Forbidden', 'InternalError', 'Unavailable'],
    },
    {
      method: 'get',
      path: '/metrics',
      action: 'system.read',
      summary: 'Prometheus metrics',
      responses: {
        '200': {
          description: 'Prometheus text format',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
      },
      errors: ['Unauthorized', 'Forbidden', 'InternalError', 'Unavailable'],
    },
    {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness (public)',
      responses: {
        '200': {
          description: 'the process is up',
          content: json({ type: 'object', properties: { status: { const: 'ok' } } }),
        },
      },
      errors: [],
    },
    {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness of the dependencies (public; no secrets)',
      responses: {
        '200': { description: 'ready', content: json(ref('Readiness')) },
        '503': { description: 'not ready', content: json(ref('Readiness')) },
      },
      errors: [],
    },
    {
      method: 'get',
      path: '/docs',
      summary: 'This document rendered (Swagger UI from the installed package, no CDN; public)',
      responses: {
        '200': {
          description: 'an HTML page that loads /openapi.json',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
      },
      errors: [],
    },
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'This document (public)',
      responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } },
      errors: [],
    },
    ...lifecycleOperations(),
    ...exportOperations(),
  ];
}
