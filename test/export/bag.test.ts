import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { buildBag, type BuildBagInput } from '../../src/export';
import { buildBagInWorker } from '../../src/export/bag-thread';
import { RecordIntegrityError, ValidationError } from '../../src/errors';
import { validateBag } from './bagit-validator';
import { bsdtarStream, pythonTest, unzipTest, zipinfo } from './zip-readers';
import {
  buildFixtureBag,
  EXPORT_ID,
  fixtureRecords,
  removeDir,
  unzipTo,
  type BuiltBag,
  type FixtureRecord,
} from './fixtures';

describe('export bag', () => {
  let bag: BuiltBag;
  let root: string;

  beforeAll(async () => {
    bag = await buildFixtureBag();
    await unzipTo(bag.zip, join(bag.dir, 'out'));
    root = join(bag.dir, 'out', EXPORT_ID);
  });
  afterAll(() => removeDir(bag.dir));

  it('unzips to one BagIt 1.0 bag that a validator written from RFC 8493 accepts', () => {
    expect(readdirSync(join(bag.dir, 'out'))).toEqual([EXPORT_ID]);
    expect(validateBag(root)).toEqual([]);
    expect(readdirSync(root).sort()).toEqual([
      'bag-info.txt',
      'bagit.txt',
      'data',
      'manifest-sha256.txt',
      'manifest-sha512.txt',
      'tagmanifest-sha256.txt',
    ]);
  });

  it('opens with unzip -t, zipinfo, python3 -m zipfile -t and a streaming reader (bsdtar from a pipe)', async () => {
    const names = (await zipinfo(bag.zip)).map((r) => r[8]);
    expect(names).toContain(`${EXPORT_ID}/data/index.html`);
    const out = await unzipTest(bag.zip);
    for (const n of names) expect(out).toContain(`testing: ${n}`);
    await pythonTest(bag.zip);
    const streamed = (await bsdtarStream(bag.zip, ['-tf', '-'])).toString().trim().split('\n');
    expect(streamed).toEqual(names);
    const html = await bsdtarStream(bag.zip, ['-xOf', '-', `${EXPORT_ID}/data/index.html`]);
    expect(html.equals(readFileSync(join(root, 'data/index.html')))).toBe(true);
  });

  it('reports the ZIP it streamed: SHA-256, size and counts', () => {
    const zip = readFileSync(bag.zip);
    expect(bag.result.sha256).toBe(createHash('sha256').update(zip).digest('hex'));
    expect(bag.result.size).toBe(zip.length);
    expect(bag.result.records).toBe(bag.records.length);
    expect(bag.result.recordBytes).toBe(bag.records.reduce((n, r) => n + r.bytes.length, 0));
    expect(bag.result.auditEvents).toBe(bag.records.length);
    // records + proofs + README, checkpoint, key, 2 audit files, index.csv, index.html
    expect(bag.result.payloadFiles).toBe(bag.records.length * 2 + 7);
  });

  it('holds each record byte for byte under its object key, with its proof', () => {
    for (const r of bag.records) {
      expect(readFileSync(join(root, 'data/records', r.meta.objectKey)).equals(r.bytes)).toBe(true);
      expect(readFileSync(join(root, `data/evidence/proofs/${r.meta.recordId}.tlog-proof`), 'utf8')).toBe(
        bag.ledger.proofFor(r.meta.recordId),
      );
    }
    expect(readFileSync(join(root, 'data/evidence/checkpoint.txt'), 'utf8')).toBe(bag.ledger.checkpoint);
    expect(readFileSync(join(root, 'data/evidence/verifier-key.txt'), 'utf8')).toBe(
      `${bag.ledger.verifierKey}\n`,
    );
  });

  it('checks with sha256sum -c and sha512sum -c from inside the bag, as README.txt says', () => {
    for (const [tool, manifest] of [
      ['sha256sum', 'manifest-sha256.txt'],
      ['sha512sum', 'manifest-sha512.txt'],
      ['sha256sum', 'tagmanifest-sha256.txt'],
    ] as const) {
      const out = execFileSync(tool, ['-c', '--strict', manifest], { cwd: root, encoding: 'utf8' });
      expect(
        out
          .trim()
          .split('\n')
          .every((l) => l.endsWith(': OK')),
      ).toBe(true);
    }
  });

  it("verifies the checkpoint's signature with README.txt's OpenSSL recipe", () => {
    const readme = readFileSync(join(root, 'data/README.txt'), 'utf8');
    const start = readme.indexOf('    KEY=$(cat');
    const script = readme
      .slice(start, readme.indexOf('It must print', start))
      .split('\n')
      .map((l) => l.replace(/^ {4}/, ''))
      .join('\n');
    const out = execFileSync('bash', ['-c', script], { cwd: root, encoding: 'utf8' });
    expect(out).toContain('Signature Verified Successfully');
  });

  it('writes bag-info.txt with the request, the counts and Payload-Oxum, one line per label', () => {
    const info = readFileSync(join(root, 'bag-info.txt'), 'utf8');
    const tags = new Map(
      info
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
    );
    expect(tags.get('External-Identifier')).toBe(EXPORT_ID);
    expect(tags.get('Bagging-Date')).toBe('2026-11-28');
    expect(tags.get('Source-Organization')).toBe('Example Securities Ltd');
    expect(tags.get('Payload-Oxum')).toBe(`${bag.result.payloadBytes}.${bag.result.payloadFiles}`);
    expect(tags.get('Request-Reference')).toBe('SFC/ENF/2026/0042 <b>urgent</b>');
    expect(tags.get('Recipient-Organisation')).toBe('Securities and Futures Commission');
    expect(tags.get('Record-Count')).toBe(String(bag.records.length));
    expect(tags.get('Internal-Sender-Description')).toContain('SFC/ENF/2026/0042');
    expect(tags.get('Bag-Size')).toMatch(/^[0-9.]+ (bytes|KB|MB)$/);
  });

  it('writes index.csv through the safe CSV cells: formulas neutralised, one row per record', () => {
    const rows = parse(readFileSync(join(root, 'data/index.csv')), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(rows.map((r) => r.record_id).sort()).toEqual(bag.records.map((r) => r.meta.recordId).sort());
    const hostile = rows.find((r) => r.record_id === 'O-HOSTILE-1') as Record<string, string>;
    expect(hostile.client_id).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(hostile.account_id).toBe("'+SUM(A1:A9)");
    expect(hostile.instrument).toBe("'@evil");
    const audit = readFileSync(join(root, 'data/audit/events.csv'), 'utf8');
    expect(audit).toContain('"{""note"":""=1+1""}"');
    const lines = readFileSync(join(root, 'data/audit/events.ndjson'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(bag.records.length);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      seq: 10,
      action: 'record.ingest',
      at: '2026-11-20T08:00:00.000Z',
    });
  });

  it('embeds hostile record contents in index.html as inert JSON', () => {
    const html = readFileSync(join(root, 'data/index.html'), 'utf8');
    // Only the page's own script element; the record's "</script>" is escaped inside the JSON.
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).not.toContain('<img');
    expect(html).toContain('\\u003c/script\\u003e\\u003cscript\\u003ewindow.__pwned=1');
    expect(html).toContain('SFC/ENF/2026/0042 &#60;b&#62;urgent&#60;/b&#62;');
    expect(html).not.toMatch(/https?:\/\/(?!evil\.example)/); // nothing to fetch (the only URL is inside a record)
    const fields =
      /<script type="application\/json" id="sr-fields">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const parsed = JSON.parse(fields) as Array<Record<string, unknown> | null>;
    expect(parsed.find((f) => f?.recordId === 'O-HOSTILE-1')?.channel).toBe(
      '</script><script>window.__pwned=1</script>',
    );
  });

  it('tells its phases in order, with the records written so far', async () => {
    const phases: [string, number][] = [];
    const again = await buildFixtureBag(bag.records, (i) => ({
      ...i,
      onPhase: (phase, records) => phases.push([phase, records]),
    }));
    try {
      const n = bag.records.length;
      expect(phases).toEqual([
        ['records', 0],
        ['audit', n],
        ['index', n],
        ['tags', n],
        ['end', n],
      ]);
    } finally {
      await removeDir(again.dir);
    }
  });

  it('is byte-identical when built again from the same input', async () => {
    const again = await buildFixtureBag(bag.records);
    try {
      // The ledger (and so the proofs) is new each time: compare bags built with the same one,
      // with spools in memory (the default) and with spools that go to files at once (as a
      // large bag's do).
      // Records in one chunk each (checked in one shot) and in chunks of 7 bytes (running hashes).
      for (const [spoolMemoryBytes, chunk] of [
        [undefined, 0],
        [0, 0],
        [undefined, 7],
      ] as const) {
        const same = await buildFixtureBag(bag.records, (i) => ({
          ...i,
          ...(spoolMemoryBytes !== undefined ? { spoolMemoryBytes } : {}),
          checkpoint: bag.ledger.checkpoint,
          verifierKey: bag.ledger.verifierKey,
          records: bag.records.map((r) => ({
            ...r.meta,
            open: () => Readable.from(chunksOf(r.bytes, chunk)),
            proof: bag.ledger.proofFor(r.meta.recordId),
          })),
        }));
        expect(same.result.sha256).toBe(bag.result.sha256);
        await removeDir(same.dir);
      }
    } finally {
      await removeDir(again.dir);
    }
  });
});

