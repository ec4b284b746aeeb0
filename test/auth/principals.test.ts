import {
  createPrincipal,
  disablePrincipal,
  issuePrincipalToken,
  listPrincipalSummaries,
  parseKind,
  parseRole,
  resolvePrincipal,
  revokePrincipalTokens,
  validatePrincipalName,
  type Actor,
} from '../../src/auth/principals';
import { TokenAuthenticator, hashToken } from '../../src/auth/tokens';
import { NameTakenError, NotFoundError, ValidationError } from '../../src/errors';
import { tempCatalog, type TempCatalog } from './helpers';

const cli: Actor = { principalId: null, details: { via: 'cli', osUser: 'ops' } };

describe('validatePrincipalName', () => {
  test.each(['alice', 'Chan Tai Man', '陳大文', 'trading-gw.01', 'o.brien@firm.hk', "d'souza", 'a'])(
    'accepts %j',
    (name) => {
      expect(validatePrincipalName(name)).toBe(name);
    },
  );

  test.each([
    ['', /empty/],
    ['x'.repeat(129), /longer than 128/],
    ['bad\nname', /control/],
    ['tab\tname', /control/],
    ['nul\u0000', /control/],
    ['rtl\u202Eevil', /control or invisible/],
    ['zero\u200Bwidth', /control or invisible/],
    [' alice', /space/],
    ['alice ', /space/],
    ['two  spaces', /single spaces/],
    ['-dash-first', /starting with a letter or digit/],
    ['semi;colon', /letters, digits/],
    ['usr_0123456789abcdef01234567', /looks like a principal id/],
    ['sys_abcdef0123', /looks like a principal id/],
    ['oidc:idp:alice', /reserved for OIDC/],
  ])('refuses %j', (name, message) => {
    expect(() => validatePrincipalName(name)).toThrow(ValidationError);
    expect(() => validatePrincipalName(name)).toThrow(message);
  });

  test('normalises to NFC so look-alike names are one name', () => {
    const decomposed = 'Jose\u0301';
    expect(validatePrincipalName(decomposed)).toBe('Jos\u00e9');
  });

  test('roles and kinds are checked with a message listing the valid ones', () => {
    expect(parseRole('auditor')).toBe('auditor');
    expect(() => parseRole('root')).toThrow(
      'invalid role "root": use one of ingest, reader, compliance, auditor, admin',
    );
    expect(parseKind('system')).toBe('system');
    expect(() => parseKind('robot')).toThrow(/use user or system/);
  });
});

