import { Semaphore } from '../../src/util/semaphore';

describe('Semaphore', () => {
  test('runs at most `limit` tasks at once, in arrival order, and frees slots on failure', async () => {
    const s = new Semaphore(2);
    let running = 0;
    let max = 0;
    const order: number[] = [];
    const task = (i: number) => async () => {
      running++;
      max = Math.max(max, running);
      order.push(i);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      if (i === 3) throw new Error('task 3 failed');
      return i;
    };
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => s.run(task(i))));
    expect(max).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(s.running).toBe(0);
  });

  test('refuses a limit below 1', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
