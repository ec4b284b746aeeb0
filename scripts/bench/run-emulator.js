#!/usr/bin/env node
'use strict';
// Starts strongroom's OSS emulator (the compiled dist/emulator/index.js) in THIS process, so the
// benchmark can run it in a child process of its own, like the peer emulators.
//
//   node scripts/bench/run-emulator.js --data DIR --access-key-id ID --access-key-secret SECRET
//        [--port 0] [--host 127.0.0.1] [--log-level warn] [--dist DIR (default: dist/)] [--iam FILE]
//
// Prints one line of JSON on stdout once it listens:
// {"url":..., "port":..., "host":..., "region":..., "controlPlaneUrl":...}.
// Stops cleanly (close(), then exit 0) on SIGTERM/SIGINT or when stdin closes, so that a
// `node --cpu-prof` run writes its profile.
const path = require('node:path');

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const name = a.slice(2);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
    out[name] = value;
    i++;
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  for (const required of ['data', 'access-key-id', 'access-key-secret']) {
    if (!args[required]) throw new Error(`--${required} is required`);
  }
  const dist = path.resolve(args.dist || path.join(__dirname, '..', '..', 'dist'));
  let emulator;
  try {
    emulator = require(path.join(dist, 'emulator', 'index.js'));
  } catch (err) {
    throw new Error(`cannot load ${dist}/emulator/index.js (run \`npm run build\` first): ${err.message}`);
  }
  // The peers run with their request logging off (s3rver --silent, azurite --silent); give ours
  // the same treatment: warnings and errors only, on stderr.
  let logger;
  try {
    const { createLogger } = require(path.join(dist, 'log', 'index.js'));
    logger = createLogger({ level: args['log-level'] || 'warn', destination: process.stderr });
  } catch {
    logger = undefined;
  }
  const options = {
    dataDir: args.data,
    credentials: [{ accessKeyId: args['access-key-id'], accessKeySecret: args['access-key-secret'] }],
    host: args.host || '127.0.0.1',
    port: Number(args.port || 0),
  };
  if (args.region) options.region = args.region;
  // RAM users, roles and policies (the `strongroom emulator --iam FILE` shape).
  if (args.iam) options.iam = JSON.parse(require('node:fs').readFileSync(args.iam, 'utf8'));
  if (logger) options.logger = logger;
  const handle = await emulator.startEmulator(options);
  process.stdout.write(
    JSON.stringify({
      url: handle.url,
      port: handle.port,
      host: handle.host,
      region: handle.region,
      controlPlaneUrl: handle.controlPlaneUrl,
    }) + '\n',
  );

  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    try {
      await handle.close();
    } catch (err) {
      process.stderr.write(`run-emulator: close failed: ${err && err.stack ? err.stack : err}\n`);
    }
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

main().catch((err) => {
  process.stderr.write(`run-emulator: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
