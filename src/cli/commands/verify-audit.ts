import type { Command } from 'commander';
import { verifyAudit, type AuditVerification } from '../../audit/verify-audit';
import { bucketPlan } from '../../config';
import { cliConfig, printJson, withCommonOptions, withStore, type CommonOptions } from '../common';
import type { Finish } from '../outcome';
import { openCliCatalog } from './users';

export interface VerifyAuditOptions extends CommonOptions {
  bucket?: string;
}

/**
 * `strongroom verify audit [--bucket B] [--json]`: the chain, every sealed segment against the
 * catalog and the bucket (the audit bucket, or a copy of it), every segment in the ledger
 * (src/audit/verify-audit.ts). Exit 4 when it does not verify, with the first problem and where.
 */
export async function verifyAuditCommand(opts: VerifyAuditOptions): Promise<AuditVerification> {
  const config = cliConfig(opts);
  const catalog = await openCliCatalog(config);
  try {
    const bucket = opts.bucket ?? bucketPlan(config).audit.bucket;
    const result = await withStore(config, ({ store }) => verifyAudit({ catalog, store, bucket }));
    if (opts.json) printJson(result);
    else {
      process.stdout.write(result.verdict);
      for (const p of result.problems.slice(1)) process.stdout.write(`  also at ${p.where}: ${p.message}\n`);
    }
    return result;
  } finally {
    await catalog.close();
  }
}

/** Adds `audit` under the `verify` command (created here unless another module made it first). */
export function register(program: Command, finish: Finish): void {
  const verify =
    program.commands.find((c) => c.name() === 'verify') ??
    program.command('verify').description('offline checks of what the archive produced');
  withCommonOptions(
    verify
      .command('audit')
      .description(
        'check the audit trail: the chain, every sealed segment against the catalog and the bucket, every segment in the ledger; exit 4 when it does not verify',
      ),
  )
    .option(
      '--bucket <bucket>',
      'the bucket holding the segments (default: the audit bucket; e.g. a copy of it)',
    )
    .option('--json', 'machine-readable output (every problem)')
    .action(async (opts: VerifyAuditOptions) => {
      const result = await verifyAuditCommand(opts);
      finish(result.ok ? 'ok' : 'not-verified');
    });
}
