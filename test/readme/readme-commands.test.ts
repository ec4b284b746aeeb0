import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, cleanEnv, ensureBuilt, ROOT } from '../crash/harness';
import { tempDir } from '../helpers/common';
import { startTestArchive, type TestArchive } from '../integration/helpers';

/**
 * The README's commands, run as written against a started archive: every fenced block marked
 * `sh checked`, in order, in one bash (`set -euo pipefail`, so a failing command fails the test),
 * from a scratch directory. Only what differs from a user's machine is substituted: the archive's
 * URL (port 0 here, 8080 there), its data directory, and the repository's paths (the user runs
 * them at the root of the clone). Also: every file the README names is in the repository.
 */

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

export function checkedBlocks(readme: string): string[] {
  return [...readme.matchAll(/^```sh checked\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

let t: TestArchive;
let cwd: string;
beforeAll(async () => {
  ensureBuilt();
  t = await startTestArchive({ db: 'sqlite' });
  cwd = tempDir('readme');
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(cwd, { recursive: true, force: true });
});

function localise(block: string): string {
  return block
    .replaceAll('http://127.0.0.1:8080', t.url)
    .replaceAll('./data/', `${t.dataDir}/`)
    .replaceAll('node bin/strongroom.js', `node ${BIN}`)
    .replaceAll('require("./dist/', `require("${ROOT}/dist/`)
    .replaceAll(' examples/', ` ${ROOT}/examples/`);
}

it("runs the README's checked commands as written: they succeed and say what the README says", async () => {
  const blocks = checkedBlocks(README);
  expect(blocks.length).toBeGreaterThanOrEqual(6);
  const script = [
    'set -euo pipefail',
    ...blocks.flatMap((b, i) => [`echo "::block ${i + 1}"`, localise(b), 'echo']),
  ].join('\n');
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        'bash',
        ['-c', script],
        { cwd, env: cleanEnv({ STRONGROOM_DATA_DIR: t.dataDir }), timeout: 120_000, maxBuffer: 16 << 20 },
        (err, out, errText) =>
          resolve({
            code: err ? Number((err as { code?: unknown }).code ?? 1) : 0,
            stdout: out,
            stderr: errText,
          }),
      );
    },
  );
  expect({ code, stderr: code === 0 ? '' : `${stderr}\n${stdout}` }).toEqual({ code: 0, stderr: '' });

  const part = (n: number): string => stdout.split(`::block ${n}\n`)[1]?.split('::block ')[0] ?? '';
  // The receipt and the check print the SHA-256 the README shows.
  const shown = /"sha256":"([0-9a-f]{64})"/.exec(README)?.[1];
  expect(shown).toMatch(/^[0-9a-f]{64}$/);
  expect(JSON.parse(part(1))).toMatchObject({
    status: 'created',
    receipt: { recordId: 'T-20261121-000001', sha256: shown, size: 347 },
  });
  expect(part(2).trim()).toBe(shown);
  // Read back: the catalog entry, the stored bytes, the search.
  expect(part(3)).toContain('"recordId":"T-20261121-000001"');
  // Both document uploads are created.
  expect(JSON.parse(part(4))).toMatchObject({ status: 'created', receipt: { recordType: 'document' } });
  expect(JSON.parse(part(5))).toMatchObject({ status: 'created', receipt: { recordType: 'document' } });
  expect(part(6)).toMatch(/3 lines in [\d.]+s: 3 created, 0 already archived, 0 failed/);
  expect(stdout).toMatch(/strongroom \d+\.\d+\.\d+ \(Node \d+\.\d+\.\d+\)/);
  expect(await t.catalog.getRecord('DOC-20261120-0002')).toMatchObject({ recordType: 'document' });
});

it('every file and folder the README names is in the repository', () => {
  const named = new Set<string>();
  for (const m of README.matchAll(
    /(?<![\w./-])((?:src|docs|test|scripts|examples|infra|bin)\/[\w./-]*[\w/])/g,
  ))
    named.add(m[1] ?? '');
  for (const m of README.matchAll(/\]\(([^)#\s]+)\)/g))
    if (!/^[a-z]+:/.test(m[1] ?? '')) named.add(m[1] ?? '');
  expect(named.size).toBeGreaterThan(10);
  expect([...named].filter((p) => !fs.existsSync(path.join(ROOT, p)))).toEqual([]);
  // Nothing outside the repository (the shared docs of the team are not part of a clone).
  expect(README).not.toMatch(/\.\.\/shared/);
});
