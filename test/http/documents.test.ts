import { createHash } from 'node:crypto';
import { auth, startServer, type TestServer } from './server';

/** The catalog row of a stored document and its file's bytes, as stored in OSS. */
async function storedDocument(
  id: string,
): Promise<{ row: Record<string, unknown>; bytes: Buffer; type?: string }> {
  const row = await s.catalog.getRecord(id);
  if (!row) throw new Error(`no record ${id}`);
  const file = await s.store.getBuffer(row.bucket, row.objectKey);
  return {
    row: row as unknown as Record<string, unknown>,
    bytes: file.body,
    ...(file.info.contentType ? { type: file.info.contentType } : {}),
  };
}

/** Keys of the objects stored for documents so far. */
async function documentKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of s.store.list(s.bucket, { prefix: 'document/' })) keys.push(o.key);
  return keys;
}

let s: TestServer;
beforeEach(async () => {
  s = await startServer({ limits: { maxDocumentBytes: 64 * 1024 } });
});
afterEach(async () => {
  await s.close();
});

function description(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    recordType: 'document',
    recordId: id,
    documentType: 'contract_note',
    title: 'Contract note N-1',
    documentDate: '2026-11-21',
    clientId: 'C-1001',
    fileName: 'note.pdf',
    contentType: 'application/pdf',
    ...extra,
  };
}

const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(20_000, 7)]);

function rawHeaders(desc: unknown): Record<string, string> {
  return {
    ...auth('ingest'),
    'content-type': 'application/pdf',
    'x-strongroom-document': Buffer.from(JSON.stringify(desc), 'utf8').toString('base64url'),
  };
}

