/**
 * The archive's seal on the objects it writes (issue 8, item 2; src/records/seal.ts): it binds
 * the bucket, the key and every fact recovery takes from the metadata, under a key only the
 * archive holds, and the claimed ingest time must agree with the object's Last-Modified. The key
 * file: made on first start in the local profile only, never readable by others.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../src/errors';
import { storedMetadata } from '../../src/records';
import { ObjectSeal, openObjectSeal, SEALED_META_KEYS, SEAL_KEY_FILE } from '../../src/records/seal';
import { openArchiveSeal, sealKeyFile } from '../../src/runtime/seal';
import { tempDir } from '../helpers/common';

const at = new Date('2026-11-21T01:31:05.000Z');
const meta = {
  ...storedMetadata({
    sha256: 'a'.repeat(64),
    recordType: 'document',
    recordId: 'D-SEAL-1',
    principal: 'sys_ingest',
    ingestedAt: at,
  }),
  'content-key': 'document/2026/11/21/D-SEAL-1.pdf',
  'content-sha256': 'b'.repeat(64),
  'content-crc64': '12345',
  'content-size': '10',
  'content-file-name': 'a.pdf',
};
const where = { bucket: 'strongroom-records-7y', key: 'document/2026/11/21/D-SEAL-1.json' };

describe('ObjectSeal', () => {
  const seal = ObjectSeal.random();
  const sealed = seal.seal(where.bucket, where.key, meta);

  test('an object it sealed checks, with a Last-Modified just after the ingest time', () => {
    expect(sealed.mac).toMatch(new RegExp(`^v1\\.${seal.keyId}\\.[0-9a-f]{64}$`));
    expect(seal.sealProblem({ ...where, meta: sealed, lastModified: new Date(at.getTime() + 2_000) })).toBe(
      undefined,
    );
  });

  test.each([...SEALED_META_KEYS])('changing %s breaks the seal', (name) => {
    const changed = { ...sealed, [name]: `${sealed[name] ?? ''}x` };
    expect(seal.sealProblem({ ...where, meta: changed })).toMatch(/does not match/);
  });

  test('moving it to another key or bucket breaks the seal', () => {
    expect(seal.sealProblem({ ...where, key: 'document/2026/11/21/D-SEAL-2.json', meta: sealed })).toMatch(
      /does not match/,
    );
    expect(seal.sealProblem({ ...where, bucket: 'strongroom-records-aml-5y', meta: sealed })).toMatch(
      /does not match/,
    );
  });

  test('no seal, a malformed one, one under another key: each named', () => {
    const { mac: _mac, ...unsealed } = sealed;
    expect(seal.sealProblem({ ...where, meta: unsealed })).toMatch(/carries no seal/);
    expect(seal.sealProblem({ ...where, meta: { ...sealed, mac: 'v1.xyz' } })).toMatch(/not of the form/);
    expect(ObjectSeal.random().sealProblem({ ...where, meta: sealed })).toMatch(/sealed under another key/);
  });

  test('an ingest time long before the Last-Modified (back-dated), or after it: refused', () => {
    const check = (deltaMs: number) =>
      seal.sealProblem({ ...where, meta: sealed, lastModified: new Date(at.getTime() + deltaMs) });
    expect(check(23 * 3_600_000)).toBeUndefined();
    expect(check(25 * 3_600_000)).toMatch(/does not agree with its Last-Modified/);
    expect(check(-60_000)).toBeUndefined();
    expect(check(-10 * 60_000)).toMatch(/does not agree with its Last-Modified/);
  });
});

describe('the seal key file', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('seal');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('local: made on first start (mode 0600, directory 0700), the same key afterwards', () => {
    const config = { profile: 'local' as const, dataDir: dir, integrity: {} };
    const first = openArchiveSeal(config);
    const file = path.join(dir, SEAL_KEY_FILE);
    expect(sealKeyFile(config)).toBe(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(openArchiveSeal(config).keyId).toBe(first.keyId);
  });

  test('production: never made; a missing key stops the start, naming the file', () => {
    const file = path.join(dir, 'elsewhere', 'mac.key');
    const config = { profile: 'production' as const, dataDir: dir, integrity: { macKeyFile: file } };
    expect(() => openArchiveSeal(config)).toThrow(ConfigError);
    expect(() => openArchiveSeal(config)).toThrow(new RegExp(`${file}.*does not exist`));
    expect(fs.existsSync(file)).toBe(false);
  });

  test('a key file others may read, or not 64 hex, is refused', () => {
    const file = path.join(dir, 'mac.key');
    fs.writeFileSync(file, `${'ab'.repeat(32)}\n`, { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    expect(() => openObjectSeal(file, { create: false })).toThrow(/readable by others/);
    fs.chmodSync(file, 0o600);
    expect(openObjectSeal(file, { create: false }).keyId).toMatch(/^[0-9a-f]{16}$/);
    fs.writeFileSync(file, 'not a key\n');
    expect(() => openObjectSeal(file, { create: false })).toThrow(/64 lower-case hex/);
  });
});
