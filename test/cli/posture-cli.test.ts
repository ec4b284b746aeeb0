import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main';

/**
 * The posture commands as a user runs them: `provision`, `worm status|lock|extend|abort` and
 * `doctor`, through the CLI's own argument parsing, on a local data directory (the embedded
 * emulator is started for each command).
 */

let dataDir: string;
let out: string[];
let err: string[];
const spies: jest.SpyInstance[] = [];

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  out = [];
  err = [];
  process.exitCode = undefined;
  const code = await main(['node', 'strongroom', ...args, '--data', dataDir]);
  const result = { code, stdout: out.join(''), stderr: err.join('') };
  process.exitCode = undefined;
  return result;
}

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-posture-cli-'));
  spies.push(
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    }),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err.push(String(chunk));
      return true;
    }),
  );
});

afterAll(() => {
  for (const s of spies) s.mockRestore();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('posture commands', () => {
  it('doctor says NOT COMPLIANT and exits 3 before anything is provisioned', async () => {
    const r = await run('doctor');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/NOT COMPLIANT/);
    expect(r.stdout).toMatch(/strongroom-records-7y\s+bucket\s+FAIL\s+bucket does not exist/);
  });

  it('provision creates the buckets; a second run only confirms them', async () => {
    const first = await run('provision', '--json');
    expect(first.code).toBe(0);
    const actions = (JSON.parse(first.stdout) as { actions: { action: string }[] }).actions.map(
      (a) => a.action,
    );
    expect(actions.filter((a) => a === 'created')).toHaveLength(7);
    const second = await run('provision', '--json');
    const again = (JSON.parse(second.stdout) as { actions: { action: string }[] }).actions.map(
      (a) => a.action,
    );
    expect(again).not.toContain('created');
    expect(again).not.toContain('retention-initiated');
  });

  it('worm status prints a table with the time left to lock', async () => {
    const r = await run('worm', 'status');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^bucket\s+role\s+state\s+days\s+configured\s+created\s+time left to lock/m);
    expect(r.stdout).toMatch(
      /strongroom-audit\s+audit\s+InProgress\s+2557\s+2557\s+\S+\s+23h 59m|strongroom-audit\s+audit\s+InProgress\s+2557\s+2557\s+\S+\s+1d 0h/,
    );
  });

  it('worm lock refuses without --yes and says it is irreversible', async () => {
    const r = await run('worm', 'lock', 'strongroom-audit');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /ValidationFailed: locking the retention policy of strongroom-audit is irreversible/,
    );
    const status = JSON.parse((await run('worm', 'status', '--json')).stdout) as {
      bucket: string;
      state: string;
    }[];
    expect(status.find((s) => s.bucket === 'strongroom-audit')?.state).toBe('InProgress');
  });

  it('worm extend is refused while InProgress; abort removes an InProgress policy', async () => {
    const ext = await run('worm', 'extend', 'strongroom-exports', '--days', '3000');
    expect(ext.code).toBe(1);
    expect(ext.stderr).toMatch(/only a Locked policy can be extended/);
    const abort = await run('worm', 'abort', 'strongroom-exports');
    expect(abort.code).toBe(0);
    const status = JSON.parse((await run('worm', 'status', '--json')).stdout) as {
      bucket: string;
      state: string;
    }[];
    expect(status.find((s) => s.bucket === 'strongroom-exports')?.state).toBe('None');
  });

  it('lock --yes locks; then abort is refused and extend only goes up', async () => {
    expect((await run('provision')).code).toBe(0); // re-initiates the aborted exports policy
    const lock = await run('worm', 'lock', 'strongroom-audit', '--yes');
    expect(lock.code).toBe(0);
    expect(lock.stdout).toMatch(/Locked at 2557 days\. This cannot be undone/);
    const abort = await run('worm', 'abort', 'strongroom-audit');
    expect(abort.code).toBe(1);
    expect(abort.stderr).toMatch(/Locked and cannot be aborted/);
    const shorter = await run('worm', 'extend', 'strongroom-audit', '--days', '100');
    expect(shorter.code).toBe(1);
    expect(shorter.stderr).toMatch(/can only be extended/);
    const longer = await run('worm', 'extend', 'strongroom-audit', '--days', '3000', '--json');
    expect(longer.code).toBe(0);
    expect((JSON.parse(longer.stdout) as { days: number; state: string }).days).toBe(3000);
    const bad = await run('worm', 'extend', 'strongroom-audit', '--days', 'many');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--days must be a whole number/);
  });

  it('doctor is compliant (exit 0) once every bucket is locked, and its JSON says so', async () => {
    expect((await run('provision', '--lock')).code).toBe(1); // --lock needs --yes
    expect((await run('provision', '--lock', '--yes')).code).toBe(0);
    const r = await run('doctor', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      compliant: boolean;
      findings: { severity: string; check: string }[];
    };
    expect(report.compliant).toBe(true);
    // All ok but the HTTPS-only policy, which is not attached over the local plain-HTTP endpoint.
    const notOk = report.findings.filter((f) => f.severity !== 'ok');
    expect(notOk.length).toBeGreaterThan(0);
    expect(notOk.every((f) => f.check === 'https-policy' && f.severity === 'warn')).toBe(true);
    expect(report.findings.filter((f) => f.check === 'encryption').every((f) => f.severity === 'ok')).toBe(
      true,
    );
  });

  it('--help documents the exit codes (decided in src/cli/main.ts only)', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:/);
    expect(r.stdout).toMatch(/3 {2}not compliant/);
  });

  it('an unknown bucket or a usage error exits non-zero with a message', async () => {
    const r = await run('worm', 'lock', 'no-such-bucket', '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NotFound: bucket no-such-bucket does not exist/);
    const usage = await run('worm', 'extend', 'strongroom-audit');
    expect(usage.code).toBe(2);
  });
});
