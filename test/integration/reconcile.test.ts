/**
 * Recovery, full stack: objects stored as the write path stores them but never committed (a crash
 * between the PUT and the catalog transaction) are committed exactly once by `reconcile`, or by
 * the sender's retry; objects whose bytes do not match their SHA-256 metadata are reported, never
 * committed; `reindex` rebuilds every record row into a fresh catalog from OSS alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openCatalog, type Catalog } from '../../src/catalog';
import { bucketPlan } from '../../src/config';
import { recoverFromStore, type RecoveryMode } from '../../src/ingest/recovery';
import {
  canonicalBytes,
  CONTENT_META,
  documentKey,
  objectKey,
  storedMetadata,
  validateRecord,
  type DocumentRecord,
} from '../../src/records';
import { ObjectSeal } from '../../src/records/seal';
import { openArchiveSeal } from '../../src/runtime/seal';
import { example } from '../records/fixtures';
import {
  canonicalSha,
  databases,
  fileBytes,
  freshPostgresDatabase,
  postDocument,
  postJson,
  sha256,
  startTestArchive,
  tempDir,
  uid,
  type ErrorBody,
  type ReceiptBody,
  type TestArchive,
} from './helpers';

/** The metadata the write path puts on a record object (the adapter adds the x-oss-meta- prefix). */
function ingestMeta(
  record: Record<string, unknown>,
  principal: string,
  sha = canonicalSha(record),
): Record<string, string> {
  return storedMetadata({
    sha256: sha,
    recordType: record.recordType as DocumentRecord['recordType'],
    recordId: record.recordId as string,
    principal,
    ingestedAt: new Date(),
  });
}

/** A document description for `file`: the example document under a fresh id, with its SHA-256 and size. */
function documentFor(file: Buffer, prefix: string): Record<string, unknown> & { recordId: string } {
  return { ...example('document'), recordId: uid(prefix), sha256: sha256(file), size: file.length };
}

function keyOf(record: Record<string, unknown>): string {
  const v = validateRecord(record);
  if (!v.ok) throw new Error(`invalid fixture: ${JSON.stringify(v.issues)}`);
  return objectKey(v.record);
}

