/**
 * STS credentials without a session table. AssumeRole mints an `STS.` access key id at random;
 * its secret is derived from it with the emulator's token key (HMAC-SHA256), and the security
 * token carries the session (role, session name, expiry, session policy) sealed with the same
 * key. So any request can be checked from the key id and token alone, a restart keeps every
 * session valid until it expires, and AssumeRole writes nothing to disk but its ActionTrail event.
 *
 * The token key (32 random bytes) is made on first start under the control plane's data
 * directory, mode 0600, and never leaves it. Tokens are opaque to clients: `SR1.<payload>.<tag>`,
 * base64url; clients must assume nothing about their length or form (nor about real STS tokens).
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { safeEqual } from '../auth/request';

export const STS_KEY_PREFIX = 'STS.';
const TOKEN_PREFIX = 'SR1.';
const KEY_FILE = 'sts-token.key';
const ID_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789';
const CACHE_MAX = 10_000;

/** What a session token says. */
export interface SessionClaims {
  accessKeyId: string;
  accountId: string;
  roleName: string;
  roleId: string;
  sessionName: string;
  issuedMs: number;
  expiresMs: number;
  /** The session policy as given to AssumeRole (already validated), or null. */
  policy: string | null;
  /** ARN of whoever assumed the role. */
  caller: string;
}

export interface MintedCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

export type TokenCheck =
  | { ok: true; claims: SessionClaims; secret: string }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' | 'expired'; claims?: SessionClaims };

interface WirePayload {
  ak: string;
  acct: string;
  role: string;
  rid: string;
  sess: string;
  iat: number;
  exp: number;
  pol: string | null;
  by: string;
}

function randomId(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return s;
}

/** Loads the token key, or makes it (0600) on first start. */
function loadOrCreateKey(dir: string): Buffer {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, KEY_FILE);
  try {
    const key = fs.readFileSync(file);
    if (key.length === 32) return key;
    throw new Error(`${file} is damaged (expected 32 bytes, found ${key.length}): remove it to start afresh`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32);
  try {
    fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    // Another process made it first: use that one.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file);
    throw err;
  }
}

export class StsTokens {
  private readonly cache = new Map<string, SessionClaims>();

  private constructor(private readonly key: Buffer) {}

  /** `dir`: the control plane's data directory. */
  static open(dir: string): StsTokens {
    return new StsTokens(loadOrCreateKey(dir));
  }

  isStsKey(accessKeyId: string): boolean {
    return accessKeyId.startsWith(STS_KEY_PREFIX);
  }

  /** The secret of an STS access key id (whether or not a session was ever issued for it). */
  secretOf(accessKeyId: string): string {
    return createHmac('sha256', this.key)
      .update('secret\n')
      .update(accessKeyId)
      .digest('base64url')
      .slice(0, 40);
  }

  mint(claims: Omit<SessionClaims, 'accessKeyId'>): {
    credentials: MintedCredentials;
    claims: SessionClaims;
  } {
    const accessKeyId = STS_KEY_PREFIX + randomId(25);
    const full: SessionClaims = { ...claims, accessKeyId };
    const wire: WirePayload = {
      ak: accessKeyId,
      acct: full.accountId,
      role: full.roleName,
      rid: full.roleId,
      sess: full.sessionName,
      iat: full.issuedMs,
      exp: full.expiresMs,
      pol: full.policy,
      by: full.caller,
    };
    const payload = Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
    const securityToken = `${TOKEN_PREFIX}${payload}.${this.tag(payload)}`;
    return {
      credentials: { accessKeyId, accessKeySecret: this.secretOf(accessKeyId), securityToken },
      claims: full,
    };
  }

  /**
   * Checks a token presented with `accessKeyId` at time `nowMs`: it must be one this emulator
   * sealed, for this very key id, and not expired.
   */
  verify(accessKeyId: string, token: string | undefined, nowMs: number): TokenCheck {
    if (token === undefined || token === '') return { ok: false, reason: 'missing' };
    const claims = this.open(token);
    if (claims === null) return { ok: false, reason: 'malformed' };
    if (claims.accessKeyId !== accessKeyId) return { ok: false, reason: 'mismatch', claims };
    if (nowMs >= claims.expiresMs) return { ok: false, reason: 'expired', claims };
    return { ok: true, claims, secret: this.secretOf(accessKeyId) };
  }

  private tag(payload: string): string {
    return createHmac('sha256', this.key).update('token\n').update(payload).digest('base64url');
  }

  private open(token: string): SessionClaims | null {
    const hit = this.cache.get(token);
    if (hit !== undefined) return hit;
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 16_384) return null;
    const dot = token.indexOf('.', TOKEN_PREFIX.length);
    if (dot === -1) return null;
    const payload = token.slice(TOKEN_PREFIX.length, dot);
    if (!safeEqual(token.slice(dot + 1), this.tag(payload))) return null;
    let wire: WirePayload;
    try {
      wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as WirePayload;
    } catch {
      return null;
    }
    const claims: SessionClaims = {
      accessKeyId: wire.ak,
      accountId: wire.acct,
      roleName: wire.role,
      roleId: wire.rid,
      sessionName: wire.sess,
      issuedMs: wire.iat,
      expiresMs: wire.exp,
      policy: wire.pol,
      caller: wire.by,
    };
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(token, claims);
    return claims;
  }
}
