/**
 * The audit trail in a bag (data/audit/events.ndjson) through the real archive and service: the
 * events the export builder used to keep (the whole trail below the export's audit size, filtered
 * by the ids of the records the bag took), now selected by the catalog. Events about other
 * records, about a record whose id differs only by case, about nothing, and after the export
 * was asked for are left out; the order is seq order.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AuditEvent, ExportCriteria } from '../../src/catalog';
import { selectRecords } from '../../src/export/selection';
import { numberedTrade, trade } from '../../src/records/fixtures';
import { unzipTo } from './fixtures';
import {
  databases,
  getWith,
  postJson,
  principalWithToken,
  startTestArchive,
  tempDir,
  type TestArchive,
} from '../integration/helpers';

jest.setTimeout(120_000);

const REQUEST = {
  reference: 'SFC/ENF/2026/0077',
  recipient: { name: 'Jane Officer', organisation: 'Securities and Futures Commission' },
  purpose: 'Enquiry under s.179 SFO',
};

describe.each(databases('bag-audit'))('the audit trail of a bag (%s)', (db) => {
  let t: TestArchive;
  let compliance: { id: string; token: string };
  const dir = tempDir('bag-audit');

  beforeAll(async () => {
    t = await startTestArchive({ db });
    compliance = await principalWithToken(t.catalog, 'compliance');
    // Trades on 2026-10-01..06, and one (2026-10-09) whose id is another's but for case.
    const bodies = [...Array(6).keys()].map((i) => numberedTrade('AUD', i));
    bodies.push(trade('t-aud-0000001', { executedAt: '2026-10-09T09:31:02.000+08:00' }));
    for (const body of bodies) {
      const res = await postJson(`${t.url}/v1/records`, body, t.ingestToken);
      expect(res.status).toBe(201);
    }
    // Reads of some of them, through the API and straight into the trail.
    for (const id of ['T-AUD-0000001', 'T-AUD-0000004', 't-aud-0000001'])
      expect((await getWith(`${t.url}/v1/records/${id}`, compliance.token)).status).toBe(200);
    for (const target of ['T-AUD-0000002', null, 'T-AUD-9999999', 'T-AUD-0000001'])
      await t.catalog.appendAudit({
        principalId: compliance.id,
        action: 'record.note',
        target,
        outcome: 'allowed',
      });
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The events of a ready export's bag, as its events.ndjson holds them. */
  async function bagEvents(id: string): Promise<Record<string, unknown>[]> {
    const row = await t.catalog.getExport(id);
    if (!row?.bag) throw new Error(`export ${id} has no bag`);
    const { body } = await t.store.getBuffer(row.bag.bucket, row.bag.key);
    const zipPath = path.join(dir, `${id}.zip`);
    fs.writeFileSync(zipPath, body);
    await unzipTo(zipPath, path.join(dir, id));
    const text = fs.readFileSync(path.join(dir, id, id, 'data/audit/events.ndjson'), 'utf8');
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** What the builder kept before: every event below the audit size whose target was bagged. */
  async function formerly(id: string): Promise<AuditEvent[]> {
    const row = await t.catalog.getExport(id);
    if (!row) throw new Error(`no export ${id}`);
    const ids = new Set<string>();
    for await (const r of selectRecords(t.catalog, row.criteria, row.ledgerSize)) ids.add(r.recordId);
    expect(ids.size).toBe(row.recordCount);
    const events = await t.catalog.auditEvents({ limit: Math.min(10_000, row.auditSize) });
    expect(events.length).toBe(row.auditSize);
    return events.filter((e) => e.target !== null && ids.has(e.target));
  }

  async function exportOf(criteria: ExportCriteria): Promise<string> {
    const created = await postJson(`${t.url}/v1/exports`, { ...REQUEST, criteria }, compliance.token);
    expect(created.status).toBe(202);
    const id = ((await created.json()) as { export: { id: string } }).export.id;
    for (let i = 0; i < 600; i++) {
      const row = await t.catalog.getExport(id);
      if (row?.status === 'ready') return id;
      if (row?.status === 'failed') throw new Error(`export ${id} failed: ${row.failure}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`export ${id} did not finish`);
  }

  it.each<[string, ExportCriteria, string[]]>([
    [
      'a search',
      { type: 'trade', from: '2026-10-02', to: '2026-10-05' },
      ['T-AUD-0000001', 'T-AUD-0000002', 'T-AUD-0000004'],
    ],
    [
      'record ids',
      { recordIds: ['T-AUD-0000004', 'T-AUD-0000001', 'T-AUD-9999999', 'T-AUD-0000004'] },
      ['T-AUD-0000001', 'T-AUD-0000004'],
    ],
  ])(
    '%s: the same events, in the same order, as the whole trail filtered by the bagged ids',
    async (_n, criteria, read) => {
      const id = await exportOf(criteria);
      const want = await formerly(id);
      // Each record read above is there with its ingest event; the other targets are not.
      for (const target of read)
        expect(want.filter((e) => e.target === target).length).toBeGreaterThanOrEqual(2);
      expect(want.some((e) => e.target === 't-aud-0000001')).toBe(false);
      const got = await bagEvents(id);
      expect(got).toEqual(
        want.map((e) => ({
          seq: e.seq,
          eventId: e.eventId,
          at: e.at.toISOString(),
          principalId: e.principalId,
          action: e.action,
          target: e.target,
          outcome: e.outcome,
          ip: e.ip,
          requestId: e.requestId,
          details: e.details,
          prevHash: e.prevHash,
          hash: e.hash,
        })),
      );
      // The export's own request event came after its audit size: not in its bag.
      expect(got.some((e) => e.target === id)).toBe(false);
    },
  );
});
