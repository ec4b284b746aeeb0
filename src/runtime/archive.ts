import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createAuthenticator, describeBootstrap, ensureBootstrapAdmin, type BootstrapResult } from '../auth';
import { openCatalog, type Catalog } from '../catalog';
import { openCatalogInWorker } from '../catalog/remote';
import { bucketPlan, catalogLocation, type Config } from '../config';
import { ConfigError } from '../errors';
import { LedgerExportEvidence } from '../export/evidence';
import { ExportService } from '../export/service';

import { createApp, resolveLimits, type AppDeps, type ReadinessReport } from '../http';
import { RetentionGate } from '../ingest/gate';
import { ArchiveIngestService } from '../ingest/service';
import type { Logger } from '../log';
import { bucketSecurity, provision } from '../provision';
import { createEvidence, ledgerOrigin, type Evidence } from '../evidence';
import { doctor } from '../provision/doctor';
import { RecordReader } from '../reads/record-reader';
import type { AlertSink } from '../alerts/types';
import { FixitySweeper, fixityJobs, fixityMetrics } from '../fixity';
import { DispositionService, HoldService, RetentionService, VerificationReader } from '../lifecycle';
import { dispositionDeleter } from './disposition';
import { uncoveredRecordTypes } from '../records';
import { createObjectStore } from '../storage';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import type { AuditParts } from '../audit/jobs';
import { archiveAuditParts } from './audit';
import { openCloud, type CloudHandle } from './cloud';
import { openArchiveSeal } from './seal';
import { createHttpServer } from '../http/server';
import { BackgroundJobs } from './jobs';
import { leaderLockFor } from './leader';
import { postureRenderer, reportService } from './posture';
import { postureMonthlyJob } from '../reports/posture-monthly';
import { announceEmulator, openStore, type StoreHandle } from './store';

/** The export builder's job (and leader lock) name. */
const EXPORT_JOB = 'exports';

/**
 * The composition root: the one place where the parts are built and wired, and where the
 * settings derived from the configuration (the bucket plan, the API limits, the compliance gate)
 * are computed, once, and handed down typed. `strongroom serve` calls it and only adds signal
 * handling; integration tests call it on port 0. Each part gets only the half of the storage
 * adapter it uses: the data plane (ObjectStore) for the write path and the reads, bucket
 * administration (BucketAdmin) for provisioning, the gate and the posture check.
 */
export interface Archive {
  /** `http://HOST:PORT` of the API. */
  url: string;
  port: number;
  /** The OSS endpoint in use (the embedded emulator's when none is configured). */
  storeEndpoint: string;
  storeHandle: StoreHandle;
  /** The control plane's clients, the checkpoint signer and the role ARNs (src/runtime/cloud.ts). */
  cloud: CloudHandle;
  catalog: Catalog;
  /** SFC access requests: selection, background builds, links (src/export/service.ts). */
  exports: ExportService;
  /** Fixity sweeps (src/fixity): what `verify fixity` and the scheduled sweeps run. */
  fixity: FixitySweeper;
  /** Legal holds (src/lifecycle); `holds.posture()` is the posture report's holds fact. */
  holds: HoldService;
  /** The local profile's first-start principals (null outside the local profile). */
  bootstrap: BootstrapResult | null;
  /** serve's leader-only background jobs: every job registers here (src/runtime/jobs.ts). */
  jobs: BackgroundJobs;
  /** The evidence ledger: checkpointer, proofs, alerts (src/evidence). */
  evidence: Evidence;
  /** The audit trail's sealer and importers (leader jobs `audit-seal`, `audit-import`; tests and the CLI call them too). */
  audit: AuditParts;
  /** The write path (the routes' and the monthly posture job's). */
  ingest: ArchiveIngestService;
  close(): Promise<void>;
}

export interface StartArchiveOptions {
  logger: Logger;
  clock?: Clock;
  /** Announce the embedded emulator's URL in the data directory (serve: yes; tests: no need). */
  announce?: boolean;
  /** A request that finished unaudited (a bug): the test suites fail on it (AppDeps.onUnaudited). */
  onUnaudited?: AppDeps['onUnaudited'];
  /**
   * Also run the scheduled fixity sweeps (serve does; tests that do not ask, not). The other leader
   * jobs (checkpointer, sealer, importers, exports, monthly posture) run in every archive.
   */
  backgroundJobs?: boolean;
  /** Where fixity problems raise alerts (src/alerts); absent: they are logged at error. */
  alerts?: AlertSink;
}

