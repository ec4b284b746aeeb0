/** Small builders shared by the OpenAPI operation files (openapi-lifecycle.ts, openapi-alerts.ts). */
import { z } from 'zod';
import type { Json } from './openapi-operations';

/** A zod schema as JSON Schema: its input form (what a client sends) unless told otherwise. */
export const schemaOf = (s: z.ZodType, io: 'input' | 'output' = 'input'): Json => {
  const { $schema: _s, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json;
  return rest;
};

/** A required JSON request body. */
export const body = (s: z.ZodType): Json => ({
  required: true,
  content: { 'application/json': { schema: schemaOf(s) } },
});

/** A JSON answer. */
export const answer = (description: string, schema: Json): Json => ({
  description,
  content: { 'application/json': { schema } },
});
