import { createHash, type Hash } from 'node:crypto';
import { Crc64, crc64, crc64Combine } from '../util/crc64';
import { asBytes } from './chunks';

/** The checksums of bytes the adapter sent, all computed locally. */
export interface Digests {
  size: number;
  /** hex */
  sha256: string;
  /** base64, as Content-MD5 wants it */
  md5: string;
  /** CRC-64/XZ as an unsigned decimal string, as x-oss-hash-crc64ecma */
  crc64: string;
}

/** SHA-256, MD5 and CRC-64 of a buffer, fed to all three in one walk. */
export function digestBuffer(data: Uint8Array): Digests {
  const sha = createHash('sha256').update(data);
  const md5 = createHash('md5').update(data);
  const crc = new Crc64().update(data);
  return { size: data.length, sha256: sha.digest('hex'), md5: md5.digest('base64'), crc64: crc.digest() };
}

/**
 * SHA-256, MD5, CRC-64 and size of a whole byte stream, read to its end in one pass (nothing is
 * kept). The one streaming-hash loop of the archive: the write path hashes a repeated document with
 * it, the adapter an object it reads back, recovery a document's file.
 */
export async function digestStream(source: AsyncIterable<unknown>): Promise<Digests> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const crc = new Crc64();
  let size = 0;
  for await (const chunk of source) {
    const bytes = asBytes(chunk);
    sha.update(bytes);
    md5.update(bytes);
    crc.update(bytes);
    size += bytes.length;
  }
  return { size, sha256: sha.digest('hex'), md5: md5.digest('base64'), crc64: crc.digest() };
}

export function md5Base64(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}

/**
 * Whole-object digests of a multipart upload, fed part by part in order. Each part's CRC-64 is
 * computed once (it also verifies the part) and folded into the object's with crc64Combine.
 */
export class PartwiseDigests {
  private readonly sha: Hash = createHash('sha256');
  private readonly md5: Hash = createHash('md5');
  private crc = '0';
  private size = 0;

  /** Adds the next part; returns that part's own MD5 (base64) and CRC-64. */
  addPart(part: Uint8Array): { md5: string; crc64: string } {
    this.sha.update(part);
    this.md5.update(part);
    const partCrc = crc64(part);
    this.crc = this.size === 0 ? partCrc : crc64Combine(this.crc, partCrc, part.length);
    this.size += part.length;
    return { md5: md5Base64(part), crc64: partCrc };
  }

  get bytes(): number {
    return this.size;
  }

  digest(): Digests {
    return {
      size: this.size,
      sha256: this.sha.digest('hex'),
      md5: this.md5.digest('base64'),
      crc64: this.crc,
    };
  }
}
