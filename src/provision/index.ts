import type { BucketPlan } from '../config';
import { RetentionPolicyError } from '../errors';
import type { BucketAdmin, RetentionPolicy } from '../storage/types';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import {
  describeEncryption,
  httpsOnlyStatement,
  sameEncryption,
  withHttpsOnly,
  type BucketSecurity,
} from './bucket-security';

export { bucketSecurity, type BucketSecurity } from './bucket-security';

/** OSS keeps an unfinished (InProgress) retention policy for 24 hours, then it lapses. */
export const IN_PROGRESS_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Prefix under which access logs of every bucket land in the logs bucket. */
export const ACCESS_LOG_PREFIX = 'access-log/';

export type BucketRole = 'records' | 'audit' | 'exports' | 'logs';

export interface PlannedBucket {
  bucket: string;
  role: BucketRole;
  /** Retention class name for records buckets. */
  className?: string;
  days: number;
}

export function plannedBuckets(plan: BucketPlan): PlannedBucket[] {
  return [
    ...plan.records.map((r) => ({
      bucket: r.bucket,
      role: 'records' as const,
      className: r.className,
      days: r.days,
    })),
    { bucket: plan.audit.bucket, role: 'audit', days: plan.audit.days },
    { bucket: plan.exports.bucket, role: 'exports', days: plan.exports.days },
    { bucket: plan.logs.bucket, role: 'logs', days: plan.logs.days },
  ];
}

export interface ProvisionAction {
  bucket: string;
  action: string;
  detail: string;
}

export interface ProvisionOptions {
  /** Also complete InProgress policies (irreversible). The local profile does this on first start. */
  lock?: boolean;
  clock?: Clock;
  onAction?: (action: ProvisionAction) => void;
  /**
   * Default encryption and the HTTPS-only policy for every bucket (`bucketSecurity(config,
   * endpoint)`); absent: neither is touched.
   */
  security?: BucketSecurity;
}

/**
 * Brings the buckets to the configured posture, idempotently: creates missing buckets,
 * sends every bucket's access log (but the logs bucket's own) to the logs bucket, and initiates a
 * retention policy with the configured days where there is none. Never shortens or removes a
 * policy; a policy with too few days is reported, not changed (extending is irreversible:
 * `strongroom worm extend`). With `lock`, InProgress policies are completed. With `security`:
 * sets the default encryption where it differs, and adds the HTTPS-only statement to the bucket
 * policy where none denies plain HTTP (an https endpoint only; other statements are kept).
 */
export async function provision(
  store: BucketAdmin,
  plan: BucketPlan,
  options: ProvisionOptions = {},
): Promise<ProvisionAction[]> {
  const actions: ProvisionAction[] = [];
  const note = (bucket: string, action: string, detail: string): void => {
    const a = { bucket, action, detail };
    actions.push(a);
    options.onAction?.(a);
  };
  const buckets = plannedBuckets(plan);
  // The logs bucket first, so it exists when other buckets name it as their logging target.
  const ordered = [...buckets.filter((b) => b.role === 'logs'), ...buckets.filter((b) => b.role !== 'logs')];
  for (const b of ordered) {
    if (await store.bucketInfo(b.bucket)) {
      note(b.bucket, 'exists', 'bucket already exists');
    } else {
      await store.createBucket(b.bucket);
      note(b.bucket, 'created', 'bucket created');
    }

    if (b.role !== 'logs') {
      const logging = await store.getLogging(b.bucket);
      if (logging?.targetBucket === plan.logs.bucket && logging.targetPrefix === ACCESS_LOG_PREFIX) {
        note(b.bucket, 'logging-ok', `access logs go to ${plan.logs.bucket}/${ACCESS_LOG_PREFIX}`);
      } else {
        await store.putLogging(b.bucket, { targetBucket: plan.logs.bucket, targetPrefix: ACCESS_LOG_PREFIX });
        note(b.bucket, 'logging-enabled', `access logs now go to ${plan.logs.bucket}/${ACCESS_LOG_PREFIX}`);
      }
    }

    let policy = await store.getRetention(b.bucket);
    if (!policy) {
      const { wormId } = await store.initiateRetention(b.bucket, b.days);
      note(
        b.bucket,
        'retention-initiated',
        `retention policy of ${b.days} days initiated (InProgress, id ${wormId})`,
      );
      policy = await store.getRetention(b.bucket);
      if (!policy)
        throw new RetentionPolicyError(
          `retention policy of ${b.bucket} vanished right after it was initiated`,
        );
    } else if (policy.days < b.days) {
      note(
        b.bucket,
        'retention-short',
        `policy is ${policy.state} with ${policy.days} days, fewer than the configured ${b.days}: ` +
          (policy.state === 'Locked'
            ? `run \`strongroom worm extend ${b.bucket} --days ${b.days}\``
            : `abort it (\`strongroom worm abort ${b.bucket}\`) and provision again`),
      );
    } else {
      note(b.bucket, 'retention-ok', `policy is ${policy.state} with ${policy.days} days`);
    }

    if (options.lock && policy.state === 'InProgress' && policy.days >= b.days) {
      await store.completeRetention(b.bucket, policy.wormId);
      note(b.bucket, 'retention-locked', `retention policy locked at ${policy.days} days (irreversible)`);
    }
    if (options.security) await secureBucket(store, b.bucket, options.security, note);
  }
  return actions;
}

