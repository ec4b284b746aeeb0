import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { ossErrors } from '../errors';
import type { ObjectRow } from '../persistence/metadata-index';
import { header } from '../request';

/** The stored attributes of an object besides its body (also kept on a multipart upload until completion). */
export interface ObjectAttributes {
  content_type: string;
  headers: string | null;
  meta: string | null;
  tags: string | null;
  sse: string | null;
  sse_key: string | null;
  /** From x-oss-storage-class; null: the bucket's class, decided when the object is written. */
  storage_class: string | null;
}

/** Standard headers OSS stores with an object and returns on GET/HEAD. */
const STORED_HEADERS = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
] as const;
const META_PREFIX = 'x-oss-meta-';
const SSE_ALGORITHMS = new Set(['AES256', 'KMS', 'SM4']);
/** Classes stored and reported: both are read directly, as on OSS. */
const STORAGE_CLASSES = new Set(['Standard', 'IA']);
/**
 * Classes OSS has whose objects must be restored (RestoreObject) before they can be read: the
 * emulator serves no ?restore, so storing them would make reads succeed that OSS refuses.
 */
const RESTORE_CLASSES = new Set(['Archive', 'ColdArchive', 'DeepColdArchive']);
const MAX_META_BYTES = 8 * 1024;
const MAX_TAGS = 10;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const PLUS = /\+/g;

/** Reads the attributes an upload (PutObject, InitiateMultipartUpload, Copy with REPLACE) carries. */
export function attributesFromHeaders(h: IncomingHttpHeaders): ObjectAttributes {
  const stored: Record<string, string> = {};
  let any = false;
  for (const name of STORED_HEADERS) {
    const v = header(h, name);
    if (v !== undefined) {
      stored[name] = v;
      any = true;
    }
  }
  const meta = metaFromHeaders(h);
  const sse = header(h, 'x-oss-server-side-encryption');
  const sseKey = header(h, 'x-oss-server-side-encryption-key-id');
  if (sse !== undefined && !SSE_ALGORITHMS.has(sse)) throw ossErrors.invalidEncryptionAlgorithm();
  if (sseKey !== undefined && sse !== 'KMS' && sse !== 'SM4') {
    throw ossErrors.invalidArgument(
      'x-oss-server-side-encryption-key-id requires KMS server-side encryption.',
      'x-oss-server-side-encryption-key-id',
      sseKey,
    );
  }
  const tagging = header(h, 'x-oss-tagging');
  const storageClass = header(h, 'x-oss-storage-class');
  return {
    content_type: header(h, 'content-type') || DEFAULT_CONTENT_TYPE,
    headers: any ? JSON.stringify(stored) : null,
    meta,
    tags: tagging !== undefined ? encodeTags(parseTaggingHeader(tagging)) : null,
    sse: sse ?? null,
    sse_key: sseKey ?? null,
    storage_class: storageClass === undefined ? null : checkStorageClass(storageClass, 'x-oss-storage-class'),
  };
}

/**
 * A storage class a request asks for: Standard and IA are kept; the archive classes are refused
 * with 501 (see RESTORE_CLASSES); anything else is 400 InvalidArgument (OSS's exact answer to an
 * unknown class is not confirmed).
 */
export function checkStorageClass(value: string, argument: string): string {
  const v = value.trim();
  if (STORAGE_CLASSES.has(v)) return v;
  if (RESTORE_CLASSES.has(v)) throw ossErrors.notImplemented(`Storage class ${v}`);
  throw ossErrors.invalidArgument('The storage class you specified is not valid.', argument, value);
}

function metaFromHeaders(h: IncomingHttpHeaders): string | null {
  let meta: Record<string, string> | null = null;
  let bytes = 0;
  for (const name in h) {
    if (!name.startsWith(META_PREFIX)) continue;
    const v = header(h, name) ?? '';
    bytes += name.length - META_PREFIX.length + v.length;
    (meta ??= {})[name] = v;
  }
  if (bytes > MAX_META_BYTES) {
    throw ossErrors.invalidArgument(
      'Your metadata headers exceed the maximum allowed metadata size.',
      'x-oss-meta-*',
      String(bytes),
    );
  }
  return meta === null ? null : JSON.stringify(meta);
}

/** Tags from `x-oss-tagging: a=1&b=2` (form-encoded). */
export function parseTaggingHeader(value: string): Array<[string, string]> {
  const tags: Array<[string, string]> = [];
  if (value.trim() === '') return tags;
  for (const part of value.split('&')) {
    const eq = part.indexOf('=');
    let k: string;
    let v: string;
    try {
      k = decodeURIComponent((eq >= 0 ? part.slice(0, eq) : part).replace(PLUS, ' '));
      v = eq >= 0 ? decodeURIComponent(part.slice(eq + 1).replace(PLUS, ' ')) : '';
    } catch {
      throw ossErrors.invalidTag('The x-oss-tagging header is not validly URL-encoded.');
    }
    tags.push([k, v]);
  }
  return tags;
}

/** OSS tag limits: at most 10 tags, keys 1-128 characters and unique, values at most 256. */
export function encodeTags(tags: Array<[string, string]>): string | null {
  if (tags.length > MAX_TAGS) throw ossErrors.invalidTag('Object tags cannot be greater than 10.');
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (k.length < 1 || k.length > 128)
      throw ossErrors.invalidTag('The TagKey you have provided is invalid.');
    if (v.length > 256) throw ossErrors.invalidTag('The TagValue you have provided is invalid.');
    if (seen.has(k)) throw ossErrors.invalidTag('Cannot provide multiple Tags with the same key.');
    seen.add(k);
  }
  return tags.length === 0 ? null : JSON.stringify(tags);
}

export function decodeTags(tags: string | null): Array<[string, string]> {
  return tags === null ? [] : (JSON.parse(tags) as Array<[string, string]>);
}

export function attributesOf(row: ObjectAttributes): ObjectAttributes {
  return {
    content_type: row.content_type,
    headers: row.headers,
    meta: row.meta,
    tags: row.tags,
    sse: row.sse,
    sse_key: row.sse_key,
    storage_class: row.storage_class,
  };
}

export function quotedEtag(etag: string): string {
  return `"${etag}"`;
}

/** The headers GET and HEAD return for an object (no Content-Length / Content-Range). */
export function objectHeaders(row: ObjectRow, out: OutgoingHttpHeaders): void {
  out['content-type'] = row.content_type;
  out['etag'] = quotedEtag(row.etag);
  out['last-modified'] = new Date(row.modified_ms).toUTCString();
  out['x-oss-object-type'] = row.type;
  out['x-oss-storage-class'] = row.storage_class ?? 'Standard';
  out['accept-ranges'] = 'bytes';
  if (row.headers !== null) Object.assign(out, JSON.parse(row.headers) as Record<string, string>);
  if (row.meta !== null) Object.assign(out, JSON.parse(row.meta) as Record<string, string>);
  if (row.sse !== null) out['x-oss-server-side-encryption'] = row.sse;
  if (row.sse_key !== null) out['x-oss-server-side-encryption-key-id'] = row.sse_key;
  if (row.tags !== null) out['x-oss-tagging-count'] = String(decodeTags(row.tags).length);
}
