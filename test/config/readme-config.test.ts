import fs from 'node:fs';
import path from 'node:path';
import { configKeys, configTable, withConfigTable } from '../../src/cli/config-reference';
import { ENV_VARS } from '../../src/config';

/**
 * The README's configuration table is the schema's: every key, its type, default and variable.
 * When this fails after a change to src/config, run `npm run build && node scripts/readme-config.js`.
 */

const README = path.join(__dirname, '..', '..', 'README.md');

it("README.md's configuration table is generated from the schema, unchanged", () => {
  const readme = fs.readFileSync(README, 'utf8');
  expect(withConfigTable(readme)).toBe(readme);
});

it('names every key with its default, the limits and the retention classes included', () => {
  const keys = new Map(configKeys().map((k) => [k.key, k]));
  expect(keys.get('server.port')).toEqual({
    key: 'server.port',
    type: 'integer 0..65535',
    default: '`8080`',
    env: 'STRONGROOM_PORT',
  });
  expect(keys.get('server.limits.maxRecordBytes')?.default).toBe('`1048576`');
  expect(keys.get('server.limits.batchConcurrency')).toMatchObject({
    default: '`32`',
    env: 'STRONGROOM_BATCH_CONCURRENCY',
  });
  expect(keys.get('buckets.classes')?.default).toBe(
    '7y (2557 days), aml-5y (1827 days), voice-6m (184 days), etlog-2y (731 days)',
  );
  expect(keys.get('buckets.classes[].days')?.type).toMatch(/^integer 1\.\.\d+$/);
  expect(keys.get('profile')).toMatchObject({ type: '"local" or "production"', default: '`"local"`' });
  expect(keys.get('oss.endpoint')).toMatchObject({ type: 'URL', default: '(none)' });
  // Every environment variable fills a key of the table.
  const documented = new Set([...keys.values()].map((k) => k.env).filter(Boolean));
  expect(Object.keys(ENV_VARS).filter((v) => !documented.has(v))).toEqual([]);
  expect(configTable()).toContain('| `cloud.signer` |');
});