describe('principal administration', () => {
  let t: TempCatalog;
  beforeEach(async () => {
    t = await tempCatalog();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  test('create stores the principal and only the hash of its token, and audits the change without the token', async () => {
    const { principal, token, tokenId } = await createPrincipal(t.catalog, {
      name: 'mic.chan',
      role: 'compliance',
      kind: 'user',
      actor: cli,
    });
    expect(principal).toMatchObject({
      name: 'mic.chan',
      role: 'compliance',
      kind: 'user',
      disabledAt: null,
      createdBy: null,
    });
    expect(principal.id).toMatch(/^usr_/);
    const tokens = await t.catalog.listTokens(principal.id);
    expect(tokens.map((x) => x.tokenHash)).toEqual([hashToken(token)]);
    expect(tokenId).toBe(hashToken(token).slice(0, 12));

    const events = await t.catalog.auditEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'principal.create',
      target: principal.id,
      outcome: 'allowed',
      principalId: null,
    });
    const details = JSON.parse(events[0]?.details ?? '{}') as Record<string, unknown>;
    expect(details).toMatchObject({
      via: 'cli',
      osUser: 'ops',
      name: 'mic.chan',
      role: 'compliance',
      tokenId,
    });
    expect(JSON.stringify(events)).not.toContain(token);
    expect(JSON.stringify(events)).not.toContain(hashToken(token));
  });

  test('systems get sys_ ids; a principal created by an admin records its creator', async () => {
    const admin = await createPrincipal(t.catalog, {
      name: 'ops-admin',
      role: 'admin',
      kind: 'user',
      actor: cli,
    });
    const byAdmin: Actor = { principalId: admin.principal.id };
    const sys = await createPrincipal(t.catalog, {
      name: 'oms',
      role: 'ingest',
      kind: 'system',
      actor: byAdmin,
    });
    expect(sys.principal.id).toMatch(/^sys_/);
    expect(sys.principal.createdBy).toBe(admin.principal.id);
    const events = await t.catalog.auditEvents();
    expect(events[1]).toMatchObject({ principalId: admin.principal.id, action: 'principal.create' });

    // An OIDC admin is not a catalog row: the creator column stays empty, the audit event names them.
    const oidcAdmin: Actor = { principalId: 'oidc:idp.example.hk/realms/a:42' };
    const r = await createPrincipal(t.catalog, {
      name: 'reader-1',
      role: 'reader',
      kind: 'user',
      actor: oidcAdmin,
    });
    expect(r.principal.createdBy).toBeNull();
    expect((await t.catalog.auditEvents())[2]).toMatchObject({
      principalId: 'oidc:idp.example.hk/realms/a:42',
    });
  });

  test('a duplicate name is a clear conflict (no shared accounts), also after NFC normalisation', async () => {
    await createPrincipal(t.catalog, { name: 'José', role: 'reader', kind: 'user', actor: cli });
    await expect(
      createPrincipal(t.catalog, { name: 'José', role: 'auditor', kind: 'user', actor: cli }),
    ).rejects.toThrow(NameTakenError);
    await expect(
      createPrincipal(t.catalog, { name: 'Jose\u0301', role: 'auditor', kind: 'user', actor: cli }),
    ).rejects.toThrow(/a principal named "José" exists already/);
    expect(await t.catalog.listPrincipals()).toHaveLength(1);
  });

  test('resolve by id or by name; unknown is NotFound', async () => {
    const { principal } = await createPrincipal(t.catalog, {
      name: 'alice',
      role: 'reader',
      kind: 'user',
      actor: cli,
    });
    await expect(resolvePrincipal(t.catalog, principal.id)).resolves.toMatchObject({ name: 'alice' });
    await expect(resolvePrincipal(t.catalog, 'alice')).resolves.toMatchObject({ id: principal.id });
    await expect(resolvePrincipal(t.catalog, 'nobody')).rejects.toThrow(NotFoundError);
    await expect(resolvePrincipal(t.catalog, 'usr_ffffffffffffffffffffffff')).rejects.toThrow(NotFoundError);
  });

  test('disable is audited once, keeps the first date, and stops the tokens', async () => {
    const { token } = await createPrincipal(t.catalog, {
      name: 'leaver',
      role: 'reader',
      kind: 'user',
      actor: cli,
    });
    const first = await disablePrincipal(t.catalog, 'leaver', cli);
    expect(first.disabledAt).toBeInstanceOf(Date);
    const again = await disablePrincipal(t.catalog, 'leaver', cli);
    expect(again.disabledAt).toEqual(first.disabledAt);
    const actions = (await t.catalog.auditEvents()).map((e) => e.action);
    expect(actions).toEqual(['principal.create', 'principal.disable']);
    await expect(
      new TokenAuthenticator({ catalog: t.catalog }).authenticate(`Bearer ${token}`),
    ).rejects.toThrow(/disabled/);
  });

  test('summaries never carry tokens or hashes, and count active tokens', async () => {
    const a = await createPrincipal(t.catalog, { name: 'alice', role: 'reader', kind: 'user', actor: cli });
    const extra = await issuePrincipalToken(t.catalog, 'alice', cli);
    await createPrincipal(t.catalog, { name: 'bob', role: 'auditor', kind: 'user', actor: cli });
    await new TokenAuthenticator({ catalog: t.catalog }).authenticate(`Bearer ${extra.token}`);
    let rows = await listPrincipalSummaries(t.catalog);
    expect(rows.map((r) => [r.name, r.activeTokens])).toEqual([
      ['alice', 2],
      ['bob', 1],
    ]);
    expect(rows[0]?.lastUsedAt).not.toBeNull();
    expect(rows[1]?.lastUsedAt).toBeNull();
    const text = JSON.stringify(rows);
    for (const secret of [a.token, extra.token, hashToken(a.token), hashToken(extra.token)])
      expect(text).not.toContain(secret);

    const { revoked } = await revokePrincipalTokens(t.catalog, 'alice', cli);
    expect(revoked).toHaveLength(2);
    expect((await revokePrincipalTokens(t.catalog, 'alice', cli)).revoked).toEqual([]);
    rows = await listPrincipalSummaries(t.catalog);
    expect(rows[0]?.activeTokens).toBe(0);
    const actions = (await t.catalog.auditEvents()).map((e) => e.action);
    expect(actions).toEqual(['principal.create', 'token.issue', 'principal.create', 'token.revoke']);
  });
});
