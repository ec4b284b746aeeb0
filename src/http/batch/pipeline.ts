/**
 * Ordered, bounded concurrency: up to `concurrency` items are worked on at once, results are
 * emitted strictly in input order, and no new item is read while the window is full or while the
 * output is backed up. Memory is bounded by the window, whatever the input's length.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export interface OrderedOptions<T, R> {
  concurrency: number;
  /** Must not reject: turn failures into results. */
  work: (item: T) => Promise<R>;
  emit: (result: R) => Promise<void>;
  /** Checked before each new item is read; true stops reading (items in flight still finish). */
  stop?: () => boolean;
}

export async function runOrdered<T, R>(
  source: AsyncIterable<T>,
  options: OrderedOptions<T, R>,
): Promise<void> {
  const { concurrency, work, emit, stop } = options;
  const window: Promise<R>[] = [];
  const next = async () => {
    const head = window.shift();
    if (head) await emit(await head);
  };
  try {
    for await (const item of source) {
      window.push(work(item));
      if (window.length >= concurrency) await next();
      if (stop?.()) break;
    }
  } finally {
    // Whatever ended the input (its end, an error, a stop), what was started is finished and emitted.
    while (window.length > 0) await next();
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
