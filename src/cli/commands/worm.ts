import type { Command } from 'commander';
import { bucketPlan } from '../../config';
import { NotFoundError, RetentionPolicyError, ValidationError } from '../../errors';
import { wormStatus, type WormStatusRow } from '../../provision';
import { OSS_LIMITS } from '../../storage/limits';
import type { BucketAdmin, RetentionPolicy } from '../../storage/types';
import { humanDuration, renderTable } from '../../util/table';
import { cliConfig, printJson, withCommonOptions, withStore, type CommonOptions } from '../common';

async function policyOf(store: BucketAdmin, bucket: string): Promise<RetentionPolicy> {
  if (!(await store.bucketInfo(bucket))) throw new NotFoundError(`bucket ${bucket} does not exist`);
  const policy = await store.getRetention(bucket);
  if (!policy)
    throw new RetentionPolicyError(`bucket ${bucket} has no retention policy: run \`strongroom provision\``);
  return policy;
}

export async function wormStatusCommand(opts: CommonOptions): Promise<WormStatusRow[]> {
  const config = cliConfig(opts);
  return withStore(config, async ({ store }) => {
    const rows = await wormStatus(store, bucketPlan(config));
    if (opts.json) printJson(rows);
    else {
      process.stdout.write(
        renderTable(
          ['bucket', 'role', 'state', 'days', 'configured', 'created', 'time left to lock'],
          rows.map((r) => [
            r.bucket,
            r.role,
            r.state,
            r.days ?? '-',
            r.configuredDays ?? '-',
            r.createdAt ? r.createdAt.toISOString() : '-',
            r.lockDeadlineMs === null
              ? '-'
              : r.lockDeadlineMs > 0
                ? humanDuration(r.lockDeadlineMs)
                : 'lapsed',
          ]),
        ),
      );
    }
    return rows;
  });
}

export async function wormLockCommand(
  bucket: string,
  opts: CommonOptions & { yes?: boolean },
): Promise<RetentionPolicy> {
  if (!opts.yes) {
    throw new ValidationError(
      `locking the retention policy of ${bucket} is irreversible: once Locked it can never be removed or shortened, ` +
        'and objects cannot be deleted until their retention ends. Add --yes to proceed.',
    );
  }
  const config = cliConfig(opts);
  return withStore(config, async ({ store }) => {
    const policy = await policyOf(store, bucket);
    if (policy.state === 'Locked')
      throw new RetentionPolicyError(`the policy of ${bucket} is already Locked (${policy.days} days)`);
    await store.completeRetention(bucket, policy.wormId);
    const after = await policyOf(store, bucket);
    if (opts.json) printJson(after);
    else
      process.stdout.write(
        `${bucket}: retention policy Locked at ${after.days} days. This cannot be undone.\n`,
      );
    return after;
  });
}

export async function wormExtendCommand(
  bucket: string,
  opts: CommonOptions & { days: string },
): Promise<RetentionPolicy> {
  const days = Number(opts.days);
  if (!Number.isInteger(days) || days < 1 || days > OSS_LIMITS.maxRetentionDays)
    throw new ValidationError(`--days must be a whole number from 1 to ${OSS_LIMITS.maxRetentionDays}`);
  const config = cliConfig(opts);
  return withStore(config, async ({ store }) => {
    const policy = await policyOf(store, bucket);
    if (policy.state !== 'Locked')
      throw new RetentionPolicyError(`only a Locked policy can be extended; ${bucket}'s is ${policy.state}`);
    if (days <= policy.days)
      throw new RetentionPolicyError(
        `${bucket} already keeps ${policy.days} days; a policy can only be extended`,
      );
    await store.extendRetention(bucket, policy.wormId, days);
    const after = await policyOf(store, bucket);
    if (opts.json) printJson(after);
    else process.stdout.write(`${bucket}: retention extended from ${policy.days} to ${after.days} days.\n`);
    return after;
  });
}

export async function wormAbortCommand(bucket: string, opts: CommonOptions): Promise<void> {
  const config = cliConfig(opts);
  await withStore(config, async ({ store }) => {
    const policy = await policyOf(store, bucket);
    if (policy.state === 'Locked')
      throw new RetentionPolicyError(`the policy of ${bucket} is Locked and cannot be aborted`);
    await store.abortRetention(bucket);
    if (opts.json) printJson({ bucket, aborted: policy });
    else process.stdout.write(`${bucket}: InProgress retention policy aborted.\n`);
  });
}

export function register(program: Command): void {
  const worm = program.command('worm').description('bucket retention policies (WORM)');
  withCommonOptions(
    worm.command('status').description('state, days and lock deadline of every configured bucket'),
  )
    .option('--json', 'machine-readable output')
    .action(async (opts: CommonOptions) => {
      await wormStatusCommand(opts);
    });
  withCommonOptions(
    worm.command('lock <bucket>').description('lock (complete) an InProgress retention policy: IRREVERSIBLE'),
  )
    .option('--yes', 'confirm the irreversible lock')
    .option('--json', 'machine-readable output')
    .action(async (bucket: string, opts: CommonOptions & { yes?: boolean }) => {
      await wormLockCommand(bucket, opts);
    });
  withCommonOptions(
    worm.command('extend <bucket>').description('extend a Locked retention policy (irreversible)'),
  )
    .requiredOption('--days <n>', 'new retention period in days (more than the current one)')
    .option('--json', 'machine-readable output')
    .action(async (bucket: string, opts: CommonOptions & { days: string }) => {
      await wormExtendCommand(bucket, opts);
    });
  withCommonOptions(
    worm.command('abort <bucket>').description('remove an InProgress (not yet Locked) retention policy'),
  )
    .option('--json', 'machine-readable output')
    .action(async (bucket: string, opts: CommonOptions) => {
      await wormAbortCommand(bucket, opts);
    });
}
