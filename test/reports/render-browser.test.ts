import fs from 'node:fs';
import type { Catalog } from '../../src/catalog';
import { alpTradeFacts, type AlpTradeSource } from '../../src/records/alp-trade-facts';
import { alpTop10Html, alpTop10Report, evaluatePosture, postureHtml, unavailable } from '../../src/reports';
import { ManualClock } from '../../src/util/clock';
import { sqliteHarnessFactory, type CatalogHarness } from '../catalog/harness';
import { ALP, MONTH, generateMonth } from './alp-month';
import { launchChromium, screenshot, show, type OpenBrowser } from './browser';
import { healthyFacts } from './posture-fixtures';

/**
 * Both report pages as a person sees them: rendered by Chromium, charts present (SVG elements
 * counted), nothing fetched from anywhere, a screenshot of each kept under test-artifacts/.
 */

let chromium: OpenBrowser;
let h: CatalogHarness;
let catalog: Catalog;

beforeAll(async () => {
  chromium = await launchChromium();
  h = await sqliteHarnessFactory()();
  catalog = await h.open();
  const sources = generateMonth()
    .records.map(alpTradeFacts)
    .filter((s): s is AlpTradeSource => s !== null);
  await catalog.addAlpTradeSources(sources);
});

afterAll(async () => {
  await chromium?.close();
  await h?.destroy();
});

describe('report pages in Chromium', () => {
  it('renders the ALP top-10 page: header, ten rows, a bar per user, no request', async () => {
    const report = await alpTop10Report(catalog, {
      month: MONTH,
      alpId: ALP,
      operator: 'Example Securities Limited',
      clock: new ManualClock(new Date('2026-10-05T10:00:00+08:00')),
      ledgerIndex: 4711,
    });
    const { page, requests } = await show(chromium.browser, alpTop10Html(report));
    const header = await page.locator('header').innerText();
    for (const text of [
      'Example Securities Limited',
      ALP,
      MONTH,
      report.dueDate,
      report.generatedAt,
      '4711',
    ]) {
      expect(header).toContain(text);
    }
    expect(await page.locator('#users tr').count()).toBe(11);
    expect(await page.locator('svg.chart').count()).toBe(1);
    expect(await page.locator('svg.chart rect.bar').count()).toBe(10);
    // Bars are drawn: the largest share has the longest bar.
    const widths = await page
      .locator('svg.chart rect.bar')
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    expect(Math.max(...widths)).toBe(widths[0]);
    expect(widths[0]).toBeGreaterThan(100);
    expect(await page.locator('script').count()).toBe(0);
    expect(requests).toEqual([]);
    const file = await screenshot(page, 'alp-top10.png');
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it('renders the posture page with its three pictures', async () => {
    const facts = healthyFacts();
    const { page, requests } = await show(chromium.browser, postureHtml(evaluatePosture(facts)));
    expect(await page.locator('svg.chart').count()).toBe(3);
    // 90 days of columns, 3 audit sources, 5 checkpoint points (4 gaps between checkpoints and now).
    const [days, sources] = [page.locator('svg.chart').nth(0), page.locator('svg.chart').nth(1)];
    expect(await days.locator('rect.bar').count()).toBe(90);
    expect(await sources.locator('rect.bar').count()).toBe(3);
    expect(await page.locator('svg.chart').nth(2).locator('circle.dot').count()).toBe(5);
    expect(await page.locator('svg.chart').nth(2).locator('path.line').count()).toBe(1);
    expect(await page.locator('#lines tr[data-line]').count()).toBe(evaluatePosture(facts).lines.length);
    expect(await page.locator('#lines tr[data-status="ok"]').count()).toBe(
      evaluatePosture(facts).lines.length,
    );
    expect(requests).toEqual([]);
    await screenshot(page, 'posture.png');
    await page.close();
  });

  it('shows "not available" where the facts are missing, and the failing line in red', async () => {
    const facts = healthyFacts();
    facts.checkpoint = unavailable('the evidence ledger (signed checkpoints) is not connected yet');
    if (facts.buckets.available) facts.buckets.value[0]!.logging = { available: true, value: null };
    const { page } = await show(chromium.browser, postureHtml(evaluatePosture(facts)));
    expect(await page.locator('svg.chart').count()).toBe(2);
    expect(
      await page
        .getByText('not available: the evidence ledger (signed checkpoints) is not connected yet')
        .count(),
    ).toBeGreaterThan(0);
    const failing = page.locator('#lines tr[data-status="failing"]');
    expect(await failing.count()).toBe(1);
    expect(await failing.getAttribute('data-line')).toBe('access-logging');
    const color = await failing
      .locator('.status')
      .evaluate((e) => e.ownerDocument.defaultView?.getComputedStyle(e).color);
    expect(color).toBe('rgb(161, 20, 28)');
    await screenshot(page, 'posture-not-available.png');
    await page.close();
  });
});
