import type { OutgoingHttpHeaders } from 'node:http';
import type { Handler, RequestContext } from '../context';
import { ossErrors } from '../errors';
import {
  assertDeletable,
  assertWritable,
  commitObject,
  type CommittedObject,
  md5Etag,
  releaseFile,
} from '../objects';
import { receiveBody } from '../persistence/body-receiver';
import type { ObjectRow } from '../persistence/metadata-index';
import { header, isTrue } from '../request';
import { sendEmpty, setCrc } from '../response';
import { attributesFromHeaders, objectHeaders } from './attributes';
import { openBody, sendSegments } from './body-sender';
import { contentLength, nowMs, requireBucket } from './common';

/** OSS's PutObject limit. */
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * 1024;

export const putObject: Handler = async (ctx, env) => {
  const forbid = isTrue(header(ctx.req.headers, 'x-oss-forbid-overwrite'));
  const attrs = attributesFromHeaders(ctx.req.headers);
  // Refuse early, before reading the body, when the answer is already known; checked again at commit.
  assertWritable(env, ctx.bucket, ctx.keyBytes, forbid, nowMs(env));
  const body = await receiveBody(ctx.req, env.blobs, {
    contentLength: contentLength(ctx),
    contentMd5: header(ctx.req.headers, 'content-md5'),
    inlineMax: env.inlineMax,
    maxSize: MAX_OBJECT_SIZE,
  });
  ctx.objectSize = body.size;
  const etag = md5Etag(body.md5);
  const md5 = body.md5.toString('base64');
  let committed: CommittedObject;
  try {
    committed = await env.writes.run((tx) =>
      commitObject(
        env,
        tx,
        { bucket: ctx.bucket, key: ctx.keyBytes, forbidOverwrite: forbid },
        {
          size: body.size,
          etag,
          md5,
          crc64: body.crc64,
          pieces: [{ size: body.size, inline: body.inline, file: body.file }],
        },
        attrs,
      ),
    );
  } catch (err) {
    if (body.file !== null) env.blobs.remove(body.file);
    throw err;
  }
  ctx.storageClass = committed.storageClass;
  ctx.deltaDataSize = body.size - (committed.replacedSize ?? 0);
  const headers: OutgoingHttpHeaders = { etag: `"${etag}"`, 'content-md5': md5 };
  setCrc(ctx, headers, body.crc64);
  if (attrs.sse !== null) headers['x-oss-server-side-encryption'] = attrs.sse;
  if (attrs.sse_key !== null) headers['x-oss-server-side-encryption-key-id'] = attrs.sse_key;
  sendEmpty(ctx, 200, headers);
};

function findObject(ctx: RequestContext, row: ObjectRow | undefined): ObjectRow {
  if (!row) throw ossErrors.noSuchKey(ctx.key);
  ctx.objectSize = row.size;
  ctx.storageClass = row.storage_class ?? 'Standard';
  return row;
}

/** What Node (and HTTP) accept in a header value: no CR, LF or other control characters. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const RESPONSE_OVERRIDES: ReadonlyArray<readonly [string, string]> = [
  ['response-content-type', 'content-type'],
  ['response-content-language', 'content-language'],
  ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
];

export const getObject: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const row = env.index.getObjectWithBody(ctx.bucket, ctx.keyBytes);
  findObject(ctx, row);
  if (!row) return;
  checkConditions(ctx, row);
  const range = parseRange(
    header(ctx.req.headers, 'range'),
    row.size,
    header(ctx.req.headers, 'x-oss-range-behavior') === 'standard',
  );
  const headers: OutgoingHttpHeaders = {};
  objectHeaders(row, headers);
  for (const [param, name] of RESPONSE_OVERRIDES) {
    const v = ctx.query.get(param);
    if (v === undefined) continue;
    if (!HEADER_VALUE.test(v))
      throw ossErrors.invalidArgument(`${param} is not a valid header value.`, param, v);
    headers[name] = v;
  }
  // OSS reports the CRC-64 of the whole object, also on a range read.
  setCrc(ctx, headers, row.crc64);
  let start = 0;
  let end = row.size - 1;
  let status = 200;
  if (range) {
    start = range.start;
    end = range.end;
    status = 206;
    headers['content-range'] = `bytes ${start}-${end}/${row.size}`;
  } else if (row.md5 !== null) {
    headers['content-md5'] = row.md5;
  }
  const length = end - start + 1;
  const flipAt = ctx.fault?.flipByte && length > 0 ? env.faults.pick(length) : null;
  const body = openBody(env, row);
  try {
    await sendSegments(ctx, env, status, headers, body.segments, start, end, flipAt);
  } finally {
    body.release();
  }
};

export const headObject: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const row = findObject(ctx, env.index.getObject(ctx.bucket, ctx.keyBytes));
  checkConditions(ctx, row);
  const headers: OutgoingHttpHeaders = { 'content-length': row.size };
  objectHeaders(row, headers);
  setCrc(ctx, headers, row.crc64);
  if (row.md5 !== null) headers['content-md5'] = row.md5;
  sendEmpty(ctx, 200, headers);
};

/** HEAD ?objectMeta: the short form (ETag, size, last modified). */
export const getObjectMeta: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const row = findObject(ctx, env.index.getObject(ctx.bucket, ctx.keyBytes));
  sendEmpty(ctx, 200, {
    'content-length': row.size,
    etag: `"${row.etag}"`,
    'last-modified': new Date(row.modified_ms).toUTCString(),
  });
};

