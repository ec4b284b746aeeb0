/**
 * Documents below and above the multipart threshold (256 KiB, parts of 100 KiB), sent as a raw
 * body with the description header and as multipart/form-data: receipts carry the file's SHA-256,
 * the content comes back byte for byte, the object in OSS was written as one PUT or as parts; a
 * declared SHA-256 or size that the file does not match is refused and nothing is catalogued.
 */
import { bucketPlan } from '../../src/config';
import { canonicalBytes } from '../../src/records';
import { example } from '../records/fixtures';
import {
  canonicalSha,
  databases,
  fileBytes,
  getWith,
  postDocument,
  principalWithToken,
  sha256,
  startTestArchive,
  type DocumentForm,
  type ErrorBody,
  type ReceiptBody,
  type TestArchive,
} from './helpers';

const KiB = 1024;
const THRESHOLD = 256 * KiB;
const PART = 100 * KiB;

function description(
  recordId: string,
  file: Buffer,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...example('document'),
    recordId,
    fileName: `${recordId}.pdf`,
    sha256: sha256(file),
    size: file.length,
    ...extra,
  };
}

const UPLOADS: { name: string; form: DocumentForm; size: number; id: string }[] = [
  { name: '100 KiB, raw body', form: 'raw', size: 100 * KiB, id: 'D-SMALL-RAW' },
  { name: '100 KiB, multipart/form-data', form: 'multipart', size: 100 * KiB, id: 'D-SMALL-FORM' },
  { name: '1.5 MiB, raw body', form: 'raw', size: 1536 * KiB, id: 'D-LARGE-RAW' },
  { name: '1.5 MiB, multipart/form-data', form: 'multipart', size: 1536 * KiB, id: 'D-LARGE-FORM' },
];

