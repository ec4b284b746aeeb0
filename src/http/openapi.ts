/**
 * GET /openapi.json: an OpenAPI 3.1 document generated from the zod schemas (the record schemas of
 * src/records and the API's own, ./schemas), with every route, the roles its policy action admits
 * (from the policy table of src/auth) and its error answers.
 */
import { z } from 'zod';
import { rolesFor } from '../auth/policy';
import { RECORD_ID_PATTERN, RECORD_TYPES, recordSchemas, type RecordType } from '../records';
import { AuditPageSchema, SegmentPageSchema } from './audit-schemas';
import { json, operations, ref, type Json } from './openapi-operations';
import {
  BatchLineSchema,
  CatalogEntrySchema,
  ErrorBodySchema,
  IngestResultSchema,
  ReadinessSchema,
  ReceiptSchema,
  RecordViewSchema,
  SearchPageSchema,
} from './schemas';

function recordSchemaName(type: RecordType): string {
  return `${type.replace(/(^|_)([a-z])/g, (_m, _u: string, c: string) => c.toUpperCase())}Record`;
}

/** Custom (predicate) fields have no JSON Schema of their own: describe them with their refusal message. */
function describeCustom(ctx: { zodSchema: unknown; jsonSchema: Json }): void {
  const def = (
    ctx.zodSchema as { _zod?: { def?: { type?: string; params?: { code?: unknown }; error?: unknown } } }
  )._zod?.def;
  if (def?.type !== 'custom') return;
  if (def.params?.code === 'invalid_record_id') {
    Object.assign(ctx.jsonSchema, {
      type: 'string',
      pattern: RECORD_ID_PATTERN.source,
      description: 'a record id',
    });
    return;
  }
  if (typeof def.error === 'function') {
    const message: unknown = (def.error as (iss: unknown) => unknown)({
      code: 'custom',
      input: undefined,
      path: [],
    });
    if (typeof message === 'string') ctx.jsonSchema.description = message;
  }
}

/** Component schemas: zod's registry output, with its shared $defs lifted into components. */
function componentSchemas(): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const type of RECORD_TYPES)
    registry.add(recordSchemas[type] as z.ZodType, { id: recordSchemaName(type) });
  const own: [z.ZodType, string][] = [
    [ReceiptSchema, 'Receipt'],
    [IngestResultSchema, 'IngestResult'],
    [CatalogEntrySchema, 'CatalogEntry'],
    [RecordViewSchema, 'RecordView'],
    [SearchPageSchema, 'SearchPage'],
    [ErrorBodySchema, 'Error'],
    [BatchLineSchema, 'BatchLine'],
    [ReadinessSchema, 'Readiness'],
    [AuditPageSchema, 'AuditPage'],
    [SegmentPageSchema, 'SegmentPage'],
  ];
  for (const [schema, id] of own) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, {
    unrepresentable: 'any',
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
    override: describeCustom,
  }) as { schemas: Record<string, Json> };

  const schemas: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(out.schemas)) {
    if (name === '__shared') {
      for (const [def, s] of Object.entries((schema.$defs ?? {}) as Record<string, Json>))
        schemas[`Shared_${def}`] = s;
      continue;
    }
    const { $schema: _s, $id: _i, ...rest } = schema;
    schemas[name] = rest;
  }
  const text = JSON.stringify(schemas).replace(
    /#\/components\/schemas\/__shared#\/\$defs\/([A-Za-z0-9_]+)/g,
    '#/components/schemas/Shared_$1',
  );
  const result = JSON.parse(text) as Record<string, Json>;
  result.Record = {
    description: 'any record: the recordType field says which schema applies',
    oneOf: RECORD_TYPES.map((t) => ref(recordSchemaName(t))),
    discriminator: {
      propertyName: 'recordType',
      mapping: Object.fromEntries(
        RECORD_TYPES.map((t) => [t, `#/components/schemas/${recordSchemaName(t)}`]),
      ),
    },
  };
  return result;
}

const ERROR_RESPONSES: Record<string, string> = {
  BadRequest: 'invalid input (ValidationFailed with every issue, MalformedJson, BadRequest)',
  Unauthorized: 'no, bad or disabled credentials (Unauthenticated); WWW-Authenticate: Bearer',
  Forbidden: 'the role of the principal may not do this (Forbidden)',
  NotFound: 'no such record or route (NotFound)',
  Conflict:
    'same record id, different content (Conflict): send a correction record instead; or the object key ' +
    'holds an object of an earlier upload that never committed (ObjectKeyTaken): run strongroom reconcile',
  PayloadTooLarge: 'the body is larger than the configured limit (PayloadTooLarge)',
  UnsupportedMediaType: 'the Content-Type is not one the route accepts (UnsupportedMediaType)',
  InternalError: 'unexpected failure (InternalError); the details are in the log under the request id',
  Unavailable:
    'a dependency (store, catalog, audit trail) is unavailable or a bucket is not locked: retry later',
};

const STATUS_OF: Record<string, string> = {
  BadRequest: '400',
  Unauthorized: '401',
  Forbidden: '403',
  NotFound: '404',
  Conflict: '409',
  PayloadTooLarge: '413',
  UnsupportedMediaType: '415',
  InternalError: '500',
  Unavailable: '503',
};

function errorResponses(names: string[]): Json {
  return Object.fromEntries(
    names.map((n) => [STATUS_OF[n] as string, { $ref: `#/components/responses/${n}` }]),
  );
}

export function buildOpenApi(): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const op of operations()) {
    const roles = op.action ? rolesFor(op.action) : [];
    const access = op.action
      ? `Policy action \`${op.action}\`; roles: ${roles.join(', ')}.`
      : 'Public: no authentication.';
    (paths[op.path] ??= {})[op.method] = {
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[/._-]+([a-z0-9])/g, (_m, c: string) => c.toUpperCase())}`,
      summary: op.summary,
      description: [op.description, access].filter(Boolean).join('\n\n'),
      security: op.action ? [{ bearer: [] }] : [],
      ...(op.action ? { 'x-strongroom-action': op.action, 'x-strongroom-roles': roles } : {}),
      ...(op.parameters ? { parameters: op.parameters } : {}),
      ...(op.requestBody ? { requestBody: op.requestBody } : {}),
      responses: { ...op.responses, ...errorResponses(op.errors) },
    };
  }
  const responses = Object.fromEntries(
    Object.entries(ERROR_RESPONSES).map(([name, description]) => [
      name,
      {
        description,
        content: json(ref('Error')),
        ...(name === 'Unauthorized'
          ? {
              headers: {
                'WWW-Authenticate': { schema: { type: 'string' }, description: 'Bearer realm="strongroom"' },
              },
            }
          : {}),
      },
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'strongroom',
      version: '1.0.0',
      description:
        'A WORM archive for regulatory records. Every request carries an x-request-id (a sane incoming one is kept) and every ' +
        'access to /v1 and /metrics, allowed or denied, is recorded in the audit trail.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: componentSchemas(),
      responses,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'an API token (sr_...) or an OIDC access token',
        },
      },
    },
  };
}
