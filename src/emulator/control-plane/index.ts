/**
 * The local control plane (STS, KMS, ActionTrail) on a port of its own, started with the OSS
 * emulator by `startEmulator`. Give its URL to @alicloud/pop-core as `endpoint`; nothing else is
 * needed (docs/decisions/0005-control-plane.md).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../log';
import type { Clock } from '../../util/clock';
import type { FaultInjector } from '../faults';
import type { IdentityDirectory } from '../iam/identity';
import type { TrailStore } from '../trail/store';
import type { ControlPlaneEnv } from './context';
import { KmsStore } from './kms-store';
import { ControlPlanePipeline } from './server';

export { ACTIONTRAIL_VERSION } from './actiontrail';
export { KMS_VERSION } from './kms';
export { STS_VERSION } from './sts';

const CLOSE_GRACE_MS = 5_000;

export interface ControlPlaneOptions {
  directory: IdentityDirectory;
  trail: TrailStore;
  /** kms.sqlite path. */
  kmsFile: string;
  clock: Clock;
  wallClock: Clock;
  region: string;
  logger: Logger;
  faults: FaultInjector;
  host: string;
  port: number;
}

export interface ControlPlaneHandle {
  /** `http://127.0.0.1:PORT` (the address it listens on; a wildcard address becomes loopback). */
  url: string;
  port: number;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlaneHandle> {
  const kms = KmsStore.open(options.kmsFile);
  let port = 0;
  const env: ControlPlaneEnv = {
    directory: options.directory,
    trail: options.trail,
    kms,
    clock: options.clock,
    wallClock: options.wallClock,
    region: options.region,
    logger: options.logger,
    faults: options.faults,
  };
  const pipeline = new ControlPlanePipeline(env, () => `localhost:${port}`);
  const server = http.createServer({ keepAliveTimeout: 10_000 }, pipeline.listener);
  server.on('clientError', (_err, socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    kms.close();
    throw err;
  }
  port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  const shutdown = async (): Promise<void> => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    await pipeline.idle();
    clearTimeout(timer);
    server.closeAllConnections();
    await stopped;
    kms.close();
  };
  return { url: `http://${urlHost(options.host)}:${port}`, port, close: () => (closing ??= shutdown()) };
}
