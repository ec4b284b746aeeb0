#!/usr/bin/env node
'use strict';
// Rewrites the configuration table of README.md from the configuration schema (src/config), via
// the built dist/ (npm run build first). test/config/readme-config.test.ts fails until it is run
// after a key is added, renamed or given another default.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const { withConfigTable } = require(path.join(root, 'dist', 'cli', 'config-reference.js'));
const file = path.join(root, 'README.md');
const before = fs.readFileSync(file, 'utf8');
const after = withConfigTable(before);
if (after === before) process.stdout.write('README.md: the configuration table is up to date\n');
else {
  fs.writeFileSync(file, after);
  process.stdout.write('README.md: configuration table rewritten from the schema\n');
}