/** The bytes in chunks of `size` (0: one chunk). */
function chunksOf(bytes: Buffer, size: number): Buffer[] {
  if (size === 0) return [bytes];
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

// On this thread, and as the builder runs it: records read here, the bag written in a worker.
describe.each([
  ['buildBag', buildBag],
  ['buildBagInWorker', buildBagInWorker],
])('export bag refuses what it must not ship (%s)', (_name, buildWith) => {
  const records = fixtureRecords();
  const input = (change: Partial<BuildBagInput>): BuildBagInput => ({
    request: { exportId: 'exp_x', reference: 'R', purpose: 'P', recipient: { name: 'N', organisation: 'O' } },
    sourceOrganization: 'S',
    baggedAt: new Date('2026-11-28T00:00:00Z'),
    records: records.map((r) => ({ ...r.meta, open: () => Readable.from([r.bytes]), proof: 'p' })),
    auditEvents: [],
    checkpoint: 'c\n1\nAA==\n',
    verifierKey: 'k+00000000+AA==',
    ...change,
  });
  const drain = async (build: ReturnType<typeof buildBag>): Promise<{ ended: boolean; error: unknown }> => {
    let ended = false;
    const error = await new Promise((resolve) => {
      build.stream.on('data', () => undefined);
      build.stream.on('end', () => {
        ended = true;
        resolve(null);
      });
      build.stream.on('error', resolve);
    });
    await build.done.catch(() => undefined);
    return { ended, error };
  };

  it.each([
    ['sha256', { sha256: '0'.repeat(64) }, 0],
    ['crc64', { crc64: '12345' }, 0],
    ['size', { size: 5 }, 0],
    ['sha256', { sha256: '0'.repeat(64) }, 5],
    ['crc64', { crc64: '12345' }, 5],
    ['size', { size: 5 }, 5],
    ['sha256', { sha256: '0'.repeat(64) }, -1],
    ['crc64', { crc64: '12345' }, -1],
    ['size', { size: 5 }, -1],
  ] as const)(
    'fails the whole build when a record comes with the wrong %s, naming it (chunks of %s bytes; 0: one; -1: read whole)',
    async (check, wrong, chunk) => {
      const bad = records.map((r, i) => ({
        ...r.meta,
        ...(i === 4 ? wrong : {}),
        open: () => Readable.from(chunksOf(r.bytes, Math.max(chunk, 0))),
        ...(chunk < 0 ? { read: () => Promise.resolve({ bytes: r.bytes }) } : {}),
        proof: 'p',
      }));
      const build = buildWith(input({ records: bad }));
      const { ended, error } = await drain(build);
      expect(ended).toBe(false);
      expect(error).toBeInstanceOf(RecordIntegrityError);
      await expect(build.done).rejects.toMatchObject({
        code: 'RecordIntegrity',
        details: { recordId: records[4]?.meta.recordId, check },
      });
    },
  );

  it('fails when a source stream fails midway', async () => {
    const failing = records.map((r, i) => ({
      ...r.meta,
      open: () =>
        i === 2
          ? new Readable({
              read() {
                this.destroy(new Error('connection reset by OSS'));
              },
            })
          : Readable.from([r.bytes]),
      proof: 'p',
    }));
    const build = buildWith(input({ records: failing }));
    const { ended } = await drain(build);
    expect(ended).toBe(false);
    await expect(build.done).rejects.toThrow('connection reset by OSS');
  });

  it.each([
    ['a % sign', 'trade/2026/11/21/T%0A1.json'],
    ['a space', 'trade/2026/11/21/T 1.json'],
    ['a Windows device name', 'trade/2026/11/21/CON.json'],
    ['a ".." segment', 'trade/../../etc/passwd'],
    ['non-ASCII', 'trade/2026/11/21/T-é.json'],
  ])('refuses an object key with %s before writing anything of it', async (_what, objectKey) => {
    const base = records[0] as FixtureRecord;
    const withKey = [{ ...base.meta, objectKey, open: () => Readable.from([base.bytes]), proof: 'p' }];
    const build = buildWith(input({ records: withKey }));
    const { ended } = await drain(build);
    expect(ended).toBe(false);
    await expect(build.done).rejects.toBeInstanceOf(ValidationError);
    await expect(build.done).rejects.toThrow(/record T-\S+ cannot go into the bag/);
  });

  it('refuses two records whose keys differ only by case', async () => {
    const a = (records[0] as FixtureRecord).meta;
    const twins = [a, { ...a, recordId: a.recordId.toLowerCase(), objectKey: a.objectKey.toLowerCase() }].map(
      (m) => ({
        ...m,
        open: () => Readable.from([records[0]?.bytes as Buffer]),
        proof: 'p',
      }),
    );
    const build = buildWith(input({ records: twins }));
    await drain(build);
    await expect(build.done).rejects.toThrow(/letter case aside/);
  });
});
