/**
 * Every class of invalid input through the real API: each refused with its 4xx, its code and the
 * path of every issue, audited, and nothing written anywhere (no catalog row, no ledger leaf, no
 * object in any records bucket).
 */
import { bucketPlan } from '../../src/config';
import { example } from '../records/fixtures';
import {
  databases,
  fileBytes,
  getWith,
  issuePaths,
  objectKeys,
  postDocument,
  postJson,
  principalWithToken,
  rawGet,
  startTestArchive,
  type ErrorBody,
  type TestArchive,
} from './helpers';

const TRADE = example('trade');

function without(record: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...record };
  delete copy[field];
  return copy;
}

interface Case {
  name: string;
  body: unknown;
  contentType?: string;
  status: number;
  code: string;
  paths?: string[];
}

const CASES: Case[] = [
  { name: 'malformed JSON', body: '{"recordType":"trade","recordId":', status: 400, code: 'MalformedJson' },
  { name: 'two JSON values', body: '{} {}', status: 400, code: 'MalformedJson' },
  {
    name: 'wrong content type',
    body: JSON.stringify(TRADE),
    contentType: 'text/plain',
    status: 415,
    code: 'UnsupportedMediaType',
  },
  {
    name: 'JSON sent as a form',
    body: JSON.stringify(TRADE),
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
    code: 'UnsupportedMediaType',
  },
  {
    name: 'unknown field',
    body: { ...TRADE, discount: '1.00' },
    status: 400,
    code: 'ValidationFailed',
    paths: ['discount'],
  },
  {
    name: 'unknown nested field',
    body: { ...TRADE, instrument: { exchange: 'XHKG', code: '0700', board: 'main' } },
    status: 400,
    code: 'ValidationFailed',
    paths: ['instrument.board'],
  },
  {
    name: 'missing field',
    body: without(TRADE, 'price'),
    status: 400,
    code: 'ValidationFailed',
    paths: ['price'],
  },
  {
    name: 'missing recordType',
    body: without(TRADE, 'recordType'),
    status: 400,
    code: 'ValidationFailed',
    paths: ['recordType'],
  },
  {
    name: 'wrong type',
    body: { ...TRADE, quantity: true },
    status: 400,
    code: 'ValidationFailed',
    paths: ['quantity'],
  },
  {
    name: 'timestamp without offset',
    body: { ...TRADE, executedAt: '2026-11-21T09:31:02.123' },
    status: 400,
    code: 'ValidationFailed',
    paths: ['executedAt'],
  },
  {
    name: 'float price',
    body: { ...TRADE, price: 388.2 },
    status: 400,
    code: 'ValidationFailed',
    paths: ['price'],
  },
  { name: 'not an object', body: '[1,2,3]', status: 400, code: 'ValidationFailed' },
  {
    name: 'several issues at once: every path',
    body: {
      ...without(TRADE, 'currency'),
      price: 388.2,
      side: 'hold',
      executedAt: '2026-11-21 09:31',
      extra: 1,
    },
    status: 400,
    code: 'ValidationFailed',
    paths: ['currency', 'executedAt', 'extra', 'price', 'side'],
  },
  {
    name: 'hostile id: ../x',
    body: { ...TRADE, recordId: '../x' },
    status: 400,
    code: 'ValidationFailed',
    paths: ['recordId'],
  },
  {
    name: 'hostile id: path',
    body: { ...TRADE, recordId: 'a/../../b' },
    status: 400,
    code: 'ValidationFailed',
    paths: ['recordId'],
  },
  {
    name: 'hostile id: control chars',
    body: { ...TRADE, recordId: 'T-1\n\u001b[31m' },
    status: 400,
    code: 'ValidationFailed',
    paths: ['recordId'],
  },
  {
    name: 'hostile id: NUL',
    body: { ...TRADE, recordId: 'T-1\u0000' },
    status: 400,
    code: 'ValidationFailed',
    paths: ['recordId'],
  },
  {
    name: 'hostile id: 200 chars',
    body: { ...TRADE, recordId: 'T'.repeat(200) },
    status: 400,
    code: 'ValidationFailed',
    paths: ['recordId'],
  },
  {
    name: 'hostile id: empty',
    body: { ...TRADE, recordId: '' },
    status: 400,
    code: 'ValidationFailed',
    paths: ['recordId'],
  },
];

const HOSTILE_PATH_IDS: [string, string][] = [
  ['../x (encoded)', '..%2Fx'],
  ['dot-dot (encoded)', '%2E%2E'],
  ['dot-dot', '..'],
  ['dot', '.'],
  ['backslash', '..%5Cx'],
  ['NUL', 'T-1%00'],
  ['control char', 'T%0A1'],
  ['200 chars', 'T'.repeat(200)],
  ['non-ASCII', 'T-%C3%A9'],
];

