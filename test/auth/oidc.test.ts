import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };
import { createAuthenticator } from '../../src/auth/authenticator';
import { OidcConfigSchema, type OidcConfigInput } from '../../src/auth/config';
import { OidcAuthenticator, loadJose, oidcPrincipalId, readClaim } from '../../src/auth/oidc';
import { createPrincipal } from '../../src/auth/principals';
import { ForbiddenError, UnauthenticatedError, UnavailableError } from '../../src/errors';
import { ManualClock } from '../../src/util/clock';
import { tempCatalog } from './helpers';

/**
 * Real jose, real keys, a real JWKS endpoint on a local HTTP server (port 0). jose is ESM-only and is
 * loaded with a dynamic import(), which jest supports only with Node's --experimental-vm-modules.
 */
type JoseModule = typeof Jose;
type Keys = { privateKey: Jose.CryptoKey; publicJwk: Jose.JWK };

let jose: JoseModule;
let server: http.Server;
let issuer: string;
let jwksUrl: string;
let jwksRequests = 0;
let servedKeys: Jose.JWK[] = [];
let good: Keys;
let other: Keys;

const NOW = new Date('2025-03-03T09:00:00Z');
const nowSec = Math.floor(NOW.getTime() / 1000);

async function makeKeys(alg: string, kid: string): Promise<Keys> {
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await jose.exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, publicJwk };
}

