import fs from 'node:fs';
import path from 'node:path';
import {
  BOOTSTRAP_TOKEN_FILE,
  describeBootstrap,
  ensureBootstrapAdmin,
  writeSecretFileOnce,
  type BootstrapTokenFile,
} from '../../src/auth/bootstrap';
import { authorize } from '../../src/auth/policy';
import { createPrincipal } from '../../src/auth/principals';
import { TokenAuthenticator } from '../../src/auth/tokens';
import { BootstrapConflictError, ForbiddenError } from '../../src/errors';
import { tempCatalog, tempDir, type TempCatalog } from './helpers';

const posix = process.platform !== 'win32';

describe('ensureBootstrapAdmin', () => {
  let t: TempCatalog;
  let dataDir: string;
  beforeEach(async () => {
    t = await tempCatalog();
    dataDir = path.join(t.dir, 'data');
  });
  afterEach(async () => {
    await t.cleanup();
  });

  test('on an empty catalog: creates local-admin and local-ingest and writes both tokens to a 0600 file', async () => {
    const result = await ensureBootstrapAdmin(t.catalog, dataDir);
    expect(result.created).toBe(true);
    expect(result.tokenFile).toBe(path.resolve(dataDir, BOOTSTRAP_TOKEN_FILE));
    expect(result.principal).toMatchObject({
      name: 'local-admin',
      role: 'admin',
      kind: 'user',
      createdBy: null,
    });
    expect(result.ingest).toMatchObject({
      name: 'local-ingest',
      role: 'ingest',
      kind: 'system',
      createdBy: result.principal?.id,
    });

    if (posix) expect(fs.statSync(result.tokenFile).mode & 0o777).toBe(0o600);
    const file = JSON.parse(fs.readFileSync(result.tokenFile, 'utf8')) as BootstrapTokenFile;
    expect(file.admin).toMatchObject({ id: result.principal?.id, name: 'local-admin', role: 'admin' });
    expect(file.ingest).toMatchObject({ id: result.ingest?.id, name: 'local-ingest', role: 'ingest' });
    // No temporary file is left behind.
    expect(fs.readdirSync(dataDir)).toEqual([BOOTSTRAP_TOKEN_FILE]);

    // The ingest token authenticates and may write records; the admin token administers but may not.
    const auth = new TokenAuthenticator({ catalog: t.catalog });
    const ingest = await auth.authenticate(`Bearer ${file.ingest.token}`);
    expect(() => authorize(ingest, 'records.write')).not.toThrow();
    const admin = await auth.authenticate(`Bearer ${file.admin.token}`);
    expect(() => authorize(admin, 'principals.manage')).not.toThrow();
    expect(() => authorize(admin, 'records.write')).toThrow(ForbiddenError);

    const line = describeBootstrap(result);
    expect(line).toContain(result.tokenFile);
    expect(line).not.toContain(file.ingest.token);
    expect(line).not.toContain(file.admin.token);
  });

  test('is idempotent: a second start changes nothing and never rewrites the file', async () => {
    const first = await ensureBootstrapAdmin(t.catalog, dataDir);
    const before = fs.readFileSync(first.tokenFile, 'utf8');
    const stat = fs.statSync(first.tokenFile);
    const second = await ensureBootstrapAdmin(t.catalog, dataDir);
    expect(second.created).toBe(false);
    expect(second.principal?.id).toBe(first.principal?.id);
    expect(second.ingest?.id).toBe(first.ingest?.id);
    expect(fs.readFileSync(first.tokenFile, 'utf8')).toBe(before);
    expect(fs.statSync(first.tokenFile).mtimeMs).toBe(stat.mtimeMs);
    expect(await t.catalog.listPrincipals()).toHaveLength(2);
    expect(describeBootstrap(second)).toBeUndefined();
  });

  test('does nothing when principals exist already (e.g. created with the CLI), and writes no file', async () => {
    await createPrincipal(t.catalog, {
      name: 'ops',
      role: 'admin',
      kind: 'user',
      actor: { principalId: null },
    });
    const result = await ensureBootstrapAdmin(t.catalog, dataDir);
    expect(result).toMatchObject({ created: false, principal: undefined, ingest: undefined });
    expect(fs.existsSync(result.tokenFile)).toBe(false);
  });

  test('refuses to reuse a stale token file when the catalog is empty, and leaves it alone', async () => {
    fs.mkdirSync(dataDir, { recursive: true });
    const stale = path.join(dataDir, BOOTSTRAP_TOKEN_FILE);
    fs.writeFileSync(stale, '{"old":true}\n', { mode: 0o600 });
    await expect(ensureBootstrapAdmin(t.catalog, dataDir)).rejects.toThrow(BootstrapConflictError);
    expect(fs.readFileSync(stale, 'utf8')).toBe('{"old":true}\n');
    expect(await t.catalog.listPrincipals()).toHaveLength(0);
  });

  test('two concurrent first starts create one set of principals', async () => {
    const results = await Promise.all([
      ensureBootstrapAdmin(t.catalog, dataDir),
      ensureBootstrapAdmin(t.catalog, dataDir),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await t.catalog.listPrincipals()).map((p) => p.name)).toEqual(['local-admin', 'local-ingest']);
  });
});

describe('writeSecretFileOnce', () => {
  test('creates the file with mode 0600 even under a permissive umask, and never overwrites', () => {
    const dir = tempDir('auth');
    const file = path.join(dir, 'secret.json');
    const old = process.umask(0o000);
    try {
      writeSecretFileOnce(file, 'one');
    } finally {
      process.umask(old);
    }
    if (posix) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(() => writeSecretFileOnce(file, 'two')).toThrow(/EEXIST/);
    expect(fs.readFileSync(file, 'utf8')).toBe('one');
    expect(fs.readdirSync(dir)).toEqual(['secret.json']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
