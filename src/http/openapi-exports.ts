/**
 * The SFC access requests' operations in the OpenAPI document (src/http/routes/exports.ts; the
 * service is src/export/service.ts, docs/decisions/0019-export-requests.md).
 */
import { z } from 'zod';
import { LINK_TTL_MINUTES } from '../export/links';
import { ExportRequestSchema } from '../export/selection';
import type { Json, Op } from './openapi-operations';

const EXPORT_ID = { type: 'string', pattern: '^ex-[0-9]{8}-[0-9a-f]{12}$' };
const TIME = { type: 'string', format: 'date-time' };
const COUNTS = {
  type: 'object',
  description: 'the records the criteria selected, and their stored bytes',
  properties: { records: { type: 'integer', minimum: 0 }, bytes: { type: 'integer', minimum: 0 } },
  required: ['records', 'bytes'],
};
const RECIPIENT = {
  type: 'object',
  properties: { name: { type: 'string' }, organisation: { type: 'string' }, email: { type: 'string' } },
  required: ['name', 'organisation'],
};
const STATUS = {
  enum: ['building', 'ready', 'failed'],
  description:
    'building (in the background; resumed after a restart), ready (the bag is stored and in the ledger), failed (see reason)',
};

function requestSchema(): Json {
  const { $schema: _s, ...rest } = z.toJSONSchema(ExportRequestSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Json;
  return rest;
}

/** GET /v1/exports/:id (ExportView of src/export/service.ts): never a URL or a secret. */
const EXPORT_VIEW: Json = {
  type: 'object',
  properties: {
    id: EXPORT_ID,
    status: STATUS,
    reason: { type: 'string', description: 'why the build failed (failed only)' },
    reference: { type: 'string', description: "the request's reference (the SFC's)" },
    recipient: RECIPIENT,
    purpose: { type: 'string' },
    criteria: { type: 'object', description: 'the criteria as sent', additionalProperties: true },
    includeAudit: { type: 'boolean' },
    requestedBy: { type: 'string', description: 'the principal who asked' },
    createdAt: TIME,
    finishedAt: { anyOf: [TIME, { type: 'null' }] },
    counts: COUNTS,
    bag: {
      anyOf: [
        {
          type: 'object',
          description: 'the stored ZIP (create-only, in the locked exports bucket) and its ledger leaf',
          properties: {
            bucket: { type: 'string' },
            key: { type: 'string' },
            sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            size: { type: 'integer', minimum: 0 },
            ledgerIndex: { type: 'integer', minimum: 0 },
          },
          required: ['bucket', 'key', 'sha256', 'size', 'ledgerIndex'],
        },
        { type: 'null' },
      ],
    },
    links: {
      type: 'array',
      description: 'the links issued (their URLs are never kept)',
      items: {
        type: 'object',
        properties: { issuedAt: TIME, expiresAt: TIME, issuedBy: { type: 'string' } },
        required: ['issuedAt', 'expiresAt', 'issuedBy'],
      },
    },
    downloads: {
      type: 'array',
      description: 'GETs of the bag seen in the imported OSS access logs (after `strongroom audit import`)',
      items: {
        type: 'object',
        properties: {
          at: TIME,
          ip: { type: ['string', 'null'] },
          bytes: { type: ['integer', 'null'], description: 'bytes OSS sent' },
          status: { type: ['integer', 'null'], description: "OSS's HTTP status" },
          recipient: {
            type: ['string', 'null'],
            description: "the recipient, when the request was signed with one of this export's links",
          },
        },
        required: ['at', 'ip', 'bytes', 'status', 'recipient'],
      },
    },
  },
  required: [
    'id',
    'status',
    'reference',
    'recipient',
    'purpose',
    'criteria',
    'includeAudit',
    'requestedBy',
    'createdAt',
    'finishedAt',
    'counts',
    'bag',
    'links',
    'downloads',
  ],
};

const SUMMARY: Json = {
  type: 'object',
  properties: {
    id: EXPORT_ID,
    status: STATUS,
    reason: { type: 'string' },
    reference: { type: 'string' },
    recipient: RECIPIENT,
    createdAt: TIME,
    counts: COUNTS,
  },
  required: ['id', 'status', 'reference', 'recipient', 'createdAt', 'counts'],
};

const answer = (description: string, schema: Json, headers?: Json): Json => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});
const ID = { name: 'id', in: 'path', required: true, description: 'the export id', schema: EXPORT_ID };
const READ_ERRORS = ['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'InternalError', 'Unavailable'];

export function exportOperations(): Op[] {
  const exportBody = { type: 'object', properties: { export: EXPORT_VIEW }, required: ['export'] };
  return [
    {
      method: 'post',
      path: '/v1/exports',
      action: 'exports.create',
      summary: 'Ask for an export (an SFC access request): a BagIt bag of the records the criteria select',
      description:
        'The selection is frozen now (records ingested later never slip in); the bag is built in the background. ' +
        'Criteria that select nothing are a 400; more records or bytes than exports.maxRecords/maxBytes a 413. ' +
        '?dryRun=true answers the count and size without building.',
      parameters: [
        {
          name: 'dryRun',
          in: 'query',
          required: false,
          description: 'true: count only, build nothing',
          schema: { enum: ['true', 'false'] },
        },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: requestSchema() } } },
      responses: {
        '202': answer('the export, building', exportBody, {
          Location: { schema: { type: 'string' }, description: '/v1/exports/<id>' },
        }),
        '200': answer('the dry run: what the export would hold', {
          type: 'object',
          properties: { dryRun: { const: true }, counts: COUNTS },
          required: ['dryRun', 'counts'],
        }),
      },
      errors: [
        'BadRequest',
        'Unauthorized',
        'Forbidden',
        'PayloadTooLarge',
        'UnsupportedMediaType',
        'InternalError',
        'Unavailable',
      ],
    },
    {
      method: 'get',
      path: '/v1/exports',
      action: 'exports.read',
      summary: 'Exports, newest first (?before=nextBefore for the next page)',
      parameters: [
        {
          name: 'limit',
          in: 'query',
          required: false,
          description: 'exports per page, 1 to 1000 (default 100)',
          schema: { type: 'string', pattern: '^[0-9]{1,4}$' },
        },
        {
          name: 'before',
          in: 'query',
          required: false,
          description: 'the nextBefore of the previous page',
          schema: EXPORT_ID,
        },
      ],
      responses: {
        '200': answer('a page of exports', {
          type: 'object',
          properties: { items: { type: 'array', items: SUMMARY }, nextBefore: EXPORT_ID },
          required: ['items'],
        }),
      },
      errors: ['BadRequest', 'Unauthorized', 'Forbidden', 'InternalError', 'Unavailable'],
    },
    {
      method: 'get',
      path: '/v1/exports/{id}',
      action: 'exports.read',
      summary: 'An export: its status, request, counts, bag, the links issued and the downloads seen',
      parameters: [ID],
      responses: { '200': answer('the export', exportBody) },
      errors: READ_ERRORS,
    },
    {
      method: 'post',
      path: '/v1/exports/{id}/links',
      action: 'exports.create',
      summary: "A download link for a ready export's bag, for its recipient",
      description:
        'A V4 presigned GET of the bag signed with STS credentials whose session policy allows GetObject on that one object ' +
        '(and from exports.linkSourceIps when set). The URL goes to the caller only: never logged or stored; the audit event ' +
        'names the recipient and the expiry. 409 ExportNotReady while the export is not ready.',
      parameters: [ID],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                ttlMinutes: {
                  type: 'integer',
                  minimum: LINK_TTL_MINUTES.min,
                  maximum: LINK_TTL_MINUTES.max,
                  default: LINK_TTL_MINUTES.default,
                  description: 'how long the link works',
                },
              },
              additionalProperties: false,
            },
          },
        },
      },
      responses: {
        '201': answer('the link', {
          type: 'object',
          properties: { url: { type: 'string', format: 'uri' }, expiresAt: TIME },
          required: ['url', 'expiresAt'],
        }),
      },
      errors: [...READ_ERRORS, 'Conflict', 'UnsupportedMediaType'],
    },
  ];
}
