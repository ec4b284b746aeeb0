/**
 * Issue 8, item 9: OPTIONS is answered like any other request. The API serves no CORS, so it is
 * a 405 with the Allow header, recorded in the audit trail (with or without a token); Express's
 * automatic 200 (unauthenticated, unaudited) is never reached.
 */
import { auth, startServer, type TestServer } from './server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

async function options(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.url}${path}`, { method: 'OPTIONS', headers });
  const body = (await res.json()) as { error: { code: string; details?: unknown; hint?: string } };
  return { res, body, requestId: res.headers.get('x-request-id') ?? '' };
}

describe('OPTIONS', () => {
  test.each([
    ['/v1/records', 'GET, HEAD, POST'],
    ['/v1/records/T-20261121-000001', 'GET, HEAD'],
    ['/v1/records/T-20261121-000001/content', 'GET, HEAD'],
    ['/v1/batches', 'POST'],
    ['/v1/documents', 'POST'],
  ])('OPTIONS %s: 405 with Allow %s, audited', async (path, allow) => {
    const { res, body, requestId } = await options(path);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(body.error).toMatchObject({ code: 'MethodNotAllowed', details: { allow: allow.split(', ') } });
    expect(body.error.hint).toMatch(/CORS/);
    const events = await s.eventsFor(requestId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'error', principalId: null });
    expect(JSON.parse(events[0]!.details ?? '{}')).toMatchObject({ status: 405, code: 'MethodNotAllowed' });
  });

  test('with a valid token it is the same 405, audited', async () => {
    const { res, requestId } = await options('/v1/records', auth('ingest'));
    expect(res.status).toBe(405);
    expect(await s.eventsFor(requestId)).toHaveLength(1);
  });

  test('an unknown path is a 404 as for any method, audited', async () => {
    const { res, body, requestId } = await options('/v1/nothing-here');
    expect([res.status, body.error.code]).toEqual([404, 'NotFound']);
    expect(await s.eventsFor(requestId)).toHaveLength(1);
  });

  test('the public paths answer 405 too, never an Allow-only 200', async () => {
    const { res } = await options('/healthz');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});
