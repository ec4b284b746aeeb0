/**
 * The archive's HTTP API. `createApp(deps)` builds the express app without listening.
 * Routes, roles, limits and formats: src/http/openapi.ts (served at GET /openapi.json).
 */
export { createApp, resolveLimits } from './app';
export {
  DEFAULT_LIMITS,
  type AppDeps,
  type HttpLimits,
  type UnauditedRequest,
  type ReadinessCheck,
  type ReadinessReport,
} from './types';
export { HttpMetrics } from './metrics';
export { route, json, text, SENT, auditBeforeAnswer, type Answer, type RouteContext } from './route';
export { buildOpenApi } from './openapi';
export { DOCUMENT_HEADER, FILE_NAME_HEADER } from './routes/documents';
export { LIST_SEPARATOR } from './batch/csv';
