import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bucketPlan, loadConfig, parseConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';

describe('config', () => {
  it('fills every default, including the parsed retention classes', () => {
    const c = parseConfig({});
    expect(c.profile).toBe('local');
    expect(c.oss.authVersion).toBe('v4');
    const sevenYears = c.buckets.classes.find((k) => k.name === '7y');
    expect(sevenYears?.recordTypes).toContain('trade');
    expect(sevenYears?.documentTypes).toEqual([]);
    const voice = c.buckets.classes.find((k) => k.name === 'voice-6m');
    expect(voice?.recordTypes).toEqual([]);
    expect(voice?.documentTypes).toEqual(['voice_recording']);
  });

  it('layers file < environment < overrides', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-config-'));
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ server: { port: 1000 }, buckets: { prefix: 'fromfile' }, logLevel: 'debug' }),
    );
    const c = loadConfig({
      file,
      env: { STRONGROOM_PORT: '2000', STRONGROOM_BUCKET_PREFIX: 'fromenv' },
      overrides: { buckets: { prefix: 'fromflag' } },
    });
    expect(c.server.port).toBe(2000);
    expect(c.buckets.prefix).toBe('fromflag');
    expect(c.logLevel).toBe('debug');
    expect(path.isAbsolute(c.dataDir)).toBe(true);
  });

  it('fails fast with a message naming each bad setting', () => {
    expect(() => parseConfig({ server: { port: 'x' }, bogus: 1 })).toThrow(ConfigError);
    try {
      parseConfig({ server: { port: 70000 }, buckets: { auditDays: 1 } });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/server\.port/);
      expect((err as Error).message).toMatch(
        /buckets\.auditDays: the audit trail must be kept as long as the records/,
      );
    }
    expect(() => loadConfig({ env: { STRONGROOM_PORT: 'eighty' } })).toThrow(
      /STRONGROOM_PORT: expected a number/,
    );
  });

  it('requires HTTPS and credentials for a production endpoint', () => {
    expect(() =>
      parseConfig({
        profile: 'production',
        oss: { endpoint: 'http://oss.example.com', accessKeyId: 'a', accessKeySecret: 'b' },
      }),
    ).toThrow(/production uses HTTPS only/);
    expect(() => parseConfig({ oss: { endpoint: 'https://oss-cn-hongkong.aliyuncs.com' } })).toThrow(
      /needs accessKeyId and accessKeySecret/,
    );
  });

  it('names one bucket per retention class plus audit, exports and logs', () => {
    const plan = bucketPlan(parseConfig({ buckets: { prefix: 'acme' } }));
    expect(plan.records.map((r) => r.bucket)).toEqual([
      'acme-records-7y',
      'acme-records-aml-5y',
      'acme-records-voice-6m',
      'acme-records-etlog-2y',
    ]);
    expect(plan.audit).toEqual({ bucket: 'acme-audit', days: 2557 });
    expect(plan.logs.bucket).toBe('acme-logs');
  });

  it('refuses a file that is not a JSON object', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-config-'));
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(file, '[1,2');
    expect(() => loadConfig({ file, env: {} })).toThrow(/not valid JSON/);
  });
});
