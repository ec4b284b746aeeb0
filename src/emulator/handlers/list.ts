import type { EmulatorEnv, Handler, RequestContext } from '../context';
import { ossErrors } from '../errors';
import type { ListedRow } from '../persistence/metadata-index';
import { parseIntArg } from '../request';
import { sendXml } from '../response';
import { el } from '../xml';
import { encodeKey, isoDate, requireBucket, urlEncoding } from './common';

/** Keys are valid UTF-8, which never contains 0xFF: `p + 0xFF` is above every key starting with p. */
const FF = Buffer.from([0xff]);
const BATCH = 1000;

export type Entry = { kind: 'key'; row: ListedRow } | { kind: 'prefix'; prefix: Buffer };

/**
 * Walks a bucket in UTF-8 byte order from just after `after`, keys under `prefix`, folding keys
 * that contain `delimiter` after the prefix into common prefixes. A common prefix at or before
 * `after` is skipped (so a marker that is itself a common prefix resumes after its whole group).
 */
export function* walk(
  env: EmulatorEnv,
  bucket: string,
  prefix: Buffer,
  delimiter: Buffer | null,
  after: Buffer,
): Generator<Entry> {
  const upper = Buffer.concat([prefix, FF]);
  let from = after;
  let inclusive = false;
  if (Buffer.compare(after, prefix) < 0) {
    from = prefix;
    inclusive = true;
  }
  for (;;) {
    const rows = env.index.listKeys(bucket, from, inclusive, upper, BATCH);
    if (rows.length === 0) return;
    let jumped = false;
    for (const row of rows) {
      if (delimiter !== null) {
        const at = row.key.indexOf(delimiter, prefix.length);
        if (at >= 0) {
          const cp = row.key.subarray(0, at + delimiter.length);
          if (Buffer.compare(cp, after) > 0) yield { kind: 'prefix', prefix: Buffer.from(cp) };
          // Skip every other key in this group.
          from = Buffer.concat([cp, FF]);
          inclusive = true;
          jumped = true;
          break;
        }
      }
      yield { kind: 'key', row };
      from = row.key;
      inclusive = false;
    }
    if (!jumped && rows.length < BATCH) return;
  }
}

interface Page {
  contents: ListedRow[];
  prefixes: Buffer[];
  truncated: boolean;
  /** The last key or common prefix returned (the resume point). */
  last: Buffer | null;
}

function page(
  env: EmulatorEnv,
  bucket: string,
  prefix: string,
  delimiter: string,
  after: Buffer,
  maxKeys: number,
): Page {
  const contents: ListedRow[] = [];
  const prefixes: Buffer[] = [];
  let count = 0;
  let last: Buffer | null = null;
  let truncated = false;
  const delim = delimiter === '' ? null : Buffer.from(delimiter, 'utf8');
  for (const entry of walk(env, bucket, Buffer.from(prefix, 'utf8'), delim, after)) {
    if (count === maxKeys) {
      truncated = true;
      break;
    }
    if (entry.kind === 'key') {
      contents.push(entry.row);
      last = entry.row.key;
    } else {
      prefixes.push(entry.prefix);
      last = entry.prefix;
    }
    count++;
  }
  return { contents, prefixes, truncated, last };
}

function maxKeysOf(ctx: RequestContext): number {
  const v = ctx.query.get('max-keys');
  return v === undefined || v === '' ? 100 : parseIntArg('max-keys', v, 0, 1000);
}

function contentsXml(env: EmulatorEnv, rows: ListedRow[], encode: boolean, owner: boolean): string {
  let xml = '';
  const ownerXml = owner
    ? `<Owner>${el('ID', env.owner.id)}${el('DisplayName', env.owner.displayName)}</Owner>`
    : '';
  for (const r of rows) {
    xml +=
      '<Contents>' +
      el('Key', encodeKey(r.key.toString('utf8'), encode)) +
      el('LastModified', isoDate(r.modified_ms)) +
      el('ETag', `"${r.etag}"`) +
      el('Type', r.type) +
      el('Size', r.size) +
      el('StorageClass', r.storage_class ?? 'Standard') +
      ownerXml +
      '</Contents>';
  }
  return xml;
}

function prefixesXml(prefixes: Buffer[], encode: boolean): string {
  let xml = '';
  for (const p of prefixes)
    xml += `<CommonPrefixes>${el('Prefix', encodeKey(p.toString('utf8'), encode))}</CommonPrefixes>`;
  return xml;
}

/** GET /bucket (ListObjects, V1): marker / NextMarker. */
export const listObjects: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const encode = urlEncoding(ctx);
  const prefix = ctx.query.get('prefix') ?? '';
  const delimiter = ctx.query.get('delimiter') ?? '';
  const marker = ctx.query.get('marker') ?? '';
  const maxKeys = maxKeysOf(ctx);
  const p = page(env, ctx.bucket, prefix, delimiter, Buffer.from(marker, 'utf8'), maxKeys);
  let xml = '<ListBucketResult>';
  xml +=
    el('Name', ctx.bucket) +
    el('Prefix', encodeKey(prefix, encode)) +
    el('Marker', encodeKey(marker, encode));
  xml +=
    el('MaxKeys', maxKeys) + el('Delimiter', encodeKey(delimiter, encode)) + el('IsTruncated', p.truncated);
  if (p.truncated && p.last !== null) xml += el('NextMarker', encodeKey(p.last.toString('utf8'), encode));
  if (encode) xml += el('EncodingType', 'url');
  xml += contentsXml(env, p.contents, encode, true) + prefixesXml(p.prefixes, encode) + '</ListBucketResult>';
  sendXml(ctx, 200, xml);
};

function decodeToken(token: string): Buffer {
  const buf = Buffer.from(token, 'base64url');
  if (buf.length === 0 || buf.toString('base64url') !== token) {
    throw ossErrors.invalidArgument(
      'The continuation token provided is incorrect.',
      'continuation-token',
      token,
    );
  }
  return buf;
}

/** GET /bucket?list-type=2 (ListObjectsV2): continuation tokens, start-after, fetch-owner. */
export const listObjectsV2: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const encode = urlEncoding(ctx);
  const prefix = ctx.query.get('prefix') ?? '';
  const delimiter = ctx.query.get('delimiter') ?? '';
  const startAfter = ctx.query.get('start-after');
  const token = ctx.query.get('continuation-token');
  const fetchOwner = ctx.query.get('fetch-owner') === 'true';
  const maxKeys = maxKeysOf(ctx);
  const after =
    token !== undefined && token !== '' ? decodeToken(token) : Buffer.from(startAfter ?? '', 'utf8');
  const p = page(env, ctx.bucket, prefix, delimiter, after, maxKeys);
  let xml = '<ListBucketResult>';
  xml += el('Name', ctx.bucket) + el('Prefix', encodeKey(prefix, encode)) + el('MaxKeys', maxKeys);
  if (startAfter !== undefined) xml += el('StartAfter', encodeKey(startAfter, encode));
  if (token !== undefined) xml += el('ContinuationToken', token);
  xml += el('Delimiter', encodeKey(delimiter, encode));
  if (encode) xml += el('EncodingType', 'url');
  xml += el('IsTruncated', p.truncated) + el('KeyCount', p.contents.length + p.prefixes.length);
  if (p.truncated && p.last !== null) xml += el('NextContinuationToken', p.last.toString('base64url'));
  xml +=
    contentsXml(env, p.contents, encode, fetchOwner) +
    prefixesXml(p.prefixes, encode) +
    '</ListBucketResult>';
  sendXml(ctx, 200, xml);
};