describe('raw body with X-Strongroom-Document', () => {
  test('201 with the receipt; the bytes, name and type reach the write path; 200 when sent again', async () => {
    const res = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: {
        ...rawHeaders(description('DOC-1', { fileName: '合約 note.pdf' })),
        'x-strongroom-file-name': encodeURIComponent('合約 note.pdf'),
      },
      body: PDF,
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      status: string;
      receipt: { recordId: string; sha256: string; size: number };
    };
    expect(body.receipt).toMatchObject({
      recordId: 'DOC-1',
      size: PDF.length,
      sha256: createHash('sha256').update(PDF).digest('hex'),
    });
    const doc = await storedDocument('DOC-1');
    expect(doc.bytes.equals(PDF)).toBe(true);
    expect(doc.type).toBe('application/pdf');
    expect(doc.row).toMatchObject({
      fileName: '合約 note.pdf',
      contentType: 'application/pdf',
      size: PDF.length,
      objectKey: 'document/2026/11/21/DOC-1.pdf',
    });

    const again = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: rawHeaders(description('DOC-1')),
      body: PDF,
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { status: string }).status).toBe('existing');
  });

  test('the stored file comes back with its name, type and hash', async () => {
    await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: rawHeaders(description('DOC-2')),
      body: PDF,
    });
    const res = await fetch(`${s.url}/v1/records/DOC-2/content`, { headers: auth('reader') });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(PDF)).toBe(true);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="note.pdf"; filename*=UTF-8''note.pdf`,
    );
    expect(res.headers.get('x-strongroom-sha256')).toBe(createHash('sha256').update(PDF).digest('hex'));
    expect(res.headers.get('content-security-policy')).toMatch(/sandbox/);
  });

  test.each([
    ['missing description', { 'x-strongroom-document': null }, /x-strongroom-document/],
    ['not base64url', { 'x-strongroom-document': 'not base64!' }, /base64url/],
    [
      'not JSON',
      { 'x-strongroom-document': Buffer.from('{"recordType":').toString('base64url') },
      /well-formed JSON/,
    ],
    ['bad file name', { 'x-strongroom-file-name': '%E0%A4%A' }, /percent-encoded/],
  ] as [string, Record<string, string | null>, RegExp][])(
    '400 for a bad header: %s',
    async (_name, override, message) => {
      const headers: Record<string, string> = rawHeaders(description('DOC-3'));
      for (const [k, v] of Object.entries(override)) {
        if (v === null) delete headers[k];
        else headers[k] = v;
      }
      const res = await fetch(`${s.url}/v1/documents`, { method: 'POST', headers, body: PDF });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
      expect(await documentKeys()).toEqual([]);
      expect(await s.catalog.getRecord('DOC-3')).toBeUndefined();
    },
  );

  test('an invalid description -> 400 ValidationFailed with the issues', async () => {
    const res = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: rawHeaders(description('DOC-4', { documentDate: undefined, title: '' })),
      body: PDF,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe('ValidationFailed');
    expect(body.error.details.map((d) => d.path)).toEqual(expect.arrayContaining(['title', 'documentDate']));
  });

  test('413 past the document limit: declared, or found while streaming; nothing stored', async () => {
    const big = Buffer.alloc(70 * 1024, 1);
    const declared = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: rawHeaders(description('DOC-5')),
      body: big,
    });
    expect(declared.status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 7; i++) c.enqueue(new Uint8Array(10 * 1024));
        c.close();
      },
    });
    const streamed = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: rawHeaders(description('DOC-6')),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe('PayloadTooLarge');
    expect(await s.catalog.ledgerSize()).toBe(0);
    expect(await documentKeys()).toEqual([]);
  });
});

describe('the header limit follows the description limit (issue 8, item 11)', () => {
  test('a description of 24 KB travels in the header (Node alone stops at 16 KiB of headers)', async () => {
    const related = Array.from({ length: 1000 }, (_, i) => `T-20261121-${String(i).padStart(6, '0')}`);
    const desc = description('DOC-BIG-HEADER', { relatedRecordIds: related });
    expect(JSON.stringify(desc).length).toBeGreaterThan(20_000);
    const res = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: rawHeaders(desc),
      body: PDF,
    });
    expect(res.status).toBe(201);
  });

  test('headers past the limit are a 431 in the error shape with a hint, not a bare status line', async () => {
    const res = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: { ...auth('ingest'), 'x-padding': 'a'.repeat(200_000) },
      body: PDF,
    });
    expect(res.status).toBe(431);
    const body = (await res.json()) as { error: { code: string; message: string; hint: string } };
    expect(body.error.code).toBe('HeadersTooLarge');
    expect(body.error.hint).toMatch(/multipart/);
  });
});

describe('multipart/form-data', () => {
  function form(parts: [string, string | Blob, string?][]): FormData {
    const f = new FormData();
    for (const [name, value, fileName] of parts) {
      if (typeof value === 'string') f.append(name, value);
      else f.append(name, value, fileName);
    }
    return f;
  }

  test('description then file: 201, with the part file name and type', async () => {
    const body = form([
      ['description', JSON.stringify(description('MP-1', { fileName: 'scan.pdf' }))],
      ['file', new Blob([PDF], { type: 'application/pdf' }), 'scan.pdf'],
    ]);
    const res = await fetch(`${s.url}/v1/documents`, { method: 'POST', headers: auth('ingest'), body });
    expect(res.status).toBe(201);
    const doc = await storedDocument('MP-1');
    expect(doc.bytes.equals(PDF)).toBe(true);
    expect(doc.type).toBe('application/pdf');
    expect(doc.row).toMatchObject({ fileName: 'scan.pdf', contentType: 'application/pdf' });
  });

  test('the file before the description -> 400', async () => {
    const body = form([
      ['file', new Blob([PDF], { type: 'application/pdf' }), 'scan.pdf'],
      ['description', JSON.stringify(description('MP-2'))],
    ]);
    const res = await fetch(`${s.url}/v1/documents`, { method: 'POST', headers: auth('ingest'), body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /description field must come before the file/,
    );
    expect(await documentKeys()).toEqual([]);
  });

  test.each([
    [[['description', '{"x":']], /well-formed JSON/],
    [[['description', '{}']], /no file part/],
    [[['other', 'x']], /unexpected form field/],
  ] as [[string, string][], RegExp][])('400 for %j', async (parts, message) => {
    const res = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: auth('ingest'),
      body: form(parts),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
  });

  test('a file past the limit -> 413', async () => {
    const body = form([
      [
        'description',
        JSON.stringify(description('MP-3', { fileName: 'big.bin', contentType: 'application/octet-stream' })),
      ],
      ['file', new Blob([Buffer.alloc(70 * 1024)]), 'big.bin'],
    ]);
    const res = await fetch(`${s.url}/v1/documents`, { method: 'POST', headers: auth('ingest'), body });
    expect(res.status).toBe(413);
    expect(await s.catalog.ledgerSize()).toBe(0);
  });

  test('a broken multipart body -> 400', async () => {
    const res = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: { ...auth('ingest'), 'content-type': 'multipart/form-data; boundary=XYZ' },
      body: '--XYZ\r\nContent-Disposition: form-data; name="description"\r\n\r\n{}',
    });
    expect(res.status).toBe(400);
    const noBoundary = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: { ...auth('ingest'), 'content-type': 'multipart/form-data' },
      body: 'x',
    });
    expect(noBoundary.status).toBe(400);
  });
});

describe('the upload agrees with its description (issue 8, item 6; issue 14, item 2)', () => {
  test.each([
    ['../../etc/passwd'],
    ['a\u0000b.pdf'],
    ['a\r\nb.pdf'],
    ['evil\u202Efdp.exe'],
    ['..'],
    ['x'.repeat(300)],
  ])('X-Strongroom-File-Name %j is refused with the description rule, nothing stored', async (name) => {
    const res = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: {
        ...rawHeaders(description('DOC-BADNAME')),
        'x-strongroom-file-name': encodeURIComponent(name),
      },
      body: PDF,
    });
    const { error } = (await res.json()) as {
      error: { code: string; details: { path: string; code: string }[] };
    };
    expect([res.status, error.code]).toEqual([400, 'ValidationFailed']);
    expect(error.details).toEqual([
      expect.objectContaining({ path: 'upload.fileName', code: 'invalid_file_name' }),
    ]);
    expect(await documentKeys()).toEqual([]);
  });

  test('the same rule for a multipart filename, and for a description fileName with a bidi override', async () => {
    const f = new FormData();
    f.append('description', JSON.stringify(description('MP-BAD', { fileName: 'a\u202Efdp.exe' })));
    f.append('file', new Blob([PDF], { type: 'application/pdf' }), 'a\u202Efdp.exe');
    const res = await fetch(`${s.url}/v1/documents`, { method: 'POST', headers: auth('ingest'), body: f });
    expect(res.status).toBe(400);
    expect(await documentKeys()).toEqual([]);
  });

  test('an invalid Content-Type on a raw upload: 400, nothing stored', async () => {
    const res = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: { ...rawHeaders(description('DOC-BADTYPE')), 'content-type': 'not a type' },
      body: PDF,
    });
    expect(res.status).toBe(400);
    expect(await documentKeys()).toEqual([]);
  });

  test('a file name or type other than the description says: 400 naming both values; nothing stored', async () => {
    const named = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: { ...rawHeaders(description('DOC-OTHERNAME')), 'x-strongroom-file-name': 'other.pdf' },
      body: PDF,
    });
    const namedError = ((await named.json()) as { error: { message: string; details: unknown } }).error;
    expect(named.status).toBe(400);
    expect(namedError.message).toMatch(/"other.pdf".*"note.pdf"/);
    expect(namedError.details).toEqual([
      expect.objectContaining({
        path: 'fileName',
        code: 'mismatch',
        upload: 'other.pdf',
        description: 'note.pdf',
      }),
    ]);
    const f = new FormData();
    f.append('description', JSON.stringify(description('MP-OTHERTYPE')));
    f.append('file', new Blob([PDF], { type: 'image/png' }), 'note.pdf');
    const typed = await fetch(`${s.url}/v1/documents`, { method: 'POST', headers: auth('ingest'), body: f });
    const typedError = ((await typed.json()) as { error: { message: string } }).error;
    expect(typed.status).toBe(400);
    expect(typedError.message).toMatch(/"image\/png".*"application\/pdf"/);
    expect(await documentKeys()).toEqual([]);
  });

  test('parameters and case of the media type do not count; what is served is what the description says', async () => {
    const res = await fetch(`${s.url}/v1/documents`, {
      method: 'POST',
      headers: { ...rawHeaders(description('DOC-CASE')), 'content-type': 'Application/PDF; x=1' },
      body: PDF,
    });
    expect(res.status).toBe(201);
    const doc = await storedDocument('DOC-CASE');
    expect(doc.type).toBe('application/pdf');
    expect(doc.row).toMatchObject({ fileName: 'note.pdf', contentType: 'application/pdf' });
  });
});

describe('two uploads of one document id at the same time', () => {
  // Both pass the catalog look-up before either commits; the loser's create-only PUT finds the
  // winner's file. It must get the answer any later upload with that id gets (issue 8, item 11):
  // 409 Conflict for another file, 200 for the same one; never ObjectKeyTaken, which sends people
  // to reconcile for a leftover that is not there.
  const send = (id: string, body: Buffer): Promise<Response> =>
    fetch(`${s.url}/v1/documents`, { method: 'POST', headers: rawHeaders(description(id)), body });

  test('different files: one 201, one 409 Conflict, and the winner stored as sent', async () => {
    for (let i = 0; i < 4; i += 1) {
      const id = `DOC-RACE-${i}`;
      const a = Buffer.concat([PDF, Buffer.from(`a${i}`)]);
      const b = Buffer.concat([PDF, Buffer.from(`b${i}`)]);
      const answers = await Promise.all([send(id, a), send(id, b)]);
      const bodies = (await Promise.all(answers.map((r) => r.json()))) as { error?: { code: string } }[];
      const statuses = answers.map((r) => r.status).sort();
      expect({ id, statuses, codes: bodies.map((b) => b.error?.code ?? null) }).toEqual({
        id,
        statuses: [201, 409],
        codes: expect.arrayContaining([null, 'Conflict']) as unknown,
      });
      const winner = answers[0]?.status === 201 ? a : b;
      expect((await storedDocument(id)).bytes.equals(winner)).toBe(true);
    }
  });

  test('the same file: one 201 and one 200, one record', async () => {
    const answers = await Promise.all([send('DOC-TWIN', PDF), send('DOC-TWIN', PDF)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 201]);
    expect((await documentKeys()).filter((k) => k.includes('DOC-TWIN'))).toHaveLength(2);
  });
});
