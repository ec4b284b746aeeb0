import type { Command } from 'commander';
import { bucketPlan } from '../../config';
import { ValidationError } from '../../errors';
import { bucketSecurity, provision, type ProvisionAction } from '../../provision';
import { renderTable } from '../../util/table';
import { cliConfig, printJson, withCommonOptions, withStore, type CommonOptions } from '../common';

export async function provisionCommand(
  opts: CommonOptions & { lock?: boolean; yes?: boolean },
): Promise<ProvisionAction[]> {
  const config = cliConfig(opts);
  if (opts.lock && !opts.yes) {
    throw new ValidationError(
      '--lock completes every InProgress retention policy, which cannot be undone: add --yes to confirm',
    );
  }
  return withStore(config, async ({ store, endpoint }) => {
    const actions = await provision(store, bucketPlan(config), {
      lock: Boolean(opts.lock),
      security: bucketSecurity(config, endpoint),
    });
    if (opts.json) printJson({ endpoint, actions });
    else {
      process.stdout.write(`Provisioned buckets at ${endpoint}\n\n`);
      process.stdout.write(
        renderTable(
          ['bucket', 'action', 'detail'],
          actions.map((a) => [a.bucket, a.action, a.detail]),
        ),
      );
    }
    return actions;
  });
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('provision')
      .description(
        'create the configured buckets, send their access logs to the logs bucket, initiate retention policies, set default encryption and (over HTTPS) the HTTPS-only policy (idempotent)',
      ),
  )
    .option('--lock', 'also lock (complete) InProgress retention policies: irreversible')
    .option('--yes', 'confirm --lock')
    .option('--json', 'machine-readable output')
    .action(async (opts: CommonOptions & { lock?: boolean; yes?: boolean }) => {
      await provisionCommand(opts);
    });
}
