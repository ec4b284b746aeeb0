import fs from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';
import { tempDir } from '../helpers/common';
import { startServer, type TestServer } from './server';

/**
 * GET /docs renders the API reference in a real browser (Debian's Chromium, headless): Swagger UI
 * from the installed swagger-ui-dist, loading /openapi.json, every request to the archive itself
 * (no CDN), and the operations of the document on the page.
 */

let s: TestServer;
let context: BrowserContext | undefined;
let profile: string;
beforeAll(async () => {
  s = await startServer();
  profile = tempDir('chromium');
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    timeout: 110_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 120_000);
afterAll(async () => {
  await context?.close();
  await s?.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

it('renders the reference from local files: the title, the tags and the operations', async () => {
  if (!context) throw new Error('no browser');
  const page = await context.newPage();
  const requested: string[] = [];
  const failed: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  page.on('requestfailed', (r) => failed.push(r.url()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const res = await page.goto(`${s.url}/docs`, { waitUntil: 'load', timeout: 60_000 });
  expect(res?.status()).toBe(200);
  await page.locator('.swagger-ui .info .title').waitFor({ timeout: 60_000 });
  expect(await page.locator('.swagger-ui .info .title').innerText()).toMatch(/strongroom/);
  await page.locator('.opblock-tag').first().waitFor({ timeout: 60_000 });
  const tags = await page.locator('.opblock-tag').allInnerTexts();
  expect(tags.join(' ')).toMatch(/records/);
  expect(tags.join(' ')).toMatch(/system/);
  const summaries = await page.locator('.opblock-summary-path').allInnerTexts();
  expect(summaries.map((t) => t.replace(/\u200b/g, ''))).toEqual(
    expect.arrayContaining(['/v1/records', '/v1/batches', '/v1/documents', '/healthz']),
  );
  // Everything came from the archive: the page, Swagger UI's files and the document.
  expect(requested.filter((u) => !u.startsWith(s.url) && !u.startsWith('data:'))).toEqual([]);
  expect(requested).toEqual(
    expect.arrayContaining([`${s.url}/openapi.json`, `${s.url}/docs/assets/swagger-ui-bundle.js`]),
  );
  expect({ failed, errors }).toEqual({ failed: [], errors: [] });
  await page.close();
});

it('serves only the files the page needs from the package', async () => {
  expect((await fetch(`${s.url}/docs/assets/swagger-ui.css`)).status).toBe(200);
  const other = await fetch(`${s.url}/docs/assets/package.json`);
  expect(other.status).toBe(404);
  expect(((await other.json()) as { error: { code: string } }).error.code).toBe('NotFound');
});
