import { ValidationError } from '../errors';

/** A chunk of a byte stream as a Buffer (no copy); objects are refused. */
export function asBytes(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new ValidationError('the stream must yield bytes (Buffer, Uint8Array or string), not objects');
}

/** Buffers their producer has given away whole (handOver): fixedChunks may use them as parts. */
const handedOver = new WeakSet<Buffer>();

/**
 * Marks `buffer` as given away by its producer: it owns its memory alone (a whole ArrayBuffer,
 * not a view into a pool) and its producer does not touch it again unless it is given back
 * (PutStreamOptions.onPartUploaded). A stream that yields such
 * buffers of exactly the part size (a bag written in a worker thread, src/export/bag-thread.ts)
 * has them taken as parts without a copy.
 */
export function handOver(buffer: Buffer): Buffer {
  if (buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength) handedOver.add(buffer);
  return buffer;
}

/**
 * Cuts a byte stream into buffers of exactly `size` bytes (the last one shorter, never empty).
 * Each byte is copied once, into a part buffer of its own (so a part never pins the caller's
 * chunks, and the caller's chunks never alias a part), but for a chunk handed over (handOver)
 * of exactly `size` that arrives on a part boundary, which is the part; at most one part is being
 * filled. Breaking out of the loop returns the source iterator, which destroys a Readable source.
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
    if (part === null && buf.length === size && handedOver.has(buf)) {
      yield buf;
      continue;
    }
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
