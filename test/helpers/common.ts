/**
 * Helpers every suite shares: temporary directories and catalogs, and the few HTTP calls a test
 * makes as a sender would. One definition each (the suites' own helpers re-export them).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCatalog, type Catalog } from '../../src/catalog';
import type { Clock } from '../../src/util/clock';

/** A fresh directory under the OS temp dir: `strongroom-<label>-XXXXXX`. The caller removes it. */
export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `strongroom-${label}-`));
}

export interface TempCatalog {
  catalog: Catalog;
  dir: string;
  cleanup(): Promise<void>;
}

/** A real SQLite catalog in a temp directory; `cleanup` closes it and removes the directory. */
export async function tempCatalog(clock?: Clock, label = 'catalog'): Promise<TempCatalog> {
  const dir = tempDir(label);
  const catalog = await openCatalog({
    sqlitePath: path.join(dir, 'catalog.sqlite'),
    ...(clock ? { clock } : {}),
  });
  return {
    catalog,
    dir,
    async cleanup() {
      await catalog.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/**
 * POST of a JSON body (a string is sent as it is). `auth` is a token (sent as Bearer) or headers.
 */
export function postJson(
  url: string,
  body: unknown,
  auth?: string | Record<string, string>,
  extra: Record<string, string> = {},
): Promise<Response> {
  const headers = typeof auth === 'string' ? bearer(auth) : (auth ?? {});
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers, ...extra },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Parses NDJSON text (blank lines skipped). */
export function ndjson<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
