/**
 * OPTIONS is answered like any other request (issue 8, item 9): the API serves no CORS (it is
 * called by servers and the CLI, with bearer tokens, never by browsers of other origins), so an
 * OPTIONS request is a 405 MethodNotAllowed with the `Allow` header, through the error
 * middleware, which records it in the audit trail like every other /v1 request. Express's own
 * automatic OPTIONS answer (200 with Allow, unauthenticated, unaudited) is never reached.
 *
 * The methods of a path come from the API's list of operations (the OpenAPI document's source,
 * which a test keeps equal to the routes).
 */
import type { RequestHandler } from 'express';
import { MethodNotAllowedError } from '../../errors';
import { notFoundHandler } from '../errors';
import { operations } from '../openapi-operations';

let table: { pattern: RegExp; methods: string[] }[] | undefined;

function routeTable(): { pattern: RegExp; methods: string[] }[] {
  if (table) return table;
  const byPath = new Map<string, Set<string>>();
  for (const op of operations()) {
    const methods = byPath.get(op.path) ?? new Set<string>();
    methods.add(op.method.toUpperCase());
    if (op.method === 'get') methods.add('HEAD');
    byPath.set(op.path, methods);
  }
  table = [...byPath].map(([path, methods]) => ({
    pattern: new RegExp(
      `^${path
        .split(/\{[^}]+\}/)
        .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
        .join('[^/]+')}/?$`,
    ),
    methods: [...methods].sort(),
  }));
  return table;
}

/** The methods served at `path` (empty for a path the API does not have). */
export function allowedMethods(path: string): string[] {
  return routeTable().find((r) => r.pattern.test(path))?.methods ?? [];
}

export const refuseOptions: RequestHandler = (req, _res, next) => {
  if (req.method !== 'OPTIONS') return next();
  const allow = allowedMethods(req.path);
  // A path the API does not have is a 404, as for any other method.
  if (allow.length === 0) return notFoundHandler(req, _res, next);
  next(
    new MethodNotAllowedError(`OPTIONS is not served: this path takes ${allow.join(', ')}`, {
      details: { allow },
      hint: 'the API serves no CORS preflight: call it from a server or the strongroom CLI, with a bearer token',
    }),
  );
};
