import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyBag, type BagVerification } from '../../src/export';
import { testChecker } from './evidence';
import { buildFixtureBag, EXPORT_ID, removeDir, unzipTo, type BuiltBag } from './fixtures';

describe('verify bag', () => {
  let bag: BuiltBag;
  let unzipped: string;
  let n = 0;

  beforeAll(async () => {
    bag = await buildFixtureBag();
    unzipped = join(bag.dir, 'out');
    await unzipTo(bag.zip, unzipped);
  });
  afterAll(() => removeDir(bag.dir));

  /** A copy of the unzipped bag, changed by `change` (given the bag's top directory). */
  const copy = (change: (root: string) => void): string => {
    const dest = join(bag.dir, `copy-${++n}`);
    cpSync(unzipped, dest, { recursive: true });
    change(join(dest, EXPORT_ID));
    return dest;
  };
  const rezip = (dir: string): string => {
    const zip = `${dir}.zip`;
    execFileSync('zip', ['-qr', '-X', zip, EXPORT_ID], { cwd: dir });
    return zip;
  };
  const verify = (path: string, key?: string): Promise<BagVerification> =>
    verifyBag(path, { checker: testChecker, ...(key !== undefined ? { key } : {}) });
  const files = (v: BagVerification): string[] => v.problems.map((p) => p.file);

  it('accepts the ZIP as built, read in place, with the published key', async () => {
    const v = await verify(bag.zip, bag.ledger.verifierKey);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.summary).toMatchObject({
      source: 'zip',
      root: `${EXPORT_ID}/`,
      exportId: EXPORT_ID,
      records: bag.records.length,
      proofsChecked: bag.records.length,
      payloadFiles: bag.result.payloadFiles,
      payloadBytes: bag.result.payloadBytes,
      keySource: 'given',
    });
    expect(v.verdict).toContain('VERIFIED');
  });

  it('accepts the unzipped directory, and its top folder, and says when the key came from the bag', async () => {
    const outer = await verify(unzipped);
    const inner = await verify(join(unzipped, EXPORT_ID));
    expect([outer.ok, inner.ok]).toEqual([true, true]);
    expect(outer.summary.keySource).toBe('bag');
    expect(outer.verdict).toContain('taken from the bag itself');
  });

  it('rejects a copy with one record changed, naming the file and both digests', async () => {
    const record = bag.records[3]?.meta;
    const dir = copy((root) => {
      const file = join(root, 'data/records', record?.objectKey as string);
      writeFileSync(file, readFileSync(file, 'utf8').replace('"quantity":', '"quantity":1'));
    });
    for (const target of [dir, rezip(dir)]) {
      const v = await verify(target, bag.ledger.verifierKey);
      expect(v.ok).toBe(false);
      const path = `data/records/${record?.objectKey}`;
      expect(v.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            file: path,
            what: 'sha256 does not match manifest-sha256.txt',
            expected: record?.sha256,
          }),
          expect.objectContaining({ file: path, what: 'sha512 does not match manifest-sha512.txt' }),
          expect.objectContaining({ file: path, what: 'SHA-256 differs from data/index.csv' }),
          expect.objectContaining({
            file: `data/evidence/proofs/${record?.recordId}.tlog-proof`,
            what: expect.stringContaining('does not prove'),
          }),
        ]),
      );
      expect(v.problems.find((p) => p.what.includes('Payload-Oxum'))).toMatchObject({ file: 'bag-info.txt' });
      expect(v.verdict).toContain('DOES NOT VERIFY');
      expect(v.verdict).toContain(path);
    }
  });

  it('rejects a copy with one file removed', async () => {
    const record = bag.records[0]?.meta;
    const dir = copy((root) => rmSync(join(root, 'data/records', record?.objectKey as string)));
    const v = await verify(dir, bag.ledger.verifierKey);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual(
      expect.arrayContaining([
        { file: `data/records/${record?.objectKey}`, what: 'is missing (listed in manifest-sha256.txt)' },
        { file: `data/records/${record?.objectKey}`, what: 'is missing (listed in manifest-sha512.txt)' },
      ]),
    );
  });

  it('rejects a copy with one extra file, in data/ or at the top', async () => {
    const inData = copy((root) => writeFileSync(join(root, 'data/records/extra.json'), '{}'));
    expect(await verify(inData, bag.ledger.verifierKey)).toMatchObject({ ok: false });
    expect(files(await verify(inData))).toContain('data/records/extra.json');
    const atTop = copy((root) => writeFileSync(join(root, 'notes.txt'), 'hello'));
    const v = await verify(rezip(atTop));
    expect(v.problems).toEqual([{ file: 'notes.txt', what: 'extra tag file: in no tag manifest' }]);
  });

  it('rejects a changed checkpoint through the evidence checker', async () => {
    // Re-signed by the same key, manifests updated: only the ledger evidence can tell.
    const dir = copy((root) => {
      const body = bag.ledger.checkpoint.slice(0, bag.ledger.checkpoint.indexOf('\n\n') + 1);
      const lines = body.split('\n');
      lines[2] = Buffer.alloc(32, 9).toString('base64');
      const forged = bag.ledger.signNote(lines.join('\n'));
      writeFileSync(join(root, 'data/evidence/checkpoint.txt'), forged);
      rehashManifests(root);
    });
    const v = await verify(dir, bag.ledger.verifierKey);
    expect(v.ok).toBe(false);
    expect(v.problems.length).toBeGreaterThanOrEqual(bag.records.length);
    expect(v.problems.every((p) => p.file.startsWith('data/evidence/proofs/'))).toBe(true);
    // Signed by another key: the signature check fails.
    const other = copy((root) => {
      appendFileSync(join(root, 'data/evidence/checkpoint.txt'), '');
      const text = readFileSync(join(root, 'data/evidence/checkpoint.txt'), 'utf8').replace(
        / [A-Za-z0-9+/=]+\n$/,
        ' AAAA\n',
      );
      writeFileSync(join(root, 'data/evidence/checkpoint.txt'), text);
      rehashManifests(root);
    });
    const w = await verify(other, bag.ledger.verifierKey);
    expect(w.problems).toContainEqual({
      file: 'data/evidence/checkpoint.txt',
      what: 'no valid signature by the verifier key',
    });
  });

  it('rejects a changed tag file', async () => {
    const dir = copy((root) => {
      const info = join(root, 'bag-info.txt');
      writeFileSync(
        info,
        readFileSync(info, 'utf8').replace('Recipient-Name: Ms. A. Officer', 'Recipient-Name: Someone Else'),
      );
    });
    const v = await verify(rezip(dir), bag.ledger.verifierKey);
    expect(v.problems).toEqual([
      expect.objectContaining({ file: 'bag-info.txt', what: 'sha256 does not match tagmanifest-sha256.txt' }),
    ]);
  });

  it('rejects a key other than the published one', async () => {
    const v = await verify(bag.zip, 'strongroom.test/ledger+00000000+AQ' + 'A'.repeat(42) + '=');
    expect(v.ok).toBe(false);
    expect(files(v)).toEqual(
      expect.arrayContaining(['data/evidence/verifier-key.txt', 'data/evidence/checkpoint.txt']),
    );
  });

  it('reports what is not a bag instead of throwing', async () => {
    const notZip = join(bag.dir, 'not.zip');
    writeFileSync(notZip, 'hello');
    expect(await verify(notZip)).toMatchObject({
      ok: false,
      problems: [expect.objectContaining({ file: notZip })],
    });
    const dir = copy((root) => rmSync(join(root, 'bagit.txt')));
    expect((await verify(dir)).problems).toContainEqual({ file: 'bagit.txt', what: 'is missing' });
    rmSync(join(dir, EXPORT_ID, 'data'), { recursive: true });
    writeFileSync(join(dir, 'second.txt'), '');
    expect((await verify(dir)).problems[0]).toMatchObject({
      what: expect.stringContaining('does not hold one bag'),
    });
  });
});

/** Recomputes the payload manifests and the tag manifest after a change (a careful forger). */
function rehashManifests(root: string): void {
  for (const alg of ['sha256', 'sha512']) {
    const out = execFileSync('bash', ['-c', `find data -type f | sort | xargs ${alg}sum`], {
      cwd: root,
      encoding: 'utf8',
    });
    writeFileSync(join(root, `manifest-${alg}.txt`), out);
  }
  const tags = execFileSync(
    'sha256sum',
    ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'manifest-sha512.txt'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  writeFileSync(join(root, 'tagmanifest-sha256.txt'), tags);
}
