/** The lifecycle routes' operations (holds, verifications) for the OpenAPI document (openapi-operations.ts). */
import {
  ApproveDispositionSchema,
  HoldSchema,
  PlaceHoldSchema,
  ProposeDispositionSchema,
  ReleaseHoldSchema,
  RetentionEventSchema,
  VerificationSchema,
} from './lifecycle-schemas';
import type { Op } from './openapi-operations';
import { answer, body, schemaOf } from './openapi-parts';

const ID = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const READ_ERRORS = ['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'InternalError', 'Unavailable'];

export function lifecycleOperations(): Op[] {
  const hold = schemaOf(HoldSchema);
  const verification = schemaOf(VerificationSchema);
  return [
    {
      method: 'post',
      path: '/v1/holds',
      action: 'holds.manage',
      summary: 'Place a legal hold: the records its criteria cover (now and later) cannot be disposed of',
      requestBody: body(PlaceHoldSchema),
      responses: { '201': answer('the hold', { type: 'object', properties: { hold } }) },
      errors: [
        'BadRequest',
        'Unauthorized',
        'Forbidden',
        'UnsupportedMediaType',
        'InternalError',
        'Unavailable',
      ],
    },
    {
      method: 'get',
      path: '/v1/holds',
      action: 'holds.read',
      summary: 'Every legal hold, newest first',
      responses: {
        '200': answer('the holds', { type: 'object', properties: { items: { type: 'array', items: hold } } }),
      },
      errors: ['Unauthorized', 'Forbidden', 'InternalError', 'Unavailable'],
    },
    {
      method: 'get',
      path: '/v1/holds/{id}',
      action: 'holds.read',
      summary: 'A legal hold and the records it covers (1000 per page; ?cursor=nextCursor)',
      parameters: [ID, { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } }],
      responses: { '200': answer('the hold and its records', { type: 'object', properties: { hold } }) },
      errors: READ_ERRORS,
    },
    {
      method: 'post',
      path: '/v1/holds/{id}/release',
      action: 'holds.manage',
      summary:
        'Release a legal hold (by another compliance principal than the one who placed it: 403 FourEyesRequired otherwise)',
      parameters: [ID],
      requestBody: body(ReleaseHoldSchema),
      responses: { '200': answer('the released hold', { type: 'object', properties: { hold } }) },
      errors: [...READ_ERRORS, 'Conflict'],
    },
    {
      method: 'post',
      path: '/v1/retention-events',
      action: 'retention.manage',
      summary:
        "A client's relationship ended: its records in event-based classes are kept the class's days from then (retain-until only moves later)",
      requestBody: body(RetentionEventSchema),
      responses: { '201': answer('the event and the records it changed', { type: 'object' }) },
      errors: [
        'BadRequest',
        'Unauthorized',
        'Forbidden',
        'UnsupportedMediaType',
        'Conflict',
        'InternalError',
        'Unavailable',
      ],
    },
    {
      method: 'get',
      path: '/v1/disposition',
      action: 'dispositions.read',
      summary:
        'Records eligible for disposition as of a date: retain-until passed, the bucket protection passed, no active hold (JSON, or ?format=csv)',
      parameters: [
        { name: 'asOf', in: 'query', required: false, schema: { type: 'string', format: 'date' } },
        { name: 'format', in: 'query', required: false, schema: { enum: ['json', 'csv'] } },
        { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
      ],
      responses: { '200': answer('the eligible records', { type: 'object' }) },
      errors: ['BadRequest', 'Unauthorized', 'Forbidden', 'InternalError', 'Unavailable'],
    },
    {
      method: 'post',
      path: '/v1/dispositions',
      action: 'dispositions.manage',
      summary: 'Propose a disposition: the records named, or every record eligible as of a date',
      requestBody: body(ProposeDispositionSchema),
      responses: { '201': answer('the proposal', { type: 'object' }) },
      errors: [
        'BadRequest',
        'Unauthorized',
        'Forbidden',
        'UnsupportedMediaType',
        'Conflict',
        'InternalError',
        'Unavailable',
      ],
    },
    {
      method: 'get',
      path: '/v1/dispositions',
      action: 'dispositions.read',
      summary: 'Every disposition, newest first',
      responses: { '200': answer('the dispositions', { type: 'object' }) },
      errors: ['Unauthorized', 'Forbidden', 'InternalError', 'Unavailable'],
    },
    {
      method: 'get',
      path: '/v1/dispositions/{id}',
      action: 'dispositions.read',
      summary: 'A disposition: its items and the result of each',
      parameters: [ID],
      responses: { '200': answer('the disposition', { type: 'object' }) },
      errors: READ_ERRORS,
    },
    {
      method: 'post',
      path: '/v1/dispositions/{id}/approve',
      action: 'dispositions.manage',
      summary:
        'Approve a disposition (another compliance principal than the proposer) and delete its objects through the disposition role; each leaves a tombstone',
      parameters: [ID],
      requestBody: body(ApproveDispositionSchema),
      responses: { '200': answer('the disposition and each result', { type: 'object' }) },
      errors: [...READ_ERRORS, 'Conflict'],
    },
    {
      method: 'get',
      path: '/v1/verifications',
      action: 'verifications.read',
      summary: 'Fixity sweeps, newest first, with their sealed reports',
      responses: {
        '200': answer('the sweeps', {
          type: 'object',
          properties: { items: { type: 'array', items: verification } },
        }),
      },
      errors: ['Unauthorized', 'Forbidden', 'InternalError', 'Unavailable'],
    },
    {
      method: 'get',
      path: '/v1/verifications/{id}',
      action: 'verifications.read',
      summary: 'A fixity sweep and every problem it found (bucket, key, record id, expected, found)',
      parameters: [ID],
      responses: {
        '200': answer('the sweep', {
          type: 'object',
          properties: {
            verification,
            problems: {
              type: 'array',
              description: 'every problem the sweep found',
              items: {
                type: 'object',
                properties: {
                  kind: { type: 'string' },
                  bucket: { type: 'string' },
                  key: { type: 'string' },
                  recordId: { type: ['string', 'null'] },
                  expected: { type: 'string' },
                  found: { type: 'string' },
                },
                required: ['kind', 'bucket', 'key', 'recordId', 'expected', 'found'],
              },
            },
          },
        }),
      },
      errors: READ_ERRORS,
    },
  ];
}
