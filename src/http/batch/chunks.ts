/**
 * The chunks of a readable stream, like `for await (const chunk of stream)` except that leaving
 * early (a size limit, an error) leaves the stream alone instead of destroying it: destroying a
 * request destroys its socket, and with it the answer that says why the body was refused.
 */
import type { Readable } from 'node:stream';

/** The stream ended before its end: for a request, the client went away. */
export class StreamClosedError extends Error {
  constructor() {
    super('the stream closed before its end (the client went away)');
    this.name = 'StreamClosedError';
  }
}

function nextEvent(stream: Readable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      stream.off('readable', done);
      stream.off('end', done);
      stream.off('error', fail);
      stream.off('close', closed);
    };
    const done = () => {
      cleanup();
      resolve();
    };
    const fail = (err: unknown) => {
      cleanup();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const closed = () => {
      cleanup();
      if (stream.readableEnded) resolve();
      else if (stream.errored) reject(stream.errored);
      else reject(new StreamClosedError());
    };
    stream.on('readable', done);
    stream.on('end', done);
    stream.on('error', fail);
    stream.on('close', closed);
  });
}

export async function* chunksOf(stream: Readable): AsyncGenerator<Buffer> {
  // Errors are reported by the iterator (from stream.errored); this listener, left in place for
  // the stream's life (the 'error' event may come after the iterator has thrown), only keeps them
  // from also being "unhandled" events.
  if (!errorsHandled.has(stream)) {
    errorsHandled.add(stream);
    stream.on('error', () => undefined);
  }
  yield* chunks(stream);
}

const errorsHandled = new WeakSet<Readable>();

async function* chunks(stream: Readable): AsyncGenerator<Buffer> {
  for (;;) {
    if (stream.errored) throw stream.errored;
    const chunk: unknown = stream.read();
    if (chunk !== null) {
      yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
      continue;
    }
    if (stream.readableEnded) return;
    if (stream.errored) throw stream.errored;
    if (stream.destroyed) throw new StreamClosedError();
    await nextEvent(stream);
  }
}
