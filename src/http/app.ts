/**
 * createApp(deps): the express app of the archive API. It only builds the app; the caller listens
 * (and handles signals), so tests start it on port 0 and the composition root decides the rest.
 */
import express from 'express';
import { ConfigError } from '../errors';
import { errorHandler, notFoundHandler } from './errors';
import { HttpMetrics } from './metrics';
import { bodyIdleTimeout } from './middleware/body-timeout';
import { refuseOptions } from './middleware/methods';
import { beginRequest } from './middleware/request';
import { buildOpenApi } from './openapi';
import { alertsRouter } from './routes/alerts';
import { auditRouter } from './routes/audit';
import { batchesRouter } from './routes/batches';
import { docsRouter } from './routes/docs';
import { documentsRouter } from './routes/documents';
import { exportsRouter } from './routes/exports';
import { ledgerRouter } from './routes/ledger';
import { lifecycleRouter } from './routes/lifecycle';
import { recordsRouter } from './routes/records';
import { reportsRouter } from './routes/reports';
import { systemRouter } from './routes/system';
import { DEFAULT_LIMITS, type AppDeps, type HttpLimits } from './types';

/** The API's limits: the defaults, overridden by what is given (the configuration's server.limits). */
export function resolveLimits(given: Partial<HttpLimits> | undefined): HttpLimits {
  const limits: HttpLimits = { ...DEFAULT_LIMITS };
  for (const [name, value] of Object.entries(given ?? {}) as [keyof HttpLimits, unknown][]) {
    if (value === undefined) continue;
    if (!(name in DEFAULT_LIMITS)) throw new ConfigError(`http limits: unknown limit ${name}`);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new ConfigError(`http limits: ${name} must be a positive integer, got ${String(value)}`);
    }
    limits[name] = value;
  }
  if (limits.batchConcurrency > 256) throw new ConfigError('http limits: batchConcurrency is at most 256');
  return limits;
}

export function createApp(deps: AppDeps): express.Express {
  const limits = deps.limits;
  const metrics = new HttpMetrics(deps.metrics);
  let openapi: unknown;
  const openapiDocument = () => (openapi ??= buildOpenApi());

  const app = express();
  app.disable('x-powered-by');
  // Express's own fallback handler never shows a stack trace in production mode.
  app.set('env', 'production');
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ?? false);
  app.set('query parser', 'simple');

  app.use(beginRequest(deps, metrics));
  app.use(bodyIdleTimeout(limits.bodyIdleTimeoutMs));
  app.use(refuseOptions);
  app.use(systemRouter(deps, metrics, openapiDocument));
  app.use(docsRouter());
  const v1 = express.Router();
  v1.use(ledgerRouter(deps));
  v1.use(recordsRouter(deps, limits, metrics));
  v1.use(batchesRouter(deps, limits, metrics));
  v1.use(documentsRouter(deps, limits, metrics));
  v1.use(auditRouter(deps));
  v1.use(alertsRouter(deps));
  v1.use(exportsRouter(deps));
  if (deps.lifecycle) v1.use(lifecycleRouter(deps, deps.lifecycle));
  v1.use(reportsRouter(deps));
  app.use('/v1', v1);
  app.use(notFoundHandler);
  app.use(errorHandler());
  return app;
}
