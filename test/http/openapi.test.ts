import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { z } from 'zod';
import { buildOpenApi } from '../../src/http/openapi';
import { ALERT, EXAMPLE_OBJECTS, EXPORT_REQUEST, operationExamples } from '../../src/http/openapi-examples';
import { parseExportRequest } from '../../src/export/selection';
import { NAMED_FIELDS } from '../../src/http/openapi-formats';
import { recordSchemas } from '../../src/records';
import { exampleTrade } from '../../src/records/fixtures';
import { makeRecord, sha256Of } from '../catalog/fixtures';
import { auth, startServer, type TestServer } from './server';

/**
 * The OpenAPI document is as strict as the server: every property typed, the predicate fields'
 * schemas accept what the server's zod schemas accept (ajv against zod on samples), it lints clean
 * with Redocly's recommended rules and Spectral's `oas` ruleset (in-process), every operation has
 * an example, and each example request sent to a real server gets the status the document gives.
 */

type Json = Record<string, unknown>;
const doc = buildOpenApi() as Json & {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
};

function ajv(): Ajv2020 {
  const a = new Ajv2020({ strict: false, allErrors: true });
  addFormats(a);
  a.addSchema({ $id: 'doc', components: doc.components } as Json);
  return a;
}

describe('lint', () => {
  it("Redocly's recommended rules: no problem (the public probes have no 4xx answer to document)", async () => {
    // ESM-only package: loaded with import() (jest runs with --experimental-vm-modules).
    const redocly = await import('@redocly/openapi-core');
    const config = await redocly.createConfig({ extends: ['recommended'] });
    const problems = await redocly.lintFromString({
      source: JSON.stringify(doc),
      absoluteRef: 'openapi.json',
      config,
    });
    const probes = ['/healthz', '/readyz', '/openapi.json', '/docs'].map(
      (p) => `#/paths/${p.replace(/\//g, '~1')}/get/responses`,
    );
    const left = problems
      .filter(
        (p) => !(p.ruleId === 'operation-4xx-response' && probes.includes(p.location[0]?.pointer ?? '')),
      )
      .map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`);
    expect(left).toEqual([]);
  });

  it("Spectral's oas ruleset: no result of any severity", async () => {
    const { Spectral, Document } = await import('@stoplight/spectral-core');
    const Parsers = await import('@stoplight/spectral-parsers');
    const { oas } = await import('@stoplight/spectral-rulesets');
    const spectral = new Spectral();
    spectral.setRuleset({ extends: [oas as never] });
    const results = await spectral.run(
      new Document(JSON.stringify(doc, null, 2), Parsers.Json, 'openapi.json'),
    );
    expect(results.map((r) => `${String(r.code)}: ${r.message} at ${r.path.join('.')}`)).toEqual([]);
  });
});

describe('as strict as the server', () => {
  it('every property of every schema has a type (or a reference, a choice, a constant)', () => {
    const untyped: string[] = [];
    const walk = (n: unknown, where: string): void => {
      if (typeof n !== 'object' || n === null) return;
      const node = n as Json;
      for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, Json>)) {
        const typed = ['type', '$ref', 'anyOf', 'oneOf', 'allOf', 'enum', 'const'].some((key) => key in v);
        if (!typed) untyped.push(`${where}.${k}`);
        walk(v, `${where}.${k}`);
      }
      if (node.items) walk(node.items, `${where}[]`);
      for (const key of ['anyOf', 'oneOf', 'allOf'])
        for (const [i, x] of ((node[key] ?? []) as unknown[]).entries()) walk(x, `${where}.${key}${i}`);
    };
    for (const [name, s] of Object.entries(doc.components.schemas)) walk(s, name);
    expect(untyped).toEqual([]);
    const trade = doc.components.schemas.TradeRecord as { properties: Record<string, Json> };
    expect(trade.properties.price).toEqual({ $ref: '#/components/schemas/Money' });
    expect(doc.components.schemas.Timestamp).toMatchObject({ type: 'string', format: 'date-time' });
    expect(doc.components.schemas.Quantity).toMatchObject({
      anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string' }],
    });
  });

  it("the named fields' schemas accept exactly what the server's do, on accepted and refused samples", () => {
    const samples: unknown[] = [
      ...[
        '',
        ' ',
        'a',
        'A',
        'ab c',
        ' lead',
        'trail ',
        'x'.repeat(128),
        'x'.repeat(129),
        'tab\there',
        'new\nline',
      ],
      ...[
        'HKD',
        'hkd',
        'HK',
        'XHKG',
        'X_1-2',
        '0700',
        'T-20261121-000001',
        '..',
        '.',
        'a/b',
        'a\\b',
        'file.pdf',
      ],
      ...[
        '0',
        '1',
        '-1',
        '388.20',
        '-12.50',
        '0.0',
        '0.5',
        '01',
        '1.',
        '.5',
        '1e3',
        '1'.repeat(41),
        1000,
        0,
        -5,
        1.5,
      ],
      ...['2026-11-21', '2026-02-30', '2026-13-01', '26-11-21', '2024-02-29', '2025-02-29'],
      ...[
        '2026-11-21T09:31:02.123+08:00',
        '2026-11-21T09:31:02Z',
        '2026-11-21T09:31+08:00',
        '2026-11-21T09:31:02',
      ],
      ...['2026-11-21T25:31:02Z', '2026-11-21 09:31:02Z', '2026-02-30T09:31:02Z'],
      ...[
        'a'.repeat(64),
        'A'.repeat(64),
        '0'.repeat(63),
        'application/pdf',
        'text/csv; charset=utf-8',
        'pdf',
      ],
      ...['client_agreement', 'Client', '1abc', 'buy', 'sell', 'agency', 'principal', null, true, {}],
    ];
    const a = ajv();
    const disagree: string[] = [];
    for (const [schema, name, own] of NAMED_FIELDS) {
      if (!own) continue;
      const check = a.compile({ $ref: `doc#/components/schemas/${name}` });
      for (const v of samples) {
        const server = (schema as z.ZodType).safeParse(v).success;
        if (check(v) !== server)
          disagree.push(`${name} ${JSON.stringify(v)}: server ${server ? 'accepts' : 'refuses'}`);
      }
    }
    expect(disagree).toEqual([]);
  });

  it('the example trade is valid for both the document and the server', () => {
    const check = ajv().compile({ $ref: 'doc#/components/schemas/Record' });
    expect(check(exampleTrade())).toBe(true);
    expect(recordSchemas.trade.safeParse(exampleTrade()).success).toBe(true);
    expect(check({ ...exampleTrade(), price: 388.2 })).toBe(false);
    expect(check({ ...exampleTrade(), executedAt: '2026-11-21T09:31:02' })).toBe(false);
  });

  it('has servers, tags, and an example for every operation', () => {
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) as string }]);
    const examples = operationExamples();
    const operations = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m} ${p}`),
    );
    expect(operations.filter((o) => examples[o] === undefined)).toEqual([]);
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops)) expect((op.tags as string[]).length).toBe(1);
  });
});

/**
 * The objects the lifecycle examples name (EXAMPLE_OBJECTS), made through the catalog with those
 * ids: a hold and a disposition of another compliance principal (the examples release and approve
 * them: four eyes), two trades of 2013 past their retain-until, and a finished fixity sweep.
 */
async function exampleObjects(s: TestServer): Promise<void> {
  const other = await s.catalog.addPrincipal({ name: 'http-compliance-2', role: 'compliance', kind: 'user' });
  const ev = (target: string) => ({
    principalId: other.id,
    action: 'setup',
    target,
    outcome: 'allowed' as const,
  });
  const [disposed] = EXAMPLE_OBJECTS.pastRecordIds;
  for (const recordId of EXAMPLE_OBJECTS.pastRecordIds)
    await s.catalog.commitRecord(
      makeRecord({
        recordId,
        businessDate: '2013-11-21',
        bucket: s.bucket,
        retainUntil: new Date('2020-11-21T00:00:00Z'),
      }),
      ev(recordId),
    );
  await s.catalog.placeHold(
    {
      id: EXAMPLE_OBJECTS.holdId,
      name: 'Complaint CMP-2026-031',
      matter: 'Complaint of client C-1001 about the execution of T-20261121-000001',
      reason: 'Keep the trade until the complaint is closed',
      criteria: { recordIds: [exampleTrade().recordId as string] },
      placedBy: other.id,
    },
    ev(EXAMPLE_OBJECTS.holdId),
  );
  const past = await s.catalog.getRecord(disposed);
  if (!past) throw new Error('the past records were not committed');
  await s.catalog.proposeDisposition(
    {
      id: EXAMPLE_OBJECTS.dispositionId,
      proposedBy: other.id,
      reason: 'Annual disposition: 2013 trades past their seven years',
      asOf: new Date('2026-11-28T00:00:00Z'),
      selection: 'list',
      items: [
        {
          recordId: disposed,
          bucket: past.bucket,
          objectKey: past.objectKey,
          descriptionKey: null,
          sha256: past.sha256,
        },
      ],
    },
    ev(EXAMPLE_OBJECTS.dispositionId),
  );
  const { details, ...alert } = ALERT;
  await s.catalog.raiseAlert({
    id: alert.id,
    raisedAt: new Date(alert.raisedAt),
    source: alert.source,
    kind: alert.kind,
    summary: alert.summary,
    details,
  });
  const sweep = await s.catalog.startFixitySweep({
    id: EXAMPLE_OBJECTS.verificationId,
    kind: 'head',
    bucket: null,
    samplePpm: 1_000_000,
    initiated: '"schedule"',
  });
  const d = sweep.startedAt.toISOString().slice(0, 10).split('-').join('/');
  await s.catalog.finishFixitySweep(
    {
      sweepId: sweep.id,
      reportKey: `fixity/${d}/${sweep.id}.json`,
      reportSha256: sha256Of(`fixity report ${sweep.id}`),
      summary: JSON.stringify({ records: 2, checked: 2, objects: 2, bytes: 0, listed: 0, problems: 0 }),
      problems: 0,
    },
    ev(sweep.id),
  );
}

/**
 * The ready export the export examples name (EXAMPLE_OBJECTS.exportId): requested through the
 * catalog with that id once the example trade is stored (its POST example came first), then
 * built by the server's export service, as a request made through the API would be.
 */
async function exampleExport(s: TestServer): Promise<void> {
  const request = parseExportRequest(EXPORT_REQUEST);
  const measured = await s.exports.measure(request);
  const id = EXAMPLE_OBJECTS.exportId;
  await s.catalog.createExport(
    {
      exportId: id,
      ...request,
      requestedBy: s.principals.compliance.id,
      createdAt: new Date('2026-12-01T02:00:00Z'),
      recordCount: measured.records,
      recordBytes: measured.bytes,
      ledgerSize: measured.ledgerSize,
      auditSize: await s.catalog.auditSize(),
    },
    { principalId: s.principals.compliance.id, action: 'setup', target: id, outcome: 'allowed' },
  );
  await s.exports.runPending();
  expect((await s.catalog.getExport(id))?.status).toBe('ready');
}

describe('the examples against the server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
    await exampleObjects(s);
  });
  afterAll(async () => {
    await s.close();
  });

  it('each example request, sent to a real server, gets the status the document gives', async () => {
    const examples = operationExamples();
    const role = (op: Json): Record<string, string> => {
      const roles = (op['x-strongroom-roles'] ?? []) as string[];
      const r = roles[0];
      return r ? auth(r as Parameters<typeof auth>[0]) : {};
    };
    // Writes first, so that the reads find the example trade.
    const order = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => ({ method: m, path: p, op })))
      .sort((x, y) => (x.method === y.method ? 0 : x.method === 'post' ? -1 : 1));
    const got: string[] = [];
    const want: string[] = [];
    for (const { method, path, op } of order) {
      const ex = examples[`${method} ${path}`];
      if (!ex) continue;
      if (method === 'post' && path === '/v1/exports/{id}/links') await exampleExport(s);
      const bodies = Object.entries(ex.body ?? {});
      for (const [media, value] of bodies.length > 0 ? bodies : [['', undefined] as [string, unknown]]) {
        const params: Record<string, string> = { ...ex.parameters, ...ex.bodyParameters?.[media] };
        const url = new URL(
          path.replace(/\{(\w+)\}/g, (_m, n: string) => encodeURIComponent(params[n] ?? '')),
          s.url,
        );
        for (const p of (op.parameters ?? []) as Json[]) {
          const v = params[String(p.name)];
          if (p.in === 'query' && v !== undefined) url.searchParams.set(String(p.name), v);
        }
        let body: string | FormData | undefined;
        const headers: Record<string, string> = role(op);
        if (media === 'multipart/form-data') {
          const form = new FormData();
          const v = value as { description: unknown; file: string };
          form.append('description', JSON.stringify(v.description));
          form.append('file', new Blob([v.file], { type: 'application/pdf' }), 'agreement.pdf');
          body = form;
        } else if (media) {
          headers['content-type'] = media;
          body = typeof value === 'string' ? value : JSON.stringify(value);
        }
        const res = await fetch(url, { method: method.toUpperCase(), headers, ...(body ? { body } : {}) });
        const text = await res.text();
        got.push(
          `${method} ${path} ${media}: ${res.status}${res.status >= 400 ? ` ${text.slice(0, 300)}` : ''}`,
        );
        want.push(`${method} ${path} ${media}: ${ex.status}`);
        if (method === 'post' && path === '/v1/batches') expect(text).not.toMatch(/"status":"error"/);
      }
    }
    expect(got).toEqual(want);
  });
});
