import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/common';

/**
 * scripts/ensure.js (run before `npm start` and `npm test`) and scripts/build.js (npm's `prepare`,
 * so what `npm ci` runs): on a fresh clone the install builds once and ensure.js does not build a
 * second time; a source newer than the build makes it build again. Driven on a small tree of its
 * own (a copy of the two scripts, one source file, the real TypeScript), so the project's dist/ is
 * left alone while other suites use it.
 */

const ROOT = path.resolve(__dirname, '../..');

function tree(): string {
  const dir = tempDir('ensure');
  fs.mkdirSync(path.join(dir, 'scripts'));
  for (const f of ['ensure.js', 'build.js'])
    fs.copyFileSync(path.join(ROOT, 'scripts', f), path.join(dir, 'scripts', f));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'index.ts'), 'export const answer: number = 42;\n');
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'node16', strict: true, types: [] } }),
  );
  fs.writeFileSync(
    path.join(dir, 'tsconfig.build.json'),
    JSON.stringify({ extends: './tsconfig.json', compilerOptions: { rootDir: 'src', outDir: 'dist' } }),
  );
  // An installed tree: node_modules newer than the lock file, TypeScript from the project.
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}\n');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(path.join(ROOT, 'node_modules', 'typescript'), path.join(dir, 'node_modules', 'typescript'));
  fs.writeFileSync(path.join(dir, 'node_modules', '.package-lock.json'), '{}\n');
  const past = new Date(Date.now() - 60_000);
  for (const f of ['package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/index.ts'])
    fs.utimesSync(path.join(dir, f), past, past);
  return dir;
}

/** Runs a script of the tree; its stderr (where both scripts say what they run). */
function runStderr(dir: string, script: string): string {
  const out = spawnSync(process.execPath, [path.join(dir, 'scripts', script)], {
    cwd: dir,
    encoding: 'utf8',
  });
  expect(out.status).toBe(0);
  return out.stderr;
}

describe('the first build', () => {
  it('npm ci (prepare: scripts/build.js) builds and stamps; ensure.js then builds nothing', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.prepare).toBe('node scripts/build.js');
    expect(pkg.scripts.prestart).toBe('node scripts/ensure.js');
    expect(pkg.scripts.pretest).toBe('node scripts/ensure.js');

    const dir = tree();
    try {
      expect(runStderr(dir, 'build.js')).toMatch(/tsc -p tsconfig\.build\.json/);
      expect(fs.readFileSync(path.join(dir, 'dist', 'index.js'), 'utf8')).toMatch(/answer = 42/);
      expect(fs.existsSync(path.join(dir, 'dist', '.build-stamp'))).toBe(true);
      // What `npm start` runs next: nothing to install, nothing to build.
      expect(runStderr(dir, 'ensure.js')).toBe('');

      // A source edited after the build: built again, once.
      fs.writeFileSync(path.join(dir, 'src', 'index.ts'), 'export const answer: number = 43;\n');
      const future = new Date(Date.now() + 5_000);
      fs.utimesSync(path.join(dir, 'src', 'index.ts'), future, future);
      expect(runStderr(dir, 'ensure.js')).toMatch(/build\.js/);
      expect(fs.readFileSync(path.join(dir, 'dist', 'index.js'), 'utf8')).toMatch(/answer = 43/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an install without dev dependencies (npm ci --omit=dev)', () => {
  it('keeps a shipped dist/ as it is, and without one says what is missing', () => {
    const dir = tree();
    try {
      fs.unlinkSync(path.join(dir, 'node_modules', 'typescript'));
      const build = (): ReturnType<typeof spawnSync> =>
        spawnSync(process.execPath, [path.join(dir, 'scripts', 'build.js')], { cwd: dir, encoding: 'utf8' });
      const missing = build();
      expect({ status: missing.status, stderr: missing.stderr }).toEqual({
        status: 1,
        stderr: expect.stringMatching(/cannot build dist\/: TypeScript is not installed/) as string,
      });
      fs.mkdirSync(path.join(dir, 'dist', 'cli'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'dist', 'cli', 'main.js'), '// shipped\n');
      const shipped = build();
      expect({ status: shipped.status, stderr: shipped.stderr }).toEqual({
        status: 0,
        stderr: expect.stringMatching(/keeping dist\/ as it is/) as string,
      });
      expect(fs.readFileSync(path.join(dir, 'dist', 'cli', 'main.js'), 'utf8')).toBe('// shipped\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
