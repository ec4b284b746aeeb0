import fsp from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { silentLogger } from '../log';
import { systemClock } from '../util/clock';
import { AccessLog } from './access-logs';
import type { EmulatorEnv } from './context';
import { startControlPlane, type ControlPlaneHandle } from './control-plane';
import { buildIam, DEFAULT_ACCOUNT_ID } from './iam/config';
import { IdentityDirectory } from './iam/identity';
import { OssAccess } from './iam/oss-access';
import { StsTokens } from './iam/sts-tokens';
import { TrailStore } from './trail/store';
import { FaultInjector } from './faults';
import { installFraming } from './framing/framed-socket';
import { storeLogObject } from './objects';
import { BlobStore } from './persistence/blob-store';
import { openDatabase } from './persistence/db';
import { MetadataIndex } from './persistence/metadata-index';
import { WriteQueue } from './persistence/write-queue';
import { RequestPipeline } from './server';
import type { EmulatorHandle, EmulatorOptions } from './types';

export type { EmulatorCredential, EmulatorHandle, EmulatorOptions, FaultConfig, FaultRule } from './types';
export { formatAccessLine, ACCESS_LOG_FIELDS } from './access-logs';
export { IamConfigError, PolicyGrammarError } from './iam/errors';
export type { IamFile } from './iam/config';

export const DEFAULT_REGION = 'oss-cn-hangzhou';
export const DEFAULT_LOG_FLUSH_SECONDS = 3600;
/** Bodies up to this size live inside SQLite (one fsync for data and metadata); larger ones are files. */
export const INLINE_MAX_BYTES = 64 * 1024;
const INDEX_FILE = 'index.sqlite';
/** The control plane's files (STS token key, KMS keys, ActionTrail events), mode 0700. */
const CONTROL_PLANE_DIR = 'control-plane';
/** How long close() waits for in-flight requests before cutting connections. */
const CLOSE_GRACE_MS = 10_000;

/**
 * Starts the local OSS emulator. Give `handle.url` to ali-oss as `endpoint` with `sldEnable: true`.
 * Everything it stores lives under `options.dataDir`; a restart on the same directory sees
 * every acknowledged write.
 */