export const deleteObject: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  await env.writes.run((tx) => {
    const bucket = requireBucket(env, ctx.bucket);
    const row = env.index.getObject(ctx.bucket, ctx.keyBytes);
    if (!row) return; // OSS: deleting a missing key succeeds
    ctx.objectSize = row.size;
    ctx.storageClass = row.storage_class ?? 'Standard';
    assertDeletable(bucket, row, nowMs(env));
    env.index.deleteObject(tx, row, releaseFile(env));
    ctx.deltaDataSize = -row.size;
  });
  sendEmpty(ctx, 204);
};

const QUOTES = /^"|"$/g;

function etagMatches(list: string, etag: string): boolean {
  for (const item of list.split(',')) {
    const t = item.trim();
    if (t === '*') return true;
    const bare = t.startsWith('W/') ? t.slice(2) : t;
    if (bare.replace(QUOTES, '').toUpperCase() === etag.toUpperCase()) return true;
  }
  return false;
}

/** If-Match / If-Unmodified-Since (412) and If-None-Match / If-Modified-Since (304). */
function checkConditions(ctx: RequestContext, row: ObjectRow): void {
  const h = ctx.req.headers;
  const ifMatch = header(h, 'if-match');
  if (ifMatch !== undefined && !etagMatches(ifMatch, row.etag))
    throw ossErrors.preconditionFailed('If-Match');
  const ifUnmodified = header(h, 'if-unmodified-since');
  const lastModifiedS = Math.floor(row.modified_ms / 1000);
  if (ifMatch === undefined && ifUnmodified !== undefined) {
    const t = Date.parse(ifUnmodified);
    if (!Number.isNaN(t) && lastModifiedS > Math.floor(t / 1000))
      throw ossErrors.preconditionFailed('If-Unmodified-Since');
  }
  const ifNoneMatch = header(h, 'if-none-match');
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, row.etag)) throw ossErrors.notModified();
  const ifModified = header(h, 'if-modified-since');
  if (ifNoneMatch === undefined && ifModified !== undefined) {
    const t = Date.parse(ifModified);
    if (!Number.isNaN(t) && lastModifiedS <= Math.floor(t / 1000)) throw ossErrors.notModified();
  }
}

const RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * A single byte range, OSS style: a malformed or multi-range header is ignored (whole object,
 * 200); an unsatisfiable range is ignored too unless `x-oss-range-behavior: standard`, which
 * makes it 416 InvalidRange.
 */
export function parseRange(
  value: string | undefined,
  size: number,
  standard: boolean,
): { start: number; end: number } | null {
  if (value === undefined) return null;
  const m = RANGE.exec(value.trim());
  if (!m) return null;
  const a = m[1] as string;
  const b = m[2] as string;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return unsatisfiable(standard);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== '' && Number(b) < start) return null;
  }
  if (start >= size || size === 0) return unsatisfiable(standard);
  return { start, end };
}

function unsatisfiable(standard: boolean): null {
  if (standard) throw ossErrors.invalidRange();
  return null;
}
