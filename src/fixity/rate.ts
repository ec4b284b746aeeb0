/**
 * At most `perSecond` takes a second, spread evenly (one slot every 1000/perSecond ms): a sweep's
 * HEADs and GETs leave OSS and the catalog to ingest. Unlimited when perSecond is undefined.
 */
export class RateLimiter {
  private next = 0;
  constructor(private readonly perSecond: number | undefined) {
    if (perSecond !== undefined && !(perSecond > 0))
      throw new RangeError(`rate must be > 0, got ${perSecond}`);
  }

  async take(): Promise<void> {
    if (this.perSecond === undefined) return;
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}
