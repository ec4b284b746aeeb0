import type { BucketPlan, Config } from '../config';
import type { BucketAdmin } from '../storage/types';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import type { CloudCheckName, CloudFinding } from '../cloud/doctor';
import { humanDuration } from '../util/table';
import { ACCESS_LOG_PREFIX, IN_PROGRESS_WINDOW_MS, plannedBuckets } from './index';
import {
  describeEncryption,
  httpsOnlyStatement,
  isHttpsEndpoint,
  sameEncryption,
  wantedEncryption,
} from './bucket-security';

export type Severity = 'ok' | 'warn' | 'fail';

export interface Finding {
  bucket: string;
  check:
    | 'bucket'
    | 'retention'
    | 'retention-days'
    | 'logging'
    | 'encryption'
    | 'https-policy'
    | 'lapse'
    | CloudCheckName
    /** The catalog's ALP trade facts and the archived ALP reports (src/reports/doctor.ts). */
    | 'alp-facts'
    | 'alp-report'
    | 'alerts'
    | 'ledger';
  severity: Severity;
  message: string;
}

export interface DoctorReport {
  compliant: boolean;
  checkedAt: string;
  endpoint: string;
  findings: Finding[];
}

/**
 * The posture check: every bucket exists, its retention policy is Locked with at least the
 * configured days, its access log goes to the logs bucket, and no InProgress policy is close to
 * lapsing. Any `fail` makes the deployment not compliant.
 */
export async function doctor(
  store: BucketAdmin,
  plan: BucketPlan,
  config: Pick<Config, 'buckets'>,
  options: {
    clock?: Clock;
    endpoint: string;
    cloud?: () => Promise<CloudFinding[]>;
    /** Open alerts and the checkpoint's age (src/evidence/posture.ts), from the catalog. */
    evidence?: () => Promise<{ check: 'alerts' | 'ledger'; severity: Severity; message: string }[]>;
  },
): Promise<DoctorReport> {
  const clock = options.clock ?? systemClock;
  const warnMs = config.buckets.lapseWarningHours * 3600_000;
  const findings: Finding[] = [];
  const add = (bucket: string, check: Finding['check'], severity: Severity, message: string): void => {
    findings.push({ bucket, check, severity, message });
  };
  const wanted = wantedEncryption(config);
  const https = isHttpsEndpoint(options.endpoint);
  for (const b of plannedBuckets(plan)) {
    if (!(await store.bucketInfo(b.bucket))) {
      add(b.bucket, 'bucket', 'fail', 'bucket does not exist: run `strongroom provision`');
      continue;
    }
    const policy = await store.getRetention(b.bucket);
    if (!policy) {
      add(
        b.bucket,
        'retention',
        'fail',
        'no retention policy: objects can be deleted; run `strongroom provision`',
      );
    } else if (policy.state === 'InProgress') {
      const left = policy.createdAt.getTime() + IN_PROGRESS_WINDOW_MS - clock.now().getTime();
      add(
        b.bucket,
        'retention',
        'fail',
        `policy is InProgress, not Locked: run \`strongroom worm lock ${b.bucket} --yes\``,
      );
      add(
        b.bucket,
        'lapse',
        left < warnMs ? 'fail' : 'warn',
        `the InProgress policy lapses in ${humanDuration(left)} unless locked`,
      );
    } else {
      add(b.bucket, 'retention', 'ok', `Locked since ${policy.createdAt.toISOString()}`);
    }
    if (policy) {
      if (policy.days < b.days) {
        add(b.bucket, 'retention-days', 'fail', `${policy.days} days, fewer than the configured ${b.days}`);
      } else {
        add(b.bucket, 'retention-days', 'ok', `${policy.days} days (configured ${b.days})`);
      }
    }
    if (b.role !== 'logs') {
      const logging = await store.getLogging(b.bucket);
      if (!logging) {
        add(
          b.bucket,
          'logging',
          'fail',
          'access logging is off: access that bypasses the archive would not be in the audit trail',
        );
      } else if (logging.targetBucket !== plan.logs.bucket) {
        add(
          b.bucket,
          'logging',
          'fail',
          `access logs go to ${logging.targetBucket}, not to ${plan.logs.bucket}`,
        );
      } else {
        add(
          b.bucket,
          'logging',
          'ok',
          `access logs go to ${logging.targetBucket}/${logging.targetPrefix || ACCESS_LOG_PREFIX}`,
        );
      }
    }
    const encryption = await store.getEncryption(b.bucket);
    if (encryption === null) {
      add(b.bucket, 'encryption', 'fail', 'no default server-side encryption: run `strongroom provision`');
    } else if (!sameEncryption(encryption, wanted)) {
      add(
        b.bucket,
        'encryption',
        'warn',
        `default encryption ${describeEncryption(encryption)}, not the configured ${describeEncryption(wanted)}`,
      );
    } else {
      add(b.bucket, 'encryption', 'ok', `default encryption ${describeEncryption(encryption)}`);
    }
    const statement = httpsOnlyStatement(await store.getBucketPolicy(b.bucket), b.bucket);
    if (statement !== null)
      add(b.bucket, 'https-policy', 'ok', `bucket policy denies plain HTTP: ${statement}`);
    else if (!https)
      add(
        b.bucket,
        'https-policy',
        'warn',
        `no HTTPS-only bucket policy: the endpoint ${options.endpoint} is plain HTTP (local), where it would refuse the archive itself`,
      );
    else
      add(b.bucket, 'https-policy', 'fail', 'no bucket policy denies plain HTTP: run `strongroom provision`');
  }
  // The control plane: who the archive runs as, the export role, the signer, ActionTrail.
  if (options.cloud)
    for (const f of await options.cloud()) add('(control plane)', f.check, f.severity, f.message);
  if (options.evidence)
    for (const f of await options.evidence()) add('(evidence)', f.check, f.severity, f.message);
  return {
    compliant: findings.every((f) => f.severity !== 'fail'),
    checkedAt: clock.now().toISOString(),
    endpoint: options.endpoint,
    findings,
  };
}
