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
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
process.stderr.write('strongroom: tsc -p tsconfig.build.json\n');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
fs.writeFileSync(path.join(root, 'dist', '.build-stamp'), new Date().toISOString() + '\n');
