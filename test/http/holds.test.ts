import { FixitySweeper } from '../../src/fixity';
import { silentLogger } from '../../src/log';
import { issueToken } from '../../src/auth';
import { auth, detailsOf, postJson, startServer, trade, type TestServer } from './server';

/** Legal holds and fixity reports over HTTP: the real services on a temp catalog and the emulator. */
let s: TestServer;
let otherCompliance: Record<string, string>;
beforeAll(async () => {
  s = await startServer();
  const p = await s.catalog.addPrincipal({ name: 'holds-compliance-2', role: 'compliance', kind: 'user' });
  const t = issueToken();
  await s.catalog.addTokenHash(p.id, t.tokenHash);
  otherCompliance = { authorization: `Bearer ${t.token}` };
});
afterAll(async () => {
  await s.close();
});

const ingest = async (id: string, clientId: string) => {
  const res = await postJson(`${s.url}/v1/records`, trade(id, { clientId }), auth('ingest'));
  expect(res.status).toBe(201);
};

describe('legal holds', () => {
  test('a hold covers the records its criteria match, later ones too, and shows on each record', async () => {
    await ingest('H-1', 'C-HOLD');
    await ingest('H-2', 'C-OTHER');
    const res = await postJson(
      `${s.url}/v1/holds`,
      {
        name: 'Probe 7',
        matter: 'SFC/ENF/2026/7',
        reason: 'inquiry letter',
        criteria: { clientId: 'C-HOLD' },
      },
      auth('compliance'),
    );
    expect(res.status).toBe(201);
    const { hold } = (await res.json()) as { hold: { id: string; active: boolean; placedBy: string } };
    expect(hold).toMatchObject({ active: true, placedBy: s.principals.compliance.id });
    expect(res.headers.get('location')).toBe(`/v1/holds/${hold.id}`);
    const placed = await s.eventsFor(res.headers.get('x-request-id')!);
    expect(placed).toEqual([
      expect.objectContaining({ action: 'holds.manage', target: hold.id, outcome: 'allowed' }),
    ]);
    expect(detailsOf(placed[0])).toMatchObject({ operation: 'hold.place', matter: 'SFC/ENF/2026/7' });

    await ingest('H-3', 'C-HOLD');
    const got = await fetch(`${s.url}/v1/holds/${hold.id}`, { headers: auth('auditor') });
    expect(got.status).toBe(200);
    const body = (await got.json()) as { records: { recordId: string }[] };
    expect(body.records.map((r) => r.recordId)).toEqual(['H-1', 'H-3']);

    const rec = (await (await fetch(`${s.url}/v1/records/H-3`, { headers: auth('reader') })).json()) as {
      holds: { id: string; active: boolean }[];
    };
    expect(rec.holds).toEqual([expect.objectContaining({ id: hold.id, active: true })]);
    const free = (await (await fetch(`${s.url}/v1/records/H-2`, { headers: auth('reader') })).json()) as {
      holds: unknown[];
    };
    expect(free.holds).toEqual([]);
    const list = (await (await fetch(`${s.url}/v1/holds`, { headers: auth('compliance') })).json()) as {
      items: { id: string }[];
    };
    expect(list.items.map((h) => h.id)).toContain(hold.id);
  });

  test('four eyes: the principal who placed a hold cannot release it (403, audited); another can, once', async () => {
    const res = await postJson(
      `${s.url}/v1/holds`,
      { name: 'n', matter: 'm', reason: 'r', criteria: { recordIds: ['H-2'] } },
      auth('compliance'),
    );
    const { hold } = (await res.json()) as { hold: { id: string } };
    const refused = await postJson(
      `${s.url}/v1/holds/${hold.id}/release`,
      { reason: 'done' },
      auth('compliance'),
    );
    expect(refused.status).toBe(403);
    const err = (await refused.json()) as { error: { code: string; hint: string } };
    expect(err.error).toMatchObject({
      code: 'FourEyesRequired',
      hint: expect.stringContaining('another compliance'),
    });
    expect(await s.eventsFor(refused.headers.get('x-request-id')!)).toEqual([
      expect.objectContaining({
        target: hold.id,
        outcome: 'denied',
        principalId: s.principals.compliance.id,
      }),
    ]);
    const stillHeld = (await (
      await fetch(`${s.url}/v1/records/H-2`, { headers: auth('reader') })
    ).json()) as {
      holds: { active: boolean }[];
    };
    expect(stillHeld.holds).toEqual([expect.objectContaining({ active: true })]);

    const released = await postJson(
      `${s.url}/v1/holds/${hold.id}/release`,
      { reason: 'closed' },
      otherCompliance,
    );
    expect(released.status).toBe(200);
    expect(((await released.json()) as { hold: { active: boolean } }).hold.active).toBe(false);
    expect(await s.eventsFor(released.headers.get('x-request-id')!)).toEqual([
      expect.objectContaining({ target: hold.id, outcome: 'allowed' }),
    ]);
    const again = await postJson(
      `${s.url}/v1/holds/${hold.id}/release`,
      { reason: 'again' },
      otherCompliance,
    );
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('HoldReleased');
  });

  test('bad input is refused with a reason and changes nothing', async () => {
    const before = (await s.catalog.listHolds()).length;
    const none = await postJson(
      `${s.url}/v1/holds`,
      { name: 'n', matter: 'm', reason: 'r', criteria: {} },
      auth('compliance'),
    );
    expect(none.status).toBe(400);
    const bad = await postJson(
      `${s.url}/v1/holds`,
      { name: '', matter: 'm', reason: 'r', criteria: { from: '2026-02-30' }, extra: 1 },
      auth('compliance'),
    );
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.details.map((d) => d.path)).toEqual(expect.arrayContaining(['name', 'criteria.from']));
    expect((await s.catalog.listHolds()).length).toBe(before);
    const missing = await postJson(`${s.url}/v1/holds/hold_nope/release`, { reason: 'x' }, otherCompliance);
    expect(missing.status).toBe(404);
  });
});

