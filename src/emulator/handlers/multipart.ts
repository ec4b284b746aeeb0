import { createHash, randomBytes } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { crc64Combine } from '../../util/crc64';
import type { EmulatorEnv, Handler, RequestContext } from '../context';
import { ossErrors } from '../errors';
import { assertWritable, md5Etag, releaseFile } from '../objects';
import { receiveBody } from '../persistence/body-receiver';
import type { PartRow, UploadRow } from '../persistence/metadata-index';
import { header, isTrue, parseIntArg } from '../request';
import { sendEmpty, sendXml, setCrc } from '../response';
import { childElements, childText, el } from '../xml';
import { attributesFromHeaders, attributesOf } from './attributes';
import { encodeKey, isoDate, nowMs, requireBucket, urlEncoding } from './common';
import { MAX_OBJECT_SIZE } from './object';
import { readXmlBody } from './xml-body';

const MAX_PARTS = 10000;
/** OSS: every part but the last must be at least 100 KB. */
export const MIN_PART_SIZE = 100 * 1024;
const QUOTES = /"/g;
const PART_NUMBER = /^[0-9]{1,5}$/;

function newUploadId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** The upload named by ?uploadId, which must belong to this bucket and key. */
function requireUpload(ctx: RequestContext, env: EmulatorEnv): UploadRow {
  const uploadId = ctx.query.get('uploadId') ?? '';
  const upload = env.index.getUpload(uploadId);
  if (!upload || upload.bucket !== ctx.bucket || !upload.key.equals(ctx.keyBytes))
    throw ossErrors.noSuchUpload(uploadId);
  return upload;
}

/**
 * The encryption an upload asked for, echoed on Initiate, UploadPart and Complete as OSS does
 * (the key id only when one was given: which default key OSS reports otherwise is not known).
 */
function sseHeaders(
  attrs: { sse: string | null; sse_key: string | null },
  headers: OutgoingHttpHeaders,
): OutgoingHttpHeaders {
  if (attrs.sse !== null) headers['x-oss-server-side-encryption'] = attrs.sse;
  if (attrs.sse_key !== null) headers['x-oss-server-side-encryption-key-id'] = attrs.sse_key;
  return headers;
}

/** POST /bucket/key?uploads */
export const initiateMultipartUpload: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const encode = urlEncoding(ctx);
  const forbid = isTrue(header(ctx.req.headers, 'x-oss-forbid-overwrite'));
  const attrs = attributesFromHeaders(ctx.req.headers);
  const uploadId = newUploadId();
  await env.writes.run(() => {
    requireBucket(env, ctx.bucket);
    if (forbid && env.index.getObject(ctx.bucket, ctx.keyBytes)) throw ossErrors.fileAlreadyExists();
    env.index.insertUpload({
      upload_id: uploadId,
      bucket: ctx.bucket,
      key: ctx.keyBytes,
      initiated_ms: nowMs(env),
      ...attrs,
    });
  });
  let xml = '<InitiateMultipartUploadResult>';
  if (encode) xml += el('EncodingType', 'url');
  xml += el('Bucket', ctx.bucket) + el('Key', encodeKey(ctx.key, encode)) + el('UploadId', uploadId);
  sendXml(ctx, 200, xml + '</InitiateMultipartUploadResult>', sseHeaders(attrs, {}));
};

/** PUT /bucket/key?partNumber=N&uploadId=U */
export const uploadPart: Handler = async (ctx, env) => {
  const partNumber = parseIntArg('partNumber', ctx.query.get('partNumber') ?? '', 1, MAX_PARTS);
  requireBucket(env, ctx.bucket);
  const upload = requireUpload(ctx, env);
  const length = header(ctx.req.headers, 'content-length');
  const body = await receiveBody(ctx.req, env.blobs, {
    contentLength: length === undefined ? undefined : Number(length),
    contentMd5: header(ctx.req.headers, 'content-md5'),
    inlineMax: env.inlineMax,
    maxSize: MAX_OBJECT_SIZE,
  });
  ctx.objectSize = body.size;
  const etag = md5Etag(body.md5);
  try {
    await env.writes.run((tx) => {
      if (!env.index.getUpload(upload.upload_id)) throw ossErrors.noSuchUpload(upload.upload_id);
      const blobId = env.index.insertBlob(body.size, body.inline, body.file);
      const part: PartRow = {
        upload_id: upload.upload_id,
        part_number: partNumber,
        size: body.size,
        etag,
        md5_hex: body.md5.toString('hex'),
        crc64: body.crc64,
        modified_ms: nowMs(env),
        blob_id: blobId,
      };
      env.index.putPart(tx, part, releaseFile(env));
    });
  } catch (err) {
    if (body.file !== null) env.blobs.remove(body.file);
    throw err;
  }
  const headers: OutgoingHttpHeaders = { etag: `"${etag}"`, 'content-md5': body.md5.toString('base64') };
  setCrc(ctx, headers, body.crc64);
  sendEmpty(ctx, 200, sseHeaders(upload, headers));
};

