/**
 * The emulator's KMS keys: `kms.sqlite` under the control plane's data directory (mode 0600,
 * synchronous=FULL). Private keys are stored as PKCS#8 PEM in that file and are read only to
 * sign; no answer, log line or ActionTrail event ever carries them.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomInt,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import fs from 'node:fs';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';

export type KeySpec = 'EC_P256' | 'RSA_2048' | 'RSA_3072';
export const KEY_SPECS: readonly KeySpec[] = ['EC_P256', 'RSA_2048', 'RSA_3072'];
export type SignAlgorithm = 'ECDSA_SHA_256' | 'RSA_PSS_SHA_256' | 'RSA_PKCS1_SHA_256';

export function algorithmsFor(spec: KeySpec): SignAlgorithm[] {
  return spec === 'EC_P256' ? ['ECDSA_SHA_256'] : ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256'];
}

export interface KmsKey {
  keyId: string;
  versionId: string;
  spec: KeySpec;
  usage: 'SIGN/VERIFY';
  description: string;
  protectionLevel: 'SOFTWARE' | 'HSM';
  creator: string;
  createdMs: number;
  publicPem: string;
}

interface Row {
  key_id: string;
  version_id: string;
  spec: KeySpec;
  description: string;
  protection: 'SOFTWARE' | 'HSM';
  creator: string;
  created_ms: number;
  public_pem: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS keys (
  key_id TEXT PRIMARY KEY,
  version_id TEXT NOT NULL,
  spec TEXT NOT NULL,
  description TEXT NOT NULL,
  protection TEXT NOT NULL,
  creator TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  private_pem TEXT NOT NULL,
  public_pem TEXT NOT NULL
);
`;

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const generate = promisify(generateKeyPair);

/** On libuv's pool: an RSA key can take seconds, and must not stall every other request meanwhile. */
function newKeyPair(spec: KeySpec): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return spec === 'EC_P256'
    ? generate('ec', { namedCurve: 'P-256' })
    : generate('rsa', { modulusLength: spec === 'RSA_2048' ? 2048 : 3072 });
}

function toKey(r: Row): KmsKey {
  return {
    keyId: r.key_id,
    versionId: r.version_id,
    spec: r.spec,
    usage: 'SIGN/VERIFY',
    description: r.description,
    protectionLevel: r.protection,
    creator: r.creator,
    createdMs: r.created_ms,
    publicPem: r.public_pem,
  };
}

export class KmsStore {
  private readonly privateKeys = new Map<string, KeyObject>();

  private constructor(private readonly db: Database.Database) {}

  static open(file: string): KmsStore {
    if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600));
    const db = new Database(file, { timeout: 1000 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA);
    } catch (err) {
      db.close();
      throw err;
    }
    return new KmsStore(db);
  }

  async create(
    spec: KeySpec,
    options: { description: string; protectionLevel: 'SOFTWARE' | 'HSM'; creator: string; nowMs: number },
  ): Promise<KmsKey> {
    const pair = await newKeyPair(spec);
    let id = 'key-';
    for (let i = 0; i < 24; i++) id += ID_CHARS[randomInt(ID_CHARS.length)];
    const row: Row = {
      key_id: id,
      version_id: randomUUID(),
      spec,
      description: options.description,
      protection: options.protectionLevel,
      creator: options.creator,
      created_ms: options.nowMs,
      public_pem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    this.db
      .prepare(
        `INSERT INTO keys (key_id, version_id, spec, description, protection, creator, created_ms, private_pem, public_pem)
         VALUES (@key_id, @version_id, @spec, @description, @protection, @creator, @created_ms, @private_pem, @public_pem)`,
      )
      .run({ ...row, private_pem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    this.privateKeys.set(id, pair.privateKey);
    return toKey(row);
  }

  get(keyId: string): KmsKey | null {
    const row = this.db
      .prepare(
        'SELECT key_id, version_id, spec, description, protection, creator, created_ms, public_pem FROM keys WHERE key_id = ?',
      )
      .get(keyId) as Row | undefined;
    return row ? toKey(row) : null;
  }

  /** A page of keys in creation order, and how many there are in all. */
  list(offset: number, limit: number): { keys: KmsKey[]; total: number } {
    const total = (this.db.prepare('SELECT count(*) AS n FROM keys').get() as { n: number }).n;
    const rows = this.db
      .prepare(
        `SELECT key_id, version_id, spec, description, protection, creator, created_ms, public_pem
         FROM keys ORDER BY created_ms, key_id LIMIT ? OFFSET ?`,
      )
      .all(limit, offset) as Row[];
    return { keys: rows.map(toKey), total };
  }

  privateKey(keyId: string): KeyObject {
    const hit = this.privateKeys.get(keyId);
    if (hit) return hit;
    const row = this.db.prepare('SELECT private_pem FROM keys WHERE key_id = ?').get(keyId) as
      { private_pem: string } | undefined;
    if (!row) throw new Error(`no key ${keyId}`);
    const key = createPrivateKey(row.private_pem);
    this.privateKeys.set(keyId, key);
    return key;
  }

  publicKey(key: KmsKey): KeyObject {
    return createPublicKey(key.publicPem);
  }

  close(): void {
    this.privateKeys.clear();
    this.db.close();
  }
}
