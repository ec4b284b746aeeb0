import { Registry } from 'prom-client';
import { RECORD_TYPES } from '../../src/records';
import { auth, postJson, startServer, TRADE, type TestServer } from './server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

describe('GET /healthz and /readyz', () => {
  test('healthz: 200, public', async () => {
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('readyz: 200 with the checks when ready, 503 when not', async () => {
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    s.setReadiness(async () => ({
      ready: false,
      checks: [
        { name: 'catalog', ok: true, detail: 'sqlite reachable' },
        { name: 'oss', ok: false, detail: 'object storage not reachable' },
      ],
    }));
    const res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      ready: false,
      checks: [
        { name: 'catalog', ok: true, detail: 'sqlite reachable' },
        { name: 'oss', ok: false, detail: 'object storage not reachable' },
      ],
    });
  });

  test('readyz reveals no secrets, even when a check puts them in its detail', async () => {
    s.setReadiness(async () => ({
      ready: false,
      checks: [
        {
          name: 'catalog',
          ok: false,
          detail: 'cannot reach postgres://strongroom:hunter2@db.internal:5432/archive',
        },
        {
          name: 'oss',
          ok: false,
          detail: 'GET https://b.oss/x?OSSAccessKeyId=LTAIabc&Signature=s3cr3t failed; token=sr_abc',
        },
      ],
    }));
    const text = await (await fetch(`${s.url}/readyz`)).text();
    expect(text).not.toMatch(/hunter2|LTAIabc|s3cr3t|sr_abc/);
    expect(text).toMatch(/\[Redacted\]/);
  });

  test('readyz: a readiness check that throws is a 503 that says nothing of the cause', async () => {
    s.setReadiness(async () => {
      throw new Error('connect ECONNREFUSED password=topsecret');
    });
    const res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).not.toMatch(/topsecret|ECONNREFUSED/);
    expect(JSON.parse(text)).toMatchObject({ ready: false });
  });

  test('a readiness report that says ready with a failing check is not ready', async () => {
    s.setReadiness(async () => ({ ready: true, checks: [{ name: 'x', ok: false, detail: 'down' }] }));
    expect((await fetch(`${s.url}/readyz`)).status).toBe(503);
  });
});

