import type { AdoptOptions, ObjectInfo } from './types';

/** What is being written: its size and CRC-64, and its SHA-256 when known (always, for our writes). */
export interface SentObject {
  size: number;
  crc64: string;
  sha256?: string;
}

/**
 * Adoption: is the object found under a key the very object being written? The one rule, used
 * by the adapter when a create-only write finds its key taken (a retry after a lost answer, or
 * after a crash between the PUT and the catalog commit), and by recovery (src/ingest/recovery.ts)
 * for objects that reached OSS but not the catalog.
 *
 * Always: the size and the CRC-64 that OSS computed over the stored bytes equal the local ones.
 * With AdoptOptions: every `sameMeta` key has the value being written, and, when the object's
 * metadata holds a SHA-256 (`sha256`), it is the SHA-256 of the bytes (else the caller reads the
 * object back and passes `storedSha256`); and, with `own`, the object is one the archive wrote
 * (its seal checks, its claimed ingest time agrees with its Last-Modified): anything else is a
 * foreign object, never adopted.
 *
 * Returns why the object is not the one, or undefined when it is.
 */
export function adoptionMismatch(
  found: ObjectInfo,
  sent: SentObject,
  options?: { adopt: AdoptOptions; meta: Readonly<Record<string, string>>; storedSha256?: string },
): string | undefined {
  if (found.size !== sent.size) return `it has ${found.size} bytes, not ${sent.size}`;
  if (found.crc64 === undefined) return 'OSS reports no CRC-64 for it';
  if (found.crc64 !== sent.crc64) return `its CRC-64 is ${found.crc64}, not ${sent.crc64}`;
  if (!options) return undefined;
  for (const key of options.adopt.sameMeta) {
    if (found.meta[key] !== options.meta[key])
      return `its metadata ${key} is ${JSON.stringify(found.meta[key] ?? null)}, not ${JSON.stringify(options.meta[key] ?? null)}`;
  }
  const storedSha = found.meta.sha256 ?? options.storedSha256;
  if (storedSha === undefined) return 'its SHA-256 is not known (no sha256 metadata, not read back)';
  if (sent.sha256 === undefined) return 'the SHA-256 of what is written is not known';
  if (storedSha !== sent.sha256) return `its SHA-256 is ${storedSha}, not ${sent.sha256}`;
  const foreign = options.adopt.own?.(found);
  if (foreign !== undefined) return `a foreign object: ${foreign}`;
  return undefined;
}

/** Whether the rule needs the object's bytes read back to know its SHA-256. */
export function needsReadBack(found: ObjectInfo, adopt: AdoptOptions): boolean {
  return adopt.readBack === true && found.meta.sha256 === undefined;
}