describe('verifications', () => {
  test('GET /v1/verifications lists sweeps with their sealed report; /:id names every problem', async () => {
    const auditBucket = s.bucket.replace(/-records-7y$/, '-audit');
    // The test server made the audit bucket already (the ledger's tiles go there).
    if (!(await s.store.bucketInfo(auditBucket))) await s.store.createBucket(auditBucket);
    await s.store.putBuffer(s.bucket, 'trade/2026/11/21/STRAY.json', Buffer.from('{}'));
    const sweeper = new FixitySweeper({
      catalog: s.catalog,
      store: s.store,
      recordBuckets: [s.bucket],
      auditBucket,
      logger: silentLogger(),
    });
    const out = await sweeper.run({ kind: 'head', initiated: 'api' });
    if (out.status !== 'finished') throw new Error('stopped');
    const list = await fetch(`${s.url}/v1/verifications`, { headers: auth('auditor') });
    expect(list.status).toBe(200);
    const items = (
      (await list.json()) as { items: { id: string; problems: number; report: { key: string } }[] }
    ).items;
    expect(items[0]).toMatchObject({ id: out.report.sweepId, problems: 1, report: { key: out.reportKey } });
    const one = await fetch(`${s.url}/v1/verifications/${out.report.sweepId}`, {
      headers: auth('compliance'),
    });
    const body = (await one.json()) as { problems: { kind: string; key: string }[] };
    expect(body.problems).toEqual([
      expect.objectContaining({ kind: 'unknown_object', key: 'trade/2026/11/21/STRAY.json' }),
    ]);
    expect((await fetch(`${s.url}/v1/verifications/fx_nope`, { headers: auth('auditor') })).status).toBe(404);
    expect((await fetch(`${s.url}/v1/verifications`, { headers: auth('reader') })).status).toBe(403);
  });
});
