import { createHash } from 'node:crypto';
import { crc64 } from '../util/crc64';
import type { LogTarget } from './access-logs';
import type { EmulatorEnv } from './context';
import { ossErrors } from './errors';
import type { ObjectAttributes } from './handlers/attributes';
import type { BucketRow, ObjectRow } from './persistence/metadata-index';
import type { WriteTx } from './persistence/write-queue';
import { checkObjectKey } from './request';
import { isProtected } from './retention';

/**
 * The write rules every object write obeys, in one place: the bucket must exist; a protected
 * object (retention policy) is never replaced; x-oss-forbid-overwrite refuses any existing key.
 * Called inside the write transaction, so the decision and the write are atomic.
 *
 * Precedence when both apply: FileAlreadyExists (the client asked for create-only, and the key
 * exists) before FileImmutable. Which of the two OSS reports in that case is not documented;
 * both are 409 and nothing is written either way.
 */
export function assertWritable(
  env: EmulatorEnv,
  bucketName: string,
  key: Buffer,
  forbidOverwrite: boolean,
  nowMs: number,
): { bucket: BucketRow; existing: ObjectRow | undefined } {
  const bucket = env.index.getBucket(bucketName);
  if (!bucket) throw ossErrors.noSuchBucket(bucketName);
  const existing = env.index.getObject(bucketName, key);
  if (existing) {
    if (forbidOverwrite) throw ossErrors.fileAlreadyExists();
    if (isProtected(bucket, existing.modified_ms, nowMs)) throw ossErrors.fileImmutable();
  }
  return { bucket, existing };
}

/** Refuses to delete a protected object. */
export function assertDeletable(bucket: BucketRow, row: ObjectRow, nowMs: number): void {
  if (isProtected(bucket, row.modified_ms, nowMs)) throw ossErrors.fileImmutable();
}

/** One stored piece of a body: bytes kept in the index, or a promoted blob file. */
export interface BodyPiece {
  size: number;
  inline: Buffer | null;
  file: string | null;
}

export interface StoredBody {
  size: number;
  etag: string;
  /** Base64 MD5 of the whole body (simple uploads), else null. */
  md5: string | null;
  crc64: string;
  /** One piece for a simple object; the parts of a multipart object. */
  pieces: BodyPiece[];
}

export interface CommittedObject {
  modifiedMs: number;
  /** The class the object was stored in (asked for, or the bucket's). */
  storageClass: string;
  /** Size of the object this one replaced, if any (access log DeltaDataSize). */
  replacedSize: number | null;
}

/** Writes one object (PutObject, CopyObject, access-log objects) from new blobs. */
export function commitObject(
  env: EmulatorEnv,
  tx: WriteTx,
  target: { bucket: string; key: Buffer; forbidOverwrite: boolean },
  body: StoredBody,
  attrs: ObjectAttributes,
  type = 'Normal',
): CommittedObject {
  const nowMs = env.clock.now().getTime();
  const { bucket, existing } = assertWritable(env, target.bucket, target.key, target.forbidOverwrite, nowMs);
  const storageClass = attrs.storage_class ?? bucket.storage_class;
  const ids = body.pieces.map((p) => env.index.insertBlob(p.size, p.inline, p.file));
  env.index.putObject(
    tx,
    {
      bucket: target.bucket,
      key: target.key,
      size: body.size,
      etag: body.etag,
      crc64: body.crc64,
      md5: body.md5,
      type,
      modified_ms: nowMs,
      ...attrs,
      storage_class: storageClass,
      blob_id: ids.length === 1 ? (ids[0] as number) : null,
      manifest: ids.length === 1 ? null : JSON.stringify(ids),
    },
    releaseFile(env),
  );
  return { modifiedMs: nowMs, storageClass, replacedSize: existing?.size ?? null };
}

/** The callback that unlinks a blob file once its reference is gone for good. */
export function releaseFile(env: EmulatorEnv): (file: string) => void {
  return (file) => env.blobs.remove(file);
}

export function md5Etag(md5: Buffer): string {
  return md5.toString('hex').toUpperCase();
}

/**
 * Stores an access-log object in its target bucket through the same rules as any PutObject
 * (create-only; a retention policy on the target then protects it like any other object), and
 * in the same transaction removes the pending lines it holds.
 */
export async function storeLogObject(
  env: EmulatorEnv,
  target: LogTarget,
  key: string,
  body: Buffer,
  pendingIds: readonly number[],
): Promise<void> {
  const keyBytes = checkObjectKey(key);
  const inline = body.length <= env.inlineMax;
  const file = inline ? null : await env.blobs.writeBuffer(body);
  const md5 = createHash('md5').update(body).digest();
  try {
    await env.writes.run((tx) => {
      commitObject(
        env,
        tx,
        { bucket: target.bucket, key: keyBytes, forbidOverwrite: true },
        {
          size: body.length,
          etag: md5Etag(md5),
          md5: md5.toString('base64'),
          crc64: crc64(body),
          pieces: [{ size: body.length, inline: inline ? body : null, file }],
        },
        {
          content_type: 'text/plain',
          headers: null,
          meta: null,
          tags: null,
          sse: null,
          sse_key: null,
          storage_class: null,
        },
      );
      env.index.deletePendingLogs(pendingIds);
    });
  } catch (err) {
    if (file !== null) env.blobs.remove(file);
    throw err;
  }
}
