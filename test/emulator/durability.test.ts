/**
 * Durability across kill -9, with the emulator in a child process.
 *
 * How the child is built (chosen for robustness): tsc compiles src/cli/commands/emulator.ts and
 * only what it imports into a private temp directory, and a three-line launcher registers that
 * one command on a commander program. So the test runs the real `strongroom emulator` command
 * code, compiled as the build compiles it, without depending on dist/ being fresh or on every
 * other command module in the tree compiling at this moment. NODE_PATH points the child at the
 * repository's node_modules.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { parseOssAccessLog } from '../../src/audit/oss-access-log';
import { expectOssError, listFiles, makeClient, tempDir, type Client } from './helpers';

const REPO = path.resolve(__dirname, '..', '..');
const AK = 'LTAIdurability';
const SK = randomBytes(16).toString('hex');

let buildDir: string;
let launcher: string;

beforeAll(() => {
  buildDir = tempDir('build');
  const tsconfig = path.join(buildDir, 'tsconfig.json');
  fs.writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: path.join(REPO, 'tsconfig.build.json'),
      compilerOptions: {
        outDir: path.join(buildDir, 'out'),
        rootDir: path.join(REPO, 'src'),
        sourceMap: false,
      },
      files: [path.join(REPO, 'src/cli/commands/emulator.ts')],
      include: [],
    }),
  );
  try {
    execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], {
      stdio: 'pipe',
      timeout: 180_000,
    });
  } catch (err) {
    // Type errors elsewhere still emit JavaScript; only a missing output is fatal.
    if (!fs.existsSync(path.join(buildDir, 'out/cli/commands/emulator.js'))) throw err;
  }
  launcher = path.join(buildDir, 'launch.js');
  fs.writeFileSync(
    launcher,
    [
      "const { Command } = require('commander');",
      "const { register } = require('./out/cli/commands/emulator.js');",
      "const program = new Command('strongroom').exitOverride(); register(program);",
      "program.parseAsync(process.argv).catch((err) => { process.stderr.write(String(err && err.message) + '\\n'); process.exitCode = 1; });",
    ].join('\n'),
  );
}, 200_000);

afterAll(() => {
  fs.rmSync(buildDir, { recursive: true, force: true });
});

interface Child {
  proc: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function spawnEmulator(dataDir: string, extraArgs: string[] = []): Promise<Child> {
  const proc = spawn(
    process.execPath,
    [
      launcher,
      'emulator',
      '--port',
      '0',
      '--data',
      dataDir,
      '--access-key-id',
      AK,
      '--access-key-secret',
      SK,
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    {
      env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /strongroom emulator listening on (http:\/\/localhost:\d+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    void exited.then(() => reject(new Error(`emulator exited before listening: ${err}`)));
  });
  return { proc, url, stdout: () => out, stderr: () => err, exited };
}

/** Deterministic content for a key, so the bytes of an unacknowledged upload are known too. */
function bodyFor(key: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let seed = createHash('sha256').update(key).digest();
  for (let off = 0; off < size; off += seed.length) {
    seed.copy(out, off);
    seed = createHash('sha256').update(seed).digest();
  }
  return out;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function listAll(c: Client): Promise<string[]> {
  const keys: string[] = [];
  let token: string | null = null;
  do {
    const q: Record<string, string | number> = { 'max-keys': 1000 };
    if (token) q['continuation-token'] = token;
    const page = await c.listV2(q);
    keys.push(...page.objects.map((o) => o.name));
    token = page.isTruncated ? page.nextContinuationToken : null;
  } while (token);
  return keys;
}

test('every acknowledged object survives kill -9 with its exact bytes; nothing partial is visible', async () => {
  // urllib warns (console.warn) about every connection the kill cuts; that noise is expected here.
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  const dataDir = tempDir('durable');
  const bucket = 'durable-bucket';
  const first = await spawnEmulator(dataDir);
  const c = makeClient(first.url, AK, SK, { bucket });
  await c.putBucket(bucket);

  const acked = new Map<string, string>();
  const attempted = new Map<string, string>();
  let killed = false;
  let slowBytes = 0;

  const worker = async (w: number): Promise<void> => {
    for (let i = 0; !killed; i++) {
      const key = `w${w}/obj-${i}`;
      // Alternate inline-sized (in SQLite) and file-sized bodies.
      const size =
        i % 2 === 0
          ? 1024 + ((w * 977 + i * 131) % 60000)
          : 100 * 1024 + ((w * 7919 + i * 104729) % (300 * 1024));
      const body = bodyFor(key, size);
      attempted.set(key, sha(body));
      try {
        await c.put(key, body);
        acked.set(key, sha(body));
      } catch {
        return;
      }
    }
  };
  // Uploads that are mid-stream when the process dies: a chunked body that trickles forever.
  const slow = async (n: number): Promise<void> => {
    const stream = new Readable({
      read() {
        setTimeout(() => {
          if (killed) {
            this.destroy();
            return;
          }
          slowBytes += 64 * 1024;
          this.push(Buffer.alloc(64 * 1024, n));
        }, 5);
      },
    });
    await c.putStream(`slow/${n}`, stream).catch(() => undefined);
  };
  // A multipart upload with parts but never completed.
  const up = await c.initMultipartUpload('multipart/never-completed');
  await c._uploadPart('multipart/never-completed', up.uploadId, 1, {
    stream: Readable.from([bodyFor('p1', 200 * 1024)]),
    size: 200 * 1024,
  });

  const workers = [...Array.from({ length: 8 }, (_, w) => worker(w)), slow(1), slow(2)];
  while (acked.size < 80 || slowBytes < 1024 * 1024) await new Promise((r) => setTimeout(r, 20));
  first.proc.kill('SIGKILL');
  killed = true;
  const exit = await first.exited;
  expect(exit.signal).toBe('SIGKILL');
  await Promise.all(workers);
  const inFlight = [...attempted.keys()].filter((k) => !acked.has(k));
  expect(acked.size).toBeGreaterThanOrEqual(80);

  const second = await spawnEmulator(dataDir);
  try {
    expect(fs.readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
    const c2 = makeClient(second.url, AK, SK, { bucket });
    const listed = await listAll(c2);
    // Every acknowledged object: present, exact bytes.
    for (const [key, digest] of acked) {
      const got = await c2.get(key);
      expect([key, sha(got.content)]).toEqual([key, digest]);
    }
    // Everything listed was acknowledged or in flight, and is complete.
    for (const key of listed) {
      expect([key, acked.has(key) || inFlight.includes(key)]).toEqual([key, true]);
      if (!acked.has(key)) expect([key, sha((await c2.get(key)).content)]).toEqual([key, attempted.get(key)]);
    }
    expect(listed.filter((k) => k.startsWith('slow/') || k.startsWith('multipart/'))).toEqual([]);
  } finally {
    second.proc.kill('SIGTERM');
  }
  // SIGTERM: clean stop, exit code 0, after printing its URL.
  const stopped = await second.exited;
  expect(stopped).toEqual({ code: 0, signal: null });
  expect(second.stdout()).toMatch(
    /^strongroom emulator listening on http:\/\/localhost:\d+\ncontrol plane: http:\/\/127\.0\.0\.1:\d+\n$/,
  );

  // No orphan blob files: every file under blobs/ is referenced by the index, and vice versa.
  const db = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
  const referenced = new Set(
    (db.prepare('SELECT file FROM blobs WHERE file IS NOT NULL').all() as Array<{ file: string }>).map(
      (r) => r.file,
    ),
  );
  db.close();
  const onDisk = new Set(listFiles(path.join(dataDir, 'blobs')).map((f) => path.basename(f)));
  expect([...onDisk].sort()).toEqual([...referenced].sort());
  fs.rmSync(dataDir, { recursive: true, force: true });
  warn.mockRestore();
}, 180_000);

test('the CLI refuses bad options with a message and a non-zero exit', async () => {
  const proc = spawn(
    process.execPath,
    [
      launcher,
      'emulator',
      '--data',
      tempDir('bad'),
      '--port',
      'nope',
      '--access-key-id',
      AK,
      '--access-key-secret',
      SK,
    ],
    {
      env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  expect(code).not.toBe(0);
  expect(err).toContain('--port');
});

test('access-log lines not yet delivered survive kill -9 and are delivered once after restart', async () => {
  const dataDir = tempDir('logkill');
  const bucket = 'logged-bucket';
  // An hour between deliveries: nothing is delivered before the kill.
  const first = await spawnEmulator(dataDir, ['--log-flush-seconds', '3600']);
  const c = makeClient(first.url, AK, SK, { bucket });
  await c.putBucket(bucket);
  await c.putBucketLogging(bucket, 'access/');
  const ids: string[] = [];
  const id = (h: Record<string, string | undefined>): string => h['x-oss-request-id'] as string;
  ids.push(id((await c.put('evidence.json', Buffer.from('{"a":1}'))).res.headers));
  ids.push(id((await c.get('evidence.json')).res.headers));
  ids.push(
    (await expectOssError(() => c.delete('evidence.json').then(() => c.get('evidence.json')))).requestId ??
      '',
  );
  // A line is kept by the group commit after its answer; the answer to a later write means the
  // commits before it are done, so these lines are durable now.
  await c.put('barrier', Buffer.from('b'));
  first.proc.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');

  const second = await spawnEmulator(dataDir);
  const c2 = makeClient(second.url, AK, SK, { bucket });
  const delivered = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const o of (await c2.listV2({ prefix: 'access/' })).objects) {
      for (const { result } of parseOssAccessLog((await c2.get(o.name)).content.toString('utf8'))) {
        if (!result.ok) throw new Error(result.reason);
        out.push(result.entry.requestId);
      }
    }
    return out;
  };
  // Delivered at start, before the emulator listens.
  const seen = await delivered();
  for (const rid of ids) expect([rid, seen.filter((x) => x === rid).length]).toEqual([rid, 1]);
  second.proc.kill('SIGTERM');
  expect(await second.exited).toEqual({ code: 0, signal: null });

  // Delivered exactly once: a further restart finds nothing left to write twice.
  const third = await spawnEmulator(dataDir);
  try {
    const c3 = makeClient(third.url, AK, SK, { bucket });
    const again: string[] = [];
    for (const o of (await c3.listV2({ prefix: 'access/' })).objects) {
      for (const { result } of parseOssAccessLog((await c3.get(o.name)).content.toString('utf8')))
        if (result.ok) again.push(result.entry.requestId);
    }
    expect(new Set(again).size).toBe(again.length);
    for (const rid of ids) expect(again).toContain(rid);
  } finally {
    third.proc.kill('SIGTERM');
    await third.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
