import path from 'node:path';
import { bucketPlan, loadConfig } from '../../src/config';

const infra = (...p: string[]): string => path.join(__dirname, '..', '..', 'infra', ...p);

describe('infra configuration files', () => {
  it('the local file is the local profile with the default classes', () => {
    const c = loadConfig({ file: infra('local', 'strongroom.json'), env: {} });
    const defaults = loadConfig({ env: {} });
    expect(c.profile).toBe('local');
    expect(c.buckets.classes).toEqual(defaults.buckets.classes);
    expect(bucketPlan(c)).toEqual(bucketPlan(defaults));
  });

  it('the production template parses once credentials come from the environment, and needs them', () => {
    const file = infra('production', 'strongroom.example.json');
    expect(() => loadConfig({ file, env: {} })).toThrow(/needs accessKeyId and accessKeySecret/);
    const c = loadConfig({
      file,
      env: {
        STRONGROOM_OSS_ACCESS_KEY_ID: 'LTAIexample',
        STRONGROOM_OSS_ACCESS_KEY_SECRET: 'example',
        DATABASE_URL: 'postgres://x@db/strongroom',
      },
    });
    expect(c.profile).toBe('production');
    expect(c.oss.endpoint).toMatch(/^https:\/\//);
    expect(c.auth.oidc?.issuer).toBe('https://login.example.com/realms/acme');
    expect(bucketPlan(c).audit.bucket).toBe('acme-hk-strongroom-audit');
  });
});
