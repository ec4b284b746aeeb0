/**
 * Helpers for the crash tests: a fresh build of dist/ when it is stale, `strongroom serve` /
 * `emulator` / `reconcile` as child processes, a streaming NDJSON batch client that can SIGKILL
 * the server at a chosen moment, a seeded RNG and a generator of valid trade records.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { canonicalBytes } from '../../src/records';
import { numberedTrade } from '../../src/records/fixtures';
import type { Receipt as ApiReceipt } from '../../src/ingest/types';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'strongroom.js');

// ------------------------------------------------------------------ build

function newestMtime(dir: string): number {
  let t = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

function mtime(p: string): number {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Makes dist/ current, as `npm test`'s pretest does (same stamp file as scripts/ensure.js), so
 * that `npx jest test/crash` works on its own. Concurrent callers (jest workers) take a lock
 * directory. tsc emits even with type errors elsewhere in the tree; then the build is used anyway
 * (with a warning) as long as the CLI entry point exists, and the stamp is not written.
 */
export function ensureBuilt(): void {
  const stamp = path.join(ROOT, 'dist', '.build-stamp');
  const sources = () =>
    Math.max(
      newestMtime(path.join(ROOT, 'src')),
      mtime(path.join(ROOT, 'tsconfig.json')),
      mtime(path.join(ROOT, 'tsconfig.build.json')),
    );
  const entry = path.join(ROOT, 'dist', 'cli', 'main.js');
  if (mtime(entry) > 0 && mtime(stamp) >= sources()) return;
  const lock = path.join(
    os.tmpdir(),
    `strongroom-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`,
  );
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // A lock left by a build that died (a build takes well under 5 minutes).
      if (Date.now() - mtime(lock) > 300_000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`could not take the build lock ${lock}`);
      // Another worker builds: wait for it, then look again.
      spawnSync(process.execPath, ['-e', 'setTimeout(() => {}, 500)']);
      if (mtime(entry) > 0 && mtime(stamp) >= sources()) return;
    }
  }
  try {
    const started = Date.now();
    const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
    const out = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (out.status === 0) {
      fs.writeFileSync(stamp, new Date().toISOString() + '\n');
    } else if (mtime(entry) >= started - 2000) {
      process.stderr.write(
        `crash test: tsc reported errors (dist/ emitted anyway, used as is):\n${(out.stdout + out.stderr).slice(0, 2000)}\n`,
      );
    } else {
      throw new Error(`build failed:\n${out.stdout}${out.stderr}`);
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ RNG and records

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BatchLine {
  recordId: string;
  /** The NDJSON line as sent (not canonical: keys in the fixture's order). */
  text: string;
  /** SHA-256 of the record's RFC 8785 bytes, computed here, independently of the server. */
  sha256: string;
}

/** N valid trades with unique ids, spread over 20 business days. */
export function tradeBatch(n: number, tag: string): BatchLine[] {
  const lines: BatchLine[] = [];
  for (let i = 0; i < n; i++) {
    const r = numberedTrade(tag, i);
    lines.push({
      recordId: r.recordId as string,
      text: JSON.stringify(r),
      sha256: createHash('sha256').update(canonicalBytes(r)).digest('hex'),
    });
  }
  return lines;
}

// ------------------------------------------------------------------ processes

/** Environment for children: ours, without any STRONGROOM_* or DATABASE_URL of the caller. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('STRONGROOM_') || k === 'DATABASE_URL' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, STRONGROOM_LOG_LEVEL: 'warn', ...extra };
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** The URL the child printed. */
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

const live = new Set<ChildProcess>();

/** SIGKILLs every child still running (afterAll). */
export function killAll(): void {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

/** Spawns `node bin/strongroom.js ...args` and waits until stdout prints a line matching `ready`. */
export function startChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 30_000,
): Promise<Child> {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let err = '';
  let out = '';
  proc.stderr!.on('data', (c: Buffer) => {
    err = (err + c.toString('utf8')).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${args[0]} did not start within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, pid: proc.pid as number, url: m[1] as string, exited, stderr: () => err });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${args[0]} exited (code ${code}, signal ${signal}) before it was ready\nstdout: ${out}\nstderr: ${err}`,
        ),
      );
    });
  });
}

export function startServe(dataDir: string, env: NodeJS.ProcessEnv): Promise<Child> {
  return startChild(['serve', '--data', dataDir, '--port', '0'], env, /listening on (http:\/\/\S+)/);
}

export function startEmulatorProcess(
  dataDir: string,
  creds: { accessKeyId: string; accessKeySecret: string },
  region: string,
): Promise<Child> {
  return startChild(
    [
      'emulator',
      '--data',
      dataDir,
      '--port',
      '0',
      '--access-key-id',
      creds.accessKeyId,
      '--access-key-secret',
      creds.accessKeySecret,
      '--region',
      region,
    ],
    cleanEnv(),
    /emulator listening on (http:\/\/\S+)/,
  );
}

/** Runs `strongroom reconcile --data DIR --json` to its end; returns its exit code and parsed report. */
export function runReconcile(
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; report: ReconcileJson; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, 'reconcile', '--data', dataDir, '--json'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(proc);
    let out = '';
    let err = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    proc.once('exit', (code) => {
      live.delete(proc);
      try {
        resolve({ code, report: JSON.parse(out) as ReconcileJson, stderr: err });
      } catch {
        reject(new Error(`reconcile printed no JSON (exit ${code})\nstdout: ${out}\nstderr: ${err}`));
      }
    });
  });
}

export interface ReconcileJson {
  scanned: number;
  catalogued: number;
  committed: number;
  problems: { bucket: string; key: string; recordId: string | null; reason?: string }[];
  items: { recordId: string | null; outcome: string; ledgerSeq?: number }[];
}

// ------------------------------------------------------------------ batch client

/** The receipt fields the crash test compares (the API's Receipt, src/ingest/types.ts). */
export type Receipt = Pick<
  ApiReceipt,
  'recordId' | 'bucket' | 'key' | 'sha256' | 'crc64' | 'size' | 'ledgerSeq' | 'retainUntil' | 'ingestedAt'
>;

export interface ResultLine {
  line: number;
  status: 'created' | 'existing' | 'error';
  receipt?: Receipt;
  error?: { code: string; message: string };
}

export interface BatchOutcome {
  results: ResultLine[];
  summary?: { lines: number; created: number; existing: number; failed: number; complete: boolean };
  /** Set when the connection broke before the summary (the server was killed). */
  broken?: string;
}

export interface KillPlan {
  /** SIGKILL the server once this many result lines have arrived... */
  afterResults: number;
  /** ...plus this many milliseconds. */
  delayMs: number;
  pid: number;
}

/**
 * POSTs the lines as one NDJSON batch (body streamed with backpressure), reading result lines as
 * they arrive. With a kill plan, SIGKILLs `pid` at that point. Resolves when the answer ends or
 * the connection breaks; result lines cut off by the break are not counted.
 */
export function streamBatch(
  url: string,
  token: string,
  lines: string[],
  kill?: KillPlan,
): Promise<BatchOutcome> {
  return new Promise((resolve) => {
    const outcome: BatchOutcome = { results: [] };
    let done = false;
    let killScheduled = false;
    const finish = (broken?: string) => {
      if (done) return;
      done = true;
      if (broken && !outcome.summary) outcome.broken = broken;
      resolve(outcome);
    };
    const maybeKill = () => {
      if (!kill || killScheduled || outcome.results.length < kill.afterResults) return;
      killScheduled = true;
      setTimeout(() => {
        try {
          process.kill(kill.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, kill.delayMs);
    };
    const req = http.request(`${url}/v1/batches`, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    });
    req.on('error', (err) => finish(err.message));
    req.on('response', (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const text = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!text.trim()) continue;
          const parsed = JSON.parse(text) as ResultLine & { summary?: BatchOutcome['summary'] };
          if (parsed.summary) outcome.summary = parsed.summary;
          else outcome.results.push(parsed);
        }
        maybeKill();
      });
      res.on('end', () => finish(outcome.summary ? undefined : 'answer ended without a summary'));
      res.on('error', (err) => finish(err.message));
      res.on('aborted', () => finish('aborted'));
      res.on('close', () => finish('closed'));
    });
    maybeKill();
    // The body, in ~64 KiB writes, waiting for drain.
    let i = 0;
    const pump = () => {
      while (i < lines.length) {
        let chunk = '';
        while (i < lines.length && chunk.length < 65_536) chunk += lines[i++] + '\n';
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}
