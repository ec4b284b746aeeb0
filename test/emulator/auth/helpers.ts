/**
 * Test harness: a tiny HTTP server on port 0 that records every request exactly as it arrives
 * (method, raw req.url, headers) and answers 200 with an empty XML body, and a real ali-oss client
 * pointed at it. The captured requests are then fed to authenticate(), so the emulator is proven
 * against ali-oss's own signing, not against a re-implementation.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import OSS from 'ali-oss';

import type { SignedRequest } from '../../../src/emulator/auth';

export const ACCESS_KEY_ID = 'LTAI5tTestAccessKey01';
export const ACCESS_KEY_SECRET = 'TestSecret+/With=Odd&Chars0123456789';
export const BUCKET = 'strongroom-test';
export const REGION = 'oss-cn-hongkong';

export const secretFor = (id: string): string | undefined =>
  id === ACCESS_KEY_ID ? ACCESS_KEY_SECRET : undefined;
export const wrongSecretFor = (id: string): string | undefined =>
  id === ACCESS_KEY_ID ? ACCESS_KEY_SECRET + 'x' : undefined;

export interface Captured extends SignedRequest {
  body: Buffer;
}

export interface CaptureServer {
  port: number;
  origin: string;
  captured: Captured[];
  close(): Promise<void>;
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const captured: Captured[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured.push({
        method: req.method ?? '',
        rawUrl: req.url ?? '',
        headers: { ...req.headers },
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'content-type': 'application/xml', 'x-oss-request-id': 'capture' });
      res.end('');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://localhost:${port}`,
    captured,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** The calls @types/ali-oss 6.23.3 lacks (see OSS-PROTOCOL.md). */
export interface MissingCalls {
  initiateBucketWorm(name: string, days: string | number): Promise<unknown>;
  getBucketWorm(name: string): Promise<unknown>;
  getObjectMeta(name: string): Promise<unknown>;
}
export type Client = OSS & MissingCalls;

/** @types/ali-oss types `meta` as requiring uid and pid; ali-oss takes any string map. */
export function userMeta(meta: Record<string, string>): OSS.UserMeta {
  return meta as unknown as OSS.UserMeta;
}

export function makeClient(
  server: CaptureServer,
  opts: { v4: boolean; secret?: string; stsToken?: string; accessKeyId?: string },
): Client {
  const options: OSS.Options & { sldEnable: boolean } = {
    endpoint: server.origin,
    sldEnable: true,
    accessKeyId: opts.accessKeyId ?? ACCESS_KEY_ID,
    accessKeySecret: opts.secret ?? ACCESS_KEY_SECRET,
    bucket: BUCKET,
    authorizationV4: opts.v4,
    region: REGION,
    ...(opts.stsToken !== undefined ? { stsToken: opts.stsToken } : {}),
  };
  if (opts.stsToken === undefined) return new OSS(options) as Client;
  // ali-oss warns on every construction with an stsToken but no refreshSTSToken; irrelevant here.
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    return new OSS(options) as Client;
  } finally {
    warn.mockRestore();
  }
}

/**
 * Runs one client call and returns the requests it sent. The capture server's empty answer makes
 * some calls (list, initMultipartUpload...) fail while parsing the reply; only the request matters.
 */
export async function captureCall(server: CaptureServer, call: () => Promise<unknown>): Promise<Captured[]> {
  const before = server.captured.length;
  try {
    await call();
  } catch {
    // expected for calls whose result parsing needs a real XML body
  }
  return server.captured.slice(before);
}

/** Sends a signed URL (as ali-oss produced it) to the capture server and returns what arrived. */
export async function sendSignedUrl(
  server: CaptureServer,
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<Captured> {
  if (!url.startsWith(server.origin + '/')) throw new Error(`unexpected signed URL origin: ${url}`);
  const path = url.slice(server.origin.length);
  const before = server.captured.length;
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ host: 'localhost', port: server.port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
  const got = server.captured.slice(before);
  if (got.length !== 1 || got[0] === undefined)
    throw new Error(`expected one captured request, got ${got.length}`);
  return got[0];
}

export function withHeader(req: SignedRequest, name: string, value: string | undefined): SignedRequest {
  const headers = { ...req.headers };
  if (value === undefined) delete headers[name];
  else headers[name] = value;
  return { ...req, headers };
}

/** Changes one character of s at index i (to a different character of the same class). */
export function flipChar(s: string, i: number): string {
  const c = s.charAt(i);
  const replacement = c === 'a' ? 'b' : c === 'A' ? 'B' : c === '0' ? '1' : /[0-9]/.test(c) ? '0' : 'a';
  return s.slice(0, i) + replacement + s.slice(i + 1);
}
