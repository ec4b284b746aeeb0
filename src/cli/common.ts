import type { Command } from 'commander';
import { loadConfig, type Config, type ConfigInput } from '../config';
import { createLogger, type Logger } from '../log';
import { openStore, type OpenStoreOptions, type StoreHandle } from '../runtime/store';

/** Options every command that touches local state accepts. */
export interface CommonOptions {
  data?: string;
  config?: string;
  json?: boolean;
}

export function withCommonOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data directory (SQLite, embedded emulator, local tokens)', undefined)
    .option('--config <file>', 'JSON configuration file (default: $STRONGROOM_CONFIG)');
}

export function cliConfig(opts: CommonOptions, overrides: ConfigInput = {}): Config {
  return loadConfig({
    ...(opts.config ? { file: opts.config } : {}),
    overrides: { ...overrides, ...(opts.data ? { dataDir: opts.data } : {}) },
  });
}

/** Logs go to stderr so stdout stays for results (tables, JSON). */
export function cliLogger(config: Config): Logger {
  return createLogger({
    level: config.logLevel === 'info' ? 'warn' : config.logLevel,
    destination: process.stderr,
  });
}

export async function withStore<T>(
  config: Config,
  fn: (handle: StoreHandle) => Promise<T>,
  options: Pick<OpenStoreOptions, 'as'> = {},
): Promise<T> {
  const handle = await openStore(config, { logger: cliLogger(config), ...options });
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
