/**
 * The HTTP layer on the real write path: createApp on port 0 with the real ingest service, the
 * real record read service and real API tokens, over a SQLite catalog in a temp directory and the
 * OSS emulator (one per test file, with buckets of its own for each server), driven with global
 * fetch. The export service is the real one too: it builds bags from the server's records into
 * the file's one exports bucket and signs links with STS credentials of the emulator's control
 * plane (the service user assumes the export-reader role, as `serve` does locally).
 *
 * Fakes only for faults nothing else produces: an audit trail that refuses events, a store whose
 * download breaks half-way, a write path that throws an unexpected error for chosen ids. The
 * store and the ingest service are also instrumented (PUTs and ingests in flight, an optional
 * delay per PUT), which changes nothing they do.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import type { Registry } from 'prom-client';
import { issueToken, TokenAuthenticator } from '../../src/auth/tokens';
import { ROLES, type Role } from '../../src/auth/types';
import { openCatalog, type AuditEvent, type Catalog } from '../../src/catalog';
import { bucketPlan, parseConfig } from '../../src/config';
import {
  createApp,
  resolveLimits,
  type AppDeps,
  type HttpLimits,
  type ReadinessReport,
} from '../../src/http';
import { ArchiveIngestService } from '../../src/ingest/service';
import type { DocumentUpload, IngestResult, IngestService, WriteContext } from '../../src/ingest/types';
import { createLogger, silentLogger } from '../../src/log';
import { RecordReader } from '../../src/reads/record-reader';
import { openArchiveSeal } from '../../src/runtime/seal';
import { createHttpServer } from '../../src/http/server';
import { postureRenderer, reportService } from '../../src/runtime/posture';
import { openStore, type StoreHandle } from '../../src/runtime/store';
import { openCloud, type CloudHandle } from '../../src/runtime/cloud';
import { createObjectStore } from '../../src/storage';
import { LedgerExportEvidence } from '../../src/export/evidence';
import { ExportService } from '../../src/export/service';
import { systemClock } from '../../src/util/clock';
import type { ObjectStore, StorageAdapter } from '../../src/storage/types';
import { onUnaudited } from '../helpers/audit-guard';
import { tempDir } from '../helpers/common';
import { recordIdOf } from '../../src/records';
import { createSigner } from '../../src/cloud';
import { createEvidence, ledgerOrigin, type Evidence } from '../../src/evidence';
import { BackgroundJobs } from '../../src/runtime/jobs';
import { SqliteLeaderLock } from '../../src/runtime/leader';
import { exampleTrade } from '../../src/records/fixtures';
import { DispositionService, HoldService, RetentionService, VerificationReader } from '../../src/lifecycle';

export { postJson, ndjson } from '../helpers/common';
export { trade } from '../../src/records/fixtures';

/** The REGULATORY.md trade (T-20261121-000001). */
export const TRADE = exampleTrade() as Record<string, unknown> & { recordId: string };

/** Faults to inject, switched on by the test. */
export interface Faults {
  /** The audit trail refuses every event appended on its own (the database is down for it). */
  failAudit: boolean;
  /** Downloads of stored objects break after half their bytes. */
  failGetMidStream: boolean;
  /** Record ids whose ingest throws an unexpected (untyped) error. */
  explode: Set<string>;
  /** A delay (ms) before each PUT of a key, to make lines finish out of order. */
  putDelay?: (key: string) => number;
}

