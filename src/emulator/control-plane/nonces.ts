/**
 * SignatureNonce replay protection. A request is accepted only while its Timestamp is within
 * the skew window of the server's time, so a nonce needs remembering only until its request's
 * timestamp has left that window: then the timestamp check refuses a replay on its own.
 *
 * Kept in memory (a Map in insertion order, swept as it grows): a restart forgets the nonces of
 * the last window (docs/decisions/0005-control-plane.md).
 */
export const SKEW_MS = 15 * 60 * 1000;
const SWEEP_EVERY = 4096;
const HARD_CAP = 1_000_000;

export class NonceCache {
  private readonly seen = new Map<string, number>();
  private sinceSweep = 0;

  /**
   * Records `nonce` of `accessKeyId` for a request signed at `timestampMs`; false when it was seen
   * before (a replay).
   */
  use(accessKeyId: string, nonce: string, timestampMs: number, nowMs: number): boolean {
    const key = accessKeyId + '\n' + nonce;
    const until = this.seen.get(key);
    if (until !== undefined && until > nowMs) return false;
    if (++this.sinceSweep >= SWEEP_EVERY) this.sweep(nowMs);
    if (this.seen.size >= HARD_CAP) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    this.seen.delete(key);
    this.seen.set(key, Math.max(timestampMs, nowMs) + SKEW_MS);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(nowMs: number): void {
    this.sinceSweep = 0;
    for (const [key, until] of this.seen) if (until <= nowMs) this.seen.delete(key);
  }
}