describe.each(databases('integration/validation'))('validation through the API, catalog on %s', (db) => {
  let t: TestArchive;
  let readerToken: string;
  let recordBuckets: string[];

  beforeAll(async () => {
    t = await startTestArchive({ db });
    readerToken = (await principalWithToken(t.catalog, 'reader')).token;
    recordBuckets = bucketPlan(t.config).records.map((r) => r.bucket);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function expectNothingWritten(): Promise<void> {
    expect(await t.catalog.ledgerSize()).toBe(0);
    expect((await t.catalog.searchRecords({})).records).toEqual([]);
    for (const bucket of recordBuckets) expect(await objectKeys(t.store, bucket)).toEqual([]);
  }

  async function expectAudited(requestId: unknown, action: string, code: string): Promise<void> {
    expect(typeof requestId).toBe('string');
    const events = (await t.catalog.auditEvents({ limit: 10000 })).filter((e) => e.requestId === requestId);
    if (events.length === 0) {
      throw new Error(
        `request ${String(requestId)} was answered but left no audit event (REGULATORY.md 7(e): every access is in the ` +
          `trail). Known cause on PostgreSQL for ids holding U+0000: the catalog cannot store NUL in audit_events.target ` +
          `("invalid byte sequence for encoding UTF8: 0x00"), and the error middleware only logs the failed append.`,
      );
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action, outcome: 'error' });
    expect(JSON.parse(events[0]?.details ?? '{}')).toMatchObject({ code });
  }

  test.each(CASES)('POST /v1/records, $name: $status $code, nothing written', async (c) => {
    const res = await postJson(
      `${t.url}/v1/records`,
      c.body,
      t.ingestToken,
      c.contentType ? { 'content-type': c.contentType } : {},
    );
    expect(res.status).toBe(c.status);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe(c.code);
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
    if (c.paths) expect(issuePaths(body)).toEqual(c.paths);
    await expectAudited(res.headers.get('x-request-id'), 'records.write', c.code);
    await expectNothingWritten();
  });

  test.each(HOSTILE_PATH_IDS)(
    'GET /v1/records/<%s> and /content (path sent raw): 400 on the id, nothing read',
    async (_name, id) => {
      for (const suffix of ['', '/content']) {
        const res = await rawGet(t.url, `/v1/records/${id}${suffix}`, readerToken);
        expect(res.status).toBe(400);
        const body = JSON.parse(res.body) as ErrorBody;
        expect(['ValidationFailed', 'BadRequest']).toContain(body.error.code);
        if (body.error.code === 'ValidationFailed') expect(issuePaths(body)).toEqual(['id']);
        await expectAudited(res.headers['x-request-id'], 'records.read', body.error.code);
      }
      await expectNothingWritten();
    },
  );

  test('a valid id that is not archived: 404 NotFound (the contrast to the above)', async () => {
    const res = await getWith(`${t.url}/v1/records/T-NOT-HERE`, readerToken);
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error.code).toBe('NotFound');
  });

  test('a batch of invalid lines: one error per line with its paths, nothing written', async () => {
    const lines = [
      '{"recordType":',
      JSON.stringify({ ...TRADE, price: 388.2 }),
      JSON.stringify({ ...TRADE, recordId: '../x' }),
      JSON.stringify({ ...TRADE, executedAt: '2026-11-21T09:31:02' }),
    ];
    const res = await fetch(`${t.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.ingestToken}`, 'content-type': 'application/x-ndjson' },
      body: lines.join('\n') + '\n',
    });
    expect(res.status).toBe(200);
    const out = (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { line?: number; status?: string; error?: ErrorBody['error'] });
    expect(out.slice(0, 4).map((r) => [r.line, r.status, r.error?.code])).toEqual([
      [1, 'error', 'MalformedJson'],
      [2, 'error', 'ValidationFailed'],
      [3, 'error', 'ValidationFailed'],
      [4, 'error', 'ValidationFailed'],
    ]);
    expect(out.slice(1, 4).map((r) => issuePaths({ error: r.error as ErrorBody['error'] }))).toEqual([
      ['price'],
      ['recordId'],
      ['executedAt'],
    ]);
    await expectNothingWritten();
  });

  test('a document whose description is invalid: 400 with every path, neither file nor description stored', async () => {
    const description = {
      ...example('document'),
      recordId: '../../etc/passwd',
      documentDate: '21/11/2026',
      sha256: undefined,
      size: undefined,
    };
    for (const form of ['raw', 'multipart'] as const) {
      const res = await postDocument(t.url, t.ingestToken, description, fileBytes(1000), { form });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('ValidationFailed');
      expect(issuePaths(body)).toEqual(['documentDate', 'recordId']);
    }
    const malformed = await postDocument(t.url, t.ingestToken, '{"recordType":"document",', fileBytes(10), {
      form: 'raw',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorBody).error.code).toBe('MalformedJson');
    await expectNothingWritten();
  });
});