export interface TestServer {
  url: string;
  catalog: Catalog;
  /** The adapter over the emulator (to look at what was stored). */
  store: StorageAdapter;
  /** The records bucket of the 7-year class. */
  bucket: string;
  /** Per role: the principal's id and its API token. */
  principals: Record<Role, { id: string; token: string }>;
  faults: Faults;
  /** Most PUTs and most ingests (lines) in flight at once. */
  stats: { maxPutsInFlight: number; maxIngestsInFlight: number };
  /** Every log line, parsed. */
  logs: Record<string, unknown>[];
  /** The raw log text (to check that secrets never reach it). */
  logText(): string;
  setReadiness(fn: () => Promise<ReadinessReport>): void;
  /** The audit events of one request, in trail order. */
  eventsFor(requestId: string): Promise<AuditEvent[]>;
  auditEvents(): Promise<AuditEvent[]>;
  /** The evidence ledger (checkpointer run on demand: `evidence.checkpointNow()`). */
  evidence: Evidence;
  /** SFC access requests (builds run when an export is created; `runPending()` waits for them). */
  exports: ExportService;
  /** The SQLite file of the catalog (to inject faults of the database itself). */
  catalogPath: string;
  /** The stored JSON of a catalogued record (parsed). */
  storedJson(recordId: string): Promise<unknown>;
  close(): Promise<void>;
}

export interface StartOptions {
  limits?: Partial<HttpLimits>;
  metrics?: Registry;
}

let current: TestServer | undefined;

/** Authorization headers of the role's principal on the server started last. */
export function auth(role: Role): Record<string, string> {
  if (!current) throw new Error('auth(): no test server started');
  return { authorization: `Bearer ${current.principals[role].token}` };
}

/** The object store with the faults and counters of the test. */
function instrumentedStore(store: ObjectStore, faults: Faults, stats: TestServer['stats']): ObjectStore {
  let puts = 0;
  const counted = async <T>(key: string, put: () => Promise<T>): Promise<T> => {
    puts++;
    stats.maxPutsInFlight = Math.max(stats.maxPutsInFlight, puts);
    try {
      const wait = faults.putDelay?.(key) ?? 0;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return await put();
    } finally {
      puts--;
    }
  };
  return {
    putBuffer: (bucket, key, body, options) =>
      counted(key, () => store.putBuffer(bucket, key, body, options)),
    putStream: (bucket, key, body, options) =>
      counted(key, () => store.putStream(bucket, key, body, options)),
    get: async (bucket, key, options) => {
      const got = await store.get(bucket, key, options);
      if (!faults.failGetMidStream) return got;
      got.body.destroy();
      const half = Math.floor(got.info.size / 2);
      const stored = await store.getBuffer(bucket, key);
      const body = new Readable({
        read() {
          this.push(stored.body.subarray(0, half));
          this.destroy(new Error('connection reset by the store'));
        },
      });
      return { info: got.info, body };
    },
    getBuffer: (bucket, key) => store.getBuffer(bucket, key),
    head: (bucket, key) => store.head(bucket, key),
    list: (bucket, options) => store.list(bucket, options),
    signedUrl: (bucket, key, options) => store.signedUrl(bucket, key, options),
  };
}

/** The real write path, with chosen ids made to fail unexpectedly and the ingests in flight counted. */
function instrumentedIngest(
  ingest: IngestService,
  faults: Faults,
  stats: TestServer['stats'],
): IngestService {
  let inFlight = 0;
  const counted = async (id: string | undefined, run: () => Promise<IngestResult>): Promise<IngestResult> => {
    inFlight++;
    stats.maxIngestsInFlight = Math.max(stats.maxIngestsInFlight, inFlight);
    try {
      if (id !== undefined && faults.explode.has(id)) throw new Error(`secret internal failure for ${id}`);
      return await run();
    } finally {
      inFlight--;
    }
  };
  return {
    ingestRecord: (input: unknown, ctx: WriteContext) =>
      counted(recordIdOf(input), () => ingest.ingestRecord(input, ctx)),
    ingestDocument: (upload: DocumentUpload, ctx: WriteContext) =>
      counted(recordIdOf(upload.description), () => ingest.ingestDocument(upload, ctx)),
  };
}

interface SharedEmulator {
  handle: StoreHandle;
  /** Its control plane's clients signing as the service user, and the export-reader role. */
  cloud: CloudHandle;
  /** The one exports bucket of the file's servers (export ids are random: keys never collide). */
  exportsBucket: string;
}

let emulator: { dir: string; shared: Promise<SharedEmulator> } | undefined;
let servers = 0;

