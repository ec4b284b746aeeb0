import type { OutgoingHttpHeaders } from 'node:http';
import type { Handler } from '../context';
import { ossErrors } from '../errors';
import { assertWritable, type BodyPiece, commitObject } from '../objects';
import type { ObjectRow } from '../persistence/metadata-index';
import { checkBucketName, checkObjectKey, header, isTrue } from '../request';
import { sendXml, setCrc } from '../response';
import { el } from '../xml';
import { attributesFromHeaders, attributesOf, encodeTags, parseTaggingHeader } from './attributes';
import { openBody } from './body-sender';
import { isoDate, nowMs, requireBucket } from './common';

/** `x-oss-copy-source: /bucket/url-encoded-key`. */
function parseCopySource(value: string): { bucket: string; key: string } {
  if (value.indexOf('?') >= 0)
    throw ossErrors.notImplemented('Copying a specific version (x-oss-copy-source with ?versionId)');
  const path = value.startsWith('/') ? value.slice(1) : value;
  const slash = path.indexOf('/');
  if (slash <= 0)
    throw ossErrors.invalidArgument('x-oss-copy-source is not valid.', 'x-oss-copy-source', value);
  try {
    return {
      bucket: decodeURIComponent(path.slice(0, slash)),
      key: decodeURIComponent(path.slice(slash + 1)),
    };
  } catch {
    throw ossErrors.invalidArgument(
      'x-oss-copy-source is not validly URL-encoded.',
      'x-oss-copy-source',
      value,
    );
  }
}

function directive(value: string | undefined, name: string): 'COPY' | 'REPLACE' {
  const v = (value ?? 'COPY').toUpperCase();
  if (v !== 'COPY' && v !== 'REPLACE')
    throw ossErrors.invalidArgument(`${name} is not valid.`, name, value ?? '');
  return v;
}

const QUOTE = /"/g;

/**
 * x-oss-copy-source-if-* against the source object. A failed If-Match or If-Unmodified-Since is
 * 412 naming the condition as OSS does (`If-Match`, `If-Unmodified-Since`, as ali-oss's own tests
 * expect from OSS); If-None-Match and If-Modified-Since answer 304.
 */
function checkSourceConditions(h: Record<string, string | string[] | undefined>, row: ObjectRow): void {
  const ifMatch = header(h, 'x-oss-copy-source-if-match');
  if (ifMatch !== undefined && ifMatch.replace(QUOTE, '').toUpperCase() !== row.etag)
    throw ossErrors.preconditionFailed('If-Match');
  const ifNoneMatch = header(h, 'x-oss-copy-source-if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.replace(QUOTE, '').toUpperCase() === row.etag)
    throw ossErrors.notModified();
  const lastModifiedS = Math.floor(row.modified_ms / 1000);
  const ifUnmodified = Date.parse(header(h, 'x-oss-copy-source-if-unmodified-since') ?? '');
  if (!Number.isNaN(ifUnmodified) && lastModifiedS > Math.floor(ifUnmodified / 1000)) {
    throw ossErrors.preconditionFailed('If-Unmodified-Since');
  }
  const ifModified = Date.parse(header(h, 'x-oss-copy-source-if-modified-since') ?? '');
  if (!Number.isNaN(ifModified) && lastModifiedS <= Math.floor(ifModified / 1000))
    throw ossErrors.notModified();
}

/** CopyObject: server-side copy; the new object gets its own copy of the bytes. */
export const copyObject: Handler = async (ctx, env) => {
  const h = ctx.req.headers;
  const source = parseCopySource(header(h, 'x-oss-copy-source') ?? '');
  checkBucketName(source.bucket);
  const sourceKey = checkObjectKey(source.key);
  const forbid = isTrue(header(h, 'x-oss-forbid-overwrite'));
  const metadataDirective = directive(header(h, 'x-oss-metadata-directive'), 'x-oss-metadata-directive');
  const taggingDirective = directive(header(h, 'x-oss-tagging-directive'), 'x-oss-tagging-directive');
  requireBucket(env, ctx.bucket);
  requireBucket(env, source.bucket);
  const row = env.index.getObjectWithBody(source.bucket, sourceKey);
  if (!row) throw ossErrors.noSuchKey(source.key);
  ctx.objectSize = row.size;
  checkSourceConditions(h, row);
  assertWritable(env, ctx.bucket, ctx.keyBytes, forbid, nowMs(env));

  const requested = attributesFromHeaders(h);
  const attrs = metadataDirective === 'REPLACE' ? requested : attributesOf(row);
  // Encryption asked for on the request applies to the copy either way.
  if (metadataDirective === 'COPY' && requested.sse !== null) {
    attrs.sse = requested.sse;
    attrs.sse_key = requested.sse_key;
  }
  // The copy is a new object: the class asked for, else the target bucket's (not confirmed: OSS
  // documents x-oss-storage-class on CopyObject, not the class a copy gets without it).
  attrs.storage_class = requested.storage_class;
  ctx.storageClass = row.storage_class ?? 'Standard';
  ctx.targetStorageClass = requested.storage_class;
  attrs.tags =
    taggingDirective === 'REPLACE'
      ? encodeTags(parseTaggingHeader(header(h, 'x-oss-tagging') ?? ''))
      : row.tags;

  // Duplicate the body: blobs are never shared between objects.
  const body = openBody(env, row);
  const pieces: BodyPiece[] = [];
  try {
    for (const seg of body.segments) {
      if (seg.file !== null)
        pieces.push({ size: seg.size, inline: null, file: await env.blobs.copy(seg.file) });
      else pieces.push({ size: seg.size, inline: seg.data, file: null });
    }
  } catch (err) {
    for (const p of pieces) if (p.file !== null) env.blobs.remove(p.file);
    throw err;
  } finally {
    body.release();
  }
  let modifiedMs: number;
  let replacedSize: number | null;
  try {
    ({ modifiedMs, replacedSize } = await env.writes.run((tx) =>
      commitObject(
        env,
        tx,
        { bucket: ctx.bucket, key: ctx.keyBytes, forbidOverwrite: forbid },
        { size: row.size, etag: row.etag, md5: row.md5, crc64: row.crc64, pieces },
        attrs,
        row.type,
      ),
    ));
  } catch (err) {
    for (const p of pieces) if (p.file !== null) env.blobs.remove(p.file);
    throw err;
  }
  ctx.deltaDataSize = row.size - (replacedSize ?? 0);
  const headers: OutgoingHttpHeaders = {};
  setCrc(ctx, headers, row.crc64);
  if (attrs.sse !== null) headers['x-oss-server-side-encryption'] = attrs.sse;
  sendXml(
    ctx,
    200,
    `<CopyObjectResult>${el('ETag', `"${row.etag}"`)}${el('LastModified', isoDate(modifiedMs))}</CopyObjectResult>`,
    headers,
  );
};
