import fs from 'node:fs';
import { main } from '../../src/cli/main';
import { trade } from '../../src/records/fixtures';
import { postJson, startTestArchive, tempDir } from '../integration/helpers';

/**
 * `strongroom verify fixity` as main runs it (exit codes included), on a data directory an
 * archive wrote: its SQLite catalog and its emulator's data.
 */
describe('strongroom verify fixity', () => {
  const dir = tempDir('fixity-cli');
  let out: string[];
  let err: string[];
  let spies: jest.SpyInstance[];

  beforeAll(async () => {
    const t = await startTestArchive({ db: 'sqlite', dataDir: dir });
    try {
      for (const id of ['CLI-1', 'CLI-2']) {
        const res = await postJson(`${t.url}/v1/records`, trade(id), t.ingestToken);
        expect(res.status).toBe(201);
      }
    } finally {
      await t.close();
    }
    spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        out.push(String(chunk));
        return true;
      }),
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        err.push(String(chunk));
        return true;
      }),
    ];
  }, 120_000);
  afterAll(() => {
    for (const s of spies) s.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    out = [];
    err = [];
    const code = await main(['node', 'strongroom', 'verify', 'fixity', '--data', dir, ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  };

  test('a clean archive: exit 0, --json prints the report', async () => {
    const r = await cli('--json', '--concurrency', '2', '--rate', '1000');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { kind: string; counts: { checked: number }; problems: unknown[] };
    expect(report).toMatchObject({ kind: 'head', counts: { checked: 2 }, problems: [] });
    const text = await cli('--deep');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /fixity deep sweep fx_\S+: 2 of 2 records checked, \d+ objects listed, 0 problem\(s\)/,
    );
  }, 120_000);

  test('an object written around the archive: exit 4 and the problem named', async () => {
    const t = await startTestArchive({ db: 'sqlite', dataDir: dir });
    try {
      await t.archive.storeHandle.adminStore.putBuffer(
        t.recordsBucket,
        'trade/2026/11/21/AROUND.json',
        Buffer.from('{}'),
      );
    } finally {
      await t.close();
    }
    const r = await cli();
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('unknown_object');
    expect(r.stdout).toContain('trade/2026/11/21/AROUND.json');
  }, 120_000);

  test('bad options are refused with a reason (exit 1)', async () => {
    const r = await cli('--sample', '3');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--sample/);
    expect((await cli('--concurrency', '0')).code).toBe(1);
  }, 60_000);
});
