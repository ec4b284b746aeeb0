/**
 * A bag large enough to go up as a multipart upload, written in a worker thread
 * (exports.bagThread: worker): its ZIP reaches the upload in chunks of the part size, each taken
 * as a part without a copy, and each part is filled again once it is up (docs/decisions/0027).
 * The real archive, its embedded emulator and ali-oss; the bag downloaded through its link and
 * checked by the RFC 8493 validator written in test/export/bagit-validator.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { validateBag } from './bagit-validator';
import { exportWhenBuilt, unzipTo } from './fixtures';
import {
  postJson,
  principalWithToken,
  startTestArchive,
  tempDir,
  type TestArchive,
} from '../integration/helpers';

jest.setTimeout(120_000);

const MIB = 1024 * 1024;

describe('a multipart bag written in a worker thread', () => {
  let t: TestArchive;
  const dir = tempDir('exports-multipart');
  const documents: { id: string; bytes: Buffer }[] = [];

  beforeAll(async () => {
    t = await startTestArchive({
      db: 'sqlite',
      overrides: { exports: { bagThread: 'worker' }, oss: { multipartThresholdBytes: MIB } },
    });
    // Three documents of 5 MiB of random bytes (stored, not deflated: the bag is ~15 MiB, four
    // parts of 4 MiB).
    for (let i = 0; i < 3; i++) {
      const id = `DOC-MP-${i}`;
      const bytes = randomBytes(5 * MIB);
      const description = {
        recordType: 'document',
        recordId: id,
        documentType: 'client_agreement',
        title: `Agreement ${i}`,
        documentDate: '2026-11-21',
        fileName: `agreement-${i}.bin`,
        contentType: 'application/octet-stream',
      };
      const res = await fetch(`${t.url}/v1/documents`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${t.ingestToken}`,
          'content-type': 'application/octet-stream',
          'x-strongroom-document': Buffer.from(JSON.stringify(description)).toString('base64url'),
        },
        body: bytes,
      });
      expect(res.status).toBe(201);
      documents.push({ id, bytes });
    }
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is stored whole and verifies: the same bytes the bag was, every document in it as sent', async () => {
    const compliance = await principalWithToken(t.catalog, 'compliance');
    const created = await postJson(
      `${t.url}/v1/exports`,
      {
        reference: 'SFC/MP/1',
        recipient: { name: 'Officer', organisation: 'SFC' },
        purpose: 'multipart bag',
        criteria: { type: 'document' },
      },
      compliance.token,
    );
    expect(created.status).toBe(202);
    const { id } = ((await created.json()) as { export: { id: string } }).export;
    const ready = await exportWhenBuilt<{
      status: string;
      bag: { bucket: string; key: string; sha256: string; size: number } | null;
    }>(t.url, compliance.token, id);
    expect(ready.status).toBe('ready');
    const bag = ready.bag;
    if (!bag) throw new Error('no bag');
    expect(bag.size).toBeGreaterThan(15 * MIB);

    const linkRes = await postJson(`${t.url}/v1/exports/${id}/links`, { ttlMinutes: 60 }, compliance.token);
    expect(linkRes.status).toBe(201);
    const download = await fetch(((await linkRes.json()) as { url: string }).url);
    expect(download.status).toBe(200);
    // A multipart object: OSS's ETag is "<md5 of the parts' md5s>-<parts>".
    expect(download.headers.get('etag')).toMatch(/-4"$/);
    const zip = Buffer.from(await download.arrayBuffer());
    expect(zip.length).toBe(bag.size);
    expect(createHash('sha256').update(zip).digest('hex')).toBe(bag.sha256);

    const zipPath = path.join(dir, `${id}.zip`);
    fs.writeFileSync(zipPath, zip);
    await unzipTo(zipPath, path.join(dir, id));
    const bagDir = path.join(dir, id, id);
    expect(validateBag(bagDir)).toEqual([]);
    for (const d of documents) {
      const record = await t.catalog.getRecord(d.id);
      if (!record) throw new Error(`${d.id} is not in the catalog`);
      expect(fs.readFileSync(path.join(bagDir, 'data/records', record.objectKey)).equals(d.bytes)).toBe(true);
    }
  });
});
