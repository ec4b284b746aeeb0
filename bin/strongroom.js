#!/usr/bin/env node
'use strict';
// fsync, open, rename and the like run on libuv's thread pool (4 threads by default). The
// emulator and the API wait on many of them at once (each acknowledged write fsyncs), so give
// the pool more threads; it must be set before the pool first starts. An operator's setting wins.
process.env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE || '16';
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script, or `npm run build`).
require('../dist/cli/main.js').run(process.argv);
