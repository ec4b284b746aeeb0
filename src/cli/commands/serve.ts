import fs from 'node:fs';
import type { Command } from 'commander';
import { ValidationError } from '../../errors';
import { createLogger } from '../../log';
import { startArchive, type Archive } from '../../runtime/archive';
import { applyHeapGrowth, applyYoungGenerationGrowth } from '../../runtime/heap';
import { writeEmulatorAccess } from '../../runtime/emulator-access';
import { cliConfig, withCommonOptions, type CommonOptions } from '../common';

export interface ServeOptions extends CommonOptions {
  port?: string;
  host?: string;
}

/** Starts the archive and resolves once it listens; `stop()` closes it. */
export async function serveCommand(opts: ServeOptions): Promise<Archive> {
  const port = opts.port === undefined ? undefined : Number(opts.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
    throw new ValidationError('--port must be 0..65535');
  const config = cliConfig(opts, {
    server: { ...(port !== undefined ? { port } : {}), ...(opts.host ? { host: opts.host } : {}) },
  });
  applyHeapGrowth(config.server.heapGrowthPercent);
  applyYoungGenerationGrowth(config.server.youngGenerationGrowth);
  const terminal = config.profile === 'local' && Boolean(process.stderr.isTTY);
  const logger = createLogger({ level: config.logLevel, pretty: terminal, color: terminal });
  const archive = await startArchive(config, { logger, announce: true, backgroundJobs: true });
  const out = process.stdout;
  out.write(`strongroom listening on ${archive.url} (profile ${config.profile}, data ${config.dataDir})\n`);
  if (archive.storeHandle.emulator) {
    // For other tools (ossutil, ali-oss): key ids here, the secrets in a 0600 file. Never through the logger.
    const access = writeEmulatorAccess(config, archive.storeEndpoint);
    out.write(
      `object storage: ${access.endpoint} (embedded emulator, region ${access.region}, path-style)\n`,
    );
    out.write(`  admin identity (the account root key, provisioning): ${access.admin.accessKeyId}\n`);
    out.write(
      `  archive service user ${access.service.userName} (least privilege, what the archive signs with): ${access.service.accessKeyId}\n`,
    );
    out.write(`  secrets, an ali-oss snippet and an ossutil config: ${access.file} (mode 0600)\n`);
  } else out.write(`object storage: ${archive.storeEndpoint}\n`);
  if (archive.storeHandle.controlPlaneUrl)
    out.write(`control plane: ${archive.storeHandle.controlPlaneUrl}\n`);
  out.write(`catalog: ${config.databaseUrl ? 'PostgreSQL' : `SQLite ${config.dataDir}/catalog.sqlite`}\n`);
  const boot = archive.bootstrap;
  if (boot?.created) {
    out.write(
      `first start: admin and ingest tokens written to ${boot.tokenFile} (mode 0600; shown nowhere else)\n`,
    );
  } else if (boot && fs.existsSync(boot.tokenFile)) {
    out.write(`tokens of the first start: ${boot.tokenFile}\n`);
  }
  return archive;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('serve')
      .description('run the archive API (with the embedded emulator and SQLite unless configured otherwise)'),
  )
    .option('--port <port>', 'port to listen on (default 8080; 0 picks a free one)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .action(async (opts: ServeOptions) => {
      const archive = await serveCommand(opts);
      const signal = await new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      process.stdout.write(`strongroom: ${signal}, shutting down\n`);
      // A failure while closing is thrown: src/cli/main.ts reports it and exits 1.
      await archive.close();
    });
}
