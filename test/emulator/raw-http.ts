import { createHmac } from 'node:crypto';
import { connect } from 'node:net';

/**
 * Requests written byte by byte on a TCP socket, signed by a V1 signer written here from
 * OSS-PROTOCOL.md (not the emulator's code): for what ali-oss and node:http will not send
 * (both Content-Length and Transfer-Encoding, a path without the bucket's slash, pipelining).
 */

export interface V1Signing {
  accessKeyId: string;
  secret: string;
  method: string;
  /** The CanonicalizedResource, exactly: '/bucket', '/bucket/', '/bucket/key?uploads'. */
  resource: string;
  /** Request headers (names lower-case); a `date` header is added when absent. */
  headers: Record<string, string>;
}

/** Headers with `date` and `authorization` added: `OSS AK:base64(HMAC-SHA1(secret, StringToSign))`. */
export function signV1(s: V1Signing): Record<string, string> {
  const headers: Record<string, string> = { date: new Date().toUTCString(), ...s.headers };
  const ossHeaders = Object.keys(headers)
    .filter((h) => h.startsWith('x-oss-'))
    .sort()
    .map((h) => `${h}:${(headers[h] as string).trim()}\n`)
    .join('');
  const stringToSign = [s.method, headers['content-md5'] ?? '', headers['content-type'] ?? '', headers.date]
    .join('\n')
    .concat('\n', ossHeaders, s.resource);
  const signature = createHmac('sha1', s.secret).update(Buffer.from(stringToSign, 'latin1')).digest('base64');
  return { ...headers, authorization: `OSS ${s.accessKeyId}:${signature}` };
}

/** `METHOD target HTTP/1.1` plus headers (in the order given) and a blank line. */
export function head(
  method: string,
  target: string,
  headers: Record<string, string>,
  version = '1.1',
): string {
  let out = `${method} ${target} HTTP/${version}\r\n`;
  for (const [k, v] of Object.entries(headers)) out += `${k}: ${v}\r\n`;
  return out + '\r\n';
}

/** A chunked body: the pieces as chunks, then the last chunk. */
export function chunked(...pieces: Buffer[]): Buffer {
  const out: Buffer[] = [];
  for (const p of pieces) out.push(Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n'));
  out.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(out);
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Writes `bytes` to the server and reads until the server closes the connection or
 * `expectAnswers` answers have arrived (whichever is first), then closes.
 */
export function exchange(url: string, bytes: Buffer | string, expectAnswers = 1): Promise<RawAnswer[]> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => socket.write(bytes));
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(parseAnswers(data));
    };
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      if (parseAnswers(data).length >= expectAnswers) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (err) => (done ? undefined : reject(err)));
    setTimeout(finish, 10_000).unref();
  });
}

/** Complete answers (Content-Length framed, as the emulator sends them) in `data`. */
function parseAnswers(data: Buffer): RawAnswer[] {
  const out: RawAnswer[] = [];
  let off = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', off);
    if (end === -1) return out;
    const lines = data.toString('latin1', off, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      if (c > 0) headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (data.length < end + 4 + length) return out;
    out.push({ status, headers, body: data.subarray(end + 4, end + 4 + length) });
    off = end + 4 + length;
  }
}
