/**
 * Issue 8, item 10: a request body that stalls is answered 408 RequestTimeout after the idle
 * timeout (here 1 s; 30 s by default), audited, its connection closed; a body that keeps sending
 * is never cut however long it takes. Raw node:http clients, so that the body can stall.
 */
import http from 'node:http';
import { parseConfig } from '../../src/config';
import { resolveLimits } from '../../src/http';
import { auth, startServer, trade, type TestServer } from './server';

const IDLE_MS = 1000;
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ limits: { bodyIdleTimeoutMs: IDLE_MS } });
});
afterAll(async () => {
  await s.close();
});

interface Answer {
  status: number;
  body: string;
  requestId: string;
  closed: boolean;
}

/** Sends `first`, then nothing more (the body declared or chunked stays unfinished). */
function stalled(path: string, headers: Record<string, string>, first: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${s.url}${path}`, {
      method: 'POST',
      headers: { ...auth('ingest'), ...headers },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const requestId = String(res.headers['x-request-id'] ?? '');
        // The server closes the connection: the socket ends without our doing.
        req.socket?.once('close', () =>
          resolve({ status: res.statusCode ?? 0, body, requestId, closed: true }),
        );
        if (req.socket?.destroyed) resolve({ status: res.statusCode ?? 0, body, requestId, closed: true });
      });
    });
    req.on('error', reject);
    req.write(first);
  });
}

test('a JSON body that stalls after 13 of 1,000 bytes: 408 RequestTimeout, audited, connection closed', async () => {
  const answer = await stalled(
    '/v1/records',
    { 'content-type': 'application/json', 'content-length': '1000' },
    '{"recordType"',
  );
  expect(answer.status).toBe(408);
  const { error } = JSON.parse(answer.body) as { error: { code: string; hint?: string } };
  expect(error.code).toBe('RequestTimeout');
  expect(error.hint).toMatch(/never cut/);
  expect(answer.closed).toBe(true);
  const events = await s.eventsFor(answer.requestId);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ action: 'records.write', outcome: 'error' });
  expect(JSON.parse(events[0]?.details ?? '{}')).toMatchObject({ status: 408, code: 'RequestTimeout' });
});

test('a chunked NDJSON batch that stops sending: its lines so far answered, then a RequestTimeout summary, audited', async () => {
  const line = JSON.stringify(trade('T-STALL-1'));
  const answer = await stalled('/v1/batches', { 'content-type': 'application/x-ndjson' }, `${line}\n`);
  expect(answer.status).toBe(200);
  const lines = answer.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines[0]).toMatchObject({ line: 1, status: 'created' });
  expect(lines[1]).toMatchObject({
    summary: { lines: 1, created: 1, complete: false },
    error: { code: 'RequestTimeout' },
  });
  const batchEvent = (await s.eventsFor(answer.requestId)).find((e) => e.target !== 'T-STALL-1');
  expect(JSON.parse(batchEvent?.details ?? '{}')).toMatchObject({ complete: false, code: 'RequestTimeout' });
});

test('a raw document upload that stalls: 408, audited, nothing archived', async () => {
  const description = Buffer.from(
    JSON.stringify({
      recordType: 'document',
      recordId: 'D-STALL-1',
      documentType: 'contract_note',
      title: 'stalled',
      documentDate: '2026-11-21',
      fileName: 'a.pdf',
      contentType: 'application/pdf',
    }),
  ).toString('base64url');
  const answer = await stalled(
    '/v1/documents',
    { 'content-type': 'application/pdf', 'content-length': '100000', 'x-strongroom-document': description },
    Buffer.alloc(1000, 1),
  );
  expect([answer.status, answer.body]).toEqual([408, expect.stringContaining('"RequestTimeout"')]);
  const events = await s.eventsFor(answer.requestId);
  expect(events.map((e) => e.outcome)).toEqual(['error']);
});

test('a batch that keeps sending, for longer than the idle timeout in all, is never cut', async () => {
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(`${s.url}/v1/batches`, {
      method: 'POST',
      headers: { ...auth('ingest'), 'content-type': 'application/x-ndjson' },
    });
    req.on('response', (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    let n = 0;
    // A line every 300 ms for 3 s: three times the idle timeout, never idle for one.
    const tick = setInterval(() => {
      n++;
      req.write(`${JSON.stringify(trade(`T-DRIP-${n}`))}\n`);
      if (n === 10) {
        clearInterval(tick);
        req.end();
      }
    }, 300);
  });
  expect(res.status).toBe(200);
  const lines = res.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines[lines.length - 1]).toEqual({
    summary: { lines: 10, created: 10, existing: 0, failed: 0, complete: true },
  });
});

test('the default is 30 s, configurable as server.limits.bodyIdleTimeoutMs', async () => {
  expect(resolveLimits(undefined).bodyIdleTimeoutMs).toBe(30_000);
  expect(
    resolveLimits(parseConfig({ server: { limits: { bodyIdleTimeoutMs: 5000 } } }).server.limits)
      .bodyIdleTimeoutMs,
  ).toBe(5000);
});
