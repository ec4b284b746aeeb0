/**
 * Ordered, bounded concurrency: up to `concurrency` items are worked on at once, results are
 * emitted strictly in input order, and no new item is read while `concurrency` items are in
 * flight, while `window` items are started but not yet emitted, or while the output is backed up.
 * A slow item holds back the output, not the work: the others go on around it until the window
 * is full. Memory is bounded by the window, whatever the input's length.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

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
  const slots: Slot<R>[] = [];
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const start = (item: T): void => {
    const slot: Slot<R> = { done: false, settled: Promise.resolve() };
    inFlight += 1;
    slot.settled = work(item).then((result) => {
      slot.result = result;
      slot.done = true;
      inFlight -= 1;
      const w = wake;
      wake = null;
      w?.();
    });
    slots.push(slot);
  };
  const emitReady = async (): Promise<void> => {
    while (slots.length > 0 && slots[0]!.done) {
      const slot = slots.shift()!;
      await emit(slot.result as R);
    }
  };
  try {
    for await (const item of source) {
      start(item);
      await emitReady();
      while (inFlight >= concurrency || slots.length >= window) {
        await new Promise<void>((resolve) => (wake = resolve));
        await emitReady();
      }
      if (stop?.()) break;
    }
  } finally {
    // Whatever ended the input (its end, an error, a stop), what was started is finished and emitted.
    while (slots.length > 0) {
      await slots[0]!.settled;
      await emitReady();
    }
  }
}

/**
 * Writes to a stream, waiting for 'drain' when its buffer is full (backpressure). Resolves false,
 * without writing, once the stream is gone (the client went away).
 */
export async function writeWithBackpressure(out: Writable, data: string): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(data)) return true;
  const ac = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: ac.signal }),
      once(out, 'close', { signal: ac.signal }),
    ]);
  } finally {
    ac.abort();
  }
  return !out.destroyed;
}