describe.each(databases('integration/documents'))('documents, full stack, catalog on %s', (db) => {
  let t: TestArchive;
  let readerToken: string;

  beforeAll(async () => {
    t = await startTestArchive({
      db,
      overrides: { oss: { multipartThresholdBytes: THRESHOLD, partSizeBytes: PART } },
    });
    readerToken = (await principalWithToken(t.catalog, 'reader')).token;
    expect(bucketPlan(t.config).records[0]?.bucket).toBe(t.recordsBucket);
  });
  afterAll(async () => {
    await t?.close();
  });

  test.each(UPLOADS)(
    "$name: 201, the file's SHA-256, the same bytes back, stored as one PUT or in parts",
    async (u) => {
      const file = fileBytes(u.size, u.size + u.id.length);
      const desc = description(u.id, file);
      const res = await postDocument(t.url, t.ingestToken, desc, file, {
        form: u.form,
        fileName: `${u.id}.pdf`,
      });
      expect(res.status).toBe(201);
      const { receipt } = (await res.json()) as ReceiptBody;
      expect(receipt).toMatchObject({
        recordId: u.id,
        recordType: 'document',
        bucket: t.recordsBucket,
        key: `document/2026/11/21/${u.id}.pdf`,
        sha256: sha256(file),
        size: file.length,
      });

      const content = await getWith(`${t.url}/v1/records/${u.id}/content`, readerToken);
      expect(content.status).toBe(200);
      expect(content.headers.get('content-type')).toBe('application/pdf');
      expect(content.headers.get('content-disposition')).toContain(`${u.id}.pdf`);
      const back = Buffer.from(await content.arrayBuffer());
      expect(back.length).toBe(file.length);
      expect(sha256(back)).toBe(sha256(file));

      // In OSS: the file (multipart above the threshold: ETag "<md5 of part md5s>-<parts>") ...
      const info = await t.store.head(receipt.bucket, receipt.key);
      expect(info.size).toBe(file.length);
      expect(info.crc64).toBe(receipt.crc64);
      const parts = Math.ceil(file.length / PART);
      if (file.length > THRESHOLD) expect(info.etag).toMatch(new RegExp(`-${parts}"?$`));
      else expect(info.etag).not.toMatch(/-\d+"?$/);
      // ... and the description, canonical, bound to the file by its metadata.
      const described = await t.store.getBuffer(receipt.bucket, `document/2026/11/21/${u.id}.json`);
      expect(described.body.equals(canonicalBytes(desc))).toBe(true);
      expect(described.info.meta).toMatchObject({
        sha256: canonicalSha(desc),
        'content-key': receipt.key,
        'content-sha256': sha256(file),
        'content-size': String(file.length),
      });
      expect((await t.catalog.getRecord(u.id))?.fileName).toBe(`${u.id}.pdf`);
    },
  );

  test('the same document again: 200 existing with the same receipt; another file under the id: 409', async () => {
    const file = fileBytes(300 * KiB, 42);
    const desc = description('D-AGAIN', file);
    const first = await postDocument(t.url, t.ingestToken, desc, file, { form: 'raw' });
    expect(first.status).toBe(201);
    const receipt = ((await first.json()) as ReceiptBody).receipt;
    const ledger = await t.catalog.ledgerSize();

    const again = await postDocument(t.url, t.ingestToken, desc, file, {
      form: 'multipart',
      fileName: 'D-AGAIN.pdf',
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: 'existing', receipt });

    const other = fileBytes(300 * KiB, 43);
    const conflict = await postDocument(
      t.url,
      t.ingestToken,
      { ...desc, sha256: undefined, size: undefined },
      other,
      { form: 'raw' },
    );
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as ErrorBody).error.code).toBe('Conflict');
    expect(await t.catalog.ledgerSize()).toBe(ledger);
  });

  test.each([
    ['100 KiB', 100 * KiB, 'raw'],
    ['100 KiB', 100 * KiB, 'multipart'],
    ['1.5 MiB', 1536 * KiB, 'raw'],
    ['1.5 MiB', 1536 * KiB, 'multipart'],
  ] as const)(
    '%s (%s) with a declared SHA-256 the file does not have: refused, not catalogued',
    async (_size, size, form) => {
      const file = fileBytes(size, 99);
      const id = `D-BADSHA-${form}-${size}`;
      const ledger = await t.catalog.ledgerSize();
      const res = await postDocument(
        t.url,
        t.ingestToken,
        description(id, file, { sha256: sha256('something else') }),
        file,
        { form },
      );
      // The sender's declaration is wrong: a client error, not a transient one to resend.
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('ValidationFailed');
      expect(body.error.details).toMatchObject({
        received: sha256(file),
        declared: sha256('something else'),
      });
      expect(await t.catalog.getRecord(id)).toBeUndefined();
      expect(await t.catalog.ledgerSize()).toBe(ledger);
      // Checked before the object was created: neither the file nor a description is in the bucket.
      await expect(t.store.head(t.recordsBucket, `document/2026/11/21/${id}.json`)).rejects.toMatchObject({
        code: 'NotFound',
      });
      await expect(t.store.head(t.recordsBucket, `document/2026/11/21/${id}.pdf`)).rejects.toMatchObject({
        code: 'NotFound',
      });
      const events = (await t.catalog.auditEvents({ limit: 10000 })).filter(
        (e) => e.requestId === res.headers.get('x-request-id'),
      );
      expect(events.map((e) => [e.action, e.outcome])).toEqual([['records.write', 'error']]);
    },
  );

  test('a declared size the file does not have: refused, not catalogued', async () => {
    const file = fileBytes(120 * KiB, 5);
    const res = await postDocument(
      t.url,
      t.ingestToken,
      description('D-BADSIZE', file, { size: file.length + 1 }),
      file,
      { form: 'raw' },
    );
    expect(res.status).toBe(400);
    expect(await t.catalog.getRecord('D-BADSIZE')).toBeUndefined();
    await expect(t.store.head(t.recordsBucket, 'document/2026/11/21/D-BADSIZE.pdf')).rejects.toMatchObject({
      code: 'NotFound',
    });
  });

  test('after a refused upload (wrong declared SHA-256), sending the document again correctly archives it', async () => {
    for (const size of [100 * KiB, 1536 * KiB]) {
      const file = fileBytes(size, 7);
      const id = `D-RESEND-${size}`;
      const bad = await postDocument(
        t.url,
        t.ingestToken,
        description(id, file, { sha256: sha256('typo') }),
        file,
        { form: 'raw' },
      );
      expect(bad.status).toBe(400);
      const good = await postDocument(t.url, t.ingestToken, description(id, file), file, { form: 'raw' });
      expect([id, good.status]).toEqual([id, 201]);
      const { receipt } = (await good.json()) as ReceiptBody;
      expect(receipt.sha256).toBe(sha256(file));
      const content = await getWith(`${t.url}/v1/records/${id}/content`, readerToken);
      expect(sha256(Buffer.from(await content.arrayBuffer()))).toBe(sha256(file));
    }
  });

  test('after a refused upload, the id is still free: the refused file was never stored', async () => {
    const first = fileBytes(100 * KiB, 21);
    const bad = await postDocument(
      t.url,
      t.ingestToken,
      description('D-OTHER', first, { sha256: sha256('typo') }),
      first,
      {
        form: 'raw',
      },
    );
    expect(bad.status).toBe(400);
    const second = fileBytes(100 * KiB, 22);
    const res = await postDocument(t.url, t.ingestToken, description('D-OTHER', second), second, {
      form: 'raw',
    });
    expect(res.status).toBe(201);
    expect((await t.catalog.getRecord('D-OTHER'))?.sha256).toBe(sha256(second));
  });

  test('multipart/form-data with the file before the description: 400, nothing stored', async () => {
    const form = new FormData();
    form.append('file', new Blob([fileBytes(1000)]), 'x.pdf');
    form.append('description', JSON.stringify(description('D-ORDER', fileBytes(1000))));
    const res = await fetch(`${t.url}/v1/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.ingestToken}` },
      body: form,
    });
    expect(res.status).toBe(400);
    expect(await t.catalog.getRecord('D-ORDER')).toBeUndefined();
    await expect(t.store.head(t.recordsBucket, 'document/2026/11/21/D-ORDER.pdf')).rejects.toMatchObject({
      code: 'NotFound',
    });
  });
});
