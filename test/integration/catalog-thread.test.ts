/**
 * The archive with its SQLite catalog in a worker thread (catalogThread: worker): the write path,
 * idempotency, conflicts, batches and reads behave as on the serving thread, and the ledger and
 * audit trail are whole.
 */
import { verifyAuditChain } from '../../src/catalog';
import { example } from '../records/fixtures';
import { canonicalSha, ndjson, postJson, startTestArchive, uid, type TestArchive } from './helpers';

describe('archive with the catalog in a worker thread', () => {
  let t: TestArchive;

  beforeAll(async () => {
    t = await startTestArchive({ db: 'sqlite', overrides: { catalogThread: 'worker' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('records, repeats, conflicts, a batch and reads', async () => {
    const trade = { ...example('trade'), recordId: uid('T-W') };
    const first = await postJson(`${t.url}/v1/records`, trade, t.ingestToken);
    expect(first.status).toBe(201);
    const receipt = ((await first.json()) as { receipt: { sha256: string; ledgerSeq: number } }).receipt;
    expect(receipt.sha256).toBe(canonicalSha(trade));
    expect((await postJson(`${t.url}/v1/records`, trade, t.ingestToken)).status).toBe(200);
    expect((await postJson(`${t.url}/v1/records`, { ...trade, price: '1.00' }, t.ingestToken)).status).toBe(
      409,
    );

    const lines = [1, 2, 3].map((i) => JSON.stringify({ ...example('trade'), recordId: uid(`T-W-B${i}`) }));
    const res = await fetch(`${t.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.ingestToken}`, 'content-type': 'application/x-ndjson' },
      body: lines.join('\n'),
    });
    const results = ndjson<{ status?: string; summary?: { created: number } }>(await res.text());
    expect(results.at(-1)?.summary?.created).toBe(3);

    const got = await t.catalog.getRecord(trade.recordId);
    expect(got?.sha256).toBe(receipt.sha256);
    expect(await t.catalog.ledgerSize()).toBe(4);
    expect(await verifyAuditChain(t.catalog)).toMatchObject({ ok: true });
  });
});