beforeAll(async () => {
  try {
    jose = await loadJose();
  } catch (err) {
    throw new Error(
      `jose (ESM-only) could not be loaded: run jest with NODE_OPTIONS=--experimental-vm-modules (${String(err)})`,
    );
  }
  good = await makeKeys('ES256', 'key-1');
  other = await makeKeys('ES256', 'key-1'); // same kid, different key: a forged signature
  servedKeys = [good.publicJwk];
  server = http.createServer((req, res) => {
    if (req.url === '/realms/archive/protocol/openid-connect/certs') {
      jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: servedKeys }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}/realms/archive`;
  jwksUrl = `${issuer}/protocol/openid-connect/certs`;
});

afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
});

function config(over: Partial<OidcConfigInput> = {}): OidcConfigInput {
  return { issuer, audience: 'strongroom', jwksUrl, ...over };
}

interface SignOptions {
  key?: Keys;
  alg?: string;
  kid?: string;
  iss?: string;
  aud?: string | string[];
  sub?: string;
  exp?: number | null;
  nbf?: number;
  iat?: number;
}

async function sign(claims: Record<string, unknown>, o: SignOptions = {}): Promise<string> {
  const key = o.key ?? good;
  let jwt = new jose.SignJWT(claims)
    .setProtectedHeader({ alg: o.alg ?? 'ES256', kid: o.kid ?? String(key.publicJwk.kid) })
    .setIssuer(o.iss ?? issuer)
    .setAudience(o.aud ?? 'strongroom')
    .setSubject(o.sub ?? 'f3a1c2d4-0000-4000-8000-000000000001')
    .setIssuedAt(o.iat ?? nowSec - 60);
  if (o.exp !== null) jwt = jwt.setExpirationTime(o.exp ?? nowSec + 300);
  if (o.nbf !== undefined) jwt = jwt.setNotBefore(o.nbf);
  return jwt.sign(key.privateKey);
}

function authenticator(over: Partial<OidcConfigInput> = {}): OidcAuthenticator {
  return new OidcAuthenticator({ config: config(over), clock: new ManualClock(NOW) });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const result = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(result instanceof Error)) throw new Error('expected a rejection');
  return result;
}

describe('OidcAuthenticator', () => {
  test('a valid token becomes a namespaced principal with the mapped role', async () => {
    const auth = authenticator();
    const token = await sign({ roles: ['offline_access', 'compliance'], preferred_username: 'mic.chan' });
    const principal = await auth.authenticate(`Bearer ${token}`);
    const host = new URL(issuer).host;
    expect(principal).toEqual({
      id: `oidc:${host}/realms/archive:f3a1c2d4-0000-4000-8000-000000000001`,
      name: 'mic.chan',
      role: 'compliance',
      kind: 'user',
      via: 'oidc',
    });
    expect(jwksRequests).toBeGreaterThan(0);
  });

  test('the name falls back to email, then to the subject', async () => {
    const auth = authenticator();
    const withEmail = await sign({ roles: 'reader', email: 'lee@example.hk' });
    await expect(auth.authenticate(`Bearer ${withEmail}`)).resolves.toMatchObject({
      name: 'lee@example.hk',
      role: 'reader',
    });
    const bare = await sign({ roles: 'reader' }, { sub: 'abc-123' });
    await expect(auth.authenticate(`Bearer ${bare}`)).resolves.toMatchObject({ name: 'abc-123' });
  });

  test('keys are fetched once and cached across requests', async () => {
    const auth = authenticator();
    const before = jwksRequests;
    for (let i = 0; i < 3; i++) {
      await auth.authenticate(`Bearer ${await sign({ roles: ['auditor'] })}`);
    }
    expect(jwksRequests - before).toBe(1);
  });

  test('a wrong issuer is refused', async () => {
    const err = await failure(
      authenticator().authenticate(
        `Bearer ${await sign({ roles: ['reader'] }, { iss: 'https://evil.example/realms/archive' })}`,
      ),
    );
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect(err.message).toMatch(/claim iss/);
  });

  test('a wrong audience is refused', async () => {
    const err = await failure(
      authenticator().authenticate(`Bearer ${await sign({ roles: ['reader'] }, { aud: 'another-app' })}`),
    );
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect(err.message).toMatch(/claim aud/);
  });

  test('any of several configured audiences is accepted', async () => {
    const auth = authenticator({ audience: ['other', 'strongroom'] });
    await expect(auth.authenticate(`Bearer ${await sign({ roles: ['reader'] })}`)).resolves.toMatchObject({
      role: 'reader',
    });
  });

  test('an expired token is refused; a few seconds of clock skew are tolerated', async () => {
    const auth = authenticator({ clockToleranceSeconds: 30 });
    const expired = await sign({ roles: ['reader'] }, { exp: nowSec - 120, iat: nowSec - 600 });
    const err = await failure(auth.authenticate(`Bearer ${expired}`));
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect(err.message).toMatch(/expired/);
    const justExpired = await sign({ roles: ['reader'] }, { exp: nowSec - 10, iat: nowSec - 600 });
    await expect(auth.authenticate(`Bearer ${justExpired}`)).resolves.toMatchObject({ role: 'reader' });
  });

  test('a token not yet valid (nbf) is refused', async () => {
    const early = await sign({ roles: ['reader'] }, { nbf: nowSec + 600 });
    const err = await failure(authenticator().authenticate(`Bearer ${early}`));
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect(err.message).toMatch(/nbf/);
  });

  test('a token without exp is refused', async () => {
    const forever = await sign({ roles: ['reader'] }, { exp: null });
    const err = await failure(authenticator().authenticate(`Bearer ${forever}`));
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect(err.message).toMatch(/exp/);
  });

  test('a bad signature (another key under the same kid) is refused', async () => {
    const forged = await sign({ roles: ['admin'] }, { key: other });
    const err = await failure(authenticator().authenticate(`Bearer ${forged}`));
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect(err.message).toMatch(/bad signature/);
  });

  test('a token signed by an unknown key is refused', async () => {
    const stranger = await makeKeys('ES256', 'stranger');
    const err = await failure(
      authenticator().authenticate(`Bearer ${await sign({ roles: ['admin'] }, { key: stranger })}`),
    );
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect(err.message).toMatch(/not signed by a key/);
  });

  test('a tampered payload is refused', async () => {
    const token = await sign({ roles: ['reader'] });
    const [h, , s] = token.split('.');
    const payload = Buffer.from(
      JSON.stringify({ iss: issuer, aud: 'strongroom', sub: 'x', exp: nowSec + 300, roles: ['admin'] }),
    ).toString('base64url');
    const err = await failure(authenticator().authenticate(`Bearer ${h}.${payload}.${s}`));
    expect(err).toBeInstanceOf(UnauthenticatedError);
  });

  test('a shared-secret (HS256) token is refused even if its kid matches', async () => {
    const secret = new TextEncoder().encode('k'.repeat(32));
    const hs = await new jose.SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setIssuer(issuer)
      .setAudience('strongroom')
      .setSubject('x')
      .setExpirationTime(nowSec + 300)
      .sign(secret);
    const err = await failure(authenticator().authenticate(`Bearer ${hs}`));
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect(err.message).toMatch(/algorithm not allowed/);
  });

  test('a missing roles claim is Forbidden (identity proven, no permission), naming the principal', async () => {
    const err = await failure(
      authenticator().authenticate(`Bearer ${await sign({ preferred_username: 'no.roles' })}`),
    );
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err.message).toMatch(/no.roles has no strongroom role: the token has no roles claim/);
    expect((err as ForbiddenError).details).toMatchObject({
      name: 'no.roles',
      principalId: expect.stringMatching(/^oidc:/),
    });
  });

  test('unknown roles are ignored; none recognised is Forbidden', async () => {
    const err = await failure(
      authenticator().authenticate(`Bearer ${await sign({ roles: ['superuser', 'uma_authorization'] })}`),
    );
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err.message).toMatch(
      /none of the roles in claim roles is one of ingest, reader, compliance, auditor, admin/,
    );
  });

  test('a roles claim of the wrong type is Forbidden', async () => {
    const err = await failure(
      authenticator().authenticate(`Bearer ${await sign({ roles: { reader: true } })}`),
    );
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err.message).toMatch(/not a string or an array of strings/);
  });

  test('several recognised roles are refused as ambiguous', async () => {
    const err = await failure(
      authenticator().authenticate(`Bearer ${await sign({ roles: ['reader', 'admin'] })}`),
    );
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err.message).toMatch(/several strongroom roles \(reader, admin\)/);
  });

  test('a nested roles claim and a role mapping (Keycloak realm roles)', async () => {
    const auth = authenticator({
      rolesClaim: 'realm_access.roles',
      roleMapping: {
        'archive-mic': 'compliance',
        'archive-mic-backup': 'compliance',
        'archive-audit': 'auditor',
      },
    });
    const token = await sign({
      realm_access: { roles: ['archive-mic', 'archive-mic-backup', 'default-roles'] },
      roles: ['admin'],
    });
    // Two provider roles mapping to the same strongroom role are not ambiguous; the top-level roles claim is not read.
    await expect(auth.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ role: 'compliance' });
    const plain = await sign({ realm_access: { roles: ['compliance'] } });
    // With a mapping, only mapped names count.
    await expect(auth.authenticate(`Bearer ${plain}`)).rejects.toThrow(ForbiddenError);
  });

  test('a configurable id claim; a missing id claim is refused', async () => {
    const auth = authenticator({ idClaim: 'oid' });
    const token = await sign({ roles: ['reader'], oid: 'object-7' });
    const p = await auth.authenticate(`Bearer ${token}`);
    expect(p.id.endsWith(':object-7')).toBe(true);
    const missing = await sign({ roles: ['reader'] });
    await expect(auth.authenticate(`Bearer ${missing}`)).rejects.toThrow(/claim oid/);
  });

  test('a static JWKS works without any HTTP', async () => {
    const auth = new OidcAuthenticator({
      config: { issuer, audience: 'strongroom', jwks: { keys: [good.publicJwk as { kty: string }] } },
      clock: new ManualClock(NOW),
    });
    const before = jwksRequests;
    await expect(auth.authenticate(`Bearer ${await sign({ roles: ['reader'] })}`)).resolves.toMatchObject({
      role: 'reader',
    });
    expect(jwksRequests).toBe(before);
  });

  test('an unreachable JWKS endpoint is Unavailable, not a refusal of the caller', async () => {
    const dead = http.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const { port } = dead.address() as AddressInfo;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const auth = authenticator({ jwksUrl: `http://127.0.0.1:${port}/certs` });
    const err = await failure(auth.authenticate(`Bearer ${await sign({ roles: ['reader'] })}`));
    expect(err).toBeInstanceOf(UnavailableError);
  });

  test('a credential that is not a JWT is refused before any key is fetched', async () => {
    const err = await failure(authenticator().authenticate('Bearer not-a-jwt'));
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect(err.message).toMatch(/neither a strongroom API token nor a JWT/);
  });
});