export async function startEmulator(options: EmulatorOptions): Promise<EmulatorHandle> {
  if (!options.dataDir) throw new TypeError('startEmulator: dataDir is required');
  if (!options.credentials || options.credentials.length === 0)
    throw new TypeError('startEmulator: at least one credential is required');
  const secrets = new Map<string, string>();
  const userIds = new Map<string, string>();
  for (const c of options.credentials) {
    if (!c.accessKeyId || !c.accessKeySecret)
      throw new TypeError('startEmulator: credentials need accessKeyId and accessKeySecret');
    secrets.set(c.accessKeyId, c.accessKeySecret);
    if (c.userId !== undefined) userIds.set(c.accessKeyId, c.userId);
  }
  const flushSeconds = options.logFlushSeconds ?? DEFAULT_LOG_FLUSH_SECONDS;
  if (!(flushSeconds > 0)) throw new TypeError('startEmulator: logFlushSeconds must be positive');
  const logger = options.logger ?? silentLogger();
  const clock = options.clock ?? systemClock;
  const region = options.region ?? DEFAULT_REGION;
  const host = options.host ?? '127.0.0.1';
  const faults = new FaultInjector(options.faults ?? null);

  const dataDir = path.resolve(options.dataDir);
  await fsp.mkdir(dataDir, { recursive: true });
  // The index first: it takes the data directory's lock, before anything on disk is touched.
  let db: ReturnType<typeof openDatabase>;
  try {
    db = openDatabase(path.join(dataDir, INDEX_FILE));
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(`emulator data directory ${dataDir} is in use by another emulator process`, {
        cause: err,
      });
    }
    throw err;
  }
  const blobs = new BlobStore(dataDir);
  let port = 0;
  let closed = false;
  let trail: TrailStore | null = null;
  let controlPlane: ControlPlaneHandle | null = null;
  try {
    const cpDir = path.join(dataDir, CONTROL_PLANE_DIR);
    await fsp.mkdir(cpDir, { recursive: true, mode: 0o700 });
    const iam = buildIam(
      options.iam ?? { accountId: DEFAULT_ACCOUNT_ID },
      secrets,
      'the emulator IAM configuration',
    );
    const directory = new IdentityDirectory(iam, StsTokens.open(cpDir));
    const events = TrailStore.open(path.join(cpDir, 'trail.sqlite'), clock, logger);
    trail = events;
    await blobs.init();
    const index = new MetadataIndex(db);
    const referenced = index.referencedFiles();
    const removed = await blobs.gc((id) => referenced.has(id));
    if (removed > 0)
      logger.info({ removed }, 'emulator removed blob files no object references (interrupted writes)');
    const writes = new WriteQueue(db, index);

    const accessLog = new AccessLog({
      index,
      writes,
      logger,
      flushSeconds,
      write: (target, key, body, ids) => storeLogObject(env, target, key, body, ids),
    });
    const env: EmulatorEnv = {
      index,
      writes,
      blobs,
      clock,
      region,
      logger,
      faults,
      accessLog,
      inlineMax: INLINE_MAX_BYTES,
      owner: { id: iam.accountId, displayName: iam.accountId },
      host: () => `localhost:${port}`,
      access: new OssAccess(directory, events, region),
    };

    // Lines a killed emulator left pending go out before the first request.
    await accessLog.flush();

    const server = http.createServer({ requestTimeout: 0, keepAliveTimeout: 10_000 });
    const lengthMarker = installFraming(server);
    const pipeline = new RequestPipeline(env, {
      requesterIdFor: (caller) =>
        caller.type === 'root' ? (userIds.get(caller.accessKeyId) ?? caller.principalId) : caller.principalId,
      lengthMarker,
    });
    server.on('request', pipeline.listener);
    server.keepAliveTimeout = 10_000;
    server.on('clientError', pipeline.clientError);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    port = (server.address() as AddressInfo).port;
    // The TLS listener: the same pipeline; its requests are secure transport (iam/oss-access.ts).
    // No framing scanner: the Content-Length + chunked leniency is the plain listener's only.
    let tlsServer: https.Server | null = null;
    let tlsPort = 0;
    if (options.tls) {
      const secure = https.createServer({
        key: options.tls.key,
        cert: options.tls.cert,
        requestTimeout: 0,
        keepAliveTimeout: 10_000,
      });
      secure.on('request', pipeline.listener);
      secure.on('clientError', pipeline.clientError);
      try {
        await new Promise<void>((resolve, reject) => {
          secure.once('error', reject);
          secure.listen(options.tls?.port ?? 0, host, () => {
            secure.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        server.close();
        throw err;
      }
      tlsServer = secure;
      tlsPort = (secure.address() as AddressInfo).port;
    }
    try {
      controlPlane = await startControlPlane({
        directory,
        trail: events,
        kmsFile: path.join(cpDir, 'kms.sqlite'),
        clock,
        wallClock: options.wallClock ?? systemClock,
        region: region.replace(/^oss-/, ''),
        logger,
        faults,
        host,
        port: options.controlPlanePort ?? 0,
      });
    } catch (err) {
      server.close();
      tlsServer?.close();
      throw err;
    }
    const cp = controlPlane;
    env.accessLog.start();
    logger.info(
      {
        url: `http://localhost:${port}`,
        ...(tlsServer !== null ? { tlsUrl: `https://localhost:${tlsPort}` } : {}),
        controlPlane: cp.url,
        host,
        dataDir,
      },
      'emulator listening',
    );

    let closing: Promise<void> | null = null;
    const shutdown = async (): Promise<void> => {
      closed = true;
      const servers = tlsServer === null ? [server] : [server, tlsServer];
      const stopped = Promise.all(
        servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
      for (const s of servers) s.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const s of servers) s.closeAllConnections();
      }, CLOSE_GRACE_MS);
      await pipeline.idle();
      clearTimeout(timer);
      for (const s of servers) s.closeAllConnections();
      await stopped;
      await cp.close();
      await env.accessLog.close();
      events.close();
      writes.flush();
      db.close();
      await blobs.stop();
      logger.info('emulator stopped');
    };
    // Idempotent: every caller waits for the same shutdown.
    const close = (): Promise<void> => (closing ??= shutdown());

    return {
      url: `http://localhost:${port}`,
      port,
      ...(tlsServer !== null ? { tlsUrl: `https://localhost:${tlsPort}` } : {}),
      controlPlaneUrl: cp.url,
      accountId: iam.accountId,
      host,
      region,
      clock,
      setFaults: (config) => faults.set(config),
      flushAccessLogs: () => env.accessLog.flush(),
      close,
    };
  } catch (err) {
    if (!closed) {
      await controlPlane?.close();
      trail?.close();
      db.close();
    }
    throw err;
  }
}
