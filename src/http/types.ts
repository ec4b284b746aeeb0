import type { Registry } from 'prom-client';
import type { AlertsApi } from './routes/alerts';
import type { AuditScope, AuditTrail } from '../audit/scope';
import type { Catalog } from '../catalog';
import type { ExportService } from '../export/service';
import type { Evidence } from '../evidence';
import type { Authenticator, Principal } from '../auth/types';
import type { IngestService } from '../ingest/types';
import type { LifecycleDeps } from '../lifecycle';
import type { Logger } from '../log';
import type { RecordReader } from '../reads/record-reader';
import type { ReportService, Rendered } from '../reports/service';
import type { Clock } from '../util/clock';

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

/**
 * Size and concurrency limits of the API. Every one has a default (DEFAULT_LIMITS, the only
 * place they are written); the composition root resolves them once (resolveLimits) from the
 * configuration's `server.limits`.
 */
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
  /**
   * A request body that delivers nothing for this long, while the archive waits for it, is
   * answered 408 RequestTimeout (audited) and its connection closed. A body that keeps sending,
   * however long, is never cut; nor is one the archive is slow to read.
   */
  bodyIdleTimeoutMs: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  maxRecordBytes: 1024 * 1024,
  maxBatchBytes: 1024 * 1024 * 1024,
  maxBatchLines: 1_000_000,
  maxBatchLineBytes: 1024 * 1024,
  batchConcurrency: 32,
  maxDocumentBytes: 5 * 1024 * 1024 * 1024,
  maxDescriptionBytes: 64 * 1024,
  bodyIdleTimeoutMs: 30_000,
};

/** A request that finished with no audit event: a bug (see AppDeps.onUnaudited). */
export interface UnauditedRequest {
  method: string;
  route: string;
  status: number;
  requestId: string;
}

export interface AppDeps {
  logger: Logger;
  /** Legal holds and fixity reports (src/lifecycle); their routes are mounted when given. */
  lifecycle?: LifecycleDeps;
  authenticator: Authenticator;
  /** The audit trail every request's event goes to (src/audit/scope.ts). */
  auditTrail: AuditTrail;
  /** The audit trail, read: queries and sealed segments (src/http/routes/audit.ts). */
  auditLog: Pick<Catalog, 'queryAudit' | 'auditSegments'>;
  /** The record read service: lookup, search, stored bytes. */
  records: RecordReader;
  ingest: IngestService;
  /** SFC access requests (src/export/service.ts); absent, the export routes answer 503. */
  exports?: ExportService;
  /** Alerts (src/http/routes/alerts.ts): read and acknowledged; the routes answer 503 without it. */
  alerts?: AlertsApi;
  /** The evidence ledger (checkpoints, proofs); its routes answer 503 without it. */
  evidence?: Pick<Evidence, 'ledger' | 'checkpointNow'>;
  /** The ALP top-10 reports (GET /v1/reports/alp-top10). */
  reports: ReportService;
  /** The EDSP posture report, gathered now and rendered (GET /v1/posture). */
  posture: (format: 'json' | 'html') => Promise<Rendered>;
  /** Readiness of the dependencies (catalog, store, retention locks); GET /readyz shows it. */
  readiness: () => Promise<ReadinessReport>;
  /** The API's limits, resolved once (resolveLimits). */
  limits: HttpLimits;
  clock?: Clock;
  /** Where the API's metrics are registered; a new registry when absent. */
  metrics?: Registry;
  /**
   * Express `trust proxy` setting: which proxies' X-Forwarded-For to believe for the client IP
   * recorded in audit events. Default false (the socket's address).
   */
  trustProxy?: boolean | number | string | string[];
  /**
   * Called when an auditable request finished and nobody recorded (or tried to record) its event:
   * a bug, which the test suites turn into a failure. Default: logged at error, and the event
   * appended after the answer so that the trail still holds the access.
   */
  onUnaudited?: (request: UnauditedRequest) => void;
}

/** Per-request state, kept in res.locals.strongroom. */
export interface RequestState {
  requestId: string;
  logger: Logger;
  startedAt: number;
  /** The client's address (req.ip, per the trust proxy setting), taken while the socket is there. */
  ip?: string;
  /** Set by the route guard once the caller is authenticated. */
  principal?: Principal;
  /** The request's audit event: its one owner (src/audit/scope.ts). */
  audit: AuditScope;
  /** Route pattern for metrics, e.g. `/v1/records/:id`. */
  route?: string;
  /** Releases the hold route() takes on the audit scope while the request is served. */
  releaseRoute?: () => void;
  /** The error the request ended with, for its one log line (set by src/http/errors.ts). */
  failure?: { code: string; message: string; details?: unknown; err?: unknown };
  /** A batch's counts, for its log line (set by the batch route). */
  batch?: Record<string, number | boolean>;
}
