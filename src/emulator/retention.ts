import type { BucketRow } from './persistence/metadata-index';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** An InProgress policy not completed within this time lapses (OSS: 24 hours). */
export const WORM_COMPLETE_WINDOW_MS = DAY_MS;
export const MIN_RETENTION_DAYS = 1;
/** 70 years. */
export const MAX_RETENTION_DAYS = 25550;

export type WormState = 'InProgress' | 'Locked';

export interface RetentionPolicy {
  id: string;
  state: WormState;
  days: number;
  createdMs: number;
}

/**
 * The bucket's retention policy as it stands at `nowMs`: null when there is none, or when an
 * InProgress policy was not completed within 24 hours (it lapsed: as if absent). While
 * InProgress and not lapsed it already protects objects.
 */
export function effectivePolicy(bucket: BucketRow, nowMs: number): RetentionPolicy | null {
  if (
    bucket.worm_id === null ||
    bucket.worm_state === null ||
    bucket.worm_days === null ||
    bucket.worm_created_ms === null
  )
    return null;
  const state = bucket.worm_state as WormState;
  if (state === 'InProgress' && nowMs >= bucket.worm_created_ms + WORM_COMPLETE_WINDOW_MS) return null;
  return { id: bucket.worm_id, state, days: bucket.worm_days, createdMs: bucket.worm_created_ms };
}

/** An object is protected until its last-modified time plus the policy's days. */
export function isProtected(bucket: BucketRow, modifiedMs: number, nowMs: number): boolean {
  const policy = effectivePolicy(bucket, nowMs);
  return policy !== null && nowMs < modifiedMs + policy.days * DAY_MS;
}
