/** Starts createApp on port 0 with fakes (or given deps) and drives it with global fetch. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { Authenticator, Role } from '../../src/auth/types';
import { parseConfig } from '../../src/config';
import { createApp, type AppDeps, type HttpCatalog, type ReadinessReport } from '../../src/http';
import { createLogger } from '../../src/log';
import type { IngestService } from '../../src/ingest/types';
import { FakeAuthenticator, FakeCatalog, FakeIngest, FakeStore, TOKENS, type CommitTarget } from './fakes';

export interface TestServer<C extends HttpCatalog = FakeCatalog> {
  url: string;
  catalog: C;
  ingest: FakeIngest;
  store: FakeStore;
  authenticator: FakeAuthenticator;
  /** Every log line, parsed. */
  logs: Record<string, unknown>[];
  /** The raw log text (to check that secrets never reach it). */
  logText(): string;
  setReadiness(fn: () => Promise<ReadinessReport>): void;
  close(): Promise<void>;
}

export interface StartOptions<C> {
  catalog?: C;
  authenticator?: Authenticator;
  ingest?: IngestService;
  limits?: AppDeps['limits'];
  metrics?: AppDeps['metrics'];
}

export async function startServer<C extends HttpCatalog & CommitTarget = FakeCatalog>(
  options: StartOptions<C> = {},
): Promise<TestServer<C>> {
  const catalog = (options.catalog ?? new FakeCatalog()) as C;
  const store = new FakeStore();
  const ingest = new FakeIngest(catalog, store);
  const authenticator = new FakeAuthenticator();
  const logs: Record<string, unknown>[] = [];
  let text = '';
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const line of chunk.toString('utf8').split('\n'))
      if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  let readiness: () => Promise<ReadinessReport> = async () => ({
    ready: true,
    checks: [{ name: 'catalog', ok: true, detail: 'ok' }],
  });
  const app = createApp({
    config: parseConfig({}),
    logger: createLogger({ level: 'info', destination }),
    authenticator: options.authenticator ?? authenticator,
    catalog,
    ingest: options.ingest ?? ingest,
    store,
    readiness: () => readiness(),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    catalog,
    ingest,
    store,
    authenticator,
    logs,
    logText: () => text,
    setReadiness: (fn) => {
      readiness = fn;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export function auth(role: Role): Record<string, string> {
  return { authorization: `Bearer ${TOKENS[role]}` };
}

export const TRADE = {
  recordType: 'trade',
  recordId: 'T-20261121-000001',
  tradeId: 'T-20261121-000001',
  orderId: 'O-20261121-000417',
  executedAt: '2026-11-21T09:31:02.123+08:00',
  venue: 'XHKG',
  instrument: { exchange: 'XHKG', code: '0700' },
  side: 'buy',
  quantity: 1000,
  price: '388.20',
  currency: 'HKD',
  capacity: 'agency',
  clientId: 'C-1001',
  accountId: 'A-1001-01',
};

export function trade(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...TRADE, recordId: id, tradeId: id, ...overrides };
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Parses an NDJSON answer into objects. */
export async function ndjson(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
