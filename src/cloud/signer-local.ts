/**
 * The local signer: an Ed25519 key made on first start at `<dataDir>/keys/checkpoint-ed25519.pem`
 * (PKCS#8 PEM, mode 0600, its directory 0700), never logged, never sent anywhere. A key file that
 * others may read is refused rather than used (as ssh does).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors';
import type { Signer } from './signer';

export const LOCAL_KEY_FILE = path.join('keys', 'checkpoint-ed25519.pem');

function readKey(file: string): KeyObject {
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new ConfigError(
      `${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it, or remove it to make a new key`,
    );
  const key = createPrivateKey(fs.readFileSync(file, 'utf8'));
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ConfigError(`${file} does not hold an Ed25519 private key`);
  return key;
}

/** Loads the key, or makes it on first start (two processes starting together end up with one key). */
function loadOrCreate(file: string): KeyObject {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (fs.existsSync(file)) return readKey(file);
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readKey(file);
}

export class LocalEd25519Signer implements Signer {
  readonly algorithm = 'ed25519' as const;
  readonly description: string;
  private readonly raw: Buffer;

  private constructor(
    private readonly key: KeyObject,
    file: string,
  ) {
    // The last 32 bytes of the SPKI DER are the raw public key (RFC 8410).
    this.raw = createPublicKey(key).export({ type: 'spki', format: 'der' }).subarray(-32);
    const fingerprint = createHash('sha256').update(this.raw).digest('hex').slice(0, 16);
    this.description = `local Ed25519 key ${file} (public key SHA-256 ${fingerprint}...)`;
  }

  static open(dataDir: string): LocalEd25519Signer {
    const file = path.join(dataDir, LOCAL_KEY_FILE);
    return new LocalEd25519Signer(loadOrCreate(file), file);
  }

  async publicKey(): Promise<Buffer> {
    return Buffer.from(this.raw);
  }

  async sign(message: Buffer): Promise<Buffer> {
    return sign(null, message, this.key);
  }
}
