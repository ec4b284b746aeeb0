import fs from 'node:fs';
import path from 'node:path';
import { reindexCommand } from '../../src/cli/commands/reconcile';
import { verifyLedgerCommand } from '../../src/cli/commands/verify-ledger';
import { openCatalog } from '../../src/catalog';
import { trade } from '../../src/records/fixtures';
import { bearer, postJson, startTestArchive, tempDir } from '../integration/helpers';

/** reindex restores the catalog's ledger in the order of the signed log's tiles (restoreLedgerLeaves). */
test('reindex into an empty catalog: the checkpointed leaves at their seqs, the others after them', async () => {
  const dataDir = tempDir('reindex-ledger');
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const a = await startTestArchive({ db: 'sqlite', dataDir });
    // Ingested in the reverse of the order reindex walks the bucket.
    const first = ['RX-9', 'RX-8', 'RX-7', 'RX-6', 'RX-5', 'RX-4'];
    for (const id of first)
      expect((await postJson(`${a.url}/v1/records`, trade(id), bearer(a.ingestToken))).status).toBe(201);
    expect(
      (await fetch(`${a.url}/v1/ledger/checkpoint`, { method: 'POST', headers: bearer(a.adminToken) }))
        .status,
    ).toBe(200);
    const before = (await a.catalog.ledgerLeaves()).map((l) => [l.seq, l.recordId, l.leafHash]);
    const key = await a.archive.evidence.ledger.verifierKeyText();
    // Stop the archive without its last checkpoint: two records are in no checkpoint.
    await a.archive.jobs.stop();
    for (const id of ['RX-1', 'RX-0'])
      expect((await postJson(`${a.url}/v1/records`, trade(id), bearer(a.ingestToken))).status).toBe(201);
    await a.close();

    for (const f of fs.readdirSync(dataDir))
      if (f.startsWith('catalog.sqlite')) fs.rmSync(path.join(dataDir, f));
    const report = await reindexCommand({ data: dataDir });
    expect(report.problems).toEqual([]);
    expect(report.committed).toBe(8);
    const catalog = await openCatalog({ sqlitePath: path.join(dataDir, 'catalog.sqlite') });
    try {
      const after = await catalog.ledgerLeaves();
      expect(after.slice(0, 6).map((l) => [l.seq, l.recordId, l.leafHash])).toEqual(before);
      expect(
        after
          .slice(6)
          .map((l) => l.recordId)
          .sort(),
      ).toEqual(['RX-0', 'RX-1']);
      expect((await catalog.getRecord('RX-9'))?.ledgerSeq).toBe(0);
    } finally {
      await catalog.close();
    }
    expect(await verifyLedgerCommand({ data: dataDir, key })).toMatchObject({ ok: true });
  } finally {
    spy.mockRestore();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
