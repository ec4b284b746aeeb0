/** The alert routes' operations for the OpenAPI document (openapi-operations.ts). */
import { AcknowledgeAlertSchema, AlertPageSchema, AlertQuerySchema, AlertSchema } from './alerts-schemas';
import type { Json, Op } from './openapi-operations';
import { answer, schemaOf } from './openapi-parts';

const ID = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

function queryParameters(): Json[] {
  const schema = schemaOf(AlertQuerySchema) as { properties?: Record<string, Json> };
  return Object.entries(schema.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    schema: s,
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
  }));
}

export function alertOperations(): Op[] {
  const alert = schemaOf(AlertSchema, 'output');
  return [
    {
      method: 'get',
      path: '/v1/alerts',
      action: 'alerts.read',
      summary: 'Alerts, newest first: open ones (what makes doctor fail), or every one with ?all=true',
      parameters: queryParameters(),
      responses: { '200': answer('a page of alerts', schemaOf(AlertPageSchema, 'output')) },
      errors: ['BadRequest', 'Unauthorized', 'Forbidden', 'InternalError', 'Unavailable'],
    },
    {
      method: 'get',
      path: '/v1/alerts/{id}',
      action: 'alerts.read',
      summary: 'One alert: where, what was expected and found, and its acknowledgement',
      parameters: [ID],
      responses: { '200': answer('the alert', { type: 'object', properties: { alert } }) },
      errors: ['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'InternalError', 'Unavailable'],
    },
    {
      method: 'post',
      path: '/v1/alerts/{id}/acknowledge',
      action: 'alerts.acknowledge',
      summary:
        'Acknowledge an open alert with a reason (once: 409 AlertAcknowledged after); audited in the same transaction',
      parameters: [ID],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: schemaOf(AcknowledgeAlertSchema) } },
      },
      responses: { '200': answer('the acknowledged alert', { type: 'object', properties: { alert } }) },
      errors: [
        'BadRequest',
        'Unauthorized',
        'Forbidden',
        'NotFound',
        'Conflict',
        'UnsupportedMediaType',
        'InternalError',
        'Unavailable',
      ],
    },
  ];
}
