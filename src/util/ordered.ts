/**
 * Ordered, bounded concurrency: up to `concurrency` items are worked on at once, results are
 * emitted strictly in input order, and no new item is read while `concurrency` items are in
 * flight, while `window` items are started but not yet emitted, or while the output is backed up.
 * A slow item holds back the output, not the work: the others go on around it until the window
 * is full. Memory is bounded by the window, whatever the input's length.
 *
 * Used by the batch route (lines) and by the adapter's multipart uploads (parts).
 */
import { Semaphore } from './semaphore';

export interface OrderedOptions<T, R> {
  concurrency: number;
  /** Items started but not yet emitted, at most (default 2 x concurrency, at least concurrency). */
  window?: number;
  /** Must not reject: turn failures into results. */
  work: (item: T) => Promise<R>;
  emit: (result: R) => Promise<void>;
  /** Checked before each new item is read; true stops reading (items in flight still finish). */
  stop?: () => boolean;
}

interface Slot<R> {
  done: boolean;
  result?: R;
  settled: Promise<void>;
}

export async function runOrdered<T, R>(
  source: AsyncIterable<T>,
  options: OrderedOptions<T, R>,
): Promise<void> {
  const { concurrency, work, emit, stop } = options;
  const window = Math.max(concurrency, options.window ?? concurrency * 2);
  const workers = new Semaphore(concurrency);
  const slots: Slot<R>[] = [];
  const emitReady = async (): Promise<void> => {
    while (slots.length > 0 && slots[0]!.done) {
      const slot = slots.shift()!;
      await emit(slot.result as R);
    }
  };
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      // A free worker before the next item is read; what finished meanwhile goes out first.
      const release = await workers.acquire();
      let next: IteratorResult<T>;
      try {
        await emitReady();
        next = await iterator.next();
      } catch (err) {
        release();
        throw err;
      }
      if (next.done) {
        release();
        break;
      }
      const slot: Slot<R> = { done: false, settled: Promise.resolve() };
      slot.settled = work(next.value)
        .then((result) => {
          slot.result = result;
          slot.done = true;
        })
        .finally(release);
      slots.push(slot);
      await emitReady();
      while (slots.length >= window) {
        await slots[0]!.settled;
        await emitReady();
      }
      if (stop?.()) {
        await iterator.return?.();
        break;
      }
    }
  } finally {
    // Whatever ended the input (its end, an error, a stop), what was started is finished and emitted.
    while (slots.length > 0) {
      await slots[0]!.settled;
      await emitReady();
    }
  }
}
