import { Transform, type TransformCallback } from 'node:stream';
import { ChecksumMismatchError, StorageProtocolError, ValidationError } from '../errors';
import { Crc64 } from '../util/crc64';
import { storageError, type StorageErrorContext } from './errors';
import type { ObjectInfo, PutOptions } from './types';

/** Response headers as Node gives them (lower-case names). */
export type Headers = Record<string, string | string[] | undefined>;

export const CRC_HEADER = 'x-oss-hash-crc64ecma';
const META_PREFIX = 'x-oss-meta-';

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function requestIdOf(headers: Headers): string | undefined {
  return header(headers, 'x-oss-request-id');
}

/** OSS quotes ETags (`"5B3C..."`); the archive passes them around unquoted. */
export function unquoteEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** Bucket names OSS accepts for creation, the only ones the archive uses. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const META_KEY = /^[a-z0-9][a-z0-9_-]*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function checkBucket(bucket: string): void {
  if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket)) {
    throw new ValidationError(
      `invalid bucket name ${JSON.stringify(bucket)}: 3-63 lowercase letters, digits and hyphens`,
    );
  }
}

export function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '')
    throw new ValidationError('object key must be a non-empty string');
  if (key.startsWith('/') || key.startsWith('\\'))
    throw new ValidationError(`object key must not start with a slash: ${JSON.stringify(key)}`);
  if (Buffer.byteLength(key, 'utf8') > 1023)
    throw new ValidationError('object key is longer than 1023 bytes');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\x00-\x1f\x7f]/.test(key))
    throw new ValidationError('object key must not contain control characters');
}

/**
 * Headers every create-only write carries, besides Content-MD5: forbid-overwrite, tagging and
 * server-side encryption. Metadata goes through ali-oss's `meta` (x-oss-meta-*), checked here.
 */
export function writeHeaders(options: PutOptions): Record<string, string> {
  const headers: Record<string, string> = { 'x-oss-forbid-overwrite': 'true' };
  if (options.meta) {
    let total = 0;
    for (const [k, v] of Object.entries(options.meta)) {
      if (!META_KEY.test(k))
        throw new ValidationError(
          `metadata key ${JSON.stringify(k)}: lowercase letters, digits, '-' and '_' only`,
        );
      if (typeof v !== 'string' || !PRINTABLE_ASCII.test(v)) {
        throw new ValidationError(
          `metadata ${k}: the value must be printable ASCII (encode other text first)`,
        );
      }
      total += k.length + v.length;
    }
    if (total > 8 * 1024) throw new ValidationError('metadata larger than 8 KiB');
  }
  if (options.tags && Object.keys(options.tags).length > 0) {
    const entries = Object.entries(options.tags);
    if (entries.length > 10) throw new ValidationError('at most 10 object tags');
    headers['x-oss-tagging'] = entries
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
  }
  if (options.sse) {
    headers['x-oss-server-side-encryption'] = options.sse.algorithm;
    if (options.sse.keyId !== undefined) {
      if (options.sse.algorithm !== 'KMS')
        throw new ValidationError('an SSE key id goes with algorithm KMS only');
      headers['x-oss-server-side-encryption-key-id'] = options.sse.keyId;
    }
  }
  return headers;
}

export function metaFromHeaders(headers: Headers): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase().startsWith(META_PREFIX) && value !== undefined) {
      meta[name.slice(META_PREFIX.length).toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
    }
  }
  return meta;
}

function parseDate(value: string | undefined, ctx: StorageErrorContext, what: string): Date {
  const d = value ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime()))
    throw storageError(StorageProtocolError, ctx, `OSS sent an unreadable ${what}`);
  return d;
}

/** Object size: Content-Range's total for ranged answers, else Content-Length. */
function sizeFromHeaders(headers: Headers, ctx: StorageErrorContext): number {
  const range = header(headers, 'content-range');
  const m = range ? /\/(\d+)\s*$/.exec(range) : null;
  const raw = m ? m[1] : header(headers, 'content-length');
  const n = raw !== undefined ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 0)
    throw storageError(StorageProtocolError, ctx, 'OSS sent no usable object size');
  return n;
}

/** ObjectInfo from the headers of a HEAD or GET answer. */
export function objectInfoFromHeaders(
  bucket: string,
  key: string,
  headers: Headers,
  ctx: StorageErrorContext,
): ObjectInfo {
  const info: ObjectInfo = {
    bucket,
    key,
    size: sizeFromHeaders(headers, ctx),
    etag: unquoteEtag(header(headers, 'etag')),
    lastModified: parseDate(header(headers, 'last-modified'), ctx, 'Last-Modified'),
    meta: metaFromHeaders(headers),
  };
  const crc = header(headers, CRC_HEADER);
  if (crc) info.crc64 = crc;
  const contentType = header(headers, 'content-type');
  if (contentType) info.contentType = contentType;
  const sse = header(headers, 'x-oss-server-side-encryption');
  if (sse) {
    const keyId = header(headers, 'x-oss-server-side-encryption-key-id');
    info.sse = keyId ? { algorithm: sse, keyId } : { algorithm: sse };
  }
  return info;
}

/**
 * Checks a CRC-64 OSS reported against the local one. A missing CRC is a failure too: the
 * archive never acknowledges a write it could not verify.
 */
export function verifyCrc(
  local: string,
  reported: string | undefined,
  ctx: StorageErrorContext,
  requestId?: string,
): void {
  if (reported === undefined || reported === '') {
    throw storageError(
      ChecksumMismatchError,
      ctx,
      `OSS reported no CRC-64 (${CRC_HEADER}): the write is unverified`,
      {
        expectedCrc64: local,
        requestId,
      },
    );
  }
  if (reported !== local) {
    throw storageError(ChecksumMismatchError, ctx, `CRC-64 mismatch: sent ${local}, OSS stored ${reported}`, {
      expectedCrc64: local,
      reportedCrc64: reported,
      requestId,
    });
  }
}

/**
 * Passes a whole-object download through, computing its CRC-64 and length; at the end fails
 * with ChecksumMismatchError if they differ from what OSS announced (flipped bits in transit or
 * at rest). Without an announced CRC only the length is checked.
 */
export class VerifyingStream extends Transform {
  private readonly crc = new Crc64();

  constructor(
    private readonly expectedCrc: string | undefined,
    private readonly expectedSize: number,
    private readonly ctx: StorageErrorContext,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.crc.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.crc.bytes !== this.expectedSize) {
      done(
        storageError(
          ChecksumMismatchError,
          this.ctx,
          `received ${this.crc.bytes} bytes, OSS announced ${this.expectedSize}`,
        ),
      );
      return;
    }
    const got = this.crc.digest();
    if (this.expectedCrc !== undefined && got !== this.expectedCrc) {
      done(
        storageError(
          ChecksumMismatchError,
          this.ctx,
          `CRC-64 of the bytes received is ${got}, OSS announced ${this.expectedCrc}`,
          {
            expectedCrc64: this.expectedCrc,
            receivedCrc64: got,
          },
        ),
      );
      return;
    }
    done();
  }
}

/** XML text escaping for the few request bodies the adapter writes itself. */
export function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
