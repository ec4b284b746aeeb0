import { RetentionNotLockedError } from '../errors';
import type { BucketAdmin } from '../storage/types';
import type { Clock } from '../util/clock';

/**
 * The compliance gate: outside the local profile, no record is written to a bucket whose
 * retention policy is not Locked with at least the class's days. A bucket found compliant is
 * trusted for `ttlMs` (a Locked policy cannot be shortened or removed, so a positive answer stays
 * true); a non-compliant answer is not cached, so the gate opens as soon as the bucket is locked.
 */
export class RetentionGate {
  private readonly compliantUntil = new Map<string, number>();

  constructor(
    private readonly store: Pick<BucketAdmin, 'getRetention'>,
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
  ) {}

  async check(bucket: string, days: number): Promise<void> {
    const now = this.clock.now().getTime();
    const until = this.compliantUntil.get(`${bucket}:${days}`);
    if (until !== undefined && until > now) return;
    const policy = await this.store.getRetention(bucket);
    if (!policy || policy.state !== 'Locked' || policy.days < days) {
      const state = policy ? `${policy.state} with ${policy.days} days` : 'no retention policy';
      throw new RetentionNotLockedError(
        `bucket ${bucket} has ${state}; records of this class need a Locked policy of at least ${days} days. ` +
          'Nothing was written. Run `strongroom doctor` and lock the bucket.',
        {
          details: { bucket, requiredDays: days, state: policy?.state ?? 'None', days: policy?.days ?? null },
        },
      );
    }
    this.compliantUntil.set(`${bucket}:${days}`, now + this.ttlMs);
  }
}
