import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted HTTP server on port 0 that plays OSS for unit tests: each test decides what every
 * request gets (an answer, an OSS error, a dropped connection), so the real ali-oss client and
 * its real error objects go through the adapter. It checks no signatures (the emulator does).
 */

export interface SeenRequest {
  method: string;
  /** Decoded path, e.g. /bucket/key. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type Handler = (req: SeenRequest, res: http.ServerResponse) => unknown;

export interface ScriptedOss {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startScriptedOss(handler: Handler): Promise<ScriptedOss> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://localhost');
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(u.pathname),
        query: u.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(seen);
      Promise.resolve(handler(seen, res)).catch((err: unknown) => {
        res.statusCode = 599;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let counter = 0;
export function requestId(): string {
  counter++;
  return `5F0000000000000000${String(counter).padStart(6, '0')}`;
}

export function ossError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message = 'scripted error',
): void {
  const id = requestId();
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<RequestId>${id}</RequestId><HostId>localhost</HostId><EC>0000-00000000</EC></Error>`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'x-oss-request-id': id,
    'content-length': Buffer.byteLength(xml),
  });
  res.end(xml);
}

/** HEAD-style error: no body, the XML base64 in x-oss-err. */
export function ossHeadError(res: http.ServerResponse, status: number, code: string): void {
  const id = requestId();
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>m</Message><RequestId>${id}</RequestId></Error>`;
  res.writeHead(status, { 'x-oss-request-id': id, 'x-oss-err': Buffer.from(xml).toString('base64') });
  res.end();
}

export function ok(
  res: http.ServerResponse,
  headers: Record<string, string | number> = {},
  body: string | Buffer = '',
): void {
  res.writeHead(200, {
    'x-oss-request-id': requestId(),
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** Drop the connection without an answer. */
export function reset(res: http.ServerResponse): void {
  res.socket?.destroy();
}

export function xml(
  res: http.ServerResponse,
  body: string,
  status = 200,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/xml',
    'x-oss-request-id': requestId(),
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}
