/**
 * The EDSP posture report from the live archive: GET /v1/posture on the real service (its
 * buckets provisioned and locked by the local profile, its catalog's principals and documents),
 * and `strongroom posture` through the CLI on a data directory whose policies are not locked;
 * the HTML page rendered by Chromium with its pictures, a screenshot kept in test-artifacts/.
 * (Every line against hand-made facts, logging off and a stale checkpoint included, is
 * test/reports/posture-evaluate.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { issueToken } from '../../src/auth/tokens';
import { main } from '../../src/cli/main';
import type { PostureReport } from '../../src/reports';
import { launchChromium, screenshot, show, type OpenBrowser } from '../reports/browser';
import {
  getWith,
  postDocument,
  principalWithToken,
  startTestArchive,
  tempDir,
  type TestArchive,
} from './helpers';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    }),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err.push(String(chunk));
      return true;
    }),
  ];
  try {
    process.exitCode = undefined;
    const code = await main(['node', 'strongroom', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.exitCode = undefined;
    for (const s of spies) s.mockRestore();
  }
}

const lineOf = (r: PostureReport, id: string) => {
  const found = r.lines.find((l) => l.id === id);
  if (!found) throw new Error(`no line ${id}: ${r.lines.map((l) => l.id).join(', ')}`);
  return found;
};

let t: TestArchive;
let chromium: OpenBrowser;

beforeAll(async () => {
  t = await startTestArchive({
    db: 'sqlite',
    overrides: { reports: { operator: 'Example Securities Limited' } },
  });
  chromium = await launchChromium();
}, 120_000);
afterAll(async () => {
  await chromium?.close();
  await t?.close();
});

test('GET /v1/posture: locked buckets pass, one compliance principal is a warning, two pass; the EDSP undertaking is found', async () => {
  // Named people (kind user), as `strongroom users add` makes them.
  const person = async (name: string): Promise<{ id: string; token: string }> => {
    const p = await t.catalog.addPrincipal({ name, role: 'compliance', kind: 'user' });
    const issued = issueToken();
    await t.catalog.addTokenHash(p.id, issued.tokenHash);
    return { id: p.id, token: issued.token };
  };
  const first = await person('Chan Tai Man');
  const get = async (): Promise<PostureReport> => {
    const res = await getWith(`${t.url}/v1/posture`, first.token);
    expect(res.status).toBe(200);
    return (await res.json()) as PostureReport;
  };
  const one = await get();
  expect(lineOf(one, 'retention').status).toBe('ok');
  expect(lineOf(one, 'access-logging').status).toBe('ok');
  expect(lineOf(one, 'compliance-principals')).toMatchObject({ status: 'warning' });
  expect(lineOf(one, 'compliance-principals').evidence.join(' ')).toContain('Chan Tai Man');
  // Nothing imported yet: a warning naming every importer's position, never ok.
  expect(lineOf(one, 'log-import')).toMatchObject({
    status: 'warning',
    summary: 'no access log imported yet',
  });
  expect(lineOf(one, 'log-import').evidence).toContain('actiontrail: nothing imported yet');
  // Plain HTTP to the local emulator: no HTTPS-only policy, a warning; encryption is set locally.
  expect(lineOf(one, 'https-only').status).toBe('warning');
  expect(lineOf(one, 'encryption').status).toBe('ok');
  // The ledger is connected: before the first checkpoint the line fails, after one it passes.
  if (!(await t.catalog.latestCheckpointRow()))
    expect(lineOf(one, 'checkpoint')).toMatchObject({
      status: 'failing',
      summary: 'no checkpoint has been signed',
    });
  expect(lineOf(one, 'edsp-undertaking').evidence.join(' ')).toMatch(
    /no EDSP undertaking or notice is archived/,
  );

  const undertaking = {
    recordType: 'document',
    recordId: 'EDSP-UNDERTAKING-1',
    documentType: 'edsp_undertaking',
    title: 'EDSP undertaking (Alibaba Cloud)',
    documentDate: '2026-11-02',
    fileName: 'undertaking.pdf',
    contentType: 'application/pdf',
  };
  const posted = await postDocument(t.url, t.ingestToken, undertaking, Buffer.from('%PDF-1.7 undertaking'), {
    form: 'raw',
  });
  expect(posted.status).toBe(201);
  await person('Wong Siu Ming');
  await t.archive.evidence.checkpointNow();
  const two = await get();
  expect(lineOf(two, 'checkpoint').status).toBe('ok');
  expect(lineOf(two, 'compliance-principals').status).toBe('ok');
  expect(lineOf(two, 'edsp-undertaking').evidence.join(' ')).toContain(
    'edsp_undertaking archived as EDSP-UNDERTAKING-1 (2026-11-02)',
  );

  const reader = await principalWithToken(t.catalog, 'reader');
  expect((await getWith(`${t.url}/v1/posture`, reader.token)).status).toBe(403);
  const bad = await getWith(`${t.url}/v1/posture?format=pdf`, first.token);
  expect(bad.status).toBe(400);

  const page = await getWith(`${t.url}/v1/posture?format=html`, first.token);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const { page: shown, requests } = await show(chromium.browser, await page.text());
  expect(requests).toEqual([]);
  expect(await shown.locator('svg').count()).toBeGreaterThanOrEqual(2);
  await screenshot(shown, 'posture-served.png');
  await shown.close();
}, 60_000);

test('strongroom posture: policies not locked fail the retention line (exit 3); --out writes the page', async () => {
  const dataDir = tempDir('posture-cli');
  try {
    expect((await cli('provision', '--data', dataDir)).code).toBe(0);
    const json = await cli('posture', '--data', dataDir);
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout) as PostureReport;
    expect(report.overall).toBe('failing');
    const retention = lineOf(report, 'retention');
    expect(retention.status).toBe('failing');
    expect(retention.evidence.join(' ')).toMatch(/InProgress/);
    expect(lineOf(report, 'access-logging').status).toBe('ok');
    // No principals in this catalog at all: 7(g) fails.
    expect(lineOf(report, 'compliance-principals').status).toBe('failing');

    const out = path.join(dataDir, 'posture.html');
    const html = await cli('posture', '--data', dataDir, '--format', 'html', '--out', out);
    expect(html.code).toBe(3);
    expect(html.stdout).toBe(`posture: failing (${out})\n`);
    const { page, requests } = await show(chromium.browser, fs.readFileSync(out, 'utf8'));
    expect(requests).toEqual([]);
    expect(await page.getByText('InProgress').count()).toBeGreaterThan(0);
    await screenshot(page, 'posture-cli-unlocked.png');
    await page.close();
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 90_000);
