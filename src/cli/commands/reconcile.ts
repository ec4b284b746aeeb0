import type { Command } from 'commander';
import { openCatalog } from '../../catalog';
import { bucketPlan, catalogLocation } from '../../config';
import { ConfigError } from '../../errors';
import { tileLeavesPast } from '../../evidence/restore';
import { ObjectTileStore } from '../../ledger';
import { verifierKeyOf } from './verify-ledger';
import { recoverFromStore, type RecoveryMode, type RecoveryReport } from '../../ingest/recovery';
import { openArchiveSeal } from '../../runtime/seal';
import { renderTable } from '../../util/table';
import { cliConfig, printJson, withCommonOptions, withStore, type CommonOptions } from '../common';
import type { Finish, Outcome } from '../outcome';

type RecoveryCommandOptions = CommonOptions & { verbose?: boolean };

/** `strongroom reconcile` and `strongroom reindex`: recovery (src/ingest/recovery.ts) and its report. */
async function run(mode: RecoveryMode, opts: RecoveryCommandOptions): Promise<RecoveryReport> {
  const config = cliConfig(opts);
  const seal = openArchiveSeal(config);
  const catalog = await openCatalog(catalogLocation(config));
  try {
    const tty = Boolean(process.stderr.isTTY) && !opts.json;
    const report = await withStore(config, async (handle) => {
      const { store } = handle;
      // reindex: the ledger goes back in the order of the signed log's tiles.
      let ledgerOrder;
      if (mode === 'reindex') {
        try {
          const key = await verifierKeyOf(config, {}, handle);
          const tiles = new ObjectTileStore({ store, bucket: bucketPlan(config).audit.bucket });
          ledgerOrder = (await tileLeavesPast(tiles, key, await catalog.ledgerSize())).leaves;
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          process.stderr.write(`reindex: ledger order not restored: ${err.message}\n`);
        }
      }
      return recoverFromStore(
        { store, catalog, plan: bucketPlan(config), seal, ...(ledgerOrder ? { ledgerOrder } : {}) },
        {
          mode,
          verbose: Boolean(opts.verbose),
          onItem: (_item, scanned) => {
            if (tty && scanned % 100 === 0) process.stderr.write(`\r${mode}: ${scanned} objects checked`);
          },
        },
      );
    });
    if (tty) process.stderr.write('\n');
    if (opts.json) printJson(report);
    else {
      process.stdout.write(
        `${mode}: ${report.scanned} objects checked, ${report.catalogued} already catalogued, ${report.committed} committed, ${report.problems.length} problem(s) (${report.foreign} foreign object(s))\n`,
      );
      if (report.alpFactsRepaired > 0)
        process.stdout.write(
          `${mode}: ALP trade facts rebuilt for ${report.alpFactsRepaired} catalogued trade(s)\n`,
        );
      const shown = report.items.filter((i) => i.outcome !== 'catalogued' || opts.verbose);
      if (shown.length > 0) {
        process.stdout.write(
          '\n' +
            renderTable(
              ['outcome', 'record', 'bucket/key', 'ledger', 'reason'],
              shown.map((i) => [
                i.outcome,
                i.recordId ?? '-',
                `${i.bucket}/${i.key}`,
                i.ledgerSeq ?? '-',
                i.reason ?? '',
              ]),
            ),
        );
      }
    }
    return report;
  } finally {
    await catalog.close();
  }
}

export const reconcileCommand = (opts: RecoveryCommandOptions): Promise<RecoveryReport> =>
  run('reconcile', opts);
export const reindexCommand = (opts: RecoveryCommandOptions): Promise<RecoveryReport> => run('reindex', opts);

/** Objects left uncommitted (problems) are exit code 1 (src/cli/main.ts). */
export function recoveryOutcome(report: RecoveryReport): Outcome {
  return report.problems.length > 0 ? 'failed' : 'ok';
}

export function register(program: Command, finish: Finish): void {
  withCommonOptions(
    program
      .command('reconcile')
      .description(
        "commit objects that reached OSS but not the catalog (after a crash), verified by SHA-256 and the archive's seal; report the rest (foreign objects too)",
      ),
  )
    .option('--verbose', 'list every object, not only the ones acted on')
    .option('--json', 'machine-readable output')
    .action(async (opts: RecoveryCommandOptions) => {
      finish(recoveryOutcome(await reconcileCommand(opts)));
    });
  withCommonOptions(
    program.command('reindex').description("rebuild the catalog from the buckets' objects and metadata"),
  )
    .option('--verbose', 'list every object, not only the ones acted on')
    .option('--json', 'machine-readable output')
    .action(async (opts: RecoveryCommandOptions) => {
      finish(recoveryOutcome(await reindexCommand(opts)));
    });
}