describe.each(databases('integration/reconcile'))('reconcile and reindex, catalog on %s', (db) => {
  let t: TestArchive;
  let principal: string;
  let seal: ObjectSeal;

  beforeAll(async () => {
    t = await startTestArchive({ db });
    // The key the archive seals its objects with (made on first start in the local profile).
    seal = openArchiveSeal(t.config);
    principal = (await t.catalog.findPrincipalByName('local-ingest'))?.id ?? '';
    expect(principal).toMatch(/^sys_/);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Runs `fn` on a fresh, empty catalog on the same kind of database, removed afterwards. */
  async function withFreshCatalog(fn: (fresh: Catalog) => Promise<void>): Promise<void> {
    const pg = db === 'postgres' ? await freshPostgresDatabase() : undefined;
    const dir = tempDir('reindex');
    let fresh: Catalog | undefined;
    try {
      fresh = await openCatalog(
        pg ? { databaseUrl: pg.url } : { sqlitePath: path.join(dir, 'fresh.sqlite') },
      );
      await fn(fresh);
    } finally {
      await fresh?.close();
      await pg?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Recovery over the archive's store, into `catalog` (default: the archive's own). */
  function recover(mode: RecoveryMode, catalog: Catalog = t.catalog) {
    return recoverFromStore({ store: t.store, catalog, plan: bucketPlan(t.config), seal }, { mode });
  }

  /** The PUT of the write path, without its commit: what a crash right after the PUT leaves. */
  async function crashAfterPut(record: Record<string, unknown>): Promise<string> {
    const key = keyOf(record);
    await t.store.putBuffer(t.recordsBucket, key, canonicalBytes(record), {
      meta: seal.seal(t.recordsBucket, key, ingestMeta(record, principal)),
      contentType: 'application/json',
    });
    return key;
  }

  test('a record stored but not committed: reconcile commits it once, verified, audited; a second run finds it catalogued', async () => {
    const record = { ...example('trade'), recordId: uid('T-CRASH'), tradeId: 'T-CRASH' };
    const key = await crashAfterPut(record);
    expect(await t.catalog.getRecord(record.recordId)).toBeUndefined();
    const ledger = await t.catalog.ledgerSize();

    const report = await recover('reconcile');
    expect(report.problems).toEqual([]);
    expect(report.committed).toBe(1);
    expect(report.items).toEqual([
      expect.objectContaining({ key, recordId: record.recordId, outcome: 'committed', ledgerSeq: ledger }),
    ]);
    const row = await t.catalog.getRecord(record.recordId);
    expect(row).toMatchObject({
      sha256: canonicalSha(record),
      objectKey: key,
      bucket: t.recordsBucket,
      principalId: principal,
      ledgerSeq: ledger,
    });
    expect(await t.catalog.ledgerSize()).toBe(ledger + 1);
    const events = (await t.catalog.auditEvents({ limit: 10000 })).filter(
      (e) => e.target === record.recordId,
    );
    expect(events.map((e) => [e.action, e.outcome])).toEqual([['records.reconcile', 'allowed']]);

    const second = await recover('reconcile');
    expect([second.committed, second.problems]).toEqual([0, []]);
    expect(await t.catalog.ledgerSize()).toBe(ledger + 1);
    // The API serves it like any other record, and a resend is `existing`.
    const again = await postJson(`${t.url}/v1/records`, record, t.ingestToken);
    expect(again.status).toBe(200);
  });

  test('a record stored but not committed, then sent again by the sender: 201 once (the object is adopted), reconcile has nothing left', async () => {
    const record = { ...example('order'), recordId: uid('O-CRASH') };
    const key = await crashAfterPut(record);
    const ledger = await t.catalog.ledgerSize();
    const res = await postJson(`${t.url}/v1/records`, record, t.ingestToken);
    const body = (await res.json()) as ReceiptBody & { error?: { code: string } };
    expect([res.status, body.error?.code ?? body.status]).toEqual([201, 'created']);
    expect(body.receipt).toMatchObject({ key, sha256: canonicalSha(record), ledgerSeq: ledger });
    // Protected from the object's own Last-Modified (earlier than this request): retainUntil stays a lower bound.
    const info = await t.store.head(t.recordsBucket, key);
    expect(Date.parse(body.receipt.retainUntil)).toBeLessThanOrEqual(
      info.lastModified.getTime() + 2557 * 86_400_000,
    );
    expect((await postJson(`${t.url}/v1/records`, record, t.ingestToken)).status).toBe(200);
    const report = await recover('reconcile');
    expect([report.committed, report.problems]).toEqual([0, []]);
    expect(await t.catalog.ledgerSize()).toBe(ledger + 1);
  });

  test("a document (file and description) stored but not committed: reconcile commits it with the file's SHA-256", async () => {
    const file = fileBytes(150 * 1024, 11);
    const description = documentFor(file, 'D-CRASH');
    const v = validateRecord(description);
    if (!v.ok) throw new Error('invalid fixture');
    const fileKey = documentKey(v.record as DocumentRecord);
    const put = await t.store.putBuffer(t.recordsBucket, fileKey, file, {
      meta: { 'record-id': description.recordId, 'record-type': 'document' },
      contentType: 'application/pdf',
    });
    const descKey = objectKey(v.record);
    await t.store.putBuffer(t.recordsBucket, descKey, canonicalBytes(description), {
      meta: seal.seal(t.recordsBucket, descKey, {
        ...ingestMeta(description, principal),
        [CONTENT_META.key]: fileKey,
        [CONTENT_META.sha256]: put.sha256,
        [CONTENT_META.crc64]: put.crc64,
        [CONTENT_META.size]: String(put.size),
      }),
      contentType: 'application/json',
    });
    const report = await recover('reconcile');
    expect(report.problems).toEqual([]);
    expect(report.committed).toBe(1);
    expect(await t.catalog.getRecord(description.recordId)).toMatchObject({
      sha256: sha256(file),
      objectKey: fileKey,
      size: file.length,
      documentType: 'contract_note',
    });
  });

  test('an object whose SHA-256 metadata does not match its bytes, and a file without description: problems, not committed', async () => {
    const record = { ...example('trade'), recordId: uid('T-TAMPERED'), tradeId: 'T-TAMPERED' };
    const key = keyOf(record);
    // Sealed by the archive, but its bytes are not the ones sealed (changed after the write).
    await t.store.putBuffer(t.recordsBucket, key, canonicalBytes(record), {
      meta: seal.seal(t.recordsBucket, key, ingestMeta(record, principal, sha256('other bytes'))),
      contentType: 'application/json',
    });
    const orphan = `document/2026/11/21/${uid('D-ORPHAN')}.pdf`;
    await t.store.putBuffer(t.recordsBucket, orphan, fileBytes(100), { contentType: 'application/pdf' });
    const ledger = await t.catalog.ledgerSize();

    const report = await recover('reconcile');
    expect(report.committed).toBe(0);
    expect(report.problems.map((p) => p.key).sort()).toEqual([key, orphan].sort());
    expect(report.problems.find((p) => p.key === key)?.reason).toMatch(/SHA-256/);
    expect(await t.catalog.getRecord(record.recordId)).toBeUndefined();
    expect(await t.catalog.ledgerSize()).toBe(ledger);

    // The sender's retry does not adopt it either: the object under the key is not the record sent.
    const res = await postJson(`${t.url}/v1/records`, record, t.ingestToken);
    expect(res.status).toBe(409);
    expect(await t.catalog.getRecord(record.recordId)).toBeUndefined();
  });

  test('reindex into a fresh catalog rebuilds every record row from OSS', async () => {
    // Some records through the API as well, of several kinds.
    for (const r of [example('contract_note'), example('alp_trade'), example('correction')]) {
      expect((await postJson(`${t.url}/v1/records`, r, t.ingestToken)).status).toBe(201);
    }
    const file = fileBytes(400 * 1024, 3);
    const doc = documentFor(file, 'D-REINDEX');
    expect((await postDocument(t.url, t.ingestToken, doc, file, { form: 'raw' })).status).toBe(201);

    const original = (await t.catalog.searchRecords({ limit: 1000 })).records;
    // Three committed by the tests above (two after a crash, one document) and four through the API.
    expect(original).toHaveLength(7);
    await withFreshCatalog(async (fresh) => {
      const report = await recover('reindex', fresh);
      expect(report.committed).toBe(original.length);
      // The tampered object and the orphan file of the test above stay problems.
      expect(report.problems).toHaveLength(2);
      expect(await fresh.ledgerSize()).toBe(original.length);
      for (const row of original) {
        const rebuilt = await fresh.getRecord(row.recordId);
        const { ledgerSeq: _a, ingestedAt: _b, retainUntil: _c, ...same } = row;
        expect(rebuilt).toMatchObject(same);
      }
      expect(await fresh.auditSize()).toBe(0);
    });
  });

  test('reindex gives back the catalog row of a document whose file name was given at upload (multipart, raw header)', async () => {
    const sent: { id: string; fileName: string }[] = [];
    for (const form of ['multipart', 'raw'] as const) {
      const file = fileBytes(120 * 1024, form === 'raw' ? 31 : 32);
      // The name the sender gave the file, which its description must name too.
      const fileName = form === 'raw' ? '合約 note 2026.pdf' : 'scan (signed).pdf';
      const doc = { ...documentFor(file, `D-NAME-${form}`), fileName };
      const res = await postDocument(t.url, t.ingestToken, doc, file, { form, fileName });
      expect([form, res.status]).toEqual([form, 201]);
      sent.push({ id: doc.recordId, fileName });
    }
    await withFreshCatalog(async (fresh) => {
      await recover('reindex', fresh);
      for (const { id, fileName } of sent) {
        const original = await t.catalog.getRecord(id);
        const rebuilt = await fresh.getRecord(id);
        expect(original?.fileName).toBe(fileName);
        // The same row, column for column (the ledger is the fresh catalog's own) ...
        const { ledgerSeq: _a, retainUntil: keptUntil, ...row } = original as NonNullable<typeof original>;
        const { ledgerSeq: _b, retainUntil: rebuiltUntil, ...again } = rebuilt as NonNullable<typeof rebuilt>;
        expect(again).toEqual(row);
        // ... but retain-until, rebuilt from the objects' Last-Modified, which OSS keeps in whole
        // seconds: a lower bound too, at most the second it was cut to before the receipt's.
        const earlier = keptUntil.getTime() - rebuiltUntil.getTime();
        expect(earlier).toBeGreaterThanOrEqual(0);
        expect(earlier).toBeLessThan(1000);
      }
    });
  });

  test("a document's file left by an earlier upload that never committed: the same file sent again is adopted; another file under its key is refused", async () => {
    const file = fileBytes(150 * 1024, 12);
    const leftOver = async (doc: Record<string, unknown>, bytes: Buffer): Promise<string> => {
      const v = validateRecord(doc);
      if (!v.ok) throw new Error('invalid fixture');
      const key = documentKey(v.record as DocumentRecord);
      await t.store.putBuffer(t.recordsBucket, key, bytes, {
        meta: { 'record-id': doc.recordId as string, 'record-type': 'document' },
        contentType: 'application/pdf',
      });
      return key;
    };
    const same = documentFor(file, 'D-LEFT');
    const fileKey = await leftOver(same, file);
    const ledger = await t.catalog.ledgerSize();
    const res = await postDocument(t.url, t.ingestToken, same, file, { form: 'raw' });
    const body = (await res.json()) as ReceiptBody;
    expect(res.status).toBe(201);
    expect(body.receipt).toMatchObject({ key: fileKey, sha256: sha256(file), ledgerSeq: ledger });
    expect(await t.catalog.ledgerSize()).toBe(ledger + 1);

    const other = documentFor(file, 'D-LEFT-OTHER');
    await leftOver(other, fileBytes(150 * 1024, 13));
    const refused = await postDocument(t.url, t.ingestToken, other, file, { form: 'raw' });
    expect(refused.status).toBe(409);
    const error = ((await refused.json()) as ErrorBody).error;
    expect(error.code).toBe('ObjectKeyTaken');
    expect(error.hint).toMatch(/strongroom reconcile/);
    expect(await t.catalog.getRecord(other.recordId)).toBeUndefined();
    expect(await t.catalog.ledgerSize()).toBe(ledger + 1);
  });

  test('objects written with the OSS keys, not by the archive: reported as foreign by reconcile and reindex, never committed (issue 8, item 2)', async () => {
    const forged: string[] = [];
    const put = async (
      prefix: string,
      meta: (key: string, m: Record<string, string>) => Record<string, string>,
      at = new Date(),
    ) => {
      const record = { ...example('trade'), recordId: uid(prefix), tradeId: prefix };
      const key = keyOf(record);
      const plain = storedMetadata({
        sha256: canonicalSha(record),
        recordType: 'trade',
        recordId: record.recordId,
        principal,
        ingestedAt: at,
      });
      await t.store.putBuffer(t.recordsBucket, key, canonicalBytes(record), {
        meta: meta(key, plain),
        contentType: 'application/json',
      });
      forged.push(key);
      return record.recordId;
    };
    // Self-consistent metadata (the ingest principal, the right SHA-256) and a back-dated ingest time.
    const ids = [
      await put('T-FORGED-NOSEAL', (_k, m) => m, new Date(Date.UTC(2024, 0, 2))),
      await put('T-FORGED-KEY', (k, m) => ObjectSeal.random().seal(t.recordsBucket, k, m)),
      await put('T-FORGED-BAD', (_k, m) => ({ ...m, mac: `v1.${seal.keyId}.${'0'.repeat(64)}` })),
      // The archive's own key, but an ingest time a year before the object existed.
      await put(
        'T-FORGED-TIME',
        (k, m) => seal.seal(t.recordsBucket, k, m),
        new Date(Date.now() - 365 * 86_400_000),
      ),
    ];
    const ledger = await t.catalog.ledgerSize();
    const audit = await t.catalog.auditSize();

    const report = await recover('reconcile');
    // Listed in key order: looked up by record id.
    const mine = new Map(report.problems.filter((p) => forged.includes(p.key)).map((p) => [p.recordId, p]));
    const reasons = [
      /not written by this archive: it carries no seal/,
      /sealed under another key/,
      /seal does not match its bucket, key and metadata/,
      /claimed ingest time .* does not agree with its Last-Modified/,
    ];
    ids.forEach((id, i) =>
      expect(mine.get(id)).toMatchObject({ outcome: 'foreign', reason: expect.stringMatching(reasons[i]!) }),
    );
    expect(report.foreign).toBeGreaterThanOrEqual(4);
    for (const id of ids) expect(await t.catalog.getRecord(id)).toBeUndefined();
    expect(await t.catalog.ledgerSize()).toBe(ledger);
    expect(await t.catalog.auditSize()).toBe(audit);

    await withFreshCatalog(async (fresh) => {
      const again = await recover('reindex', fresh);
      expect(again.problems.filter((p) => forged.includes(p.key)).map((p) => p.outcome)).toEqual(
        ids.map(() => 'foreign'),
      );
      for (const id of ids) expect(await fresh.getRecord(id)).toBeUndefined();
    });
  });
});
