/**
 * Every record type through the real API into the real emulator and catalog: receipts, keys,
 * buckets, the dense ledger, reads back (entry, receipt, content), the stored object and its
 * metadata; the REGULATORY.md trade byte for byte; idempotency, conflicts and corrections.
 */
import { canonicalBytes } from '../../src/records';
import {
  REGULATORY_TRADE_CANONICAL,
  REGULATORY_TRADE_SHA256,
  REGULATORY_TRADE_TEXT,
  example,
} from '../records/fixtures';
import {
  canonicalSha,
  databases,
  fileBytes,
  freshPostgresSchema,
  getWith,
  objectKeys,
  postDocument,
  postJson,
  principalWithToken,
  sha256,
  startTestArchive,
  type ErrorBody,
  type ReceiptBody,
  type TestArchive,
} from './helpers';

describe.each(databases('integration/records'))('records, full stack, catalog on %s', (db) => {
  let t: TestArchive;
  beforeAll(async () => {
    t = await startTestArchive({ db });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Checks a stored record everywhere it should be: the API's entry and content, the object and its metadata. */
  async function expectStored(
    record: Record<string, unknown>,
    receipt: ReceiptBody['receipt'],
  ): Promise<void> {
    const bytes = canonicalBytes(record);
    const id = record.recordId as string;

    const view = await getWith(`${t.url}/v1/records/${id}`, (await reader()).token);
    expect(view.status).toBe(200);
    const body = (await view.json()) as { record: Record<string, unknown>; receipt: unknown };
    expect(body.receipt).toEqual(receipt);
    expect(body.record).toMatchObject({
      recordId: id,
      recordType: record.recordType,
      sha256: receipt.sha256,
      ledgerSeq: receipt.ledgerSeq,
    });

    const content = await getWith(`${t.url}/v1/records/${id}/content`, (await reader()).token);
    expect(content.status).toBe(200);
    expect(content.headers.get('x-strongroom-sha256')).toBe(receipt.sha256);
    expect(Buffer.from(await content.arrayBuffer()).equals(bytes)).toBe(true);

    const stored = await t.store.getBuffer(receipt.bucket, receipt.key);
    expect(stored.body.equals(bytes)).toBe(true);
    expect(stored.info.meta.sha256).toBe(sha256(bytes));
    expect(stored.info.crc64).toBe(receipt.crc64);
  }

  let readerToken: { token: string } | undefined;
  async function reader(): Promise<{ token: string }> {
    readerToken ??= await principalWithToken(t.catalog, 'reader');
    return readerToken;
  }

  test('every record type: 201, receipt (sha256, key, bucket), dense ledger, reads back exactly', async () => {
    const trade = example('trade');
    const posts: { record: Record<string, unknown>; key: string }[] = [
      { record: example('order'), key: 'order/2026/11/21/O-20261121-000417.json' },
      { record: trade, key: 'trade/2026/11/21/T-20261121-000001.json' },
      { record: example('contract_note'), key: 'contract_note/2026/11/21/CN-20261121-0001.json' },
      { record: example('alp_order'), key: 'alp_order/2026/03/02/AO-1.json' },
      // The date as written in the record's own offset (-05:00), not converted to UTC or HK time.
      { record: example('alp_trade'), key: 'alp_trade/2026/03/02/AT-1.json' },
      { record: example('correction'), key: 'correction/2026/11/22/X-20261122-0001.json' },
    ];
    const ledgerBefore = await t.catalog.ledgerSize();
    const seqs: number[] = [];
    for (const { record, key } of posts) {
      const res = await postJson(`${t.url}/v1/records`, record, t.ingestToken);
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe(`/v1/records/${record.recordId as string}`);
      const body = (await res.json()) as ReceiptBody;
      expect(body.status).toBe('created');
      expect(body.receipt).toMatchObject({
        recordId: record.recordId,
        recordType: record.recordType,
        bucket: 'strongroom-records-7y',
        key,
        sha256: canonicalSha(record),
        size: canonicalBytes(record).length,
      });
      expect(body.receipt.crc64).toMatch(/^[0-9]+$/);
      seqs.push(body.receipt.ledgerSeq);
      await expectStored(record, body.receipt);
    }

    // The document goes through /v1/documents: the receipt is the file's, the description sits next to it.
    const file = fileBytes(4096, 7);
    const description: Record<string, unknown> = {
      ...example('document'),
      sha256: sha256(file),
      size: file.length,
    };
    const res = await postDocument(t.url, t.ingestToken, description, file, { form: 'raw' });
    expect(res.status).toBe(201);
    const doc = (await res.json()) as ReceiptBody;
    expect(doc.receipt).toMatchObject({
      recordType: 'document',
      bucket: 'strongroom-records-7y',
      key: 'document/2026/11/21/D-CN-20261121-0001.pdf',
      sha256: sha256(file),
      size: file.length,
    });
    seqs.push(doc.receipt.ledgerSeq);
    const content = await getWith(
      `${t.url}/v1/records/${description.recordId as string}/content`,
      (await reader()).token,
    );
    expect(content.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await content.arrayBuffer()).equals(file)).toBe(true);
    const descObject = await t.store.getBuffer(
      'strongroom-records-7y',
      'document/2026/11/21/D-CN-20261121-0001.json',
    );
    expect(descObject.body.equals(canonicalBytes(description))).toBe(true);
    expect(descObject.info.meta.sha256).toBe(canonicalSha(description));
    expect(descObject.info.meta['content-sha256']).toBe(sha256(file));

    // Dense: one leaf per post, in post order, each leaf the record's hash.
    expect(seqs).toEqual(seqs.map((_, i) => ledgerBefore + i));
    expect(await t.catalog.ledgerSize()).toBe(ledgerBefore + seqs.length);
    const leaves = await t.catalog.ledgerLeaves({ fromSeq: ledgerBefore });
    expect(leaves.map((l) => l.recordId)).toEqual([
      ...posts.map((p) => p.record.recordId),
      description.recordId,
    ]);
    expect(leaves.map((l) => l.sha256)).toEqual([...posts.map((p) => canonicalSha(p.record)), sha256(file)]);
  });

  test('a document of a class with its own bucket goes to that bucket', async () => {
    const file = fileBytes(2000, 3);
    const description = {
      recordType: 'document',
      recordId: 'VR-20261121-0099',
      documentType: 'voice_recording',
      title: 'Order call',
      recordedAt: '2026-11-21T09:30:40+08:00',
      fileName: 'call.mp3',
      contentType: 'audio/mpeg',
    };
    const res = await postDocument(t.url, t.ingestToken, description, file, {
      form: 'raw',
      contentType: 'audio/mpeg',
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as ReceiptBody;
    expect(body.receipt).toMatchObject({
      bucket: 'strongroom-records-voice-6m',
      key: 'document/2026/11/21/VR-20261121-0099.mp3',
    });
    expect(await objectKeys(t.store, 'strongroom-records-voice-6m')).toEqual([
      'document/2026/11/21/VR-20261121-0099.json',
      'document/2026/11/21/VR-20261121-0099.mp3',
    ]);
  });

  test('the REGULATORY.md trade exactly as given (line breaks included) on a fresh archive', async () => {
    const fresh = await startTestArchive({ db });
    try {
      const res = await postJson(`${fresh.url}/v1/records`, REGULATORY_TRADE_TEXT, fresh.ingestToken);
      expect(res.status).toBe(201);
      const body = (await res.json()) as ReceiptBody;
      expect(body.receipt).toMatchObject({
        recordId: 'T-20261121-000001',
        bucket: 'strongroom-records-7y',
        key: 'trade/2026/11/21/T-20261121-000001.json',
        sha256: REGULATORY_TRADE_SHA256,
        size: Buffer.byteLength(REGULATORY_TRADE_CANONICAL),
        ledgerSeq: 0,
      });
      const stored = await fresh.store.getBuffer(body.receipt.bucket, body.receipt.key);
      expect(stored.body.toString('utf8')).toBe(REGULATORY_TRADE_CANONICAL);
      expect(stored.info.meta.sha256).toBe(REGULATORY_TRADE_SHA256);
    } finally {
      await fresh.close();
    }
  });

  test('two archives side by side, each on its own catalog (PostgreSQL: two schemas of one database)', async () => {
    const schemas = db === 'postgres' ? [await freshPostgresSchema(), await freshPostgresSchema()] : [];
    const started: TestArchive[] = [];
    try {
      for (const schema of [0, 1].map((i) => schemas[i])) {
        const overrides = schema ? { databaseUrl: schema.url } : {};
        started.push(
          await startTestArchive({ db: 'sqlite', overrides }).catch((err: Error) => {
            throw new Error(
              `BUG (src/catalog, openCatalog): a catalog cannot be opened in a fresh schema while another schema of the ` +
                `same database holds one (Kysely's Migrator is given no migrationTableSchema, so it finds ` +
                `catalog_migration in the other schema, skips creating it here and then fails): ${err.message}`,
            );
          }),
        );
      }
      for (const a of started) {
        const res = await postJson(`${a.url}/v1/records`, REGULATORY_TRADE_TEXT, a.ingestToken);
        expect(res.status).toBe(201);
        expect(((await res.json()) as ReceiptBody).receipt.ledgerSeq).toBe(0);
      }
    } finally {
      for (const a of started) await a.close();
      for (const s of schemas) await s.drop();
    }
  });

  describe('idempotency and conflicts', () => {
    const original = { ...example('trade'), recordId: 'T-IDEM-1', tradeId: 'T-IDEM-1' };
    let first: ReceiptBody['receipt'];

    beforeAll(async () => {
      const res = await postJson(`${t.url}/v1/records`, original, t.ingestToken);
      expect(res.status).toBe(201);
      first = ((await res.json()) as ReceiptBody).receipt;
    });

    test('same id, same bytes (keys reordered, spaced): 200 existing, same receipt, no second leaf, audited', async () => {
      const ledger = await t.catalog.ledgerSize();
      const keys = await objectKeys(t.store, t.recordsBucket);
      const reordered = JSON.stringify(Object.fromEntries(Object.entries(original).reverse()), null, 2);
      const res = await postJson(`${t.url}/v1/records`, reordered, t.ingestToken);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'existing', receipt: first });
      expect(await t.catalog.ledgerSize()).toBe(ledger);
      expect(await objectKeys(t.store, t.recordsBucket)).toEqual(keys);
      const requestId = res.headers.get('x-request-id');
      const events = (await t.catalog.auditEvents({ limit: 10000 })).filter((e) => e.requestId === requestId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ action: 'records.write', target: 'T-IDEM-1', outcome: 'allowed' });
    });

    test('same id, different bytes: 409 Conflict with a hint to send a correction; nothing changed', async () => {
      const ledger = await t.catalog.ledgerSize();
      const keys = await objectKeys(t.store, t.recordsBucket);
      const res = await postJson(`${t.url}/v1/records`, { ...original, price: '388.40' }, t.ingestToken);
      expect(res.status).toBe(409);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('Conflict');
      expect(body.error.hint).toMatch(/correction/);
      expect(await t.catalog.ledgerSize()).toBe(ledger);
      expect(await objectKeys(t.store, t.recordsBucket)).toEqual(keys);
      expect((await t.catalog.getRecord('T-IDEM-1'))?.sha256).toBe(first.sha256);
      const stored = await t.store.getBuffer(first.bucket, first.key);
      expect(stored.body.equals(canonicalBytes(original))).toBe(true);
      const events = (await t.catalog.auditEvents({ limit: 10000 })).filter(
        (e) => e.requestId === res.headers.get('x-request-id'),
      );
      expect(events.map((e) => e.outcome)).toEqual(['denied']);
    });

    test('a correction amending it: 201, listed by catalog.corrections and by GET of the original', async () => {
      const correction = {
        ...example('correction'),
        recordId: 'X-IDEM-1',
        amends: 'T-IDEM-1',
        changes: [{ field: 'price', from: '388.20', to: '388.40' }],
      };
      const res = await postJson(`${t.url}/v1/records`, correction, t.ingestToken);
      expect(res.status).toBe(201);
      const receipt = ((await res.json()) as ReceiptBody).receipt;
      expect(receipt.sha256).toBe(canonicalSha(correction));
      expect((await t.catalog.corrections('T-IDEM-1')).map((c) => c.recordId)).toEqual(['X-IDEM-1']);
      expect((await t.catalog.getRecord('X-IDEM-1'))?.amends).toBe('T-IDEM-1');
      const view = (await (await getWith(`${t.url}/v1/records/T-IDEM-1`, (await reader()).token)).json()) as {
        correctedBy: string[];
        receipt: unknown;
      };
      expect(view.correctedBy).toEqual(['X-IDEM-1']);
      expect(view.receipt).toEqual(first);
    });
  });
});