async function secureBucket(
  store: BucketAdmin,
  bucket: string,
  security: BucketSecurity,
  note: (bucket: string, action: string, detail: string) => void,
): Promise<void> {
  const wanted = security.encryption;
  const current = await store.getEncryption(bucket);
  if (sameEncryption(current, wanted)) {
    note(bucket, 'encryption-ok', `default encryption ${describeEncryption(wanted)}`);
  } else {
    await store.putEncryption(bucket, wanted);
    note(
      bucket,
      current === null ? 'encryption-set' : 'encryption-changed',
      `default encryption now ${describeEncryption(wanted)}${current === null ? '' : ` (was ${describeEncryption(current)}; objects already stored keep theirs)`}`,
    );
  }
  if (!security.httpsOnly) {
    note(
      bucket,
      'https-policy-skipped',
      `the endpoint ${security.endpoint} is plain HTTP: an HTTPS-only policy would refuse the archive itself`,
    );
    return;
  }
  const policy = await store.getBucketPolicy(bucket);
  if (httpsOnlyStatement(policy, bucket) !== null) {
    note(bucket, 'https-policy-ok', 'the bucket policy denies requests not made over HTTPS');
    return;
  }
  await store.putBucketPolicy(bucket, withHttpsOnly(policy, bucket));
  note(
    bucket,
    'https-policy-set',
    `HTTPS-only statement ${policy === null ? 'set as the bucket policy' : 'added to the bucket policy'}`,
  );
}

export interface WormStatusRow {
  bucket: string;
  role: BucketRole | 'other';
  state: RetentionPolicy['state'] | 'None' | 'NoBucket';
  days: number | null;
  configuredDays: number | null;
  createdAt: Date | null;
  wormId: string | null;
  /** While InProgress: milliseconds left before the policy lapses. */
  lockDeadlineMs: number | null;
}

export async function wormStatus(
  store: BucketAdmin,
  plan: BucketPlan,
  clock: Clock = systemClock,
): Promise<WormStatusRow[]> {
  const rows: WormStatusRow[] = [];
  for (const b of plannedBuckets(plan)) {
    if (!(await store.bucketInfo(b.bucket))) {
      rows.push({
        bucket: b.bucket,
        role: b.role,
        state: 'NoBucket',
        days: null,
        configuredDays: b.days,
        createdAt: null,
        wormId: null,
        lockDeadlineMs: null,
      });
      continue;
    }
    const p = await store.getRetention(b.bucket);
    rows.push({
      bucket: b.bucket,
      role: b.role,
      state: p ? p.state : 'None',
      days: p ? p.days : null,
      configuredDays: b.days,
      createdAt: p ? p.createdAt : null,
      wormId: p ? p.wormId : null,
      lockDeadlineMs:
        p && p.state === 'InProgress'
          ? p.createdAt.getTime() + IN_PROGRESS_WINDOW_MS - clock.now().getTime()
          : null,
    });
  }
  return rows;
}
