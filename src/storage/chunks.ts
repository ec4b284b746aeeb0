import { ValidationError } from '../errors';

/**
 * Cuts a byte stream into buffers of exactly `size` bytes (the last one shorter, never empty).
 * Holds at most one part plus one incoming chunk in memory. Breaking out of the loop returns
 * the source iterator, which destroys a Readable source.
 */
export async function* fixedChunks(
  source: AsyncIterable<unknown>,
  size: number,
): AsyncGenerator<Buffer, void, undefined> {
  if (!Number.isSafeInteger(size) || size <= 0)
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of source) {
    let buf: Buffer;
    if (Buffer.isBuffer(chunk)) buf = chunk;
    else if (chunk instanceof Uint8Array) buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else if (typeof chunk === 'string') buf = Buffer.from(chunk, 'utf8');
    else throw new ValidationError('the stream must yield bytes (Buffer, Uint8Array or string), not objects');
    if (buf.length === 0) continue;
    pending.push(buf);
    pendingBytes += buf.length;
    if (pendingBytes < size) continue;
    const joined = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    let offset = 0;
    while (joined.length - offset >= size) {
      // Copy so that the part does not pin the (possibly larger) joined buffer or the caller's chunk.
      yield Buffer.from(joined.subarray(offset, offset + size));
      offset += size;
    }
    const rest = joined.length - offset;
    pending = rest > 0 ? [Buffer.from(joined.subarray(offset))] : [];
    pendingBytes = rest;
  }
  if (pendingBytes > 0)
    yield pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
}
