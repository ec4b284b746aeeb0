/**
 * The idle timeout of request bodies (issue 8, item 10). `requestTimeout` is 0 (uploads and
 * batches may take hours), so without this a body that stalls after a few bytes keeps its
 * connection, and its request, open for ever.
 *
 * While a request's body has not ended, its socket's idle timer runs (`req.setTimeout`: any byte
 * in or out restarts it). When it fires:
 * - if bytes the client sent are waiting to be read (`readableLength > 0`), the archive is the
 *   slow one (a batch waiting on OSS): nothing happens but the timer is armed again;
 * - else the client stalled: before any answer, the answer is 408 RequestTimeout through the
 *   error middleware (audited like any refusal) and the connection is closed once it is out; a
 *   streamed answer (a batch) sees its body fail with RequestTimeout and ends with its summary.
 * When the body ends the timer stops, so a slow answer is never cut by it.
 */
import type { Request, RequestHandler, Response } from 'express';
import { RequestTimeoutError } from '../../errors';
import { errorHandler } from '../errors';

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export function bodyIdleTimeout(timeoutMs: number): RequestHandler {
  const answer = errorHandler();
  return (req, res, next) => {
    if (!hasBody(req) || req.complete) return next();
    let fired = false;
    const stop = () => {
      if (req.socket && !req.socket.destroyed) req.setTimeout(0);
    };
    req.once('end', stop);
    res.once('finish', stop);
    res.once('close', stop);
    req.setTimeout(timeoutMs, () => {
      if (fired || req.complete || res.writableEnded) return;
      // The client's bytes are there, the archive has not read them yet: not the client's fault.
      // Armed again (no byte may come to restart it: the client may be waiting on the archive).
      if (req.readableLength > 0) {
        req.setTimeout(timeoutMs);
        return;
      }
      fired = true;
      stop();
      const err = new RequestTimeoutError(
        `the request body sent nothing for ${Math.round(timeoutMs / 1000)} s: the request is closed`,
        { hint: 'send the body without pauses (a batch that keeps sending is never cut), then retry' },
      );
      cutShort(req, res, err, answer);
    });
    next();
  };
}

function cutShort(
  req: Request,
  res: Response,
  err: RequestTimeoutError,
  answer: ReturnType<typeof errorHandler>,
): void {
  const socket = req.socket;
  if (res.headersSent) {
    // A streamed answer (a batch): its reader fails with the timeout and writes its summary.
    if (req.listenerCount('error') > 0) req.emit('error', err);
    else socket.destroy();
    return;
  }
  // Answered here, audited by the error middleware; then the connection goes, and with it the
  // handler's wait for the rest of the body (its own error finds the answer sent).
  res.once('finish', () => socket.destroySoon());
  void answer(err, req, res, () => undefined);
}
