import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Crc64 } from '../../util/crc64';
import { isOssError, ossErrors } from '../errors';
import type { BlobStore } from './blob-store';

/** A request body, received in full, hashed while it streamed, and stored (inline or as a file). */
export interface ReceivedBody {
  size: number;
  /** Raw MD5 digest (16 bytes). */
  md5: Buffer;
  /** CRC-64/XZ, unsigned decimal. */
  crc64: string;
  /** The bytes, when small enough to live inside the metadata index. */
  inline: Buffer | null;
  /** The promoted (fsynced, renamed) blob file id, when large. */
  file: string | null;
}

/** The client went away before the body was complete: nothing was stored and no answer is possible. */
export class ClientAbortError extends Error {
  constructor() {
    super('client aborted the request body');
    this.name = 'ClientAbortError';
  }
}

export interface ReceiveOptions {
  /** Content-Length when the client sent one (undefined for chunked bodies). */
  contentLength: number | undefined;
  /** Content-MD5 as sent (base64), checked before anything becomes durable. */
  contentMd5: string | undefined;
  /** Bodies up to this size are kept in memory and stored inside SQLite. */
  inlineMax: number;
  /** Larger bodies are refused with EntityTooLarge. */
  maxSize: number;
}

/** Batches incoming chunks into writev calls of about this size. */
const WRITE_BATCH = 256 * 1024;

const BASE64_MD5 = /^[A-Za-z0-9+/]{22}==$/;

/**
 * Reads the request body, computing MD5 and CRC-64 on the fly. Small bodies stay in memory; large
 * ones stream into a new, unreferenced blob file (see BlobStore), fsynced once the body is complete
 * and its Content-MD5 (if any) matched. A disconnect, a digest mismatch or any error removes the
 * file; a crash leaves it unreferenced, and start-up gc removes it.
 */
export async function receiveBody(
  req: IncomingMessage,
  blobs: BlobStore,
  opts: ReceiveOptions,
): Promise<ReceivedBody> {
  if (opts.contentLength !== undefined && opts.contentLength > opts.maxSize) throw ossErrors.entityTooLarge();
  if (opts.contentMd5 !== undefined && !BASE64_MD5.test(opts.contentMd5.trim()))
    throw ossErrors.invalidDigest(opts.contentMd5);
  if (opts.contentLength !== undefined && opts.contentLength <= opts.inlineMax) {
    return receiveSmall(req, opts.contentLength, opts.contentMd5);
  }
  return receiveLarge(req, blobs, opts);
}

function checkMd5(digest: Buffer, sent: string | undefined): void {
  if (sent !== undefined && digest.toString('base64') !== sent.trim()) throw ossErrors.invalidDigest(sent);
}

async function receiveSmall(
  req: IncomingMessage,
  length: number,
  contentMd5: string | undefined,
): Promise<ReceivedBody> {
  const buf = Buffer.allocUnsafe(length);
  let off = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (off + chunk.length > length) throw ossErrors.incompleteBody();
      chunk.copy(buf, off);
      off += chunk.length;
    }
  } catch (err) {
    throw mapStreamError(err);
  }
  // Short of the declared length: a finished body (framed by chunks) is the client's mistake.
  if (off !== length) throw req.complete ? ossErrors.incompleteBody() : new ClientAbortError();
  const md5 = createHash('md5').update(buf).digest();
  checkMd5(md5, contentMd5);
  return { size: length, md5, crc64: new Crc64().update(buf).digest(), inline: buf, file: null };
}

async function receiveLarge(
  req: IncomingMessage,
  blobs: BlobStore,
  opts: ReceiveOptions,
): Promise<ReceivedBody> {
  const md5 = createHash('md5');
  const crc = new Crc64();
  let size = 0;
  let held: Buffer[] = [];
  let heldSize = 0;
  let file: { fh: FileHandle; dirSynced: Promise<void> } | null = null;
  let id: string | null = null;
  // At most one write in flight, overlapping the disk with receiving and hashing the next bytes.
  let writing: Promise<unknown> = Promise.resolve();
  try {
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > opts.maxSize) throw ossErrors.entityTooLarge();
        md5.update(chunk);
        crc.update(chunk);
        held.push(chunk);
        heldSize += chunk.length;
        if (file === null && size > opts.inlineMax) {
          const opened = await blobs.open();
          id = opened.id;
          file = opened;
        }
        if (file !== null && heldSize >= WRITE_BATCH) {
          await writing;
          writing = file.fh.writev(held);
          // Observed now so a failure before the next await is never an unhandled rejection.
          writing.catch(() => undefined);
          held = [];
          heldSize = 0;
        }
      }
    } catch (err) {
      throw mapStreamError(err);
    }
    if (opts.contentLength !== undefined && size !== opts.contentLength)
      throw req.complete ? ossErrors.incompleteBody() : new ClientAbortError();
    const digest = md5.digest();
    checkMd5(digest, opts.contentMd5);
    if (file === null || id === null) {
      return { size, md5: digest, crc64: crc.digest(), inline: Buffer.concat(held, heldSize), file: null };
    }
    await writing;
    if (held.length > 0) await file.fh.writev(held);
    // fdatasync: the data and the size needed to read it back (mtime is not needed).
    await file.fh.datasync();
    await file.dirSynced;
    const fh = file.fh;
    file = null;
    await fh.close();
    return { size, md5: digest, crc64: crc.digest(), inline: null, file: id };
  } catch (err) {
    if (file !== null) {
      await writing.catch(() => undefined);
      await file.fh.close().catch(() => undefined);
    }
    if (id !== null) await blobs.discard(id).catch(() => undefined);
    throw err;
  }
}

function mapStreamError(err: unknown): unknown {
  if (isOssError(err)) return err;
  // ECONNRESET / 'aborted' / premature close: the client is gone.
  return new ClientAbortError();
}
