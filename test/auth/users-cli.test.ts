import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TokenAuthenticator } from '../../src/auth/tokens';
import { openCatalog } from '../../src/catalog';
import { usersAdd, usersList, renderIssued } from '../../src/cli/commands/users';
import { main } from '../../src/cli/main';
import { tempDir } from './helpers';

const ROOT = path.resolve(__dirname, '../..');

/** Runs the `strongroom` program in-process, capturing stdout and stderr. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  try {
    const code = await main(['node', 'strongroom', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

async function withCatalog<T>(
  dir: string,
  fn: (c: Awaited<ReturnType<typeof openCatalog>>) => Promise<T>,
): Promise<T> {
  const catalog = await openCatalog({ sqlitePath: path.join(dir, 'catalog.sqlite') });
  try {
    return await fn(catalog);
  } finally {
    await catalog.close();
  }
}

const saved = { DATABASE_URL: process.env.DATABASE_URL, STRONGROOM_CONFIG: process.env.STRONGROOM_CONFIG };
let dir: string;
beforeAll(() => {
  // The CLI must use the SQLite catalog under --data here, whatever the environment says.
  delete process.env.DATABASE_URL;
  delete process.env.STRONGROOM_CONFIG;
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
});
beforeEach(() => {
  dir = tempDir('users');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('users command functions', () => {
  test('usersAdd creates the principal in <data>/catalog.sqlite and returns a working token', async () => {
    const result = await usersAdd('oms-gateway', { role: 'ingest', kind: 'system', data: dir });
    expect(result).toMatchObject({ name: 'oms-gateway', role: 'ingest', kind: 'system' });
    expect(result.id).toMatch(/^sys_/);
    expect(fs.existsSync(path.join(dir, 'catalog.sqlite'))).toBe(true);
    await withCatalog(dir, async (catalog) => {
      const p = await new TokenAuthenticator({ catalog }).authenticate(`Bearer ${result.token}`);
      expect(p).toMatchObject({ id: result.id, role: 'ingest', via: 'token' });
    });
    const rows = await usersList({ data: dir });
    expect(rows.map((r) => r.name)).toEqual(['oms-gateway']);
  });

  test('the readable form shows the token once with a warning; the JSON form has id and token', () => {
    const r = {
      id: 'usr_0123456789abcdef01234567',
      name: 'a',
      role: 'reader',
      kind: 'user',
      token: 'sr_x',
      tokenId: 'abc',
    };
    expect(renderIssued(r, false, 'created')).toMatch(/token: sr_x\nThis token will not be shown again/);
    expect(JSON.parse(renderIssued(r, true, 'created'))).toMatchObject({ id: r.id, token: 'sr_x' });
  });
});

describe('strongroom users (in-process)', () => {
  test('add --json, list, token, revoke-tokens, disable', async () => {
    const add = await cli('users', 'add', 'mic.chan', '--role', 'compliance', '--data', dir, '--json');
    expect(add.code).toBe(0);
    const created = JSON.parse(add.stdout) as { id: string; token: string };
    expect(created.id).toMatch(/^usr_/);
    expect(created.token).toMatch(/^sr_/);

    const human = await cli('users', 'add', 'mic.lee', '--role', 'compliance', '--data', dir);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /^created user mic\.lee \(usr_[0-9a-f]+\) with role compliance\ntoken: sr_[A-Za-z0-9_-]{43}\n/,
    );
    expect(human.stdout).toMatch(/will not be shown again/);

    const list = await cli('users', 'list', '--data', dir);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+ROLE\s+KIND\s+CREATED\s+DISABLED\s+TOKENS\s+LAST USED$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[1])).toEqual(['mic.chan', 'mic.lee']);
    expect(list.stdout).not.toContain(created.token);
    expect(list.stdout).not.toMatch(/[0-9a-f]{64}/);

    const token = await cli('users', 'token', 'mic.chan', '--data', dir, '--json');
    expect(token.code).toBe(0);
    const second = JSON.parse(token.stdout) as { id: string; token: string };
    expect(second.id).toBe(created.id);
    expect(second.token).not.toBe(created.token);

    const revoke = await cli('users', 'revoke-tokens', created.id, '--data', dir);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toMatch(/^revoked 2 token\(s\) of mic\.chan/);

    const disable = await cli('users', 'disable', 'mic.lee', '--data', dir, '--json');
    expect(disable.code).toBe(0);
    expect(JSON.parse(disable.stdout)).toMatchObject({ name: 'mic.lee', disabledAt: expect.any(String) });

    const listJson = await cli('users', 'list', '--data', dir, '--json');
    const rows = JSON.parse(listJson.stdout) as {
      name: string;
      activeTokens: number;
      disabledAt: string | null;
    }[];
    expect(rows.map((r) => [r.name, r.activeTokens, r.disabledAt !== null])).toEqual([
      ['mic.chan', 0, false],
      ['mic.lee', 1, true],
    ]);
    expect(listJson.stdout).not.toMatch(/\bsr_|tokenHash|[0-9a-f]{64}/);
  });

  test('errors: invalid role lists the roles, duplicate name, bad name, unknown principal', async () => {
    const badRole = await cli('users', 'add', 'x', '--role', 'root', '--data', dir);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toContain(
      'invalid role "root": use one of ingest, reader, compliance, auditor, admin',
    );

    expect((await cli('users', 'add', 'dup', '--role', 'reader', '--data', dir)).code).toBe(0);
    const dup = await cli('users', 'add', 'dup', '--role', 'auditor', '--data', dir);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/NameTaken: a principal named "dup" exists already/);

    const badName = await cli('users', 'add', 'evil\u001b[31m', '--role', 'reader', '--data', dir);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/invalid principal name: it contains control/);

    const badKind = await cli('users', 'add', 'k', '--role', 'reader', '--kind', 'robot', '--data', dir);
    expect(badKind.code).toBe(1);

    const missing = await cli('users', 'disable', 'nobody', '--data', dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/NotFound: no principal named or with id "nobody"/);

    const noRole = await cli('users', 'add', 'norole', '--data', dir);
    expect(noRole.code).toBe(2);

    const rows = await usersList({ data: dir });
    expect(rows.map((r) => r.name)).toEqual(['dup']);
  });
});

describe('the built CLI', () => {
  test('`strongroom users add --json` from a build of src/ prints an id and a working token', async () => {
    // Build into a private directory (not dist/) so this test races with nobody.
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-build-'));
    try {
      const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      // Emit only (--noCheck): types are checked by `npm run typecheck`; what matters here is that it runs.
      execFileSync(
        process.execPath,
        [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', out, '--noCheck'],
        {
          cwd: ROOT,
          stdio: 'pipe',
        },
      );
      const mainJs = path.join(out, 'cli', 'main.js');
      expect(fs.existsSync(mainJs)).toBe(true);
      const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') };
      delete env.DATABASE_URL;
      delete env.STRONGROOM_CONFIG;
      const run = spawnSync(
        process.execPath,
        [mainJs, 'users', 'add', 'spawned', '--role', 'reader', '--data', dir, '--json'],
        {
          env,
          encoding: 'utf8',
        },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const created = JSON.parse(run.stdout) as { id: string; token: string };
      await withCatalog(dir, async (catalog) => {
        await expect(
          new TokenAuthenticator({ catalog }).authenticate(`Bearer ${created.token}`),
        ).resolves.toMatchObject({
          id: created.id,
          name: 'spawned',
        });
      });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
