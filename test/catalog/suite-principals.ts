import { type Catalog } from '../../src/catalog';
import { ConflictError, NotFoundError, ValidationError } from '../../src/errors';
import { ManualClock } from '../../src/util/clock';
import { T0, sha256Of } from './fixtures';
import type { CatalogHarness, HarnessFactory } from './harness';

/** Principals (unique ids, roles, disabling) and API token hashes (revocation). */
export function principalsSuite(fresh: HarnessFactory): void {
  let h: CatalogHarness;
  let catalog: Catalog;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    h = await fresh();
    catalog = await h.open(clock);
  });
  afterAll(async () => {
    await h.destroy();
  });

  test('adds principals with unique generated ids and finds them by id and name', async () => {
    const admin = await catalog.addPrincipal({ name: 'alice', role: 'admin', kind: 'user' });
    expect(admin).toEqual({
      id: expect.stringMatching(/^usr_[0-9a-f]{24}$/) as unknown as string,
      name: 'alice',
      role: 'admin',
      kind: 'user',
      disabledAt: null,
      createdAt: T0,
      createdBy: null,
    });
    const oms = await catalog.addPrincipal({
      name: 'oms-feed',
      role: 'ingest',
      kind: 'system',
      createdBy: admin.id,
    });
    expect(oms.id).toMatch(/^sys_[0-9a-f]{24}$/);
    expect(oms.createdBy).toBe(admin.id);
    const fixed = await catalog.addPrincipal({
      id: 'usr_compliance01',
      name: 'bob',
      role: 'compliance',
      kind: 'user',
    });
    expect(fixed.id).toBe('usr_compliance01');

    expect(await catalog.getPrincipal(admin.id)).toEqual(admin);
    expect(await catalog.findPrincipalByName('oms-feed')).toEqual(oms);
    expect(await catalog.getPrincipal('usr_nobody000')).toBeUndefined();
    expect(await catalog.findPrincipalByName('nobody')).toBeUndefined();
    expect((await catalog.listPrincipals()).map((p) => p.name)).toEqual(['alice', 'bob', 'oms-feed']);
  });

  test('refuses duplicate names and ids, unknown creators and bad fields', async () => {
    await expect(
      catalog.addPrincipal({ name: 'alice', role: 'reader', kind: 'user' }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      catalog.addPrincipal({ id: 'usr_compliance01', name: 'carol', role: 'reader', kind: 'user' }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      catalog.addPrincipal({ name: 'dave', role: 'reader', kind: 'user', createdBy: 'usr_ghost0000' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      catalog.addPrincipal({ name: 'erin', role: 'superuser' as 'admin', kind: 'user' }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(catalog.addPrincipal({ name: ' ', role: 'reader', kind: 'user' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    // The database holds the line too.
    await expect(
      h.exec(
        `insert into principals (id, name, role, kind, created_at) values ('usr_raw00000', 'raw', 'root', 'user', '2026-01-01T00:00:00.000Z')`,
      ),
    ).rejects.toThrow(/check|constraint/i);
    expect(await catalog.findPrincipalByName('carol')).toBeUndefined();
  });

  test('tokens authenticate until revoked; only their hash is stored', async () => {
    const reader = await catalog.addPrincipal({ name: 'reader-1', role: 'reader', kind: 'user' });
    const token = 'sr_live_0123456789abcdef';
    const hash = sha256Of(token);
    const info = await catalog.addTokenHash(reader.id, hash);
    expect(info).toEqual({
      tokenHash: hash,
      principalId: reader.id,
      createdAt: T0,
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(await catalog.findPrincipalByTokenHash(hash)).toEqual(reader);
    expect(await catalog.findPrincipalByTokenHash(sha256Of('another token'))).toBeUndefined();
    expect(await catalog.findPrincipalByTokenHash(token)).toBeUndefined();

    await expect(catalog.addTokenHash(reader.id, token)).rejects.toBeInstanceOf(ValidationError);
    await expect(catalog.addTokenHash(reader.id, hash)).rejects.toBeInstanceOf(ConflictError);
    await expect(catalog.addTokenHash('usr_ghost0000', sha256Of('x'))).rejects.toBeInstanceOf(NotFoundError);
    const stored = await h.query<{ token_hash: string }>('select token_hash from api_tokens');
    expect(stored.some((r) => r.token_hash.includes(token))).toBe(false);

    clock.advance(60_000);
    await catalog.markTokenUsed(hash);
    expect((await catalog.listTokens(reader.id))[0]?.lastUsedAt).toEqual(new Date(T0.getTime() + 60_000));

    const second = sha256Of('second token');
    await catalog.addTokenHash(reader.id, second);
    clock.advance(60_000);
    const revoked = await catalog.revokeToken(hash);
    expect(revoked.revokedAt).toEqual(new Date(T0.getTime() + 120_000));
    expect(await catalog.findPrincipalByTokenHash(hash)).toBeUndefined();
    expect(await catalog.findPrincipalByTokenHash(second)).toEqual(reader);
    clock.advance(60_000);
    expect((await catalog.revokeToken(hash)).revokedAt).toEqual(revoked.revokedAt);
    await expect(catalog.revokeToken(sha256Of('never issued'))).rejects.toBeInstanceOf(NotFoundError);
    expect((await catalog.listTokens(reader.id)).map((t) => t.tokenHash).sort()).toEqual(
      [hash, second].sort(),
    );
  });

  test('a disabled principal no longer authenticates with any of its tokens', async () => {
    const feed = await catalog.addPrincipal({ name: 'feed-2', role: 'ingest', kind: 'system' });
    const hash = sha256Of('feed-2 token');
    await catalog.addTokenHash(feed.id, hash);
    expect((await catalog.findPrincipalByTokenHash(hash))?.id).toBe(feed.id);

    const disabledAt = clock.now();
    const disabled = await catalog.disablePrincipal(feed.id);
    expect(disabled.disabledAt).toEqual(disabledAt);
    expect(await catalog.findPrincipalByTokenHash(hash)).toBeUndefined();
    clock.advance(5_000);
    expect((await catalog.disablePrincipal(feed.id)).disabledAt).toEqual(disabledAt);
    expect((await catalog.getPrincipal(feed.id))?.disabledAt).toEqual(disabledAt);
    await expect(catalog.disablePrincipal('usr_ghost0000')).rejects.toBeInstanceOf(NotFoundError);
  });
}
