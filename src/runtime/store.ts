import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { ConfigError } from '../errors';
import { startEmulator } from '../emulator';
import type { EmulatorHandle } from '../emulator/types';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { createObjectStore } from '../storage';
import { newAccessKeyPair } from '../storage/limits';
import type { StorageAdapter } from '../storage/types';
import type { Clock } from '../util/clock';
import { localIdentities } from './local-identities';

/**
 * Opens the object store the configuration names. With no OSS endpoint configured, the archive
 * uses its embedded emulator with data under `<dataDir>/emulator`: if a `strongroom serve` (or
 * `strongroom emulator`) process already runs one for this data directory, its URL is reused;
 * otherwise one is started in this process for as long as the handle is open.
 */
export interface StoreHandle {
  /** The store as the requested identity (`as`): the service RAM user, or the provisioning key. */
  store: StorageAdapter;
  /** The store as the provisioning identity (the local root key; the configured key otherwise). */
  adminStore: StorageAdapter;
  /** The access key behind `store`, for the control plane too. */
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  endpoint: string;
  /** The embedded emulator's control plane (STS, KMS, ActionTrail), when one runs. */
  controlPlaneUrl?: string;
  /** Set when this process started the embedded emulator. */
  emulator?: EmulatorHandle;
  close(): Promise<void>;
}

interface LocalCredentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** The region the embedded emulator answers as (ali-oss `region`; `local` in V4 scopes). */
export const EMULATOR_REGION = 'oss-local';

/**
 * The embedded emulator's port: `emulator.port` when set; unset, `serve` (`serving`) on a fixed
 * API port uses that port + 1, stable for other tools; anything else takes a free port (0).
 */
export function emulatorPort(config: Pick<Config, 'emulator' | 'server'>, serving: boolean): number {
  if (config.emulator.port !== undefined) return config.emulator.port;
  const api = config.server.port;
  return serving && api !== 0 && api < 65535 ? api + 1 : 0;
}

export function emulatorDir(config: Config): string {
  return path.join(config.dataDir, 'emulator');
}

/** The embedded emulator's key pair: made on first use, kept in a 0600 file under the data directory. */
export function localCredentials(config: Config): LocalCredentials {
  const dir = emulatorDir(config);
  const file = path.join(dir, 'credentials.json');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LocalCredentials>;
    if (typeof parsed.accessKeyId === 'string' && typeof parsed.accessKeySecret === 'string') {
      return { accessKeyId: parsed.accessKeyId, accessKeySecret: parsed.accessKeySecret };
    }
  } catch {
    // absent or unreadable: make new ones below
  }
  const creds = newAccessKeyPair();
  fs.writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  return creds;
}

const ENDPOINT_FILE = 'endpoint.json';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The URLs of an emulator another live process runs on this data directory, if any. */
export function runningEmulator(config: Config): { url: string; controlPlaneUrl?: string } | null {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(emulatorDir(config), ENDPOINT_FILE), 'utf8')) as {
      url?: unknown;
      controlPlaneUrl?: unknown;
      pid?: unknown;
    };
    if (
      typeof info.url === 'string' &&
      typeof info.pid === 'number' &&
      info.pid !== process.pid &&
      isAlive(info.pid)
    )
      return {
        url: info.url,
        ...(typeof info.controlPlaneUrl === 'string' ? { controlPlaneUrl: info.controlPlaneUrl } : {}),
      };
  } catch {
    // no running emulator recorded
  }
  return null;
}

/** The URL of an emulator another live process runs on this data directory, if any. */
export function runningEmulatorUrl(config: Config): string | null {
  return runningEmulator(config)?.url ?? null;
}

/** Records that this process serves the embedded emulator at `url` (removed on close). */
export function announceEmulator(config: Config, url: string, controlPlaneUrl?: string): () => void {
  const file = path.join(emulatorDir(config), ENDPOINT_FILE);
  fs.writeFileSync(file, JSON.stringify({ url, controlPlaneUrl, pid: process.pid }) + '\n', { mode: 0o600 });
  return () => {
    try {
      const info = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown };
      if (info.pid === process.pid) fs.unlinkSync(file);
    } catch {
      // already gone
    }
  };
}

export interface OpenStoreOptions {
  logger?: Logger;
  clock?: Clock;
  /** Start our own emulator even if another process runs one (serve does; it owns the data directory). */
  own?: boolean;
  /**
   * Local profile: whose key `store` signs with. `service` (serve): the archive's service RAM
   * user; `admin` (default; provision, worm and the other CLI commands): the account's root key.
   * Elsewhere both are the configured key.
   */
  as?: 'service' | 'admin';
}

export async function openStore(config: Config, options: OpenStoreOptions = {}): Promise<StoreHandle> {
  const logger = options.logger ?? silentLogger();
  if (config.oss.endpoint) {
    const store = createObjectStore({ ...config.oss, endpoint: config.oss.endpoint }, logger);
    const credentials = {
      accessKeyId: config.oss.accessKeyId ?? '',
      accessKeySecret: config.oss.accessKeySecret ?? '',
      ...(config.oss.securityToken ? { securityToken: config.oss.securityToken } : {}),
    };
    return { store, adminStore: store, credentials, endpoint: config.oss.endpoint, close: async () => {} };
  }
  const ids = localIdentities(config, localCredentials(config), emulatorDir(config));
  const local = (endpoint: string, key: { accessKeyId: string; accessKeySecret: string }): StorageAdapter =>
    createObjectStore({ ...config.oss, ...key, endpoint, region: EMULATOR_REGION }, logger);
  const own = options.as === 'service' ? ids.service : ids.root;
  const running = options.own ? null : runningEmulator(config);
  if (running) {
    const store = local(running.url, own);
    const adminStore = options.as === 'service' ? local(running.url, ids.root) : store;
    return {
      store,
      adminStore,
      credentials: own,
      endpoint: running.url,
      ...(running.controlPlaneUrl ? { controlPlaneUrl: running.controlPlaneUrl } : {}),
      close: async () => {},
    };
  }
  const port = emulatorPort(config, options.own === true);
  let emulator: EmulatorHandle;
  try {
    emulator = await startEmulator({
      dataDir: emulatorDir(config),
      credentials: [ids.root],
      iam: ids.iam,
      host: config.emulator.host,
      port,
      logFlushSeconds: config.emulator.logFlushSeconds,
      region: EMULATOR_REGION,
      logger: logger.child({ component: 'emulator' }),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new ConfigError(`the embedded emulator's port ${config.emulator.host}:${port} is in use`, {
        hint: 'stop what holds it, or set emulator.port (STRONGROOM_EMULATOR_PORT; 0 takes a free port)',
      });
    throw err;
  }
  const store = local(emulator.url, own);
  const adminStore = options.as === 'service' ? local(emulator.url, ids.root) : store;
  return {
    store,
    adminStore,
    credentials: own,
    endpoint: emulator.url,
    controlPlaneUrl: emulator.controlPlaneUrl,
    emulator,
    close: () => emulator.close(),
  };
}
