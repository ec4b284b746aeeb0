/**
 * The guard behind the audit mechanism (src/http/middleware/request.ts): a /v1 route that answers
 * without going through route() leaves its request unaudited, and the guard says so. The routes
 * of the API never do (every other HTTP suite fails on it through test/helpers/audit-guard.ts);
 * this one mounts such a route on purpose, on the real middleware.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import express from 'express';
import { Registry } from 'prom-client';
import type { NewAuditEvent } from '../../src/catalog/types';
import type { UnauditedRequest } from '../../src/http';
import { errorHandler } from '../../src/http/errors';
import { HttpMetrics } from '../../src/http/metrics';
import { beginRequest } from '../../src/http/middleware/request';
import { json, route } from '../../src/http/route';
import { createLogger } from '../../src/log';

async function serve(onUnaudited?: (r: UnauditedRequest) => void) {
  const events: NewAuditEvent[] = [];
  const logs: Record<string, unknown>[] = [];
  const destination = new PassThrough();
  destination.on('data', (c: Buffer) => {
    for (const line of c.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line));
  });
  const app = express();
  app.use(
    beginRequest(
      {
        logger: createLogger({ level: 'info', destination }),
        auditTrail: { appendAudit: async (e) => void events.push(e) },
        ...(onUnaudited ? { onUnaudited } : {}),
      },
      new HttpMetrics(new Registry()),
    ),
  );
  // A route that skips the mechanism (the bug the guard is there for) ...
  app.get('/v1/forgetful', (_req, res) => void res.json({ ok: true }));
  // ... and one declared the way every route is.
  const authenticator = {
    authenticate: async () => ({
      id: 'usr_1',
      name: 'u',
      role: 'reader' as const,
      kind: 'user' as const,
      via: 'token' as const,
    }),
  };
  app.get('/v1/declared', ...route({ authenticator }, 'records.read', async () => json({ ok: true })));
  app.use(errorHandler());
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, events, logs, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

test('an unaudited request is reported to onUnaudited (the test suites fail on it); a declared route is not', async () => {
  const reported: UnauditedRequest[] = [];
  const s = await serve((r) => reported.push(r));
  try {
    const res = await fetch(`${s.url}/v1/forgetful`);
    expect(res.status).toBe(200);
    await until(() => reported.length > 0);
    expect(reported).toEqual([
      { method: 'GET', route: '/v1/forgetful', status: 200, requestId: res.headers.get('x-request-id') },
    ]);
    expect(s.events).toEqual([]);

    const declared = await fetch(`${s.url}/v1/declared`);
    expect(declared.status).toBe(200);
    await until(() => s.events.length > 0);
    expect(s.events).toEqual([
      expect.objectContaining({ action: 'records.read', outcome: 'allowed', principalId: 'usr_1' }),
    ]);
    await new Promise((r) => setTimeout(r, 20));
    expect(reported).toHaveLength(1);
  } finally {
    await s.close();
  }
});

test('without the hook (production) the bug is logged at error and the event still appended', async () => {
  const s = await serve();
  try {
    const res = await fetch(`${s.url}/v1/forgetful`);
    await res.text();
    await until(() => s.events.length > 0);
    expect(s.events).toEqual([
      expect.objectContaining({
        outcome: 'allowed',
        requestId: res.headers.get('x-request-id'),
        details: expect.objectContaining({ unaudited: true, status: 200 }),
      }),
    ]);
    expect(
      s.logs.some(
        (l) => l.level === 50 && String(l.msg).startsWith('BUG: a request finished without an audit event'),
      ),
    ).toBe(true);
  } finally {
    await s.close();
  }
});
