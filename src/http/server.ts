/**
 * The HTTP server under the app: its header limit follows the description limit (a raw document
 * upload carries its description, base64url, in a header), and a request whose headers are still
 * too large, or cannot be parsed, is answered in the API's error shape rather than a bare status
 * line from Node's parser. Used by the composition root and the test servers alike.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { BadRequestError, HeadersTooLargeError, type StrongroomError } from '../errors';
import { errorPayload } from './errors';

/** Room for the other headers of a request besides the description. */
const OTHER_HEADERS_BYTES = 16 * 1024;

/** Header bytes the server reads: a description of `maxDescriptionBytes` in base64url, and the rest. */
export function maxHeaderBytes(maxDescriptionBytes: number): number {
  return Math.ceil(maxDescriptionBytes / 3) * 4 + OTHER_HEADERS_BYTES;
}

export function createHttpServer(
  app: http.RequestListener,
  limits: { maxDescriptionBytes: number },
): http.Server {
  const maxHeaderSize = maxHeaderBytes(limits.maxDescriptionBytes);
  const server = http.createServer({ maxHeaderSize }, app);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (err.code === 'ECONNRESET' && socket.destroyed)) {
      socket.destroy();
      return;
    }
    const typed: StrongroomError =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new HeadersTooLargeError(`the request's headers are larger than ${maxHeaderSize} bytes`, {
            hint: 'send a large document description as multipart/form-data (its "description" part) instead of the X-Strongroom-Document header',
          })
        : new BadRequestError('the request cannot be parsed as HTTP/1.1');
    const body = JSON.stringify({ error: errorPayload(typed) });
    socket.end(
      `HTTP/1.1 ${typed.httpStatus} ${http.STATUS_CODES[typed.httpStatus] ?? ''}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}
