import type { Registry } from 'prom-client';
import type { Authenticator, Principal } from '../auth/types';
import type { Catalog } from '../catalog';
import type { Config } from '../config';
import type { IngestService } from '../ingest/types';
import type { Logger } from '../log';
import type { ObjectStore } from '../storage/types';
import type { Clock } from '../util/clock';

/** What the HTTP layer needs from the catalog: record reads, search and the audit trail. */
export type HttpCatalog = Pick<Catalog, 'getRecord' | 'searchRecords' | 'corrections' | 'appendAudit'>;

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  /** Shown to anyone (GET /readyz is public): never a secret, a URL with credentials or a stack. */
  detail: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: ReadinessCheck[];
}

/** Size and concurrency limits of the API. Every one has a default (DEFAULT_LIMITS). */
export interface HttpLimits {
  /** Largest JSON body of POST /v1/records, bytes. */
  maxRecordBytes: number;
  /** Largest body of POST /v1/batches, bytes (413 past it). */
  maxBatchBytes: number;
  /** Most (non-blank) lines or CSV rows in one batch; later lines are answered with an error each. */
  maxBatchLines: number;
  /** Longest NDJSON line or CSV row, bytes; longer ones are answered with an error each. */
  maxBatchLineBytes: number;
  /**
   * OSS PUTs one batch makes at once. Up to 4 times as many lines are in flight (validating,
   * waiting for a PUT slot, committing), so the PUT slots are never left waiting on the catalog.
   */
  batchConcurrency: number;
  /** Largest document of POST /v1/documents, bytes (413 past it). */
  maxDocumentBytes: number;
  /** Largest document description (JSON), bytes. */
  maxDescriptionBytes: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  maxRecordBytes: 1024 * 1024,
  maxBatchBytes: 1024 * 1024 * 1024,
  maxBatchLines: 1_000_000,
  maxBatchLineBytes: 1024 * 1024,
  batchConcurrency: 32,
  maxDocumentBytes: 5 * 1024 * 1024 * 1024,
  maxDescriptionBytes: 64 * 1024,
};

export interface AppDeps {
  config: Config;
  logger: Logger;
  authenticator: Authenticator;
  catalog: HttpCatalog;
  ingest: IngestService;
  /** Only reads: GET /v1/records/:id/content streams the stored object. */
  store: Pick<ObjectStore, 'get'>;
  /** Readiness of the dependencies (catalog, store, retention locks); GET /readyz shows it. */
  readiness: () => Promise<ReadinessReport>;
  clock?: Clock;
  /** Where the API's metrics are registered; a new registry when absent. */
  metrics?: Registry;
  limits?: Partial<HttpLimits>;
  /**
   * Express `trust proxy` setting: which proxies' X-Forwarded-For to believe for the client IP
   * recorded in audit events. Default false (the socket's address).
   */
  trustProxy?: boolean | number | string | string[];
}

/** Per-request state, kept in res.locals.strongroom. */
export interface RequestState {
  requestId: string;
  logger: Logger;
  startedAt: number;
  /** The client's address (req.ip, per the trust proxy setting), taken while the socket is there. */
  ip?: string;
  /** The policy action of the matched route (undefined: no route matched). */
  action?: string;
  /** What the request is about: a record id, or the route. */
  target?: string;
  principal?: Principal;
  /** Set once an audit event for this request was appended (by the HTTP layer or the write path). */
  audited: boolean;
  /** The route appends the request's event itself when it ends (streamed answers): the safety net stays out. */
  auditOwnedByRoute?: boolean;
  /** Extra facts for the request's audit event. */
  auditDetails: Record<string, unknown>;
  /** Route pattern for metrics, e.g. `/v1/records/:id`. */
  route?: string;
}
