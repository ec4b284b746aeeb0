import { ValidationError } from '../errors';

/** A chunk of a byte stream as a Buffer (no copy); objects are refused. */
export function asBytes(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new ValidationError('the stream must yield bytes (Buffer, Uint8Array or string), not objects');
}

/**
 * Cuts a byte stream into buffers of exactly `size` bytes (the last one shorter, never empty).
 * Each byte is copied once, into a part buffer of its own (so a part never pins the caller's
 * chunks, and the caller's chunks never alias a part); at most one part is being filled. Breaking
 * out of the loop returns the source iterator, which destroys a Readable source.
 */
export async function* fixedChunks(
  source: AsyncIterable<unknown>,
  size: number,
): AsyncGenerator<Buffer, void, undefined> {
  if (!Number.isSafeInteger(size) || size <= 0)
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  let part: Buffer | null = null;
  let filled = 0;
  for await (const chunk of source) {
    const buf = asBytes(chunk);
    let offset = 0;
    while (offset < buf.length) {
      part ??= Buffer.allocUnsafeSlow(size);
      const n = Math.min(size - filled, buf.length - offset);
      buf.copy(part, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === size) {
        const full = part;
        part = null;
        filled = 0;
        yield full;
      }
    }
  }
  if (part && filled > 0) yield part.subarray(0, filled);
}
