import { createHash } from 'node:crypto';
import type { EmulatorEnv, RequestContext } from '../context';
import { ossErrors } from '../errors';
import type { BucketRow } from '../persistence/metadata-index';
import { header } from '../request';

export function requireBucket(env: EmulatorEnv, name: string): BucketRow {
  const bucket = env.index.getBucket(name);
  if (!bucket) throw ossErrors.noSuchBucket(name);
  return bucket;
}

export function nowMs(env: EmulatorEnv): number {
  return env.clock.now().getTime();
}

/** Content-Length as a number, or undefined for a chunked body. */
export function contentLength(ctx: RequestContext): number | undefined {
  const v = header(ctx.req.headers, 'content-length');
  return v === undefined ? undefined : Number(v);
}

/** Reads a small request body (XML documents) in full, refusing more than `limit` bytes. */
export async function readSmallBody(ctx: RequestContext, limit: number): Promise<Buffer> {
  const declared = contentLength(ctx);
  if (declared !== undefined && declared > limit) throw ossErrors.entityTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw ossErrors.entityTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** `encoding-type=url` asks for keys and prefixes to be URL-encoded in the answer. */
export function urlEncoding(ctx: RequestContext): boolean {
  const v = ctx.query.get('encoding-type');
  if (v === undefined || v === '') return false;
  if (v.toLowerCase() !== 'url')
    throw ossErrors.invalidArgument('The encoding-type you specified is not valid.', 'encoding-type', v);
  return true;
}

const SLASH = /%2F/g;

/** URL-encodes a key for `encoding-type=url` answers ('/' kept as is). */
export function encodeKey(key: string, encode: boolean): string {
  return encode ? encodeURIComponent(key).replace(SLASH, '/') : key;
}

/** ISO 8601 with milliseconds, as OSS writes LastModified in XML. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/** Checks Content-MD5 (when sent) against a body read in full. */
export function checkContentMd5(ctx: RequestContext, body: Buffer): void {
  const sent = header(ctx.req.headers, 'content-md5');
  if (sent === undefined) return;
  if (createHash('md5').update(body).digest('base64') !== sent.trim()) throw ossErrors.invalidDigest(sent);
}
