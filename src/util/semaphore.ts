/**
 * At most `limit` holders at once; the others wait in arrival order. The archive's one bound on
 * concurrency: a batch's PUT slots share one, and runOrdered (src/util/ordered.ts, used by the
 * batch pipeline and the adapter's multipart uploads) bounds its workers with one.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError(`semaphore limit must be >= 1, got ${limit}`);
  }

  /** Holders now. */
  get running(): number {
    return this.active;
  }

  /** Waits for a slot; resolves with the function that gives it back (call it once). */
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter (active stays the same), else it is freed.
      if (next) next();
      else this.active -= 1;
    };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }
}
