import fs from 'node:fs';
import type { Command } from 'commander';
import { IamConfigError, startEmulator, type IamFile } from '../../emulator';
import { validateFaultConfig } from '../../emulator/faults';
import type { EmulatorHandle, FaultConfig } from '../../emulator/types';
import { ConfigError } from '../../errors';
import { createLogger } from '../../log';

export interface EmulatorCommandOptions {
  port: string;
  data: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  host: string;
  logFlushSeconds?: string;
  faults?: string;
  region?: string;
  iam?: string;
  controlPlanePort?: string;
  logLevel: string;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(`--port must be an integer from 0 to 65535, got "${value}"`);
  return n;
}

/** `--faults` takes JSON, or `@path` to a JSON file. */
export function parseFaults(value: string): FaultConfig {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = fs.readFileSync(value.slice(1), 'utf8');
    } catch (err) {
      throw new ConfigError(`--faults: cannot read ${value.slice(1)}: ${(err as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`--faults is not valid JSON: ${(err as Error).message}`);
  }
  try {
    validateFaultConfig(parsed as FaultConfig);
  } catch (err) {
    throw new ConfigError(`--faults: ${(err as Error).message}`);
  }
  return parsed as FaultConfig;
}

/** `--iam FILE`: RAM users, roles and policies (validated by the emulator). */
export function readIamFile(file: string): IamFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`--iam: cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    // The emulator validates the shape (IamFileSchema) and names every problem it finds.
    return JSON.parse(text) as IamFile;
  } catch (err) {
    throw new ConfigError(`--iam: ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Starts the emulator; resolves with the handle once it listens. */
export async function startFromOptions(opts: EmulatorCommandOptions): Promise<EmulatorHandle> {
  const accessKeyId = opts.accessKeyId ?? process.env.STRONGROOM_EMULATOR_ACCESS_KEY_ID;
  const accessKeySecret = opts.accessKeySecret ?? process.env.STRONGROOM_EMULATOR_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) {
    throw new ConfigError(
      '--access-key-id and --access-key-secret are required (or STRONGROOM_EMULATOR_ACCESS_KEY_ID/_SECRET)',
    );
  }
  let logFlushSeconds: number | undefined;
  if (opts.logFlushSeconds !== undefined) {
    logFlushSeconds = Number(opts.logFlushSeconds);
    if (!(logFlushSeconds > 0))
      throw new ConfigError(`--log-flush-seconds must be a positive number, got "${opts.logFlushSeconds}"`);
  }
  const iam = opts.iam !== undefined ? readIamFile(opts.iam) : undefined;
  return startEmulator({
    dataDir: opts.data,
    credentials: [{ accessKeyId, accessKeySecret }],
    ...(iam !== undefined ? { iam } : {}),
    host: opts.host,
    port: parsePort(opts.port),
    ...(opts.controlPlanePort !== undefined ? { controlPlanePort: parsePort(opts.controlPlanePort) } : {}),
    ...(logFlushSeconds !== undefined ? { logFlushSeconds } : {}),
    ...(opts.faults !== undefined ? { faults: parseFaults(opts.faults) } : {}),
    ...(opts.region !== undefined ? { region: opts.region } : {}),
    // Logs go to stderr; stdout carries only the "listening" line.
    logger: createLogger({ level: opts.logLevel, destination: process.stderr }),
  }).catch((err: unknown) => {
    if (err instanceof IamConfigError) throw new ConfigError(`--iam: ${err.message}`);
    throw err;
  });
}

/** Runs until SIGTERM or SIGINT, then closes cleanly (in-flight requests finish, access logs flush). */
export async function emulatorCommand(opts: EmulatorCommandOptions): Promise<void> {
  const handle = await startFromOptions(opts);
  process.stdout.write(`strongroom emulator listening on ${handle.url}\n`);
  process.stdout.write(`control plane: ${handle.controlPlaneUrl}\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (sig: NodeJS.Signals): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(sig);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  process.stderr.write(`strongroom emulator: ${signal}, stopping\n`);
  await handle.close();
}

export function register(program: Command): void {
  program
    .command('emulator')
    .description('run the local OSS emulator (point ali-oss at the printed URL with sldEnable: true)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '0')
    .requiredOption('--data <dir>', 'data directory for objects and the metadata index')
    .option('--access-key-id <id>', 'access key id clients sign with (or $STRONGROOM_EMULATOR_ACCESS_KEY_ID)')
    .option('--access-key-secret <secret>', 'its secret (or $STRONGROOM_EMULATOR_ACCESS_KEY_SECRET)')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--log-flush-seconds <n>', 'how often access-log objects are written (default 3600)')
    .option('--faults <json>', 'fault injection rules: JSON, or @file with JSON ({"seed":1,"rules":[...]})')
    .option('--region <region>', 'region the emulator reports (default oss-cn-hangzhou)')
    .option('--iam <file>', 'RAM users, roles and policies (JSON); default: the root key only')
    .option(
      '--control-plane-port <port>',
      'port of the control plane: STS, KMS, ActionTrail (0 picks a free one)',
    )
    .option('--log-level <level>', 'log level on stderr', 'warn')
    .action(async (opts: EmulatorCommandOptions) => {
      await emulatorCommand(opts);
    });
}
