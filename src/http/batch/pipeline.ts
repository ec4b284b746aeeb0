/** Output of the batch pipeline (the ordered, bounded work itself is src/util/ordered.ts). */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

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
