import { createHash, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import OSS from 'ali-oss';
import { startEmulator } from '../../src/emulator';
import type { EmulatorHandle, EmulatorOptions } from '../../src/emulator/types';

/** Response info as ali-oss (urllib) hands it back. */
export interface Res {
  status: number;
  headers: Record<string, string | undefined>;
  data?: Buffer;
}

export interface Listed {
  name: string;
  size: number;
  etag: string;
  lastModified: string;
  type?: string;
  owner?: { id: string; displayName: string } | null;
}

/**
 * The slice of the real ali-oss client these tests call, typed from its source
 * (node_modules/ali-oss/lib); @types/ali-oss lacks several of them and mistypes others.
 */
export interface Client {
  useBucket(name: string): void;
  putBucket(name: string, options?: Record<string, unknown>): Promise<{ res: Res }>;
  deleteBucket(name: string): Promise<{ res: Res }>;
  listBuckets(query?: Record<string, string | number> | null): Promise<{
    buckets: Array<{ name: string; region: string }> | null;
    isTruncated: boolean;
    nextMarker: string | null;
  }>;
  getBucketInfo(name: string): Promise<{ bucket: Record<string, unknown>; res: Res }>;
  getBucketLocation(name: string): Promise<{ location: string }>;
  put(name: string, body: Buffer | string, options?: Record<string, unknown>): Promise<{ res: Res }>;
  putStream(
    name: string,
    stream: NodeJS.ReadableStream,
    options?: Record<string, unknown>,
  ): Promise<{ res: Res }>;
  get(name: string, options?: Record<string, unknown>): Promise<{ content: Buffer; res: Res }>;
  getStream(
    name: string,
    options?: Record<string, unknown>,
  ): Promise<{ stream: NodeJS.ReadableStream; res: Res }>;
  head(
    name: string,
    options?: Record<string, unknown>,
  ): Promise<{ meta: Record<string, string> | null; status: number; res: Res }>;
  getObjectMeta(name: string): Promise<{ status: number; res: Res }>;
  delete(name: string): Promise<{ res: Res }>;
  deleteMulti(
    names: string[],
    options?: { quiet?: boolean },
  ): Promise<{ deleted: Array<{ Key: string }>; res: Res }>;
  copy(
    name: string,
    source: string,
    bucketOrOptions?: string | Record<string, unknown>,
    options?: Record<string, unknown>,
  ): Promise<{ data: { etag: string; lastModified: string } | null; res: Res }>;
  list(
    query: Record<string, string | number> | null,
    options?: Record<string, unknown>,
  ): Promise<{
    objects: Listed[];
    prefixes: string[] | null;
    nextMarker: string | null;
    isTruncated: boolean;
  }>;
  listV2(
    query: Record<string, string | number>,
    options?: Record<string, unknown>,
  ): Promise<{
    objects: Listed[];
    prefixes: string[] | null;
    isTruncated: boolean;
    keyCount: number;
    nextContinuationToken: string | null;
  }>;
  putObjectTagging(name: string, tag: Record<string, string>): Promise<{ status: number }>;
  getObjectTagging(name: string): Promise<{ tag: Record<string, string> }>;
  deleteObjectTagging(name: string): Promise<{ status: number }>;
  initMultipartUpload(
    name: string,
    options?: Record<string, unknown>,
  ): Promise<{ uploadId: string; res: Res }>;
  _uploadPart(
    name: string,
    uploadId: string,
    partNo: number,
    data: { content?: Buffer; stream?: NodeJS.ReadableStream; size: number },
    options?: Record<string, unknown>,
  ): Promise<{ etag: string; res: Res }>;
  completeMultipartUpload(
    name: string,
    uploadId: string,
    parts: Array<{ number: number; etag: string }>,
    options?: Record<string, unknown>,
  ): Promise<{ etag: string; res: Res }>;
  abortMultipartUpload(name: string, uploadId: string): Promise<{ res: Res }>;
  listParts(
    name: string,
    uploadId: string,
    query?: Record<string, string | number>,
  ): Promise<{
    parts: Array<Record<string, string>> | Record<string, string>;
    isTruncated: string;
    nextPartNumberMarker: string;
  }>;
  listUploads(
    query: Record<string, string | number>,
  ): Promise<{ uploads: Array<{ name: string; uploadId: string }> }>;
  multipartUpload(
    name: string,
    file: Buffer | string,
    options?: Record<string, unknown>,
  ): Promise<{ etag?: string; res: Res }>;
  initiateBucketWorm(
    name: string,
    days: string | number,
  ): Promise<{ wormId: string; status: number; res: Res }>;
  completeBucketWorm(name: string, wormId: string): Promise<{ status: number; res: Res & { data?: Buffer } }>;
  extendBucketWorm(
    name: string,
    wormId: string,
    days: string | number,
  ): Promise<{ status: number; res: Res }>;
  getBucketWorm(name: string): Promise<{
    wormId: string;
    state: string;
    days: string;
    creationDate: string;
    expirationDate?: string;
    status: number;
  }>;
  abortBucketWorm(name: string): Promise<{ status: number; res: Res & { data?: Buffer } }>;
  putBucketLogging(name: string, prefix?: string): Promise<{ res: Res }>;
  getBucketLogging(name: string): Promise<{ enable: boolean; prefix: string | null }>;
  deleteBucketLogging(name: string): Promise<{ res: Res }>;
  signatureUrl(name: string, options?: Record<string, unknown>): string;
  signatureUrlV4(
    method: string,
    expires: number,
    request: { headers?: Record<string, string>; queries?: Record<string, string> } | undefined,
    objectName: string,
  ): Promise<string>;
}

/** What ali-oss throws for an answered request. */
export interface OssRequestError extends Error {
  status: number;
  code: string;
  requestId?: string;
}

export interface TestEmulator {
  handle: EmulatorHandle;
  dataDir: string;
  accessKeyId: string;
  accessKeySecret: string;
  client(options?: { v4?: boolean; bucket?: string; secret?: string; accessKeyId?: string }): Client;
  stop(): Promise<void>;
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `strongroom-emu-${label}-`));
}

