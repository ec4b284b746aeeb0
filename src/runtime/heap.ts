import v8 from 'node:v8';
import type { Worker } from 'node:worker_threads';

/** The V8 flags this process has set here (name to value), to set again after a worker starts. */
const applied = new Map<string, number>();

function setFlag(name: string, value: number): void {
  v8.setFlagsFromString(`--${name}=${value}`);
  applied.set(name, value);
}

/**
 * Caps how far V8 lets the heap grow between full collections: after each one, the next starts
 * when the old generation reaches (1 + percent/100) x what it kept. Left to itself V8 picks a
 * factor of up to 4 when the heap limit is large (it is 4 GB on a machine with 24 GB), so a
 * build that keeps ~100 MB live but promotes short-lived garbage at ~5 MB/s (an export of
 * 100,000 records) sat on ~300 MB of heap. `percent` 0 leaves V8's choice.
 *
 * V8 reads this flag whenever it sets the next limit, so setting it at run time takes effect at
 * the next full collection; it is one integer, with no effect on what the program computes
 * (docs/decisions/0022-heap-growth.md). Process-wide: serve calls it once, before it starts.
 */
export function applyHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0 || percent > 300)
    throw new RangeError(`heap growth percent must be an integer 0..300, got ${percent}`);
  if (percent === 0) return;
  setFlag('heap-growing-percent', percent);
}

/**
 * How V8 grows the young generation: after a scavenge that kept much, each semi-space is
 * multiplied by `factor`, up to 16 MiB (the young generation then takes ~34 MB of RSS, which it
 * keeps). 1 keeps the semi-spaces at their first size (1 MiB): ~2 MB of young generation, at the
 * cost of more scavenges, each cheap because what it copies is the few objects alive at the time.
 * `--max-semi-space-size` would be the direct limit, but V8 reads it only when the heap is made;
 * the growth factor it reads each time it grows the space, so this takes effect when set at run
 * time (test/runtime/heap.test.ts checks that it does). Process-wide: serve calls it once.
 */
export function applyYoungGenerationGrowth(factor: number): void {
  if (!Number.isInteger(factor) || factor < 1 || factor > 8)
    throw new RangeError(`young generation growth factor must be an integer 1..8, got ${factor}`);
  setFlag('semi-space-growth-factor', factor);
}

/**
 * Sets the flags of applyHeapGrowth and applyYoungGenerationGrowth again once `worker` is online.
 * Starting a worker thread puts them back to V8's defaults for the whole process: in a driver
 * building a 100,000-record bag, the serving thread's new space grew to 33.6 MB once a worker had
 * started (2.1 MB without one), and stayed at 4.2 MB when they were set again on `online`
 * (docs/decisions/0026-bag-worker.md). Whoever starts a worker in serve calls this.
 */
export function keepHeapFlags(worker: Worker): void {
  if (applied.size === 0) return;
  worker.once('online', () => {
    for (const [name, value] of applied) v8.setFlagsFromString(`--${name}=${value}`);
  });
}
