/** The audit routes' operations in the OpenAPI document (src/http/routes/audit.ts). */
import { z } from 'zod';
import { RECORD_ID_PATTERN } from '../records';
import { AuditQuerySchema, RecordAuditQuerySchema, SegmentsQuerySchema } from './audit-schemas';
import type { Json, Op } from './openapi-operations';

function queryParameters(schema: z.ZodType): Json[] {
  const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Json>;
  };
  return Object.entries(s.properties ?? {}).map(([name, p]) => {
    const { description, ...rest } = p;
    return { name, in: 'query', required: false, schema: rest, ...(description ? { description } : {}) };
  });
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const NEXT = {
  'x-strongroom-next-cursor': {
    schema: { type: 'string' },
    description: 'present when another page follows: pass it back as cursor',
  },
};

const eventsContent = {
  'application/json': { schema: ref('AuditPage') },
  'application/x-ndjson': { schema: { type: 'string', description: 'one AuditPage item per line' } },
  'text/csv': {
    schema: {
      type: 'string',
      description:
        'header row, then one event per row (CRLF); cells starting with = + - @ TAB or CR are prefixed with a single quote',
    },
  },
};

const ERRORS = ['BadRequest', 'Unauthorized', 'Forbidden', 'InternalError', 'Unavailable'];

export function auditOperations(): Op[] {
  return [
    {
      method: 'get',
      path: '/v1/audit',
      action: 'audit.read',
      summary: 'Audit events, filtered (keyset-paginated)',
      description:
        'Events of every source (api, oss-access-log, actiontrail) in trail order (seq). Filters combine with AND; ' +
        'from is inclusive, to exclusive. Unknown parameters are refused. format=json (default), ndjson or csv.',
      parameters: queryParameters(AuditQuerySchema),
      responses: { '200': { description: 'one page', headers: NEXT, content: eventsContent } },
      errors: ERRORS,
    },
    {
      method: 'get',
      path: '/v1/audit/segments',
      action: 'audit.read',
      summary: 'Sealed audit segments (paginated)',
      description:
        'Each segment: its object key in the audit bucket, its event range, SHA-256 and ledger index.',
      parameters: queryParameters(SegmentsQuerySchema),
      responses: {
        '200': {
          description: 'one page',
          headers: NEXT,
          content: { 'application/json': { schema: ref('SegmentPage') } },
        },
      },
      errors: ERRORS,
    },
    {
      method: 'get',
      path: '/v1/records/{id}/audit',
      action: 'audit.read',
      summary: 'Every audit event about a record, from every source (incl. access-log lines on its object)',
      parameters: [
        {
          name: 'id',
          in: 'path',
          required: true,
          schema: { type: 'string', pattern: RECORD_ID_PATTERN.source },
        },
        ...queryParameters(RecordAuditQuerySchema),
      ],
      responses: {
        '200': {
          description: 'one page',
          headers: NEXT,
          content: { ...eventsContent, 'application/json': { schema: ref('RecordAuditPage') } },
        },
      },
      errors: [...ERRORS, 'NotFound'],
    },
  ];
}
