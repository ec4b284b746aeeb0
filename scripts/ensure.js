#!/usr/bin/env node
'use strict';
// Makes `npm start` and `npm test` work on a fresh clone: installs dependencies when
// node_modules is missing or older than package-lock.json, and rebuilds dist/ when any
// file under src/ is newer than the last build (dist/.build-stamp, written by scripts/build.js).
// The install builds through npm's `prepare` script (scripts/build.js), which writes the stamp,
// so a fresh clone compiles once, not twice. Uses only Node's own modules.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const mtime = (p) => {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return 0;
  }
};
const newest = (dir) => {
  let t = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : mtime(p));
  }
  return t;
};
const run = (cmd) => {
  process.stderr.write(`strongroom: ${cmd}\n`);
  execSync(cmd, { cwd: root, stdio: 'inherit' });
};

const installed = path.join(root, 'node_modules', '.package-lock.json');
if (mtime(installed) === 0 || mtime(installed) < mtime(path.join(root, 'package-lock.json'))) {
  run('npm ci --no-audit --no-fund');
}
const stamp = path.join(root, 'dist', '.build-stamp');
const sources = Math.max(
  newest(path.join(root, 'src')),
  mtime(path.join(root, 'tsconfig.json')),
  mtime(path.join(root, 'tsconfig.build.json')),
);
if (mtime(stamp) < sources) run(`node ${path.join('scripts', 'build.js')}`);