let bucketCounter = 0;
/** A bucket name unique to this test run. */
export function uniqueBucket(label: string): string {
  bucketCounter++;
  return `${label}-${process.pid}-${bucketCounter}-${randomBytes(3).toString('hex')}`
    .toLowerCase()
    .slice(0, 63);
}

export function makeClient(
  url: string,
  accessKeyId: string,
  accessKeySecret: string,
  options: { v4?: boolean; bucket?: string; region?: string } = {},
): Client {
  const client = new OSS({
    endpoint: url,
    accessKeyId,
    accessKeySecret,
    region: options.region ?? 'oss-cn-hangzhou',
    sldEnable: true,
    authorizationV4: options.v4 ?? false,
    ...(options.bucket ? { bucket: options.bucket } : {}),
  } as OSS.Options);
  return client as unknown as Client;
}

export async function startTestEmulator(overrides: Partial<EmulatorOptions> = {}): Promise<TestEmulator> {
  const dataDir = overrides.dataDir ?? tempDir('data');
  const accessKeyId = `LTAI${randomBytes(8).toString('hex')}`;
  const accessKeySecret = randomBytes(18).toString('base64');
  const handle = await startEmulator({
    dataDir,
    credentials: [{ accessKeyId, accessKeySecret }],
    ...overrides,
  });
  return {
    handle,
    dataDir,
    accessKeyId,
    accessKeySecret,
    client: (o = {}) =>
      makeClient(handle.url, o.accessKeyId ?? accessKeyId, o.secret ?? accessKeySecret, {
        v4: o.v4 ?? false,
        ...(o.bucket ? { bucket: o.bucket } : {}),
        region: handle.region,
      }),
    stop: async () => {
      await handle.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `fn`, expecting ali-oss to throw an OSS error; returns it. */
export async function expectOssError(fn: () => Promise<unknown>): Promise<OssRequestError> {
  try {
    await fn();
  } catch (err) {
    return err as OssRequestError;
  }
  throw new Error('expected the call to fail');
}

export function header(res: Res, name: string): string | undefined {
  return res.headers[name];
}

/** Every file path under a directory, recursively. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A second, independent client: signs OSS V1 requests itself (HMAC-SHA1 over the string to sign
 * of OSS-PROTOCOL.md, with `Date`, as SDKs other than ali-oss do) and sends them with node:http,
 * with the path exactly as given (ali-oss's urllib, and node:http given a URL string, fold dot segments).
 */
export function signedRaw(
  baseUrl: string,
  accessKeyId: string,
  secret: string,
  method: string,
  bucket: string,
  key: string,
  options: { body?: Buffer; headers?: Record<string, string>; subresource?: string; query?: string } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { date: new Date().toUTCString(), ...(options.headers ?? {}) };
  if (options.body) headers['content-md5'] = createHash('md5').update(options.body).digest('base64');
  const ossHeaders = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .filter((h) => h.startsWith('x-oss-'))
    .sort()
    .map((h) => `${h}:${(headers[h] ?? '').trim()}\n`)
    .join('');
  const sub = options.subresource ? `?${options.subresource}` : '';
  // The signed resource carries sub-resources decoded (and sorted, as given).
  const signedSub = options.subresource
    ? '?' +
      options.subresource
        .split('&')
        .map((p) => p.split('=').map(decodeURIComponent).join('='))
        .join('&')
    : '';
  const resource = `/${bucket}/${key}${signedSub}`;
  const stringToSign = `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${headers.date}\n${ossHeaders}${resource}`;
  headers.authorization = `OSS ${accessKeyId}:${createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64')}`;
  const encodedKey = key
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    // An options object, not a URL string: a URL would be normalised (dot segments folded).
    const unsigned = options.query ? `${sub ? '&' : '?'}${options.query}` : '';
    const target = {
      hostname: base.hostname,
      port: base.port,
      path: `/${bucket}/${encodedKey}${sub}${unsigned}`,
      method,
      headers,
    };
    const req = http.request(target, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