interface ListedPart {
  number: number;
  etag: string;
}

async function requestedParts(ctx: RequestContext): Promise<ListedPart[] | 'all'> {
  if ((header(ctx.req.headers, 'x-oss-complete-all') ?? '').toLowerCase() === 'yes') {
    const doc = await readXmlBody(ctx, 'CompleteMultipartUpload', true);
    if (doc)
      throw ossErrors.invalidArgument(
        'With x-oss-complete-all: yes the request must have no body.',
        'x-oss-complete-all',
        'yes',
      );
    return 'all';
  }
  const doc = await readXmlBody(ctx, 'CompleteMultipartUpload');
  const parts = doc ? childElements(doc, 'Part') : [];
  if (parts.length === 0 || parts.length > MAX_PARTS) throw ossErrors.malformedXml();
  return parts.map((p) => {
    const n = (childText(p, 'PartNumber') ?? '').trim();
    const etag = childText(p, 'ETag');
    if (etag === undefined || !PART_NUMBER.test(n)) throw ossErrors.malformedXml();
    return { number: Number(n), etag: etag.replace(QUOTES, '').trim().toUpperCase() };
  });
}

/** POST /bucket/key?uploadId=U with the part list. */
export const completeMultipartUpload: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const encode = urlEncoding(ctx);
  const upload = requireUpload(ctx, env);
  const listed = await requestedParts(ctx);
  if (listed !== 'all') {
    for (let i = 1; i < listed.length; i++) {
      if ((listed[i] as ListedPart).number <= (listed[i - 1] as ListedPart).number)
        throw ossErrors.invalidPartOrder();
    }
  }
  const forbid = isTrue(header(ctx.req.headers, 'x-oss-forbid-overwrite'));
  const result = await env.writes.run((tx) => {
    if (!env.index.getUpload(upload.upload_id)) throw ossErrors.noSuchUpload(upload.upload_id);
    const parts: PartRow[] =
      listed === 'all'
        ? env.index.allParts(upload.upload_id)
        : listed.map((p) => {
            const stored = env.index.getPart(upload.upload_id, p.number);
            if (!stored || stored.etag !== p.etag) throw ossErrors.invalidPart();
            return stored;
          });
    if (parts.length === 0) throw ossErrors.invalidPart();
    parts.forEach((p, i) => {
      if (i < parts.length - 1 && p.size < MIN_PART_SIZE) throw ossErrors.entityTooSmall();
    });
    const now = nowMs(env);
    const { bucket, existing } = assertWritable(env, ctx.bucket, ctx.keyBytes, forbid, now);
    const storageClass = upload.storage_class ?? bucket.storage_class;
    let crc = '0';
    let size = 0;
    const md5s = createHash('md5');
    for (const p of parts) {
      crc = size === 0 ? p.crc64 : crc64Combine(crc, p.crc64, p.size);
      size += p.size;
      md5s.update(Buffer.from(p.md5_hex, 'hex'));
    }
    const etag = `${md5Etag(md5s.digest())}-${parts.length}`;
    const blobIds = parts.map((p) => p.blob_id);
    env.index.putObject(
      tx,
      {
        bucket: ctx.bucket,
        key: ctx.keyBytes,
        size,
        etag,
        crc64: crc,
        md5: null,
        type: 'Multipart',
        modified_ms: now,
        ...attributesOf(upload),
        storage_class: storageClass,
        blob_id: null,
        manifest: JSON.stringify(blobIds),
      },
      releaseFile(env),
    );
    env.index.deleteUpload(tx, upload.upload_id, new Set(blobIds), releaseFile(env));
    return { etag, crc, size, storageClass, replacedSize: existing?.size ?? null };
  });
  ctx.objectSize = result.size;
  ctx.storageClass = result.storageClass;
  ctx.deltaDataSize = result.size - (result.replacedSize ?? 0);
  const headers: OutgoingHttpHeaders = sseHeaders(upload, { etag: `"${result.etag}"` });
  setCrc(ctx, headers, result.crc);
  let xml = '<CompleteMultipartUploadResult>';
  if (encode) xml += el('EncodingType', 'url');
  xml += el('Location', `http://${env.host()}/${ctx.bucket}/${encodeKey(ctx.key, true)}`);
  xml += el('Bucket', ctx.bucket) + el('Key', encodeKey(ctx.key, encode)) + el('ETag', `"${result.etag}"`);
  sendXml(ctx, 200, xml + '</CompleteMultipartUploadResult>', headers);
};

