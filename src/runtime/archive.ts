import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createAuthenticator, describeBootstrap, ensureBootstrapAdmin, type BootstrapResult } from '../auth';
import { openCatalog, type Catalog } from '../catalog';
import { openCatalogInWorker } from '../catalog/remote';
import { bucketPlan, catalogLocation, type Config } from '../config';
import { ConfigError } from '../errors';
import { createApp, resolveLimits, type AppDeps, type ReadinessReport } from '../http';
import { RetentionGate } from '../ingest/gate';
import { ArchiveIngestService } from '../ingest/service';
import type { Logger } from '../log';
import { provision } from '../provision';
import { doctor } from '../provision/doctor';
import { RecordReader } from '../reads/record-reader';
import { uncoveredRecordTypes } from '../records';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import { openCloud, type CloudHandle } from './cloud';
import { postureRenderer, reportService } from './posture';
import { announceEmulator, openStore, type StoreHandle } from './store';

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
  /** The local profile's first-start principals (null outside the local profile). */
  bootstrap: BootstrapResult | null;
  close(): Promise<void>;
}

export interface StartArchiveOptions {
  logger: Logger;
  clock?: Clock;
  /** Announce the embedded emulator's URL in the data directory (serve: yes; tests: no need). */
  announce?: boolean;
  /** A request that finished unaudited (a bug): the test suites fail on it (AppDeps.onUnaudited). */
  onUnaudited?: AppDeps['onUnaudited'];
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
      const actions = await provision(storeHandle.adminStore, plan, { lock: true, clock });
      const changed = actions.filter((a) => !['exists', 'logging-ok', 'retention-ok'].includes(a.action));
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
    });
    const records = new RecordReader({ catalog, store, logger });
    const reports = reportService(config, catalog, clock);
    const posture = postureRenderer({
      config,
      store,
      catalog,
      reports,
      endpoint: storeHandle.endpoint,
      clock,
    });

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
      return { ready: checks.every((c) => c.ok), checks };
    };

    const app = createApp({
      logger,
      authenticator,
      auditTrail: catalog,
      records,
      ingest,
      reports,
      posture,
      readiness,
      clock,
      metrics: new Registry(),
      limits,
      ...(options.onUnaudited ? { onUnaudited: options.onUnaudited } : {}),
    });
    const server = http.createServer(app);
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
      bootstrap,
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
