/**
 * Access that bypasses the archive, in the trail: reads made directly with ali-oss (the account's
 * key, an STS session registered for an export, no key at all) come back from the emulator's
 * official access logs through the importer into GET /v1/records/:id/audit and GET /v1/audit; a
 * retention policy change made directly comes back from ActionTrail. The queries' formats,
 * pagination and refusals; `strongroom audit query` as CSV.
 */
import OSS from 'ali-oss';
import { bucketPlan } from '../../src/config';
import { localCredentials } from '../../src/runtime/store';
import { trade } from '../../src/records/fixtures';
import { makeClient } from '../emulator/helpers';
import { descriptionKeyOf } from '../../src/catalog';
import {
  databases,
  fileBytes,
  getWith,
  postDocument,
  postJson,
  principalWithToken,
  startTestArchive,
  type TestArchive,
} from './helpers';

interface EventView {
  seq: number;
  source: string;
  principalId: string | null;
  action: string;
  target: string | null;
  outcome: string;
  details: Record<string, unknown> | null;
}

describe.each(databases('integration/audit-import'))('imported access, catalog on %s', (db) => {
  let t: TestArchive;
  let compliance: string;
  let auditor: string;
  const id = `IMPORT-${db}-1`;
  beforeAll(async () => {
    t = await startTestArchive({
      db,
      overrides: { audit: { sealSeconds: 3600, importSeconds: 3600 }, emulator: { logFlushSeconds: 3600 } },
    });
    compliance = (await principalWithToken(t.catalog, 'compliance')).token;
    auditor = (await principalWithToken(t.catalog, 'auditor')).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  test('direct reads with ali-oss (account key, STS session, anonymous) show up in GET /v1/records/:id/audit after an import', async () => {
    expect((await postJson(`${t.url}/v1/records`, trade(id), t.ingestToken)).status).toBe(201);
    const row = await t.catalog.getRecord(id);
    if (!row) throw new Error('not catalogued');
    const root = localCredentials(t.config);
    const direct = makeClient(t.archive.storeEndpoint, root.accessKeyId, root.accessKeySecret, {
      bucket: row.bucket,
    });
    const got = await direct.get(row.objectKey);
    expect(got.res.status).toBe(200);
    const anonymous = await fetch(`${t.archive.storeEndpoint}/${row.bucket}/${row.objectKey}`);
    expect(anonymous.status).toBe(403);
    const reader = (await principalWithToken(t.catalog, 'reader')).token;
    expect((await getWith(`${t.url}/v1/records/${id}/content`, reader)).status).toBe(200);

    // An STS session the archive obtained for an export (as the export engineer registers it).
    const plan = bucketPlan(t.config);
    const bagKey = `exports/exp_test/${db}.zip`;
    await t.store.putBuffer(plan.exports.bucket, bagKey, Buffer.from('a bag'));
    const sts = t.archive.cloud.clients?.sts;
    if (!sts || !t.archive.cloud.exportRoleArn) throw new Error('the local control plane is expected');
    const creds = await sts.assumeRole({
      roleArn: t.archive.cloud.exportRoleArn,
      sessionName: 'export-exp_test',
    });
    await t.catalog.registerStsAttribution({
      accessKeyId: creds.accessKeyId,
      purpose: 'export',
      exportId: 'exp_test',
      recipient: 'SFC Enforcement',
      roleArn: t.archive.cloud.exportRoleArn,
      expiresAt: creds.expiration,
    });
    const viaSts = new OSS({
      endpoint: t.archive.storeEndpoint,
      accessKeyId: creds.accessKeyId,
      accessKeySecret: creds.accessKeySecret,
      stsToken: creds.securityToken,
      bucket: plan.exports.bucket,
      region: 'oss-local',
      sldEnable: true,
    } as OSS.Options);
    expect((await viaSts.get(bagKey)).res.status).toBe(200);

    await t.archive.storeHandle.emulator?.flushAccessLogs();
    const run = await t.archive.audit.importOnce();
    expect(run.ossAccessLogs.imported).toBeGreaterThanOrEqual(4);
    expect(run.ossAccessLogs.unreadable).toBe(0);
    // Importing again adds nothing: log objects and request ids are deduped.
    const again = await t.archive.audit.importOnce();
    expect(again.ossAccessLogs.imported).toBe(0);

    const res = await getWith(`${t.url}/v1/records/${id}/audit`, compliance);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { recordId: string; object: string; items: EventView[] };
    const object = `oss://${row.bucket}/${row.objectKey}`;
    expect(body.object).toBe(object);
    const imported = body.items.filter((e) => e.source === 'oss-access-log');
    expect(imported).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'oss.GetObject',
          target: object,
          outcome: 'allowed',
          principalId: 'archive-provisioning',
          details: expect.objectContaining({
            accessKeyId: root.accessKeyId,
            status: 200,
            attribution: 'service',
          }) as unknown,
        }),
        // Refused before it was known what it was: the emulator logs the operation as OSS does not say.
        expect.objectContaining({ target: object, outcome: 'denied', principalId: 'anonymous' }),
        expect.objectContaining({
          action: 'oss.GetObject',
          principalId: 'archive-service',
          outcome: 'allowed',
        }),
        expect.objectContaining({ action: 'oss.PutObject', principalId: 'archive-service' }),
      ]),
    );
    // The archive's own events about the record too, in trail order.
    expect(
      body.items.some((e) => e.source === 'api' && e.target === id && e.action === 'records.write'),
    ).toBe(true);
    const seqs = body.items.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // Never a signature, token or secret in what was imported.
    const text = JSON.stringify(imported);
    expect(text).not.toContain(root.accessKeySecret);
    expect(text).not.toContain(creds.securityToken);
    expect(text).not.toMatch(/Signature=/);

    const download = await getWith(
      `${t.url}/v1/audit?source=oss-access-log&action=oss.GetObject&target=${encodeURIComponent(`oss://${plan.exports.bucket}/${bagKey}`)}`,
      auditor,
    );
    const downloads = ((await download.json()) as { items: EventView[] }).items;
    expect(downloads).toEqual([
      expect.objectContaining({
        principalId: `sts:${creds.accessKeyId}`,
        details: expect.objectContaining({
          attribution: 'sts',
          purpose: 'export',
          exportId: 'exp_test',
          recipient: 'SFC Enforcement',
          status: 200,
          sentBytes: 5,
        }) as unknown,
      }),
    ]);
  });

  test("a document's file and its description, read directly, both show up in its record audit", async () => {
    const docId = `IMPORT-DOC-${db}-1`;
    const description = {
      recordType: 'document',
      recordId: docId,
      documentType: 'contract_note',
      title: 'Contract note',
      documentDate: '2026-11-21',
      clientId: 'C-1001',
      fileName: 'note.pdf',
      contentType: 'application/pdf',
    };
    const posted = await postDocument(t.url, t.ingestToken, description, fileBytes(3000), { form: 'raw' });
    expect(posted.status).toBe(201);
    const row = await t.catalog.getRecord(docId);
    const descKey = row ? descriptionKeyOf(row) : null;
    if (!row || descKey === null) throw new Error('not catalogued as a document');
    const root = localCredentials(t.config);
    const direct = makeClient(t.archive.storeEndpoint, root.accessKeyId, root.accessKeySecret, {
      bucket: row.bucket,
    });
    expect((await direct.get(row.objectKey)).res.status).toBe(200);
    expect((await direct.head(descKey)).res.status).toBe(200);
    await t.archive.storeHandle.emulator?.flushAccessLogs();
    await t.archive.audit.importOnce();

    const res = await getWith(`${t.url}/v1/records/${docId}/audit`, compliance);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; objects: string[]; items: EventView[] };
    const file = `oss://${row.bucket}/${row.objectKey}`;
    const desc = `oss://${row.bucket}/${descKey}`;
    expect(body.object).toBe(file);
    expect(body.objects).toEqual([file, desc]);
    const directly = body.items.filter(
      (e) => e.source === 'oss-access-log' && e.principalId === 'archive-provisioning',
    );
    expect(directly).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'oss.GetObject', target: file }),
        expect.objectContaining({ action: 'oss.HeadObject', target: desc }),
      ]),
    );
  });

  test('a retention policy change made directly shows up from ActionTrail', async () => {
    const bucket = t.recordsBucket;
    const root = localCredentials(t.config);
    const direct = makeClient(t.archive.storeEndpoint, root.accessKeyId, root.accessKeySecret);
    const worm = await direct.getBucketWorm(bucket);
    await direct.extendBucketWorm(bucket, worm.wormId, Number(worm.days) + 1);
    const run = await t.archive.audit.importOnce();
    expect(run.actionTrail?.imported).toBeGreaterThanOrEqual(1);
    const res = await getWith(
      `${t.url}/v1/audit?source=actiontrail&action=actiontrail.ExtendBucketWorm`,
      auditor,
    );
    expect(res.status).toBe(200);
    const items = ((await res.json()) as { items: EventView[] }).items;
    expect(items).toEqual([
      expect.objectContaining({
        target: `oss://${bucket}`,
        outcome: 'allowed',
        principalId: 'archive-provisioning',
        details: expect.objectContaining({
          eventName: 'ExtendBucketWorm',
          accessKeyId: root.accessKeyId,
        }) as unknown,
      }),
    ]);
    // The provisioning at start is there too (buckets made, logging on, policies locked).
    const all = await getWith(`${t.url}/v1/audit?source=actiontrail&limit=1000`, auditor);
    const names = ((await all.json()) as { items: EventView[] }).items.map((e) => e.action);
    expect(names).toEqual(
      expect.arrayContaining([
        'actiontrail.PutBucket',
        'actiontrail.PutBucketLogging',
        'actiontrail.CompleteBucketWorm',
      ]),
    );
  });

  test('GET /v1/audit: filters, keyset pages, NDJSON and CSV; bad parameters are 400s with reasons', async () => {
    const first = await getWith(`${t.url}/v1/audit?limit=3`, auditor);
    const page1 = (await first.json()) as { items: EventView[]; nextCursor?: string };
    expect(page1.items.map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(first.headers.get('x-strongroom-next-cursor')).toBe(page1.nextCursor);
    const second = (await (
      await getWith(`${t.url}/v1/audit?limit=3&cursor=${page1.nextCursor as string}`, auditor)
    ).json()) as {
      items: EventView[];
    };
    expect(second.items.map((e) => e.seq)).toEqual([3, 4, 5]);

    const day = new Date().toISOString().slice(0, 10);
    const byDay = await getWith(
      `${t.url}/v1/audit?principal=archive-service&from=${day}&source=oss-access-log&format=ndjson`,
      auditor,
    );
    expect(byDay.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await byDay.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EventView);
    expect(lines.length).toBeGreaterThan(0);
    for (const e of lines)
      expect(e).toMatchObject({ principalId: 'archive-service', source: 'oss-access-log' });

    const csv = await getWith(`${t.url}/v1/audit?format=csv&limit=5`, compliance);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (await csv.text()).split('\r\n');
    expect(rows[0]).toBe(
      'seq,at,source,principalId,action,target,outcome,ip,requestId,eventId,details,prevHash,hash',
    );
    expect(rows).toHaveLength(7);

    for (const [query, param] of [
      ['from=yesterday', 'from'],
      ['to=2026-02-30', 'to'],
      ['from=2026-11-22&to=2026-11-21', 'to'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['cursor=bogus', 'cursor'],
      [`cursor=${Buffer.from('segments:3').toString('base64url')}`, 'cursor'],
      ['source=email', 'source'],
      ['outcome=maybe', 'outcome'],
      ['format=xml', 'format'],
      ['principal=a&principal=b', 'principal'],
      ['sort=seq', 'sort'],
    ] as const) {
      const bad = await getWith(`${t.url}/v1/audit?${query}`, auditor);
      const err = (await bad.json()) as { error: { code: string; details?: { path: string }[] } };
      expect({ query, status: bad.status }).toEqual({ query, status: 400 });
      expect({ query, paths: (err.error.details ?? []).map((d) => d.path) }).toEqual({
        query,
        paths: [param],
      });
    }
    expect((await getWith(`${t.url}/v1/records/NO-SUCH-RECORD/audit`, auditor)).status).toBe(404);
  });
});
