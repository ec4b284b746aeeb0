import { createHash, hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

export interface FileDigests {
  sha256: string;
  sha512: string;
  size: number;
}

/** SHA-256, SHA-512 and size of a buffer (one-shot hashes: a proof file is ~1 KB, a Hash object cost more). */
export function digestsOf(data: Buffer): FileDigests {
  return { sha256: hash('sha256', data, 'hex'), sha512: hash('sha512', data, 'hex'), size: data.length };
}

/** Passes bytes through and hashes them; `digests()` is valid once the stream has ended. */
export class HashingStream extends Transform {
  private readonly h256 = createHash('sha256');
  private readonly h512 = createHash('sha512');
  private size = 0;
  private result: FileDigests | null = null;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.h256.update(chunk);
    this.h512.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.result = { sha256: this.h256.digest('hex'), sha512: this.h512.digest('hex'), size: this.size };
    cb();
  }

  digests(): FileDigests {
    if (this.result === null) throw new Error('the stream has not ended');
    return this.result;
  }
}

/** `source` piped through a HashingStream; errors of the source are forwarded to `onError`. */
export function hashed(source: Readable, onError: (err: Error) => void): HashingStream {
  const hashing = new HashingStream();
  source.on('error', onError);
  hashing.on('error', onError);
  source.pipe(hashing);
  return hashing;
}
