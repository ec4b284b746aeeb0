/**
 * SFC access requests end to end (issue 11): the real archive (startArchive on port 0, its
 * embedded emulator with its STS and RAM, a temp SQLite catalog or a fresh PostgreSQL database),
 * an export created through the API, built in the background, downloaded through its link with a
 * plain HTTP client and no credentials, unzipped and checked by the RFC 8493 validator written in
 * test/export/bagit-validator.ts, every proof verified by src/ledger's verifier.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { leafData } from '../../src/catalog/hashing';
import type { StorageAdapter } from '../../src/storage/types';
import { parseVerifierKey, verifyTlogProof } from '../../src/ledger';
import { issueLink } from '../../src/export/links';
import {
  exportCreate,
  exportDownload,
  exportLink,
  exportList,
  exportStatus,
} from '../../src/cli/commands/export';
import { createObjectStore } from '../../src/storage';
import type { StsCredentials } from '../../src/cloud';
import { numberedTrade } from '../../src/records/fixtures';
import { OffsetClock } from '../../src/util/clock';
import { validateBag } from './bagit-validator';
import { exportWhenBuilt, unzipTo } from './fixtures';
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

interface ExportBody {
  export: {
    id: string;
    status: string;
    reason?: string;
    counts: { records: number; bytes: number };
    bag: { bucket: string; key: string; sha256: string; size: number; ledgerIndex: number } | null;
    links: { issuedAt: string; expiresAt: string; issuedBy: string }[];
    downloads: unknown[];
    recipient: { name: string; organisation: string };
  };
}

const REQUEST = {
  reference: 'SFC/ENF/2026/0042',
  recipient: {
    name: 'Jane Officer',
    organisation: 'Securities and Futures Commission',
    email: 'jane@sfc.example',
  },
  purpose: 'Enquiry under s.179 SFO',
  criteria: { type: 'trade', from: '2026-10-01', to: '2026-10-03' },
};

const waitReady = (t: TestArchive, token: string, id: string): Promise<ExportBody['export']> =>
  exportWhenBuilt(t.url, token, id);

// Every database with bags written in a worker thread (exports.bagThread: worker, the default;
// decisions 0026 and 0027), and SQLite with bags written on the serving thread.
const CASES: Array<[ReturnType<typeof databases>[number], 'main' | 'worker']> = [
  ...databases('exports-api').map((db): [ReturnType<typeof databases>[number], 'worker'] => [db, 'worker']),
  ['sqlite', 'main'],
];

describe.each(CASES)('exports through the API (%s, bags on the %s thread)', (db, bagThread) => {
  let t: TestArchive;
  let compliance: { id: string; token: string };
  let auditor: { id: string; token: string };
  const clock = new OffsetClock();
  const dir = tempDir('exports-api');

  beforeAll(async () => {
    t = await startTestArchive({ db, clock, overrides: { exports: { maxRecords: 8, bagThread } } });
    compliance = await principalWithToken(t.catalog, 'compliance');
    auditor = await principalWithToken(t.catalog, 'auditor');
    // Trades i = 0..11 fall on 2026-10-01..12; 0, 1, 2 and 20 would be the first three days.
    for (let i = 0; i < 12; i++) {
      const res = await postJson(`${t.url}/v1/records`, numberedTrade('EXP', i), t.ingestToken);
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers a dry run with the count and size, and refuses no match (400) and too much (413)', async () => {
    const dry = await postJson(`${t.url}/v1/exports?dryRun=true`, REQUEST, compliance.token);
    expect(dry.status).toBe(200);
    const body = (await dry.json()) as { counts: { records: number; bytes: number } };
    expect(body.counts.records).toBe(3);
    expect(body.counts.bytes).toBeGreaterThan(0);

    const none = await postJson(
      `${t.url}/v1/exports`,
      { ...REQUEST, criteria: { type: 'trade', from: '2025-01-01', to: '2025-01-02' } },
      compliance.token,
    );
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(
      /no record matches/,
    );

    const big = await postJson(
      `${t.url}/v1/exports`,
      { ...REQUEST, criteria: { type: 'trade' } },
      compliance.token,
    );
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(
      /more than 8 records/,
    );

    const bad = await postJson(`${t.url}/v1/exports`, { ...REQUEST, criteria: {} }, compliance.token);
    expect(bad.status).toBe(400);
    const forbidden = await postJson(`${t.url}/v1/exports`, REQUEST, auditor.token);
    expect(forbidden.status).toBe(403);
  });

  it('builds the bag, links it, and the officer downloads and verifies it with no credentials', async () => {
    const created = await postJson(`${t.url}/v1/exports`, REQUEST, compliance.token);
    expect(created.status).toBe(202);
    const start = (await created.json()) as ExportBody;
    expect(start.export.status).toBe('building');
    const id = start.export.id;

    const ready = await waitReady(t, auditor.token, id);
    expect(ready).toMatchObject({ status: 'ready', counts: { records: 3 } });
    const bag = ready.bag;
    if (!bag) throw new Error('no bag');
    // The bag is a ledger leaf of kind export.
    const leaves = await t.catalog.ledgerLeaves({ fromSeq: bag.ledgerIndex, limit: 1 });
    expect(leaves[0]).toMatchObject({ kind: 'export', recordId: id, sha256: bag.sha256 });

    const list = await getWith(`${t.url}/v1/exports`, auditor.token);
    expect(((await list.json()) as { items: { id: string }[] }).items.map((i) => i.id)).toContain(id);

    const badTtl = await postJson(`${t.url}/v1/exports/${id}/links`, { ttlMinutes: 5 }, compliance.token);
    expect(badTtl.status).toBe(400);
    const linkRes = await postJson(`${t.url}/v1/exports/${id}/links`, { ttlMinutes: 60 }, compliance.token);
    expect(linkRes.status).toBe(201);
    const link = (await linkRes.json()) as { url: string; expiresAt: string };
    expect(new Date(link.expiresAt).getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);

    // A plain GET, no credentials of ours.
    const download = await fetch(link.url);
    expect(download.status).toBe(200);
    const zip = Buffer.from(await download.arrayBuffer());
    expect(zip.length).toBe(bag.size);
    expect(createHash('sha256').update(zip).digest('hex')).toBe(bag.sha256);

    const zipPath = path.join(dir, `${id}.zip`);
    fs.writeFileSync(zipPath, zip);
    const out = path.join(dir, id);
    await unzipTo(zipPath, out);
    const bagDir = path.join(out, id);
    expect(validateBag(bagDir)).toEqual([]);

    // Every record's proof against the checkpoint, with the verifier key inside the bag.
    const keyText = fs.readFileSync(path.join(bagDir, 'data/evidence/verifier-key.txt'), 'utf8').trim();
    const key = parseVerifierKey(keyText);
    if (!key.ok) throw new Error(key.message);
    const csv = fs.readFileSync(path.join(bagDir, 'data/index.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(4);
    const proofs: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true }))
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.endsWith('.tlog-proof')) proofs.push(path.join(d, e.name));
    };
    walk(path.join(bagDir, 'data'));
    expect(proofs).toHaveLength(3);
    for (const r of await Promise.all(
      ['EXP-0000000', 'EXP-0000001', 'EXP-0000002'].map((n) => t.catalog.getRecord(`T-${n}`)),
    )) {
      if (!r) throw new Error('record missing');
      const proofFile = proofs.find((p) => p.includes(r.recordId));
      if (!proofFile) throw new Error(`no proof for ${r.recordId}`);
      const check = verifyTlogProof(fs.readFileSync(proofFile, 'utf8'), {
        key: key.key,
        leafData: leafData({ kind: 'record', id: r.recordId, sha256: r.sha256 }),
      });
      expect(check).toMatchObject({ ok: true, index: BigInt(r.ledgerSeq) });
    }

    // One character changed: refused.
    const m = /([?&][^=&]*signature=)([0-9a-f]+)/i.exec(link.url);
    if (!m) throw new Error('no signature in the link');
    const sig = m[2] as string;
    const changed = link.url.replace(m[0], `${m[1]}${sig[0] === 'a' ? 'b' : 'a'}${sig.slice(1)}`);
    const tampered = await fetch(changed);
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('SignatureDoesNotMatch');

    // The link is in the export's view (issued by whom, until when), never its URL.
    const view = await (await getWith(`${t.url}/v1/exports/${id}`, auditor.token)).text();
    expect(view).not.toContain(sig);
    expect((JSON.parse(view) as ExportBody).export.links).toEqual([
      { issuedAt: expect.any(String), expiresAt: link.expiresAt, issuedBy: compliance.id },
    ]);
    // The audit event names the recipient; neither it nor the catalog holds the URL.
    const events = await t.catalog.auditEvents({ limit: 10_000 });
    const linkEvent = events.find(
      (e) => e.target === id && e.outcome === 'allowed' && (e.details ?? '').includes('export.link'),
    );
    expect(linkEvent?.details).toContain('Jane Officer');
    for (const e of events) expect(e.details ?? '').not.toContain(sig);

    // The STS key id (never the secret) is registered for attributing the access-log lines.
    const credential = decodeURIComponent(/x-oss-credential=([^&]+)/i.exec(link.url)?.[1] ?? '');
    const keyId = credential.split('/')[0] ?? '';
    expect(await t.catalog.stsAttribution(keyId)).toMatchObject({
      purpose: 'export',
      exportId: id,
      recipient: 'Jane Officer',
    });

    // After expiry (the archive's and the emulator's clock moved past it): refused.
    clock.advance(61 * 60_000);
    try {
      expect((await fetch(link.url)).status).toBe(403);
    } finally {
      clock.advance(-61 * 60_000);
    }
  });

  it("scopes a link's credentials to its one object: no other object, no listing", async () => {
    const created = (await (
      await postJson(`${t.url}/v1/exports`, REQUEST, compliance.token)
    ).json()) as ExportBody;
    await waitReady(t, compliance.token, created.export.id);
    const row = await t.catalog.getExport(created.export.id);
    if (!row?.bag) throw new Error('not ready');
    let creds: StsCredentials | null = null;
    const cloud = t.archive.cloud;
    await issueLink(
      {
        sts: cloud.clients?.sts ?? null,
        roleArn: cloud.exportRoleArn,
        clock,
        signingStore: (c) => {
          creds = c;
          return { signedUrl: async () => 'unused' };
        },
      },
      row,
      15,
    );
    if (creds === null) throw new Error('no credentials');
    const c: StsCredentials = creds;
    const asLink: StorageAdapter = createObjectStore({
      ...t.config.oss,
      endpoint: t.archive.storeEndpoint,
      region: 'oss-local',
      accessKeyId: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      securityToken: c.securityToken,
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    });
    const own = await asLink.getBuffer(row.bag.bucket, row.bag.key);
    expect(own.body.length).toBe(row.bag.size);
    const others = (await t.catalog.listExports({ limit: 10 })).filter(
      (e) => e.bag && e.exportId !== row.exportId,
    );
    expect(others.length).toBeGreaterThan(0);
    const other = others[0]?.bag;
    if (!other) throw new Error('no other bag');
    await expect(asLink.getBuffer(other.bucket, other.key)).rejects.toMatchObject({ code: 'AccessDenied' });
    const record = await t.catalog.getRecord('T-EXP-0000000');
    if (!record) throw new Error('no record');
    await expect(asLink.getBuffer(record.bucket, record.objectKey)).rejects.toMatchObject({
      code: 'AccessDenied',
    });
    const listing = async (): Promise<void> => {
      for await (const o of asLink.list(row.bag?.bucket ?? '')) void o;
    };
    await expect(listing()).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it('a download shows up in GET /v1/exports/:id after the access-log import, attributed to the recipient', async () => {
    const created = await postJson(
      `${t.url}/v1/exports`,
      { ...REQUEST, criteria: { type: 'trade', from: '2026-10-07', to: '2026-10-08' } },
      compliance.token,
    );
    expect(created.status).toBe(202);
    const id = ((await created.json()) as ExportBody).export.id;
    const ready = await waitReady(t, compliance.token, id);
    const bag = ready.bag;
    if (!bag) throw new Error('no bag');
    expect(ready.downloads).toEqual([]);
    const link = (await (
      await postJson(`${t.url}/v1/exports/${id}/links`, { ttlMinutes: 30 }, compliance.token)
    ).json()) as { url: string };

    // The officer: a plain GET of the link, no credentials of ours.
    const before = clock.now().getTime();
    const download = await fetch(link.url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).length).toBe(bag.size);

    // Nothing is seen before the access logs are imported.
    expect(
      (await (await getWith(`${t.url}/v1/exports/${id}`, auditor.token)).json()) as ExportBody,
    ).toMatchObject({ export: { downloads: [] } });
    // The emulator writes its access-log objects into the logs bucket; the importer reads them.
    await t.archive.storeHandle.emulator?.flushAccessLogs();
    const run = await t.archive.audit.importOnce();
    expect(run.ossAccessLogs.unreadable).toBe(0);
    expect(run.ossAccessLogs.imported).toBeGreaterThan(0);

    const view = (await (await getWith(`${t.url}/v1/exports/${id}`, auditor.token)).json()) as ExportBody;
    expect(view.export.downloads).toEqual([
      { at: expect.any(String), ip: '127.0.0.1', bytes: bag.size, status: 200, recipient: 'Jane Officer' },
    ]);
    const at = new Date((view.export.downloads[0] as { at: string }).at).getTime();
    // Access-log times are to the second.
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(at).toBeLessThanOrEqual(clock.now().getTime());
    // The imported events of the bag's object: its upload by the archive (not a download) and
    // the GET, by the STS session of the link, attributed to the recipient.
    const events = await t.catalog.queryAudit({
      target: `oss://${bag.bucket}/${bag.key}`,
      source: 'oss-access-log',
      limit: 10,
    });
    expect(events.map((e) => [e.action, e.principalId])).toEqual([
      ['oss.PutObject', 'archive-service'],
      ['oss.GetObject', expect.stringMatching(/^sts:STS\./)],
    ]);
    expect(JSON.parse(events[1]?.details ?? '{}')).toMatchObject({
      operation: 'GetObject',
      attribution: 'sts',
      exportId: id,
      recipient: 'Jane Officer',
      status: 200,
      sentBytes: bag.size,
    });
    // Importing again adds no second download.
    await t.archive.audit.importOnce();
    const again = (await (await getWith(`${t.url}/v1/exports/${id}`, auditor.token)).json()) as ExportBody;
    expect(again.export.downloads).toHaveLength(1);
  });

  it('the command line: create --wait, list, status, link, download (SHA-256 checked)', async () => {
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const api = { url: t.url, token: compliance.token, data: t.dataDir };
      const view = await exportCreate({
        ...api,
        reference: 'SFC/CLI/7',
        recipientName: 'Jane Officer',
        recipientOrg: 'SFC',
        type: 'trade',
        from: '2026-10-04',
        to: '2026-10-05',
        wait: true,
      });
      if (!('id' in view)) throw new Error('not an export');
      expect(view).toMatchObject({ status: 'ready', counts: { records: 2 } });
      expect(out.join('')).toContain(`${view.id}: ready`);
      expect((await exportList(api)).map((v) => v.id)).toContain(view.id);
      expect((await exportStatus(view.id, api)).bag?.sha256).toBe(view.bag?.sha256);
      const link = await exportLink(view.id, { ...api, ttlMinutes: '30' });
      expect(out.join('')).toContain(link.url);
      const file = path.join(dir, 'cli.zip');
      const got = await exportDownload(view.id, { ...api, out: file });
      expect(got).toEqual({ bytes: view.bag?.size, sha256: view.bag?.sha256 });
      expect(createHash('sha256').update(fs.readFileSync(file)).digest('hex')).toBe(view.bag?.sha256);
      await expect(exportStatus('ex-20260101-000000000000', api)).rejects.toMatchObject({ code: 'NotFound' });
    } finally {
      spy.mockRestore();
    }
  });
});
