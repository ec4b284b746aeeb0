import { backoffDelay, withRetry, type RetryHooks, type RetryPolicy } from '../../src/storage/retry';

class Flaky extends Error {
  constructor(readonly retryable: boolean) {
    super(retryable ? 'transient' : 'permanent');
  }
}

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

function hooks<T>(extra: Partial<RetryHooks<T, Flaky>> = {}): RetryHooks<T, Flaky> {
  return {
    translate: (e) => (e instanceof Flaky ? e : new Flaky(false)),
    isRetryable: (e) => e.retryable,
    exhausted: (last, attempts) =>
      Object.assign(new Flaky(true), { message: `gave up after ${attempts}: ${last.message}` }),
    ...extra,
  };
}

function recorder(): { sleep: (ms: number) => Promise<void>; slept: number[] } {
  const slept: number[] = [];
  return { slept, sleep: async (ms) => void slept.push(ms) };
}

describe('backoffDelay (full jitter)', () => {
  it('is random() times an exponentially growing ceiling capped at maxDelayMs', () => {
    const ceilings = [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0.999999));
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.25)).toBe(100);
  });

  it('never goes negative or above the cap, even for odd random sources', () => {
    expect(backoffDelay(2, policy, () => -1)).toBe(0);
    expect(backoffDelay(2, policy, () => 7)).toBe(200);
    expect(backoffDelay(40, policy, () => 1)).toBe(1000);
  });
});

describe('withRetry', () => {
  it('retries retryable failures with backoff until success', async () => {
    const { sleep, slept } = recorder();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw new Flaky(true);
        return 'done';
      },
      policy,
      { sleep, random: () => 0.5 },
      hooks<string>(),
    );
    expect(result).toBe('done');
    expect(calls).toBe(4);
    expect(slept).toEqual([50, 100, 200]);
  });

  it('stops at maxAttempts with the exhausted error', async () => {
    const { sleep, slept } = recorder();
    let calls = 0;
    const err = await withRetry(
      async () => {
        calls++;
        throw new Flaky(true);
      },
      policy,
      { sleep, random: () => 1 },
      hooks<string>(),
    ).catch((e: unknown) => e);
    expect(calls).toBe(5);
    expect(slept).toHaveLength(4);
    expect((err as Error).message).toBe('gave up after 5: transient');
  });

  it('maxAttempts 1 means no retry', async () => {
    const { sleep, slept } = recorder();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Flaky(true);
        },
        { ...policy, maxAttempts: 1 },
        { sleep, random: () => 0.5 },
        hooks<string>(),
      ),
    ).rejects.toThrow('gave up after 1');
    expect(calls).toBe(1);
    expect(slept).toEqual([]);
  });

  it('throws non-retryable failures at once, without the lost-answer hook when nothing was ambiguous', async () => {
    const { sleep } = recorder();
    const afterLostAnswer = jest.fn(async () => 'taken as done');
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Flaky(false);
        },
        policy,
        { sleep, random: () => 0.5 },
        hooks<string>({ afterLostAnswer }),
      ),
    ).rejects.toThrow('permanent');
    expect(calls).toBe(1);
    expect(afterLostAnswer).not.toHaveBeenCalled();
  });

  it('asks the lost-answer hook about a non-retryable failure that follows a retryable one', async () => {
    const { sleep } = recorder();
    let calls = 0;
    const attempt = async (): Promise<string> => {
      calls++;
      throw new Flaky(calls === 1);
    };
    await expect(
      withRetry(
        attempt,
        policy,
        { sleep, random: () => 0.5 },
        hooks<string>({ afterLostAnswer: async () => 'it was ours' }),
      ),
    ).resolves.toBe('it was ours');
    calls = 0;
    await expect(
      withRetry(
        attempt,
        policy,
        { sleep, random: () => 0.5 },
        hooks<string>({ afterLostAnswer: async () => undefined }),
      ),
    ).rejects.toThrow('permanent');
  });

  it('translates what was thrown before deciding', async () => {
    const { sleep } = recorder();
    await expect(
      withRetry(
        async () => {
          throw 'not an error';
        },
        policy,
        { sleep, random: () => 0.5 },
        hooks<string>(),
      ),
    ).rejects.toBeInstanceOf(Flaky);
  });
});