/** DELETE /bucket/key?uploadId=U */
export const abortMultipartUpload: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const upload = requireUpload(ctx, env);
  await env.writes.run((tx) => {
    if (!env.index.getUpload(upload.upload_id)) throw ossErrors.noSuchUpload(upload.upload_id);
    env.index.deleteUpload(tx, upload.upload_id, new Set(), releaseFile(env));
  });
  sendEmpty(ctx, 204);
};

/** GET /bucket/key?uploadId=U (ListParts): max-parts, part-number-marker. */
export const listParts: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const encode = urlEncoding(ctx);
  const upload = requireUpload(ctx, env);
  const maxRaw = ctx.query.get('max-parts');
  const markerRaw = ctx.query.get('part-number-marker');
  const maxParts = maxRaw === undefined || maxRaw === '' ? 1000 : parseIntArg('max-parts', maxRaw, 1, 1000);
  const marker =
    markerRaw === undefined || markerRaw === ''
      ? 0
      : parseIntArg('part-number-marker', markerRaw, 0, MAX_PARTS);
  const rows = env.index.listParts(upload.upload_id, marker, maxParts + 1);
  const truncated = rows.length > maxParts;
  const shown = rows.slice(0, maxParts);
  let xml = '<ListPartsResult>';
  if (encode) xml += el('EncodingType', 'url');
  xml += el('Bucket', ctx.bucket) + el('Key', encodeKey(ctx.key, encode)) + el('UploadId', upload.upload_id);
  xml +=
    el('PartNumberMarker', marker) +
    el('NextPartNumberMarker', shown[shown.length - 1]?.part_number ?? marker);
  xml += el('MaxParts', maxParts) + el('IsTruncated', truncated);
  for (const p of shown) {
    xml +=
      '<Part>' +
      el('PartNumber', p.part_number) +
      el('LastModified', isoDate(p.modified_ms)) +
      el('ETag', `"${p.etag}"`);
    xml += el('HashCrc64ecma', p.crc64) + el('Size', p.size) + '</Part>';
  }
  sendXml(ctx, 200, xml + '</ListPartsResult>');
};

/** Sorts after every upload id (ids are upper-case hex). */
const AFTER_ALL_IDS = '~';

/** GET /bucket?uploads (ListMultipartUploads): prefix, key-marker, upload-id-marker, max-uploads. */
export const listMultipartUploads: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const encode = urlEncoding(ctx);
  if ((ctx.query.get('delimiter') ?? '') !== '')
    throw ossErrors.notImplemented('ListMultipartUploads with a delimiter');
  const prefix = ctx.query.get('prefix') ?? '';
  const keyMarker = ctx.query.get('key-marker') ?? '';
  const uploadIdMarker = ctx.query.get('upload-id-marker') ?? '';
  const maxRaw = ctx.query.get('max-uploads');
  const maxUploads =
    maxRaw === undefined || maxRaw === '' ? 1000 : parseIntArg('max-uploads', maxRaw, 1, 1000);
  const lower = Buffer.from(prefix, 'utf8');
  const upper = Buffer.concat([lower, Buffer.from([0xff])]);
  const rows = env.index.listUploads(
    ctx.bucket,
    lower,
    upper,
    Buffer.from(keyMarker, 'utf8'),
    keyMarker !== '' && uploadIdMarker !== '' ? uploadIdMarker : keyMarker !== '' ? AFTER_ALL_IDS : '',
    maxUploads + 1,
  );
  const truncated = rows.length > maxUploads;
  const shown = rows.slice(0, maxUploads);
  const last = shown[shown.length - 1];
  let xml = '<ListMultipartUploadsResult>';
  if (encode) xml += el('EncodingType', 'url');
  xml +=
    el('Bucket', ctx.bucket) +
    el('KeyMarker', encodeKey(keyMarker, encode)) +
    el('UploadIdMarker', uploadIdMarker);
  xml +=
    el('NextKeyMarker', last ? encodeKey(last.key.toString('utf8'), encode) : '') +
    el('NextUploadIdMarker', last?.upload_id ?? '');
  xml +=
    el('Delimiter', '') +
    el('Prefix', encodeKey(prefix, encode)) +
    el('MaxUploads', maxUploads) +
    el('IsTruncated', truncated);
  for (const u of shown) {
    xml += '<Upload>' + el('Key', encodeKey(u.key.toString('utf8'), encode)) + el('UploadId', u.upload_id);
    xml += el('Initiated', isoDate(u.initiated_ms)) + '</Upload>';
  }
  sendXml(ctx, 200, xml + '</ListMultipartUploadsResult>');
};
