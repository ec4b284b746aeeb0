/**
 * The adapter against a scripted OSS (./scripted-oss.ts): a fresh AliOssStore per test with test
 * retries (recorded, never slept) and small multipart sizes, and well-behaved answers to reuse.
 * Shared by object-store, put-stream and bucket-admin tests.
 */
import { createHash } from 'node:crypto';
import { AliOssStore, type AliOssStoreOptions } from '../../../src/storage/ali-oss-store';
import { crc64 } from '../../../src/util/crc64';
import { ok, startScriptedOss, type Handler, type ScriptedOss, type SeenRequest } from './scripted-oss';

export const KiB = 1024;

let server: ScriptedOss | undefined;

/** A store on a scripted OSS playing `handler`; `delays` records the backoff waits asked for. */
export async function storeWith(
  handler: Handler,
  overrides: Partial<AliOssStoreOptions> = {},
): Promise<{ store: AliOssStore; requests: SeenRequest[]; delays: number[] }> {
  await server?.close(); // one scripted OSS at a time
  server = await startScriptedOss(handler);
  const delays: number[] = [];
  const store = new AliOssStore({
    endpoint: server.url,
    region: 'oss-cn-hongkong',
    accessKeyId: 'LTAIunit',
    accessKeySecret: 'unit-secret',
    authVersion: 'v1',
    timeoutMs: 10_000,
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    multipartThresholdBytes: 256 * KiB,
    partSizeBytes: 100 * KiB,
    maxSignedUrlSeconds: 3600,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
  return { store, requests: server.requests, delays };
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

export const md5b64 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
export const sha256hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A well-behaved PutObject answer for `body`. */
export function putOk(res: Parameters<Handler>[1], body: Buffer): void {
  ok(res, {
    etag: `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`,
    'x-oss-hash-crc64ecma': crc64(body),
  });
}

/** A HEAD answer for an object holding `body` (extra headers: metadata, type...). */
export function headOk(res: Parameters<Handler>[1], body: Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(200, objectHeaders(body, extra));
  res.end();
}

/** A GET answer: the same headers as headOk, and the bytes. */
export function getOk(res: Parameters<Handler>[1], body: Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(200, objectHeaders(body, extra));
  res.end(body);
}

function objectHeaders(body: Buffer, extra: Record<string, string>): Record<string, string | number> {
  return {
    'content-length': body.length,
    etag: '"ETAG-OF-EXISTING"',
    'last-modified': 'Tue, 03 Mar 2026 10:00:00 GMT',
    'x-oss-hash-crc64ecma': crc64(body),
    ...extra,
  };
}
