/**
 * The archive's seal on what it writes (issue 8, item 2): an HMAC-SHA256, under a key only the
 * archive holds, over the facts recovery would otherwise take on trust from an object's metadata:
 * its bucket and key, the record id and type, the SHA-256 of its bytes, the principal, the ingest
 * time, the schema version and, for a document's description, the file it names (key, SHA-256,
 * CRC-64, size, file name). It is written as the metadata value `mac` (x-oss-meta-mac):
 *
 *   v1.<key id>.<64 hex>   key id: the first 16 hex of SHA-256("strongroom-mac-key-id" || key)
 *
 * The MAC input is the UTF-8 of these lines, each ending in "\n", values exactly as stored in the
 * metadata (so the principal percent-encoded), absent ones empty:
 *
 *   strongroom-object-mac-v1
 *   bucket=<bucket>
 *   key=<key>
 *   record-id=... record-type=... sha256=... principal=... ingested-at=... schema-version=...
 *   content-key=... content-sha256=... content-crc64=... content-size=... content-file-name=...
 *
 * By hand: `printf 'strongroom-object-mac-v1\nbucket=...\n...' | openssl dgst -sha256 -mac HMAC
 * -macopt hexkey:$(cat data/keys/record-mac.key)`.
 *
 * An object is the archive's own only when its seal checks (`sealProblem`): someone with the OSS
 * keys but not this key cannot make one, nor move one to another key or bucket, nor change a
 * single fact it binds. The claimed ingest time must also agree with the object's Last-Modified
 * (set by OSS when the object was created): not after it (beyond a clock skew), and not long
 * before it. How the key is kept: docs/decisions/0011-object-seal-key.md.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors';

/** The metadata key of the seal (x-oss-meta-mac). */
export const SEAL_META_KEY = 'mac';

/** The metadata keys the seal binds, in MAC order (values as stored, without x-oss-meta-). */
export const SEALED_META_KEYS = [
  'record-id',
  'record-type',
  'sha256',
  'principal',
  'ingested-at',
  'schema-version',
  'content-key',
  'content-sha256',
  'content-crc64',
  'content-size',
  'content-file-name',
] as const;

/** A claimed ingest time may be this much after the object's Last-Modified (clocks disagree). */
export const SEAL_CLOCK_SKEW_MS = 5 * 60_000;
/**
 * ... and this much before it: the ingest time is taken before the PUT, and a document's before
 * its file is uploaded (a large file at a slow link, with OSS retries), so a day covers every
 * honest write; a back-dated claim is further off.
 */
export const SEAL_MAX_LAG_MS = 24 * 3_600_000;

/** Where an object lives and what it says about itself (an ObjectInfo is one). */
export interface SealedObject {
  bucket: string;
  key: string;
  meta: Readonly<Record<string, string | undefined>>;
  lastModified?: Date;
}

export const SEAL_KEY_BYTES = 32;

export class ObjectSeal {
  /** The key's id (not secret): says under which key an object was sealed. */
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== SEAL_KEY_BYTES)
      throw new ConfigError(`the object seal key must be ${SEAL_KEY_BYTES} bytes, got ${key.length}`);
    this.keyId = createHash('sha256').update('strongroom-mac-key-id').update(key).digest('hex').slice(0, 16);
  }

  /** A fresh random key (tests; the key file is made by `openObjectSeal`). */
  static random(): ObjectSeal {
    return new ObjectSeal(randomBytes(SEAL_KEY_BYTES));
  }

  private mac(bucket: string, key: string, meta: SealedObject['meta']): string {
    const lines = ['strongroom-object-mac-v1', `bucket=${bucket}`, `key=${key}`];
    for (const name of SEALED_META_KEYS) lines.push(`${name}=${meta[name] ?? ''}`);
    return createHmac('sha256', this.key)
      .update(`${lines.join('\n')}\n`, 'utf8')
      .digest('hex');
  }

  /** `meta` with its seal added, for an object to be written at bucket/key. */
  seal(bucket: string, key: string, meta: Readonly<Record<string, string>>): Record<string, string> {
    return { ...meta, [SEAL_META_KEY]: `v1.${this.keyId}.${this.mac(bucket, key, meta)}` };
  }

  /** Why `found` is not an object this archive wrote (undefined when it is). */
  sealProblem(found: SealedObject): string | undefined {
    const value = found.meta[SEAL_META_KEY];
    if (value === undefined) return 'it carries no seal of this archive (x-oss-meta-mac)';
    const m = /^v1\.([0-9a-f]{16})\.([0-9a-f]{64})$/.exec(value);
    if (!m) return 'its seal (x-oss-meta-mac) is not of the form v1.<key id>.<hex>';
    if (m[1] !== this.keyId)
      return `it is sealed under another key (${m[1]}, this archive's is ${this.keyId})`;
    const expected = Buffer.from(this.mac(found.bucket, found.key, found.meta), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(m[2] as string, 'hex')))
      return 'its seal does not match its bucket, key and metadata';
    const claimed = Date.parse(found.meta['ingested-at'] ?? '');
    if (found.lastModified !== undefined && Number.isFinite(claimed)) {
      const lag = found.lastModified.getTime() - claimed;
      if (lag < -SEAL_CLOCK_SKEW_MS || lag > SEAL_MAX_LAG_MS)
        return `its claimed ingest time ${found.meta['ingested-at']} does not agree with its Last-Modified ${found.lastModified.toISOString()}`;
    }
    return undefined;
  }
}

/** The key file's place under the data directory when `integrity.macKeyFile` is not set. */
export const SEAL_KEY_FILE = path.join('keys', 'record-mac.key');

function readKeyFile(file: string): Buffer {
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new ConfigError(`${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text))
    throw new ConfigError(`${file} must hold the object seal key as 64 lower-case hex characters`);
  return Buffer.from(text, 'hex');
}

/**
 * The seal key: read from `file`. With `create` (the local profile) a missing file is made on
 * first start (32 random bytes as hex, mode 0600, its directory 0700); without it (production)
 * a missing file stops the start: a new key would make every object already written foreign.
 */
export function openObjectSeal(file: string, options: { create: boolean }): ObjectSeal {
  if (!fs.existsSync(file)) {
    if (!options.create)
      throw new ConfigError(
        `the object seal key ${file} does not exist: production never makes one (docs/decisions/0011-object-seal-key.md); ` +
          'install the key kept in the secrets store there (mode 0600), or set integrity.macKeyFile',
      );
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, `${randomBytes(SEAL_KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return new ObjectSeal(readKeyFile(file));
}
