import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import OSS from 'ali-oss';
import { parseConfig } from '../../src/config';
import { emulatorPort } from '../../src/runtime/store';
import { BIN, cleanEnv, ensureBuilt, ROOT } from '../crash/harness';
import { tempDir } from '../helpers/common';

/**
 * The embedded emulator as other tools see it: `strongroom serve` on a fixed port puts the
 * emulator on the next one (stable across restarts), prints the endpoint, the region and both
 * identities' key ids, and writes the secrets with an ali-oss snippet and an ossutil config to
 * 0600 files; the snippet, run as printed, reaches the emulator with the real ali-oss. Secrets
 * never appear in what serve prints or logs.
 */

describe('emulatorPort', () => {
  const config = (input: Record<string, unknown>) => parseConfig({ dataDir: '/tmp/x', ...input });
  it('serve on a fixed API port: that port + 1; a set port wins; otherwise a free port', () => {
    expect(emulatorPort(config({}), true)).toBe(8081);
    expect(emulatorPort(config({ server: { port: 9000 } }), true)).toBe(9001);
    expect(emulatorPort(config({ server: { port: 9000 }, emulator: { port: 7000 } }), true)).toBe(7000);
    expect(emulatorPort(config({ server: { port: 0 } }), true)).toBe(0);
    // The CLI's own short-lived emulator (no serve running) never takes the stable port.
    expect(emulatorPort(config({}), false)).toBe(0);
    expect(emulatorPort(config({ emulator: { port: 7000 } }), false)).toBe(7000);
  });
});

/** A port P with P and P + 1 both free (checked by listening on them). */
async function freePair(): Promise<number> {
  const listen = (port: number): Promise<net.Server | null> =>
    new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(null));
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  for (let i = 0; i < 50; i++) {
    const a = await listen(0);
    if (!a) continue;
    const port = (a.address() as net.AddressInfo).port;
    const b = await listen(port + 1);
    await new Promise((r) => a.close(r));
    if (b) {
      await new Promise((r) => b.close(r));
      return port;
    }
  }
  throw new Error('no two consecutive free ports');
}

let dir: string;
let child: ChildProcess | undefined;
beforeAll(() => {
  ensureBuilt();
  dir = tempDir('serve-access');
});
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts serve; resolves with its stdout once it printed where the secrets are. */
async function serve(
  port: number,
): Promise<{ out: () => string; err: () => string; stop: () => Promise<void> }> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--data', dir, '--port', String(port)], {
    cwd: ROOT,
    env: cleanEnv({ STRONGROOM_LOG_LEVEL: 'info' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let out = '';
  let err = '';
  proc.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start\n${out}\n${err}`)), 60_000);
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (/mode 0600\)\n[\s\S]*catalog:/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`serve exited\n${out}\n${err}`)));
  });
  return {
    out: () => out,
    err: () => err,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

it('serve prints the endpoint and both identities, writes the secrets 0600, and the ali-oss snippet works', async () => {
  const port = await freePair();
  const first = await serve(port);
  const out = first.out();
  const endpoint = `http://localhost:${port + 1}`;
  expect(out).toContain(`object storage: ${endpoint} (embedded emulator, region oss-local, path-style)`);
  const admin = /admin identity \(the account root key, provisioning\): (\S+)/.exec(out)?.[1];
  const service =
    /archive service user strongroom-archive \(least privilege, what the archive signs with\): (\S+)/.exec(
      out,
    )?.[1];
  expect(admin).toBeDefined();
  expect(service).toBeDefined();
  expect(admin).not.toBe(service);

  const file = path.join(dir, 'emulator', 'connect.txt');
  const ossutil = path.join(dir, 'emulator', 'ossutilconfig');
  expect(out).toContain(`${file} (mode 0600)`);
  for (const f of [file, ossutil]) expect(fs.statSync(f).mode & 0o777).toBe(0o600);
  const text = fs.readFileSync(file, 'utf8');
  const secrets = [...text.matchAll(/^accessKeySecret: (\S+)$/gm)].map((m) => m[1] ?? '');
  expect(secrets).toHaveLength(2);
  // The secrets are in the file only: not in what serve printed, nor in its logs.
  for (const secret of secrets) {
    expect(first.out()).not.toContain(secret);
    expect(first.err()).not.toContain(secret);
  }
  expect(fs.readFileSync(ossutil, 'utf8')).toMatch(
    new RegExp(
      `^\\[default\\]\\naccessKeyId = ${service}\\naccessKeySecret = \\S+\\nregion = local\\nendpoint = ${endpoint}\\n`,
      'm',
    ),
  );

  // The ali-oss snippet, run as the file shows it, lists the records bucket.
  const snippet = /^const OSS[\s\S]*?^client\.list.*$/m.exec(text)?.[0] ?? '';
  const listed = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, ['-e', snippet], { cwd: ROOT, timeout: 30_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? 1 : 0, stdout, stderr }),
    ),
  );
  expect(listed).toEqual({ code: 0, stdout: '[]\n', stderr: '' });

  // The service user is least privileged: it may write, not delete; the admin key is the root's.
  const client = (accessKeyId: string, accessKeySecret: string) =>
    new OSS({
      endpoint,
      region: 'oss-local',
      accessKeyId,
      accessKeySecret,
      bucket: 'strongroom-records-7y',
      sldEnable: true,
      authorizationV4: true,
      secure: false,
    } as OSS.Options);
  const [adminSecret, serviceSecret] = secrets as [string, string];
  const asService = client(service ?? '', serviceSecret);
  await asService.put('probe/tool-check.txt', Buffer.from('hello'));
  await expect(asService.delete('probe/tool-check.txt')).rejects.toMatchObject({ status: 403 });
  const asAdmin = client(admin ?? '', adminSecret);
  expect((await asAdmin.getBucketInfo('strongroom-records-7y')).bucket).toMatchObject({
    Name: 'strongroom-records-7y',
  });
  await first.stop();

  // Restarted: the same endpoint, the same keys.
  const again = await serve(port);
  expect(again.out()).toContain(`object storage: ${endpoint} `);
  expect(again.out()).toContain(service);
  await again.stop();
});
