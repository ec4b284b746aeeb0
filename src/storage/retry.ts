/**
 * Retries with exponential backoff and full jitter (the AWS architecture blog's "Full Jitter"):
 * after the n-th failure, wait random() * min(maxDelayMs, baseDelayMs * 2^(n-1)), then try again,
 * up to maxAttempts attempts in all.
 *
 * Retrying writes is safe because every write the adapter makes is create-only: a repeated PUT
 * can at worst find its own earlier, answered-but-lost write, which the caller settles
 * (`afterLostAnswer`), never overwrite something.
 */

export interface RetryPolicy {
  /** Attempts in all, including the first (>= 1). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RetryDeps {
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The wait after `failures` failed attempts (1 after the first failure). */
export function backoffDelay(failures: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(Math.max(0, Math.min(1, random())) * ceiling);
}

export interface RetryHooks<T, E> {
  /** Turns whatever was thrown into the error the caller deals in (typed errors). */
  translate: (err: unknown) => E;
  isRetryable: (err: E) => boolean;
  /** Builds the error thrown when the last allowed attempt failed with a retryable error. */
  exhausted: (last: E, attempts: number) => E;
  /**
   * Called when a non-retryable error follows at least one retryable failure, i.e. an earlier
   * attempt may have been carried out by the server although its answer was lost. Returns a
   * result to treat the operation as done, or undefined to throw the error.
   */
  afterLostAnswer?: (err: E) => Promise<T | undefined>;
  onRetry?: (err: E, failures: number, delayMs: number) => void;
}

export async function withRetry<T, E>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps,
  hooks: RetryHooks<T, E>,
): Promise<T> {
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
  let ambiguous = false;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (raw) {
      const err = hooks.translate(raw);
      if (hooks.isRetryable(err)) {
        ambiguous = true;
        if (n >= maxAttempts) throw hooks.exhausted(err, n);
        const delay = backoffDelay(n, policy, deps.random);
        hooks.onRetry?.(err, n, delay);
        await deps.sleep(delay);
        continue;
      }
      if (ambiguous && hooks.afterLostAnswer) {
        const settled = await hooks.afterLostAnswer(err);
        if (settled !== undefined) return settled;
      }
      throw err;
    }
  }
}
