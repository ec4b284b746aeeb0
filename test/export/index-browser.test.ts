import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { buildFixtureBag, EXPORT_ID, removeDir, unzipTo, type BuiltBag } from './fixtures';

// The project's libs have no DOM; these run in the page (the CSP there forbids string eval).
declare const document: { getElementById(id: string): { textContent: string | null } | null };
declare const location: { hash: string };

/** Screenshots are kept here (gitignored) as the test's artifact. */
const ARTIFACTS = resolve(__dirname, '../../test-artifacts');

describe('index.html in Chromium, opened from disk', () => {
  let bag: BuiltBag;
  let browser: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    bag = await buildFixtureBag();
    await unzipTo(bag.zip, join(bag.dir, 'out'));
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const url = pathToFileURL(join(bag.dir, 'out', EXPORT_ID, 'data', 'index.html')).href;
    await page.goto(url);
    await page.waitForSelector('html[data-ready="true"]');
  });
  afterAll(async () => {
    await browser?.close();
    if (bag) await removeDir(bag.dir);
  });

  const idsInTable = (): Promise<string[]> =>
    page.$$eval('#rows tr th[scope=row]', (ths) => ths.map((t) => t.textContent ?? ''));
  const column = (n: number): Promise<string[]> =>
    page.$$eval(`#rows tr > :nth-child(${n})`, (cells) => cells.map((c) => c.textContent ?? ''));

  it('shows the request, the counts and the checkpoint, and fetches nothing', async () => {
    expect(await page.textContent('h1')).toContain('SFC/ENF/2026/0042 <b>urgent</b>');
    expect(await page.textContent('#count-records')).toContain(String(bag.records.length));
    expect(await page.textContent('#checkpoint')).toBe(bag.ledger.checkpoint);
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('finds every record in the table, with proper headers', async () => {
    expect((await idsInTable()).sort()).toEqual(bag.records.map((r) => r.meta.recordId).sort());
    const headers = await page.$$eval('#records thead th', (ths) =>
      ths.map((t) => [t.getAttribute('scope'), t.textContent]),
    );
    expect(headers.map(([scope]) => scope)).toEqual(Array(8).fill('col'));
    expect(headers.map(([, text]) => text)).toContain('Business date');
  });

  it('renders hostile record contents as text: no script ran, no element was injected', async () => {
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.$$('img')).toHaveLength(0);
    expect(await column(4)).toContain('=HYPERLINK("http://evil.example","x")');
    expect(errors).toEqual([]);
  });

  it('filters by client', async () => {
    await page.fill('#filter', 'C-2002');
    await page.waitForFunction(() =>
      document.getElementById('status')?.textContent?.includes('filter: C-2002'),
    );
    const expected = bag.records.filter((r) => r.meta.clientId === 'C-2002').map((r) => r.meta.recordId);
    expect((await idsInTable()).sort()).toEqual(expected.sort());
    expect(new Set(await column(4))).toEqual(new Set(['C-2002']));
    await page.fill('#filter', 'client:c-1001 trade');
    await page.press('#filter', 'Enter');
    const trades = bag.records.filter((r) => r.meta.clientId === 'C-1001' && r.meta.recordType === 'trade');
    expect((await idsInTable()).sort()).toEqual(trades.map((r) => r.meta.recordId).sort());
    await page.fill('#filter', '');
    await page.press('#filter', 'Enter');
    expect(await idsInTable()).toHaveLength(bag.records.length);
  });

  it('sorts by business date, both ways, from the keyboard', async () => {
    await page.focus('#records thead button[data-col="2"]');
    await page.keyboard.press('Enter');
    const dates = await column(3);
    expect(dates).toEqual([...dates].sort());
    expect(await page.getAttribute('#records thead th:nth-child(3)', 'aria-sort')).toBe('ascending');
    await page.keyboard.press('Enter');
    const desc = await column(3);
    expect(desc).toEqual([...dates].sort().reverse());
    expect(await page.getAttribute('#records thead th:nth-child(3)', 'aria-sort')).toBe('descending');
  });

  it('opens a record as a table of its fields, with a link to its raw file', async () => {
    const trade = bag.records.find((r) => r.meta.recordType === 'trade') ?? bag.records[0];
    const id = trade?.meta.recordId as string;
    await page.click(`#rows a:text-is("${id}")`);
    await page.waitForSelector('#record:not([hidden])');
    expect(await page.textContent('#record-title')).toBe(`Record ${id}`);
    const fields = await page.$$eval('#record-fields tr', (trs) =>
      trs.map((tr) => [tr.querySelector('th')?.textContent, tr.querySelector('td')?.textContent]),
    );
    expect(fields).toContainEqual(['instrument.code', '0700']);
    expect(fields).toContainEqual(['price', '388.20']);
    expect(fields).toContainEqual(['recordId', id]);
    expect(await page.getAttribute('#raw', 'href')).toBe(`records/${trade?.meta.objectKey}`);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'export-index-record.png'), fullPage: true });
    // The raw file opens from disk too.
    const raw = await browser.newPage();
    await raw.goto(new URL(`records/${trade?.meta.objectKey}`, page.url()).href);
    expect(JSON.parse((await raw.textContent('body')) ?? '')).toMatchObject({ recordId: id });
    await raw.close();
  });

  it('shows a hostile record as inert text and goes back with Escape', async () => {
    await page.evaluate(() => {
      location.hash = '#record=O-HOSTILE-1';
    });
    await page.waitForFunction(
      "document.getElementById('record-title').textContent === 'Record O-HOSTILE-1'",
    );
    const channel = await page.$eval(
      '#record-fields',
      (t) =>
        [...t.querySelectorAll('tr')]
          .find((tr) => tr.querySelector('th')?.textContent === 'channel')
          ?.querySelector('td')?.textContent,
    );
    expect(channel).toBe('</script><script>window.__pwned=1</script>');
    expect(await page.$$('img')).toHaveLength(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.keyboard.press('Escape');
    await page.waitForSelector('#list:not([hidden])');
    await page.screenshot({ path: join(ARTIFACTS, 'export-index.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
