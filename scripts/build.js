#!/usr/bin/env node
'use strict';
// Compiles src/ to dist/ (tsc -p tsconfig.build.json) and writes dist/.build-stamp, which
// scripts/ensure.js compares with the sources. `npm ci` runs it (the `prepare` script), so the
// `npm start` or `npm test` that installed on a fresh clone finds the build fresh and does not
// compile a second time. Uses only Node's own modules and the installed TypeScript.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
} catch {
  // An install without dev dependencies (npm ci --omit=dev on a host that runs a shipped dist/)
  // has no TypeScript: keep the build that is there, or say what is missing.
  if (fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
    process.stderr.write(
      'strongroom: TypeScript is not installed (no dev dependencies): keeping dist/ as it is\n',
    );
    process.exit(0);
  }
  process.stderr.write(
    'strongroom: cannot build dist/: TypeScript is not installed. Run `npm ci` (with dev dependencies), or ship dist/ built elsewhere.\n',
  );
  process.exit(1);
}
process.stderr.write('strongroom: tsc -p tsconfig.build.json\n');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
fs.writeFileSync(path.join(root, 'dist', '.build-stamp'), new Date().toISOString() + '\n');
