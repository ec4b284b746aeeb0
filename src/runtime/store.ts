import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { startEmulator } from '../emulator';
import type { EmulatorHandle } from '../emulator/types';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { createObjectStore } from '../storage';
import { newAccessKeyPair } from '../storage/limits';
import type { StorageAdapter } from '../storage/types';
import type { Clock } from '../util/clock';

/**
 * Opens the object store the configuration names. With no OSS endpoint configured, the archive
 * uses its embedded emulator with data under `<dataDir>/emulator`: if a `strongroom serve` (or
 * `strongroom emulator`) process already runs one for this data directory, its URL is reused;
 * otherwise one is started in this process for as long as the handle is open.
 */
export interface StoreHandle {
  /** The adapter: the data plane (ObjectStore) and bucket administration (BucketAdmin). */
  store: StorageAdapter;
  endpoint: string;
  /** Set when this process started the embedded emulator. */
  emulator?: EmulatorHandle;
  close(): Promise<void>;
}

interface LocalCredentials {
  accessKeyId: string;
  accessKeySecret: string;
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

/** The URL of an emulator another live process runs on this data directory, if any. */
export function runningEmulatorUrl(config: Config): string | null {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(emulatorDir(config), ENDPOINT_FILE), 'utf8')) as {
      url?: unknown;
      pid?: unknown;
    };
    if (
      typeof info.url === 'string' &&
      typeof info.pid === 'number' &&
      info.pid !== process.pid &&
      isAlive(info.pid)
    )
      return info.url;
  } catch {
    // no running emulator recorded
  }
  return null;
}

/** Records that this process serves the embedded emulator at `url` (removed on close). */
export function announceEmulator(config: Config, url: string): () => void {
  const file = path.join(emulatorDir(config), ENDPOINT_FILE);
  fs.writeFileSync(file, JSON.stringify({ url, pid: process.pid }) + '\n', { mode: 0o600 });
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
}

export async function openStore(config: Config, options: OpenStoreOptions = {}): Promise<StoreHandle> {
  const logger = options.logger ?? silentLogger();
  if (config.oss.endpoint) {
    const store = createObjectStore({ ...config.oss, endpoint: config.oss.endpoint }, logger);
    return { store, endpoint: config.oss.endpoint, close: async () => {} };
  }
  const creds = localCredentials(config);
  const ossLocal = {
    ...config.oss,
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    region: 'oss-local',
  };
  const running = options.own ? null : runningEmulatorUrl(config);
  if (running) {
    const store = createObjectStore({ ...ossLocal, endpoint: running }, logger);
    return { store, endpoint: running, close: async () => {} };
  }
  const emulator = await startEmulator({
    dataDir: emulatorDir(config),
    credentials: [creds],
    host: config.emulator.host,
    port: config.emulator.port,
    logFlushSeconds: config.emulator.logFlushSeconds,
    region: 'oss-local',
    logger: logger.child({ component: 'emulator' }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const store = createObjectStore({ ...ossLocal, endpoint: emulator.url }, logger);
  return { store, endpoint: emulator.url, emulator, close: () => emulator.close() };
}
