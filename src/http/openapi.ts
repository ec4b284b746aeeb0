/**
 * GET /openapi.json: an OpenAPI 3.1 document generated from the zod schemas (the record schemas of
 * src/records and the API's own, ./schemas), with every route, the roles its policy action admits
 * (from the policy table of src/auth) and its error answers.
 */
import { z } from 'zod';
import { rolesFor } from '../auth/policy';
import { RECORD_TYPES, recordSchemas, type RecordType } from '../records';
import { applyExample, operationExamples } from './openapi-examples';
import { describeField, NAMED_FIELDS } from './openapi-formats';
import { AuditPageSchema, RecordAuditPageSchema, SegmentPageSchema } from './audit-schemas';
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
    [RecordAuditPageSchema, 'RecordAuditPage'],
    [SegmentPageSchema, 'SegmentPage'],
  ];
  for (const [schema, id] of own) registry.add(schema, { id });
  // The shared fields by name (Money, Timestamp, Quantity...), typed by openapi-formats.ts.
  for (const [schema, id] of NAMED_FIELDS) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, {
    unrepresentable: 'any',
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
    override: describeField,
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
  // Shared definitions zod could not name (z.json(): any JSON value) get a name of what they are.
  const rename = new Map<string, string>();
  for (const name of Object.keys(schemas).filter((n) => n.startsWith('Shared_'))) {
    const shape = JSON.stringify(schemas[name]).replaceAll(`#/components/schemas/${name}"`, '#SELF"');
    const isJson =
      /^\{"anyOf":\[\{"type":"string"\},\{"type":"number"\},\{"type":"boolean"\},\{"type":"null"\}/.test(
        shape,
      );
    const same = [...rename.entries()].find(
      ([other, to]) =>
        to !== other &&
        JSON.stringify(schemas[other]).replaceAll(`#/components/schemas/${other}"`, '#SELF"') === shape,
    );
    rename.set(name, same ? same[1] : isJson ? 'JsonValue' : name);
  }
  for (const [from, to] of rename) {
    if (from !== to) {
      if (!schemas[to]) schemas[to] = schemas[from] as Json;
      delete schemas[from];
    }
  }
  let text = JSON.stringify(schemas).replace(
    /#\/components\/schemas\/__shared#\/\$defs\/([A-Za-z0-9_]+)/g,
    '#/components/schemas/Shared_$1',
  );
  for (const [from, to] of rename)
    text = text.replaceAll(`"#/components/schemas/${from}"`, `"#/components/schemas/${to}"`);
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

/** The tag of a route: its first segment under /v1 (`records`, `batches`...), else `system`. */
function tagOf(path: string): string {
  return /^\/v1\/([a-z][a-z-]*)/.exec(path)?.[1] ?? 'system';
}

const TAG_DESCRIPTIONS: Record<string, string> = {
  records: 'Records: ingest one, look one up, read its stored bytes, search',
  batches: 'Many records at once: NDJSON or CSV, streamed, one result line per input line',
  documents: 'Files (agreements, recordings, logs) with their description',
  exports: 'SFC access requests: self-verifying BagIt bags of records, download links, downloads seen',
  system: 'Probes, metrics and this description',
};

export function buildOpenApi(): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const tags = new Set<string>();
  const examples = operationExamples();
  for (const op of operations()) {
    const tag = tagOf(op.path);
    tags.add(tag);
    const roles = op.action ? rolesFor(op.action) : [];
    const access = op.action
      ? `Policy action \`${op.action}\`; roles: ${roles.join(', ')}.`
      : 'Public: no authentication.';
    const operation: Json = {
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[/._-]+([a-z0-9])/g, (_m, c: string) => c.toUpperCase())}`,
      tags: [tag],
      summary: op.summary,
      description: [op.description, access].filter(Boolean).join('\n\n'),
      security: op.action ? [{ bearer: [] }] : [],
      ...(op.action ? { 'x-strongroom-action': op.action, 'x-strongroom-roles': roles } : {}),
      ...(op.parameters ? { parameters: op.parameters } : {}),
      ...(op.requestBody ? { requestBody: op.requestBody } : {}),
      responses: { ...op.responses, ...errorResponses(op.errors) },
    };
    // Copies: the operations' parameter and body objects are shared between operations.
    const own = JSON.parse(JSON.stringify(operation)) as Json;
    applyExample(own, examples[`${op.method} ${op.path}`]);
    (paths[op.path] ??= {})[op.method] = own;
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
      license: { name: 'UNLICENSED (proprietary)', identifier: 'LicenseRef-Proprietary' },
      contact: { name: 'the operator of this archive' },
      description:
        'A WORM archive for regulatory records. Every request carries an x-request-id (a sane incoming one is kept) and every ' +
        'access to /v1 and /metrics, allowed or denied, is recorded in the audit trail.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    // Relative: the archive that serves this document (local: http://127.0.0.1:8080).
    servers: [{ url: '/', description: 'the archive serving this document' }],
    tags: [...tags].map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? `the ${name} routes` })),
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
