import v8 from 'node:v8';

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
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
