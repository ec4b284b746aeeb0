import type { Command } from 'commander';
import { openCatalog } from '../../catalog';
import { bucketPlan, catalogLocation } from '../../config';
import { ValidationError } from '../../errors';
import { FixitySweeper, type SweepOutcome } from '../../fixity';
import { renderTable } from '../../util/table';
import { cliConfig, cliLogger, printJson, withCommonOptions, withStore, type CommonOptions } from '../common';
import type { Finish, Outcome } from '../outcome';

export interface VerifyFixityOptions extends CommonOptions {
  deep?: boolean;
  bucket?: string;
  sample?: string;
  concurrency?: string;
  rate?: string;
}

function positive(value: string | undefined, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new ValidationError(
      `${flag} must be a ${integer ? 'whole ' : ''}number above 0, got ${JSON.stringify(value)}`,
    );
  return n;
}

/** A progress bar on stderr (terminals only): records checked, then objects listed. */
function progressBar(
  enabled: boolean,
): (p: { phase: string; done: number; total: number; problems: number }) => void {
  return (p) => {
    if (!enabled) return;
    if (p.phase === 'check') {
      const pct = p.total > 0 ? Math.min(100, Math.floor((p.done / p.total) * 100)) : 100;
      const bar = '#'.repeat(Math.floor(pct * 0.3)).padEnd(30, '.');
      process.stderr.write(
        `\r[${bar}] ${pct}% ${p.done}/${p.total} records checked, ${p.problems} problem(s)  `,
      );
    } else
      process.stderr.write(`\rlisting the record buckets: ${p.done} objects, ${p.problems} problem(s)      `);
  };
}

/**
 * `strongroom verify fixity [--deep] [--bucket B] [--sample RATE] [--concurrency N] [--rate OBJECTS_PER_S] [--json]`:
 * a fixity sweep (src/fixity), resumed when one of its kind was stopped; the report is printed
 * (`--json`: the report itself) and sealed. Problems found are exit code 4 (`not-verified`).
 */
export async function verifyFixityCommand(opts: VerifyFixityOptions): Promise<SweepOutcome> {
  const sample = positive(opts.sample, '--sample', false);
  if (sample !== undefined && sample > 1)
    throw new ValidationError('--sample is a rate from 0 to 1, e.g. 0.05');
  const concurrency = positive(opts.concurrency, '--concurrency', true);
  const rate = positive(opts.rate, '--rate', false);
  const config = cliConfig(opts);
  const plan = bucketPlan(config);
  const logger = cliLogger(config);
  const catalog = await openCatalog(catalogLocation(config));
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const tty = Boolean(process.stderr.isTTY) && !opts.json;
    const outcome = await withStore(
      config,
      ({ store }) =>
        new FixitySweeper({
          catalog,
          store,
          recordBuckets: plan.records.map((r) => r.bucket),
          auditBucket: plan.audit.bucket,
          logger,
        }).run({
          kind: opts.deep ? 'deep' : 'head',
          ...(opts.bucket !== undefined ? { bucket: opts.bucket } : {}),
          ...(sample !== undefined ? { sample } : {}),
          ...(concurrency !== undefined ? { concurrency } : {}),
          ...(rate !== undefined ? { rate } : {}),
          initiated: 'cli',
          onProgress: progressBar(tty),
          signal: stop.signal,
        }),
      { as: 'service' },
    );
    if (tty) process.stderr.write('\n');
    if (outcome.status === 'stopped') {
      process.stderr.write(`fixity sweep ${outcome.sweepId} stopped; run the command again to resume it\n`);
      return outcome;
    }
    const r = outcome.report;
    if (opts.json) printJson(r);
    else {
      process.stdout.write(
        `fixity ${r.kind} sweep ${r.sweepId}: ${r.counts.checked} of ${r.counts.records} records checked, ` +
          `${r.counts.listed} objects listed, ${r.problems.length} problem(s)\n` +
          `report: ${plan.audit.bucket}/${outcome.reportKey} (and .html), ledger leaf ${outcome.ledgerSeq}\n`,
      );
      if (r.problems.length > 0)
        process.stdout.write(
          '\n' +
            renderTable(
              ['problem', 'bucket/key', 'record', 'expected', 'found'],
              r.problems.map((p) => [p.kind, `${p.bucket}/${p.key}`, p.recordId ?? '-', p.expected, p.found]),
            ),
        );
    }
    return outcome;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await catalog.close();
  }
}

/** Problems found: 4 (`not-verified`); a stopped sweep: 1 (`failed`, nothing verified yet). */
export function fixityOutcome(outcome: SweepOutcome): Outcome {
  if (outcome.status === 'stopped') return 'failed';
  return outcome.report.problems.length > 0 ? 'not-verified' : 'ok';
}

/** Adds `fixity` under the `verify` command (created here unless another module made it first). */
export function register(program: Command, finish: Finish): void {
  const verify =
    program.commands.find((c) => c.name() === 'verify') ??
    program.command('verify').description('offline checks of what the archive produced');
  withCommonOptions(
    verify
      .command('fixity')
      .description(
        'check the records at rest: HEAD every catalogued object (--deep: read and hash every byte) and LIST the record buckets; exit 4 when a problem is found',
      ),
  )
    .option('--deep', 'read and hash every byte (default: HEAD, comparing size, CRC-64 and SHA-256 metadata)')
    .option('--bucket <bucket>', 'one records bucket (default: all)')
    .option(
      '--sample <rate>',
      'share of the records checked, e.g. 0.05 (default 1: all); the LIST is always complete',
    )
    .option('--concurrency <n>', 'objects in flight at once (default 8)')
    .option('--rate <objects_per_s>', 'most objects per second (default: unlimited)')
    .option('--json', 'print the report (JSON)')
    .action(async (opts: VerifyFixityOptions) => {
      finish(fixityOutcome(await verifyFixityCommand(opts)));
    });
}
