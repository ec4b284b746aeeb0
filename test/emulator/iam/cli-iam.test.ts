import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import RPCClient from '@alicloud/pop-core';
import { tempDir } from '../helpers';

/** `strongroom emulator --iam FILE` (the compiled CLI in dist/: `npx tsc -p tsconfig.build.json`). */
const REPO = path.join(__dirname, '..', '..', '..');
const BIN = path.join(REPO, 'bin', 'strongroom.js');

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

function run(args: string[], untilLine?: RegExp): Promise<Run & { stop(): Promise<Run> }> {
  const proc = spawn(process.execPath, [BIN, 'emulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve) => {
    const done = (code: number | null): void =>
      resolve({ stdout, stderr, code, stop: async () => ({ stdout, stderr, code }) });
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (untilLine && untilLine.test(stdout)) {
        resolve({
          stdout,
          stderr,
          code: null,
          stop: async () => {
            proc.kill('SIGTERM');
            const code = await exited;
            return { stdout, stderr, code };
          },
        });
      }
    });
    void exited.then(done);
  });
}

const KEYS = ['--access-key-id', 'LTAIrootcli0001', '--access-key-secret', 'root-secret'];

describe('strongroom emulator --iam', () => {
  it('prints the control plane URL after the OSS one; a RAM user of the file can call it', async () => {
    const dir = tempDir('cli-iam');
    const iamFile = path.join(dir, 'iam.json');
    fs.writeFileSync(
      iamFile,
      JSON.stringify({
        accountId: '1000000000000009',
        users: [{ name: 'svc', accessKeys: [{ id: 'LTAIsvccli0001', secret: 's3cret' }], policies: [] }],
      }),
    );
    const r = await run(
      ['--data', path.join(dir, 'data'), '--iam', iamFile, ...KEYS],
      /control plane: \S+\n/,
    );
    try {
      const m =
        /^strongroom emulator listening on (http:\/\/localhost:\d+)\ncontrol plane: (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(
          r.stdout,
        );
      expect(m).not.toBeNull();
      const client = new RPCClient({
        endpoint: (m as RegExpExecArray)[2] as string,
        apiVersion: '2015-04-01',
        accessKeyId: 'LTAIsvccli0001',
        accessKeySecret: 's3cret',
      });
      expect(await client.request('GetCallerIdentity', {})).toMatchObject({
        IdentityType: 'RAMUser',
        Arn: 'acs:ram::1000000000000009:user/svc',
      });
    } finally {
      expect((await r.stop()).code).toBe(0);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an invalid file with every problem named, and exit code 1', async () => {
    const dir = tempDir('cli-iam-bad');
    const iamFile = path.join(dir, 'iam.json');
    fs.writeFileSync(
      iamFile,
      JSON.stringify({
        accountId: '1000000000000009',
        users: [{ name: 'svc', policies: ['nope'] }],
        roles: [{ name: 'r' }],
      }),
    );
    const r = await run(['--data', path.join(dir, 'data'), '--iam', iamFile, ...KEYS]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ConfigInvalid');
    expect(r.stderr).toContain('users[0].policies: no policy named "nope"');
    expect(r.stderr).toContain('roles[0]: trustedUsers or trustPolicy is required');
    fs.writeFileSync(iamFile, '{"accountId": ');
    const notJson = await run(['--data', path.join(dir, 'data'), '--iam', iamFile, ...KEYS]);
    expect([notJson.code, notJson.stderr]).toEqual([1, expect.stringContaining('is not valid JSON')]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
