#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script, or `npm run build`).
require('../dist/cli/main.js').run(process.argv);
