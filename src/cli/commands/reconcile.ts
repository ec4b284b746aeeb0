import type { Command } from 'commander';
import { openCatalog } from '../../catalog';
import { catalogLocation } from '../../config';
import { reconcile, type ReconcileReport } from '../../ingest/reconcile';
import { renderTable } from '../../util/table';
import { cliConfig, printJson, withCommonOptions, withStore, type CommonOptions } from '../common';

async function run(
  mode: 'reconcile' | 'reindex',
  opts: CommonOptions & { verbose?: boolean },
): Promise<ReconcileReport> {
  const config = cliConfig(opts);
  const catalog = await openCatalog(catalogLocation(config));
  try {
    const tty = Boolean(process.stderr.isTTY) && !opts.json;
    const report = await withStore(config, ({ store }) =>
      reconcile(store, catalog, config, {
        mode,
        verbose: Boolean(opts.verbose),
        onItem: (_item, scanned) => {
          if (tty && scanned % 100 === 0) process.stderr.write(`\r${mode}: ${scanned} objects checked`);
        },
      }),
    );
    if (tty) process.stderr.write('\n');
    if (opts.json) printJson(report);
    else {
      process.stdout.write(
        `${mode}: ${report.scanned} objects checked, ${report.catalogued} already catalogued, ${report.committed} committed, ${report.problems.length} problem(s)\n`,
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
    if (report.problems.length > 0) process.exitCode = 1;
    return report;
  } finally {
    await catalog.close();
  }
}

export const reconcileCommand = (opts: CommonOptions & { verbose?: boolean }): Promise<ReconcileReport> =>
  run('reconcile', opts);
export const reindexCommand = (opts: CommonOptions & { verbose?: boolean }): Promise<ReconcileReport> =>
  run('reindex', opts);

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('reconcile')
      .description(
        'commit objects that reached OSS but not the catalog (after a crash), verified by SHA-256; report the rest',
      ),
  )
    .option('--verbose', 'list every object, not only the ones acted on')
    .option('--json', 'machine-readable output')
    .action(async (opts: CommonOptions & { verbose?: boolean }) => {
      await reconcileCommand(opts);
    });
  withCommonOptions(
    program.command('reindex').description("rebuild the catalog from the buckets' objects and metadata"),
  )
    .option('--verbose', 'list every object, not only the ones acted on')
    .option('--json', 'machine-readable output')
    .action(async (opts: CommonOptions & { verbose?: boolean }) => {
      await reindexCommand(opts);
    });
}