/**
 * One emulator per test file (its buckets are per server); closed after the file's tests. Opened
 * as `serve` opens it locally: its IAM is the default identities of infra/policies for the
 * file's prefix, the STS client signs as the service user (the only one the export-reader
 * role trusts). The servers themselves use the account's root key (`adminStore`).
 */
function sharedStore(): Promise<SharedEmulator> {
  if (!emulator) {
    const dir = tempDir('http-oss');
    // A free port: test files run in parallel (the fixed API port + 1 is for `serve` only).
    const config = parseConfig({ dataDir: dir, logLevel: 'silent', emulator: { port: 0 } });
    const shared = (async (): Promise<SharedEmulator> => {
      const handle = await openStore(config, { own: true, logger: silentLogger(), as: 'service' });
      const exportsBucket = bucketPlan(config).exports.bucket;
      await handle.adminStore.createBucket(exportsBucket);
      return { handle, cloud: openCloud(config, handle, silentLogger()), exportsBucket };
    })();
    emulator = { dir, shared };
  }
  return emulator.shared;
}

afterAll(async () => {
  if (!emulator) return;
  const { dir, shared } = emulator;
  emulator = undefined;
  await (await shared).handle.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dir = tempDir('http');
  // Buckets of its own on the file's emulator: `h<n><random>-records-<class>`.
  const prefix = `h${++servers}${randomBytes(3).toString('hex')}`;
  const config = parseConfig({ dataDir: dir, logLevel: 'silent', buckets: { prefix } });
  const plan = bucketPlan(config);
  const shared = await sharedStore();
  // The account's root key: the route tests check who may ask, not the service user's policy.
  const admin = shared.handle.adminStore;
  let catalog: Catalog | undefined;
  try {
    // Records buckets only: the write path's (the compliance gate is off, as in the local profile).
    for (const r of plan.records) await admin.createBucket(r.bucket);
    await admin.createBucket(plan.audit.bucket);
    catalog = await openCatalog({ sqlitePath: `${dir}/catalog.sqlite` });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const principals = {} as Record<Role, { id: string; token: string }>;
  for (const role of ROLES) {
    const p = await catalog.addPrincipal({ name: `http-${role}`, role, kind: 'user' });
    const t = issueToken();
    await catalog.addTokenHash(p.id, t.tokenHash);
    principals[role] = { id: p.id, token: t.token };
  }

  const faults: Faults = { failAudit: false, failGetMidStream: false, explode: new Set() };
  const stats = { maxPutsInFlight: 0, maxIngestsInFlight: 0 };
  const logs: Record<string, unknown>[] = [];
  let text = '';
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const line of chunk.toString('utf8').split('\n'))
      if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const logger = createLogger({ level: 'info', destination });
  let readiness: () => Promise<ReadinessReport> = async () => ({
    ready: true,
    checks: [{ name: 'catalog', ok: true, detail: 'ok' }],
  });
  const limits = resolveLimits(options.limits);
  const store = instrumentedStore(admin, faults, stats);
  const realCatalog = catalog;
  const ingest = new ArchiveIngestService({
    classes: config.buckets.classes,
    plan,
    store,
    catalog: realCatalog,
    logger,
    gate: null,
    maxDocumentBytes: limits.maxDocumentBytes,
    seal: openArchiveSeal(config),
  });
  // The checkpointer's job is not started: tests checkpoint when they want (checkpointNow).
  const jobs = new BackgroundJobs({ lock: new SqliteLeaderLock(dir), logger, catalog: realCatalog });
  const evidence = createEvidence({
    catalog: realCatalog,
    objects: store,
    auditBucket: plan.audit.bucket,
    signer: createSigner({ signer: 'local' }, dir, null),
    origin: ledgerOrigin(config),
    checkpointSeconds: 3600,
    jobs,
    logger,
  });
  const reports = reportService(config, realCatalog);
  const exports = new ExportService({
    catalog: realCatalog,
    store,
    evidence: new LedgerExportEvidence(evidence.proofs),
    alerts: evidence.alerts,
    exportsBucket: shared.exportsBucket,
    sourceOrganization: config.exports.sourceOrganization,
    caps: { maxRecords: config.exports.maxRecords, maxBytes: config.exports.maxBytes },
    concurrency: config.exports.buildConcurrency,
    links: {
      sts: shared.cloud.clients?.sts ?? null,
      roleArn: shared.cloud.exportRoleArn,
      signingStore: (c) =>
        createObjectStore(
          {
            ...config.oss,
            endpoint: shared.handle.endpoint,
            region: 'oss-local',
            accessKeyId: c.accessKeyId,
            accessKeySecret: c.accessKeySecret,
            securityToken: c.securityToken,
          },
          logger,
        ),
    },
    logger,
    clock: systemClock,
    tmpDir: dir,
  });
  const deps: AppDeps = {
    evidence,
    logger,
    authenticator: new TokenAuthenticator({ catalog: realCatalog }),
    auditTrail: {
      appendAudit: (event) =>
        faults.failAudit
          ? Promise.reject(new Error('the catalog is unavailable'))
          : realCatalog.appendAudit(event),
    },
    records: new RecordReader({ catalog: realCatalog, store, logger }),
    auditLog: realCatalog,
    alerts: realCatalog,
    lifecycle: {
      holds: new HoldService({ catalog: realCatalog }),
      verifications: new VerificationReader({ catalog: realCatalog, auditBucket: plan.audit.bucket }),
      // Deletes with the emulator's root key: the route tests check who may ask, not the STS
      // disposition role (test/integration/disposition.test.ts drives that for real).
      dispositions: new DispositionService({
        catalog: realCatalog,
        store: admin,
        admin,
        eventClasses: config.retention.eventClasses,
        deleter: (_id, bucket) => Promise.resolve({ delete: (key) => admin.delete(bucket, key) }),
        logger,
      }),
      retention: new RetentionService({
        catalog: realCatalog,
        classes: config.buckets.classes,
        eventClasses: config.retention.eventClasses,
      }),
    },
    ingest: instrumentedIngest(ingest, faults, stats),
    exports,
    reports,
    posture: postureRenderer({
      config,
      store: admin,
      catalog: realCatalog,
      reports,
      endpoint: shared.handle.endpoint,
    }),
    readiness: () => readiness(),
    limits,
    onUnaudited,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
  const server = createHttpServer(createApp(deps), limits);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const adapter = admin;
  const bucket = plan.records.find((r) => r.className === '7y')?.bucket ?? '';
  const events = async (): Promise<AuditEvent[]> => realCatalog.auditEvents({ limit: 10_000 });
  const s: TestServer = {
    url: `http://127.0.0.1:${port}`,
    catalog: realCatalog,
    evidence,
    exports,
    catalogPath: `${dir}/catalog.sqlite`,
    store: adapter,
    bucket,
    principals,
    faults,
    stats,
    logs,
    logText: () => text,
    setReadiness: (fn) => {
      readiness = fn;
    },
    auditEvents: events,
    eventsFor: async (requestId) => (await events()).filter((e) => e.requestId === requestId),
    storedJson: async (recordId) => {
      const row = await realCatalog.getRecord(recordId);
      if (!row) throw new Error(`no record ${recordId}`);
      return JSON.parse((await adapter.getBuffer(row.bucket, row.objectKey)).body.toString('utf8'));
    },
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      });
      // Builds in flight are abandoned (as when serve stops) before the catalog closes.
      await exports.close();
      await jobs.stop();
      await realCatalog.close();
      fs.rmSync(dir, { recursive: true, force: true });
      if (current === s) current = undefined;
    },
  };
  current = s;
  return s;
}

/** The details of an audit event, parsed. */
export function detailsOf(event: AuditEvent | undefined): Record<string, unknown> {
  return JSON.parse(event?.details ?? '{}') as Record<string, unknown>;
}
