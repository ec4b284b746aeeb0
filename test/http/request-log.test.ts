import { formatLine } from '../../src/log/pretty';
import { auth, postJson, startServer, TRADE, trade, type TestServer } from './server';

/**
 * The logs of the real app (createApp over the real write path), as JSON lines and as a person
 * reads them on a terminal: one line per request, each error once on it with its code and
 * details, a batch's counts on its line, probes not at info, ISO times and no key twice.
 */

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

/** The top-level and nested keys of a JSON text that occur twice in one object (JSON.parse keeps the last). */
function duplicateKeys(text: string): string[] {
  const dups: string[] = [];
  let i = 0;
  const ws = (): void => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const val = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        const key = str();
        if (seen.has(key)) dups.push(key);
        seen.add(key);
        ws();
        i++; // :
        val();
        ws();
        if (text[i++] === '}') return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        val();
        ws();
        if (text[i++] === ']') return;
      }
    } else if (c === '"') str();
    else while (i < text.length && !/[,}\]\s]/.test(text[i] ?? '')) i++;
  };
  val();
  return dups;
}

const linesOf = (requestId: string | null): Record<string, unknown>[] =>
  s.logs.filter((l) => l.requestId === requestId);

it('one line per request: method, path, status, ms, principal, request id; ISO time', async () => {
  const res = await postJson(
    `${s.url}/v1/records`,
    { ...TRADE, recordId: 'LOG-1', tradeId: 'LOG-1' },
    auth('ingest'),
  );
  expect(res.status).toBe(201);
  const id = res.headers.get('x-request-id');
  const lines = linesOf(id);
  expect(lines).toEqual([
    expect.objectContaining({
      level: 30,
      msg: 'request',
      method: 'POST',
      url: '/v1/records',
      route: '/v1/records',
      status: 201,
      ms: expect.any(Number) as number,
      principal: s.principals.ingest.id,
    }),
  ]);
  expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const pretty = formatLine(JSON.stringify(lines[0]));
  expect(pretty).toMatch(
    new RegExp(
      `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  POST /v1/records 201 \\d+ ms ${s.principals.ingest.id} ${id}$`,
    ),
  );
});

it('an error is logged once, on its request line, with its code and details', async () => {
  const { quantity: _q, ...bad } = trade('LOG-BAD');
  const res = await postJson(`${s.url}/v1/records`, bad, auth('ingest'));
  expect(res.status).toBe(400);
  const lines = linesOf(res.headers.get('x-request-id'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({
    level: 30,
    status: 400,
    error: {
      code: 'ValidationFailed',
      message: expect.any(String) as string,
      details: [expect.objectContaining({ path: 'quantity' })],
    },
  });
  expect(formatLine(JSON.stringify(lines[0]))).toMatch(
    /POST \/v1\/records 400 \d+ ms \S+ req_\S+ ValidationFailed: .*\(quantity: /,
  );

  // An unexpected error: the one line is at error level and carries the stack.
  s.faults.explode.add('LOG-BOOM');
  const boom = await postJson(`${s.url}/v1/records`, trade('LOG-BOOM'), auth('ingest'));
  expect(boom.status).toBe(500);
  const failed = linesOf(boom.headers.get('x-request-id'));
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({ level: 50, status: 500, error: { code: 'InternalError' } });
  expect(JSON.stringify(failed[0]?.err)).toMatch(/stack/);
  expect(formatLine(JSON.stringify(failed[0]))).toMatch(
    /ERROR POST \/v1\/records 500 .*InternalError[^\n]*\n {4}\S/,
  );
});

it("a batch's line has its created, existing and failed counts", async () => {
  const body = [trade('LOG-B1'), trade('LOG-B2'), { recordType: 'trade' }, trade('LOG-1')]
    .map((r) => JSON.stringify(r))
    .join('\n');
  const res = await fetch(`${s.url}/v1/batches`, {
    method: 'POST',
    headers: { ...auth('ingest'), 'content-type': 'application/x-ndjson' },
    body,
  });
  expect(res.status).toBe(200);
  await res.text();
  const lines = linesOf(res.headers.get('x-request-id'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({
    status: 200,
    batch: { lines: 4, created: 2, existing: 1, failed: 1, complete: true },
  });
  expect(formatLine(JSON.stringify(lines[0]))).toMatch(
    /POST \/v1\/batches 200 \d+ ms \S+ req_\S+ batch 4 lines: 2 created, 1 existing, 1 failed$/,
  );
});

it('health probes are not logged at info; no JSON line has a key twice', async () => {
  for (const p of ['/healthz', '/readyz']) expect((await fetch(`${s.url}${p}`)).status).toBe(200);
  const metrics = await fetch(`${s.url}/metrics`, { headers: auth('admin') });
  expect(metrics.status).toBe(200);
  await metrics.text();
  expect(s.logs.filter((l) => l.url === '/healthz' || l.url === '/readyz')).toEqual([]);
  const raw = s
    .logText()
    .split('\n')
    .filter((l) => l.trim());
  expect(raw.length).toBeGreaterThan(4);
  expect(raw.map((l) => duplicateKeys(l)).filter((d) => d.length > 0)).toEqual([]);
  // The checker finds what it is for.
  expect(duplicateKeys('{"a":1,"b":{"c":[1,{"d":2,"d":3}]},"a":"x"}')).toEqual(['d', 'a']);
});