describe('GET /metrics', () => {
  test('restricted per the policy table; Prometheus text with route patterns, not raw paths', async () => {
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${s.url}/metrics`, { headers: auth('reader') })).status).toBe(403);
    await postJson(`${s.url}/v1/records`, TRADE, auth('ingest'));
    await fetch(`${s.url}/v1/records/${TRADE.recordId}`, { headers: auth('reader') });
    await fetch(`${s.url}/v1/records/UNKNOWN-RANDOM-ID-42`, { headers: auth('reader') });
    const res = await fetch(`${s.url}/metrics`, { headers: auth('auditor') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(
      /strongroom_http_requests_total\{method="POST",route="\/v1\/records",status="201"\} 1/,
    );
    expect(text).toMatch(
      /strongroom_http_requests_total\{method="GET",route="\/v1\/records\/:id",status="404"\} 1/,
    );
    expect(text).toMatch(/strongroom_http_request_duration_seconds_bucket\{/);
    expect(text).toMatch(/strongroom_records_ingested_total\{record_type="trade",status="created"\} 1/);
    expect(text).toMatch(/strongroom_ingested_bytes_total\{kind="record"\} [1-9]/);
    expect(text).not.toMatch(/UNKNOWN-RANDOM-ID-42/);
    expect((await fetch(`${s.url}/metrics`, { headers: auth('admin') })).status).toBe(200);
  });

  test('a shared registry: two apps register the metrics once', async () => {
    const registry = new Registry();
    const a = await startServer({ metrics: registry });
    const b = await startServer({ metrics: registry });
    try {
      await fetch(`${a.url}/healthz`);
      await fetch(`${b.url}/healthz`);
      const text = await registry.metrics();
      expect(text).toMatch(/strongroom_http_requests_total\{method="GET",route="\/healthz",status="200"\} 2/);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('GET /openapi.json', () => {
  type Doc = {
    openapi: string;
    paths: Record<
      string,
      Record<string, { responses: Record<string, unknown>; security: unknown[]; description: string }>
    >;
    components: { schemas: Record<string, unknown>; responses: Record<string, unknown> };
  };

  test('OpenAPI 3.1 with every route, its roles and its error answers; every $ref resolves', async () => {
    const res = await fetch(`${s.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.paths).flatMap(([p, m]) =>
      Object.keys(m).map((k) => `${k.toUpperCase()} ${p}`),
    );
    expect(ops.sort()).toEqual(
      [
        'POST /v1/records',
        'POST /v1/batches',
        'POST /v1/documents',
        'GET /v1/records',
        'GET /v1/records/{id}',
        'GET /v1/records/{id}/content',
        'GET /v1/records/{id}/audit',
        'GET /v1/records/{id}/proof',
        'GET /v1/audit',
        'GET /v1/audit/segments',
        'GET /v1/alerts',
        'GET /v1/alerts/{id}',
        'POST /v1/alerts/{id}/acknowledge',
        'GET /v1/ledger/checkpoint',
        'POST /v1/ledger/checkpoint',
        'GET /v1/ledger/checkpoints',
        'GET /v1/ledger/key',
        'GET /v1/ledger/entries/{index}',
        'GET /v1/ledger/proof/inclusion',
        'GET /v1/ledger/proof/consistency',
        'GET /v1/reports/alp-top10',
        'GET /v1/posture',
        'GET /metrics',
        'GET /healthz',
        'GET /readyz',
        'GET /openapi.json',
        'GET /docs',
        'POST /v1/holds',
        'GET /v1/holds',
        'GET /v1/holds/{id}',
        'POST /v1/holds/{id}/release',
        'GET /v1/verifications',
        'POST /v1/retention-events',
        'GET /v1/disposition',
        'POST /v1/dispositions',
        'GET /v1/dispositions',
        'GET /v1/dispositions/{id}',
        'POST /v1/dispositions/{id}/approve',
        'GET /v1/verifications/{id}',
        'POST /v1/exports',
        'GET /v1/exports',
        'GET /v1/exports/{id}',
        'POST /v1/exports/{id}/links',
      ].sort(),
    );
    const write = doc.paths['/v1/records']?.post;
    expect(write?.description).toMatch(/roles: ingest/);
    expect(Object.keys(write?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '201', '400', '401', '403', '409', '413', '415', '500']),
    );
    expect(doc.paths['/healthz']?.get?.security).toEqual([]);
    expect(doc.paths['/v1/batches']?.post?.description).toMatch(/instrument\.exchange/);

    // Every record type has its schema, generated from the zod schemas.
    for (const t of RECORD_TYPES)
      expect(Object.keys(doc.components.schemas)).toContain(
        `${t.replace(/(^|_)([a-z])/g, (_m, _u: string, c: string) => c.toUpperCase())}Record`,
      );
    const trade = doc.components.schemas.TradeRecord as {
      required: string[];
      properties: Record<string, { description?: string }>;
    };
    expect(trade.required).toEqual(expect.arrayContaining(['recordId', 'tradeId', 'price']));
    // Shared fields are named components with their type and the server's refusal message.
    expect(trade.properties.price).toEqual({ $ref: '#/components/schemas/Money' });
    expect((doc.components.schemas.Money as { description?: string }).description).toMatch(/decimal string/);

    const text = JSON.stringify(doc);
    for (const m of text.matchAll(/"\$ref":"#\/components\/(schemas|responses)\/([^"]+)"/g)) {
      const [, kind, name] = m as unknown as [string, 'schemas' | 'responses', string];
      expect({ ref: `${kind}/${name}`, found: name in doc.components[kind] }).toEqual({
        ref: `${kind}/${name}`,
        found: true,
      });
    }
    expect(text).not.toMatch(/__shared|"\$schema"/);
  });
});

describe('GET /metrics when the audit trail is down', () => {
  test('answered (metrics hold no records), the audit failure logged at error', async () => {
    s.faults.failAudit = true;
    const res = await fetch(`${s.url}/metrics`, { headers: auth('auditor') });
    expect(res.status).toBe(200);
    expect(s.logs.some((l) => l.level === 50 && String(l.msg).includes('answered unaudited'))).toBe(true);
  });
});