describe('the archive authenticator routes API tokens and JWTs', () => {
  test('sr_ tokens go to the catalog, JWTs to OIDC; without OIDC a JWT is refused', async () => {
    const t = await tempCatalog();
    try {
      const { token } = await createPrincipal(t.catalog, {
        name: 'gw',
        role: 'ingest',
        kind: 'system',
        actor: { principalId: null },
      });
      const both = createAuthenticator({ catalog: t.catalog, oidc: config(), clock: new ManualClock(NOW) });
      await expect(both.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ name: 'gw', via: 'token' });
      const jwt = await sign({ roles: ['reader'] });
      await expect(both.authenticate(`Bearer ${jwt}`)).resolves.toMatchObject({
        role: 'reader',
        via: 'oidc',
      });

      const tokensOnly = createAuthenticator({ catalog: t.catalog });
      await expect(tokensOnly.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ via: 'token' });
      await expect(tokensOnly.authenticate(`Bearer ${jwt}`)).rejects.toThrow(/OIDC is not configured/);
      await expect(tokensOnly.authenticate(undefined)).rejects.toThrow(UnauthenticatedError);
    } finally {
      await t.cleanup();
    }
  });
});

describe('OidcConfigSchema', () => {
  const base = { issuer: 'https://login.example.hk/realms/archive', audience: 'strongroom' };

  test('defaults', () => {
    const cfg = OidcConfigSchema.parse({ ...base, jwksUrl: 'https://login.example.hk/certs' });
    expect(cfg).toMatchObject({
      rolesClaim: 'roles',
      idClaim: 'sub',
      nameClaims: ['preferred_username', 'email'],
      clockToleranceSeconds: 30,
    });
    expect(cfg.algorithms).not.toContain('HS256');
  });

  test.each([
    [{ ...base }, /exactly one of jwksUrl and jwks/],
    [{ ...base, jwksUrl: 'https://x.example/certs', jwks: { keys: [{ kty: 'EC' }] } }, /exactly one/],
    [{ ...base, jwksUrl: 'http://idp.example.hk/certs' }, /must be https/],
    [{ ...base, issuer: 'http://idp.example.hk', jwksUrl: 'https://idp.example.hk/certs' }, /must be https/],
    [{ ...base, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, /symmetric/],
    [{ ...base, jwks: { keys: [{ kty: 'EC', d: 'x' }] } }, /private key/],
    [{ ...base, jwksUrl: 'https://x.example/certs', roleMapping: { x: 'root' } }, /roleMapping/],
    [{ ...base, jwksUrl: 'https://x.example/certs', algorithms: ['HS256'] }, /algorithms/],
    [{ ...base, jwksUrl: 'https://x.example/certs', clockToleranceSeconds: 3600 }, /clockToleranceSeconds/],
    [{ ...base, jwksUrl: 'https://x.example/certs', extra: 1 }, /extra|unrecognized/i],
  ])('refuses %j', (input, message) => {
    const result = OidcConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    const text = JSON.stringify(result.error?.issues);
    expect(text).toMatch(message);
  });
});

describe('helpers', () => {
  test('principal ids are namespaced by issuer host and path', () => {
    expect(oidcPrincipalId('https://login.example.hk/realms/a/', 'u1')).toBe(
      'oidc:login.example.hk/realms/a:u1',
    );
    expect(oidcPrincipalId('https://login.example.hk/realms/b', 'u1')).not.toBe(
      oidcPrincipalId('https://login.example.hk/realms/a', 'u1'),
    );
    expect(oidcPrincipalId('https://idp.example.hk:8443', 'u1')).toBe('oidc:idp.example.hk:8443:u1');
  });

  test('readClaim: a literal claim name wins over a dotted path', () => {
    const claims = {
      'https://example.hk/roles': ['reader'],
      realm_access: { roles: ['auditor'] },
      a: { b: 1 },
    };
    expect(readClaim(claims, 'https://example.hk/roles')).toEqual(['reader']);
    expect(readClaim(claims, 'realm_access.roles')).toEqual(['auditor']);
    expect(readClaim(claims, 'a.b.c')).toBeUndefined();
    expect(readClaim(claims, 'constructor')).toBeUndefined();
  });
});
