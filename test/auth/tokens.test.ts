import {
  createPrincipal,
  disablePrincipal,
  issuePrincipalToken,
  revokePrincipalTokens,
  type Actor,
} from '../../src/auth/principals';
import {
  TOKEN_PATTERN,
  TokenAuthenticator,
  hashToken,
  issueToken,
  parseBearer,
  tokenId,
} from '../../src/auth/tokens';
import { UnauthenticatedError } from '../../src/errors';
import { tempCatalog, type TempCatalog } from './helpers';

const actor: Actor = { principalId: null, details: { via: 'test' } };

describe('issueToken and hashToken', () => {
  test('tokens are prefixed, 32 random bytes in base64url, and distinct', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { token, tokenHash } = issueToken();
      expect(token).toMatch(TOKEN_PATTERN);
      expect(token.startsWith('sr_')).toBe(true);
      expect(Buffer.from(token.slice(3), 'base64url')).toHaveLength(32);
      expect(tokenHash).toBe(hashToken(token));
      seen.add(token);
    }
    expect(seen.size).toBe(200);
  });

  test('the hash is the SHA-256 hex of the token text', () => {
    // echo -n abc | sha256sum
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(tokenId('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')).toBe('ba7816bf8f01');
  });
});

describe('parseBearer', () => {
  const secret = 'sr_' + 'A'.repeat(43);

  test.each([
    [undefined, /missing Authorization header/],
    ['', /missing Authorization header/],
    ['   ', /missing Authorization header/],
    ['Bearer', /empty bearer token/],
    ['Bearer    ', /empty bearer token/],
    [`Basic ${secret}`, /unsupported authorization scheme/],
    [`Token ${secret}`, /unsupported authorization scheme/],
    [`${secret}`, /unsupported authorization scheme/],
    [`Bearer ${secret} extra`, /malformed bearer token/],
    [`Bearer ${secret},x`, /malformed bearer token/],
    [`Bearer\t${secret}`, /malformed Authorization header/],
    [`Bearer ${secret}\n`, /malformed bearer token|malformed Authorization/],
    [`:Bearer ${secret}`, /malformed Authorization header/],
  ])('%j is refused: %s', (header, message) => {
    let caught: unknown;
    try {
      parseBearer(header);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UnauthenticatedError);
    const msg = (caught as Error).message;
    expect(msg).toMatch(message);
    // The credential is never echoed back.
    expect(msg).not.toContain('AAAA');
  });

  test('a well-formed header yields the credential; the scheme is case-insensitive', () => {
    expect(parseBearer(`Bearer ${secret}`)).toBe(secret);
    expect(parseBearer(`bearer ${secret}`)).toBe(secret);
    expect(parseBearer(`BEARER  ${secret}`)).toBe(secret);
    expect(parseBearer('Bearer a.b.c')).toBe('a.b.c');
  });
});

describe('TokenAuthenticator against the catalog', () => {
  let t: TempCatalog;
  beforeEach(async () => {
    t = await tempCatalog();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  test('a valid token authenticates as its principal, via token, and is marked used', async () => {
    const { principal, token } = await createPrincipal(t.catalog, {
      name: 'trading-gw',
      role: 'ingest',
      kind: 'system',
      actor,
    });
    const auth = new TokenAuthenticator({ catalog: t.catalog });
    await expect(auth.authenticate(`Bearer ${token}`)).resolves.toEqual({
      id: principal.id,
      name: 'trading-gw',
      role: 'ingest',
      kind: 'system',
      via: 'token',
    });
    const [info] = await t.catalog.listTokens(principal.id);
    expect(info?.lastUsedAt).toBeInstanceOf(Date);
    // Only the hash is stored.
    expect(info?.tokenHash).toBe(hashToken(token));
  });

  test('last_used_at is written at most once per interval, but every request is looked up', async () => {
    const { token } = await createPrincipal(t.catalog, {
      name: 'busy',
      role: 'ingest',
      kind: 'system',
      actor,
    });
    let now = 1_000_000;
    const calls = { find: 0, mark: 0 };
    const catalog = {
      findPrincipalByTokenHash: (h: string) => {
        calls.find++;
        return t.catalog.findPrincipalByTokenHash(h);
      },
      markTokenUsed: (h: string) => {
        calls.mark++;
        return t.catalog.markTokenUsed(h);
      },
    };
    const auth = new TokenAuthenticator({ catalog, markUsedIntervalMs: 60_000, now: () => now });
    await auth.authenticate(`Bearer ${token}`);
    await auth.authenticate(`Bearer ${token}`);
    now += 60_000;
    await auth.authenticate(`Bearer ${token}`);
    expect(calls).toEqual({ find: 3, mark: 2 });
  });

  test('an unknown token, a foreign format and a tampered token are refused without echoing them', async () => {
    const { token } = await createPrincipal(t.catalog, {
      name: 'alice',
      role: 'reader',
      kind: 'user',
      actor,
    });
    const auth = new TokenAuthenticator({ catalog: t.catalog });
    const unknown = issueToken().token;
    const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const bad of [unknown, tampered, 'eyJhbGciOi.e30.sig', 'sr_short']) {
      const err = await auth.authenticate(`Bearer ${bad}`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnauthenticatedError);
      expect((err as Error).message).not.toContain(bad);
    }
  });

  test('a disabled principal is refused at the next request (nothing cached)', async () => {
    const { principal, token } = await createPrincipal(t.catalog, {
      name: 'bob',
      role: 'reader',
      kind: 'user',
      actor,
    });
    const auth = new TokenAuthenticator({ catalog: t.catalog });
    await expect(auth.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ id: principal.id });
    await disablePrincipal(t.catalog, 'bob', actor);
    await expect(auth.authenticate(`Bearer ${token}`)).rejects.toThrow(UnauthenticatedError);
    // A new token cannot be issued for a disabled principal either.
    await expect(issuePrincipalToken(t.catalog, 'bob', actor)).rejects.toThrow(/disabled/);
  });

  test('a revoked token is refused, other principals are unaffected, and a new token works', async () => {
    const alice = await createPrincipal(t.catalog, { name: 'alice', role: 'reader', kind: 'user', actor });
    const carol = await createPrincipal(t.catalog, { name: 'carol', role: 'auditor', kind: 'user', actor });
    const second = await issuePrincipalToken(t.catalog, 'alice', actor);
    const auth = new TokenAuthenticator({ catalog: t.catalog });
    await expect(auth.authenticate(`Bearer ${second.token}`)).resolves.toMatchObject({ name: 'alice' });

    const { revoked } = await revokePrincipalTokens(t.catalog, alice.principal.id, actor);
    expect(revoked.sort()).toEqual([alice.tokenId, second.tokenId].sort());
    await expect(auth.authenticate(`Bearer ${alice.token}`)).rejects.toThrow(UnauthenticatedError);
    await expect(auth.authenticate(`Bearer ${second.token}`)).rejects.toThrow(UnauthenticatedError);
    await expect(auth.authenticate(`Bearer ${carol.token}`)).resolves.toMatchObject({
      name: 'carol',
      role: 'auditor',
    });

    const third = await issuePrincipalToken(t.catalog, 'alice', actor);
    await expect(auth.authenticate(`Bearer ${third.token}`)).resolves.toMatchObject({ name: 'alice' });
  });
});
