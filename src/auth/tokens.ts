import { createHash, randomBytes } from 'node:crypto';
import { UnauthenticatedError } from '../errors';
import type { PrincipalCatalog } from '../catalog/types';
import type { Authenticator, Principal } from './types';

/**
 * API tokens: opaque, high-entropy bearer secrets. A token is `sr_` followed by 32 random bytes in
 * base64url (43 characters); the prefix makes a leaked token recognisable to secret scanners and
 * lets the authenticator tell it from an OIDC JWT. The archive stores only the SHA-256 (hex) of a
 * token; the token itself is shown once, when it is issued, and never logged.
 */

export const TOKEN_PREFIX = 'sr_';
const TOKEN_BYTES = 32;
/** `sr_` + base64url of 32 bytes (43 characters, no padding). */
export const TOKEN_PATTERN = /^sr_[A-Za-z0-9_-]{43}$/;

export interface IssuedToken {
  /** The secret: hand it to its owner once, never store or log it. */
  token: string;
  /** SHA-256 (lower-case hex) of the token: what the catalog keeps. */
  tokenHash: string;
}

/** SHA-256 (lower-case hex) of a token's UTF-8 bytes. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token and its hash. */
export function issueToken(): IssuedToken {
  const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, tokenHash: hashToken(token) };
}

/** A short, non-secret handle for a token (the first 12 hex digits of its hash), for lists and audit events. */
export function tokenId(tokenHash: string): string {
  return tokenHash.slice(0, 12);
}

/** Auth schemes are case-insensitive (RFC 9110 11.1); `Bearer` is followed by one or more spaces and the credential. */
const AUTHORIZATION = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?: +(.*))?$/s;
/** RFC 6750 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The credential of an `Authorization: Bearer <credential>` header, checked strictly. Every failure is
 * an UnauthenticatedError whose message says what is wrong without repeating the header's value.
 */
export function parseBearer(header: string | undefined): string {
  if (header === undefined || header.trim() === '') {
    throw new UnauthenticatedError("missing Authorization header: send 'Authorization: Bearer <token>'");
  }
  const m = AUTHORIZATION.exec(header);
  if (!m) {
    throw new UnauthenticatedError("malformed Authorization header: expected 'Bearer <token>'");
  }
  if ((m[1] ?? '').toLowerCase() !== 'bearer') {
    throw new UnauthenticatedError("unsupported authorization scheme: use 'Authorization: Bearer <token>'");
  }
  const credential = m[2] ?? '';
  if (credential === '') {
    throw new UnauthenticatedError("empty bearer token: send 'Authorization: Bearer <token>'");
  }
  if (!B64TOKEN.test(credential)) {
    throw new UnauthenticatedError(
      'malformed bearer token: one token of letters, digits and -._~+/ expected',
    );
  }
  return credential;
}

/** The parts of the catalog the token authenticator reads and writes. */
export type TokenCatalog = Pick<PrincipalCatalog, 'findPrincipalByTokenHash' | 'markTokenUsed'>;

export interface TokenAuthenticatorOptions {
  catalog: TokenCatalog;
  /**
   * `last_used_at` is written at most once per this many milliseconds per token (default 60 000), so
   * that a busy sender does not turn every request into a catalog write. Only the bookkeeping write is
   * skipped: every request still looks the token and its principal up.
   */
  markUsedIntervalMs?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

/**
 * Authenticates API tokens. Every request looks the token's hash up in the catalog, which answers
 * only for a non-revoked token of an enabled principal: nothing about principals is cached, so a
 * disabled principal or a revoked token stops working at the next request.
 */
export class TokenAuthenticator implements Authenticator {
  private readonly catalog: TokenCatalog;
  private readonly markUsedIntervalMs: number;
  private readonly now: () => number;
  /** Token hash -> when `last_used_at` was last written by this process. Bookkeeping only, never consulted to admit anyone. */
  private readonly lastMarked = new Map<string, number>();

  constructor(options: TokenAuthenticatorOptions) {
    this.catalog = options.catalog;
    this.markUsedIntervalMs = options.markUsedIntervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  async authenticate(authorizationHeader: string | undefined): Promise<Principal> {
    return this.authenticateToken(parseBearer(authorizationHeader));
  }

  /** Authenticates a bearer credential already taken from its header. */
  async authenticateToken(token: string): Promise<Principal> {
    if (!TOKEN_PATTERN.test(token)) {
      throw new UnauthenticatedError(
        `not a strongroom API token (expected ${TOKEN_PREFIX} followed by 43 base64url characters)`,
      );
    }
    const tokenHash = hashToken(token);
    const found = await this.catalog.findPrincipalByTokenHash(tokenHash);
    if (!found || found.disabledAt !== null) {
      throw new UnauthenticatedError('unknown or revoked API token, or its principal is disabled');
    }
    const now = this.now();
    const last = this.lastMarked.get(tokenHash);
    if (last === undefined || now - last >= this.markUsedIntervalMs) {
      await this.catalog.markTokenUsed(tokenHash);
      this.lastMarked.set(tokenHash, now);
    }
    return { id: found.id, name: found.name, role: found.role, kind: found.kind, via: 'token' };
  }
}
