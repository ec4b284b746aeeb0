/**
 * A record damaged at rest, through the real service (issue 11: "a mismatch fails the export and
 * raises an alert, it never ships a bad record"): the archive on its embedded emulator and a temp
 * SQLite catalog, one record's stored bytes changed behind OSS's back (a byte flipped in the
 * emulator's own database: the one fault nothing else can produce), then an export of it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { bucketPlan, loadConfig } from '../../src/config';
import { numberedTrade } from '../../src/records/fixtures';
import { exportWhenBuilt } from './fixtures';
import {
  postJson,
  principalWithToken,
  startTestArchive,
  tempDir,
  type TestArchive,
} from '../integration/helpers';

jest.setTimeout(60_000);

const REQUEST = {
  reference: 'SFC/ENF/2026/0099',
  recipient: { name: 'Jane Officer', organisation: 'Securities and Futures Commission' },
  purpose: 'Enquiry',
};

interface ExportView {
  id: string;
  status: string;
  reason?: string;
  bag: unknown;
}

const finished = (t: TestArchive, token: string, id: string): Promise<ExportView> =>
  exportWhenBuilt(t.url, token, id, 300);

/** Flips one byte of the stored object under `key` in the emulator's index, keeping its metadata. */
function damageAtRest(dataDir: string, bucket: string, key: string): void {
  const db = new Database(path.join(dataDir, 'emulator', 'index.sqlite'));
  try {
    const row = db
      .prepare(
        'SELECT b.id AS id, b.data AS data FROM objects o JOIN blobs b ON b.id = o.blob_id WHERE o.bucket = ? AND o.key = ?',
      )
      .get(bucket, Buffer.from(key)) as { id: number; data: Buffer | null } | undefined;
    if (!row?.data) throw new Error(`no inline blob for ${bucket}/${key}`);
    const data = Buffer.from(row.data);
    data[10] = (data[10] as number) ^ 0x01;
    db.prepare('UPDATE blobs SET data = ? WHERE id = ?').run(data, row.id);
  } finally {
    db.close();
  }
}

describe('an export of a record damaged at rest', () => {
  let t: TestArchive;
  let compliance: { id: string; token: string };
  const dataDir = tempDir('export-integrity');

  beforeAll(async () => {
    t = await startTestArchive({ db: 'sqlite', dataDir });
    compliance = await principalWithToken(t.catalog, 'compliance');
    for (let i = 0; i < 3; i++) {
      const res = await postJson(`${t.url}/v1/records`, numberedTrade('BAD', i), t.ingestToken);
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails, names the record, raises an alert and stores no bag', async () => {
    const victim = await t.catalog.getRecord('T-BAD-0000001');
    if (!victim) throw new Error('no record T-BAD-0000001');
    // The emulator holds its index exclusively while it runs: damaged while the archive is down.
    await t.close();
    damageAtRest(dataDir, victim.bucket, victim.objectKey);
    t = await startTestArchive({ db: 'sqlite', dataDir });

    const created = await postJson(
      `${t.url}/v1/exports`,
      { ...REQUEST, criteria: { recordIds: ['T-BAD-0000000', 'T-BAD-0000001', 'T-BAD-0000002'] } },
      compliance.token,
    );
    expect(created.status).toBe(202);
    const { export: start } = (await created.json()) as { export: ExportView };
    const done = await finished(t, compliance.token, start.id);
    expect(done.status).toBe('failed');
    expect(done.bag).toBeNull();
    expect(done.reason).toContain(victim.objectKey);

    const alerts = await t.catalog.listAlerts({ limit: 100 });
    const alert = alerts.find((a) => a.source === 'export');
    expect(alert).toMatchObject({ kind: 'checksum_mismatch' });
    expect(JSON.stringify(alert?.details)).toContain(start.id);

    // Nothing under the export's key: a bad record is never shipped, not even half a bag.
    const bucket = bucketPlan(loadConfig({ env: {}, overrides: { dataDir } })).exports.bucket;
    const listed: string[] = [];
    for await (const o of t.store.list(bucket, { prefix: `exports/${start.id}` })) listed.push(o.key);
    expect(listed).toEqual([]);

    // The same request without the damaged record is answered, its bag where the listing looked.
    const again = await postJson(
      `${t.url}/v1/exports`,
      { ...REQUEST, criteria: { recordIds: ['T-BAD-0000000', 'T-BAD-0000002'] } },
      compliance.token,
    );
    const { export: second } = (await again.json()) as { export: ExportView };
    expect(await finished(t, compliance.token, second.id)).toMatchObject({ status: 'ready' });
    const bags: string[] = [];
    for await (const o of t.store.list(bucket, { prefix: 'exports/' })) bags.push(o.key);
    expect(bags).toEqual([`exports/${second.id}.zip`]);
  });
});