export async function startArchive(config: Config, options: StartArchiveOptions): Promise<Archive> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const uncovered = uncoveredRecordTypes(config.buckets.classes);
  if (uncovered.length > 0) {
    throw new ConfigError(
      `no retention class covers record type(s) ${uncovered.join(', ')}: add them to buckets.classes[].recordTypes`,
    );
  }
  const plan = bucketPlan(config);
  // Before anything starts: production without its seal key does not start.
  const seal = openArchiveSeal(config);
  // The local profile runs as the service RAM user; only provisioning uses the root key.
  const storeHandle = await openStore(config, { logger, clock, own: true, as: 'service' });
  const cleanups: (() => Promise<void> | void)[] = [() => storeHandle.close()];
  let closing: Promise<void> | null = null;
  const cleanup = (): Promise<void> =>
    (closing ??= (async () => {
      for (const fn of [...cleanups].reverse()) await fn();
    })());
  try {
    if (storeHandle.emulator && options.announce)
      cleanups.push(announceEmulator(config, storeHandle.endpoint, storeHandle.controlPlaneUrl));
    const { store } = storeHandle;
    const cloud = openCloud(config, storeHandle, logger);
    logger.info({ signer: cloud.signer.description }, 'checkpoint signer');
    if (config.profile === 'local') {
      // The local profile provisions and locks its own buckets, so a fresh clone just works.
      const actions = await provision(storeHandle.adminStore, plan, {
        lock: true,
        clock,
        security: bucketSecurity(config, storeHandle.endpoint),
      });
      const changed = actions.filter(
        (a) =>
          ![
            'exists',
            'logging-ok',
            'retention-ok',
            'encryption-ok',
            'https-policy-ok',
            'https-policy-skipped',
          ].includes(a.action),
      );
      if (changed.length > 0)
        logger.info(
          { actions: changed.map((a) => `${a.bucket}: ${a.action}`) },
          'local buckets provisioned and locked',
        );
    }

    const location = catalogLocation(config);
    const catalog =
      location.sqlitePath !== undefined && config.catalogThread === 'worker'
        ? await openCatalogInWorker({ sqlitePath: location.sqlitePath, clock })
        : await openCatalog({ ...location, clock });
    cleanups.push(() => catalog.close());
    // Only the local profile makes its own first principals; production creates them with
    // `strongroom users add` (or uses OIDC) and never writes tokens to the server's disk.
    const bootstrap = config.profile === 'local' ? await ensureBootstrapAdmin(catalog, config.dataDir) : null;
    const authenticator = createAuthenticator({
      catalog,
      clock,
      ...(config.auth.oidc ? { oidc: config.auth.oidc } : {}),
    });
    const limits = resolveLimits(config.server.limits);
    // Outside the local profile no record goes to a bucket that is not Locked with enough days.
    const gate = config.profile !== 'local' ? new RetentionGate(store, clock) : null;
    const ingest = new ArchiveIngestService({
      classes: config.buckets.classes,
      plan,
      store,
      catalog,
      logger,
      clock,
      gate,
      maxDocumentBytes: limits.maxDocumentBytes,
      seal,
    });
    const records = new RecordReader({ catalog, store, logger });
    const registry = new Registry();
    // Leader-only background jobs: registered here, started once the API listens, stopped
    // (with a last checkpoint) before the catalog closes.
    const jobs = new BackgroundJobs({ lock: leaderLockFor(location), logger, catalog });
    const evidence = createEvidence({
      catalog,
      objects: store,
      auditBucket: plan.audit.bucket,
      signer: cloud.signer,
      origin: ledgerOrigin(config),
      checkpointSeconds: config.ledger.checkpointSeconds,
      jobs,
      logger,
      registry,
      clock,
    });
    // The audit trail's sealer and importers (src/audit/jobs.ts), alerting through the same sink.
    const audit = archiveAuditParts({
      config,
      catalog,
      handle: storeHandle,
      cloud,
      logger,
      clock,
      alerts: evidence.alerts,
    });
    for (const job of audit.jobs()) jobs.register(job);

    const exports = new ExportService({
      catalog,
      store,
      evidence: new LedgerExportEvidence(evidence.proofs),
      alerts: evidence.alerts,
      exportsBucket: plan.exports.bucket,
      sourceOrganization: config.exports.sourceOrganization,
      caps: { maxRecords: config.exports.maxRecords, maxBytes: config.exports.maxBytes },
      concurrency: config.exports.buildConcurrency,
      bagThread: config.exports.bagThread,
      links: {
        sts: cloud.clients?.sts ?? null,
        roleArn: cloud.exportRoleArn,
        ...(config.exports.linkSourceIps ? { sourceIps: config.exports.linkSourceIps } : {}),
        signingStore: (c) =>
          createObjectStore(
            {
              ...config.oss,
              endpoint: storeHandle.endpoint,
              region: config.oss.endpoint ? config.oss.region : 'oss-local',
              accessKeyId: c.accessKeyId,
              accessKeySecret: c.accessKeySecret,
              securityToken: c.securityToken,
            },
            logger,
          ),
      },
      logger: logger.child({ component: 'exports' }),
      clock,
      trigger: () => void jobs.request(EXPORT_JOB).catch(() => undefined),
    });
    // Builds are a leader job: one instance builds, and a restarted one resumes what was building.
    jobs.register({ name: EXPORT_JOB, intervalMs: 5_000, run: () => exports.runPending() });
    const holds = new HoldService({ catalog, clock });
    const verifications = new VerificationReader({ catalog, auditBucket: plan.audit.bucket });
    const retention = new RetentionService({
      catalog,
      classes: config.buckets.classes,
      eventClasses: config.retention.eventClasses,
      clock,
    });
    const dispositions = new DispositionService({
      catalog,
      store,
      admin: storeHandle.adminStore,
      eventClasses: config.retention.eventClasses,
      deleter: dispositionDeleter(config, storeHandle, cloud, logger),
      logger,
      clock,
    });
    const fixity = new FixitySweeper({
      catalog,
      store,
      recordBuckets: plan.records.map((r) => r.bucket),
      auditBucket: plan.audit.bucket,
      logger,
      clock,
      alerts: options.alerts ?? evidence.alerts,
    });
    // A clean stop ends a sweep in flight at its next page (aborted before the jobs stop).
    const stopSweeps = new AbortController();
    if (options.backgroundJobs) {
      // One leader sweeps (the background jobs above); a clean stop ends a sweep in flight at its next page.
      for (const job of fixityJobs({
        sweeper: fixity,
        catalog,
        config: config.fixity,
        signal: stopSweeps.signal,
        clock,
      }))
        jobs.register(job);
    }
    fixityMetrics(registry, catalog, clock);
    const reports = reportService(config, catalog, clock);
    const posture = postureRenderer({
      config,
      store,
      catalog,
      reports,
      holds,
      endpoint: storeHandle.endpoint,
      clock,
    });
    if (config.reports.postureMonthly)
      jobs.register(
        postureMonthlyJob({
          ingest,
          catalog,
          render: posture,
          classes: config.buckets.classes,
          logger,
          clock,
        }),
      );

    let lastPosture: { at: number; report: Awaited<ReturnType<typeof doctor>> } | null = null;
    const readiness = async (): Promise<ReadinessReport> => {
      const checks: ReadinessReport['checks'] = [];
      try {
        await catalog.ledgerSize();
        checks.push({ name: 'catalog', ok: true, detail: `${catalog.dialect} reachable` });
      } catch {
        checks.push({ name: 'catalog', ok: false, detail: `${catalog.dialect} not reachable` });
      }
      try {
        const now = clock.now().getTime();
        if (!lastPosture || now - lastPosture.at > 30_000) {
          lastPosture = {
            at: now,
            report: await doctor(store, plan, config, { clock, endpoint: storeHandle.endpoint }),
          };
        }
        checks.push({ name: 'oss', ok: true, detail: 'object storage reachable' });
        const failing = lastPosture.report.findings.filter((f) => f.severity === 'fail');
        checks.push({
          name: 'buckets',
          ok: failing.length === 0,
          detail:
            failing.length === 0
              ? 'every bucket Locked with enough days, logging on'
              : failing.map((f) => `${f.bucket}: ${f.message}`).join('; '),
        });
      } catch {
        lastPosture = null;
        checks.push({ name: 'oss', ok: false, detail: 'object storage not reachable' });
      }
      try {
        checks.push(...(await evidence.posture()));
      } catch {
        checks.push({ name: 'ledger', ok: false, detail: 'the ledger posture could not be read' });
      }
      return { ready: checks.every((c) => c.ok), checks };
    };

    const app = createApp({
      logger,
      authenticator,
      auditTrail: catalog,
      auditLog: catalog,
      alerts: catalog,
      records,
      ingest,
      exports,
      reports,
      posture,
      readiness,
      clock,
      metrics: registry,
      evidence,
      limits,
      lifecycle: { holds, verifications, retention, dispositions },
      ...(options.onUnaudited ? { onUnaudited: options.onUnaudited } : {}),
    });
    const server = createHttpServer(app, limits);
    // Long uploads and batches: no whole-request timeout; idle sockets still close.
    server.requestTimeout = 0;
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.server.port, config.server.host, () => resolve());
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    );
    jobs.start();
    cleanups.push(() => jobs.stop());
    cleanups.push(() => stopSweeps.abort());
    // Closed first (cleanups run in reverse): builds in flight are abandoned, still `building`,
    // and resume at the next start; then the jobs stop.
    cleanups.push(() => exports.close());
    const port = (server.address() as AddressInfo).port;
    const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
    const line = bootstrap ? describeBootstrap(bootstrap) : undefined;
    if (line) logger.info(line);
    return {
      url: `http://${host}:${port}`,
      port,
      storeEndpoint: storeHandle.endpoint,
      storeHandle,
      cloud,
      catalog,
      exports,
      fixity,
      holds,
      bootstrap,
      jobs,
      evidence,
      audit,
      ingest,
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
