import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ingestCommand } from '../../src/cli/commands/ingest';
import { BIN, cleanEnv, ensureBuilt, ROOT, tradeBatch } from '../crash/harness';
import { startTestArchive, type TestArchive } from '../integration/helpers';

/**
 * Ctrl-C during `strongroom ingest`: the command (a child process, as an operator runs it, sent
 * SIGINT) prints a partial summary, says that re-running is safe, and exits 130; re-running the
 * same file then archives the rest and nothing twice.
 */

let t: TestArchive;
let quiet: jest.SpyInstance;

beforeAll(async () => {
  ensureBuilt();
  t = await startTestArchive({ db: 'sqlite' });
  // The in-process re-runs print their JSON summaries: keep them out of the test output.
  quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterAll(async () => {
  quiet.mockRestore();
  await t?.close();
}, 120_000);

it('Ctrl-C prints a partial summary, exits 130, and a re-run completes the file without duplicates', async () => {
  const N = 600;
  const file = path.join(t.dataDir, 'big.ndjson');
  fs.writeFileSync(
    file,
    tradeBatch(N, 'INT')
      .map((l) => l.text)
      .join('\n') + '\n',
  );
  // Slow PUTs (200 ms each), so the batch is surely still running when Ctrl-C comes.
  const emulator = t.archive.storeHandle.emulator;
  if (!emulator) throw new Error('the test archive runs its embedded emulator');
  emulator.setFaults({ seed: 1, rules: [{ operation: 'PutObject', probability: 1, latencyMs: 200 }] });

  const child = spawn(process.execPath, [BIN, 'ingest', file, '--url', t.url, '--token', t.ingestToken], {
    cwd: ROOT,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // Ctrl-C once the archive has stored some of the lines.
  const deadline = Date.now() + 60_000;
  while ((await t.catalog.ledgerSize()) < 20) {
    if (Date.now() > deadline) throw new Error(`nothing was stored within 60 s\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGINT');
  const code = await exited;
  expect({ code, stderr }).toEqual({ code: 130, stderr: expect.any(String) as string });
  const m =
    /interrupted after \S+: (\d+) of 600 lines answered: (\d+) created, 0 already archived, 0 failed/.exec(
      stdout,
    );
  expect(m).not.toBeNull();
  const answered = Number(m?.[1]);
  expect(answered).toBeLessThan(N);
  expect(stdout).toMatch(/\d+ line\(s\) were not answered/);
  expect(stdout).toMatch(
    /Re-running the same file is safe: records already archived answer "already archived"/,
  );

  // Re-running is safe: the rest is stored, what was stored answers "already archived".
  emulator.setFaults({ seed: 1, rules: [] });
  const rerun = await ingestCommand(file, { url: t.url, token: t.ingestToken, json: true });
  expect(rerun).toMatchObject({ total: N, lines: N, failed: 0, interrupted: false });
  expect(rerun.existing).toBeGreaterThanOrEqual(answered);
  expect(rerun.created + rerun.existing).toBe(N);
  const third = await ingestCommand(file, { url: t.url, token: t.ingestToken, json: true });
  expect(third).toMatchObject({ created: 0, existing: N, failed: 0 });
  expect(await t.catalog.ledgerSize()).toBe(N);
}, 300_000);
