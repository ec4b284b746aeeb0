import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { openCatalog, type Catalog, type ExportCriteria } from '../../src/catalog';
import { selectionAuditQuery } from '../../src/catalog/export-audit';
import type { CatalogDatabase } from '../../src/catalog/schema';
import { ingestEvent, makeRecord } from './fixtures';

/**
 * SQLite's plan of a page of auditEventsOfSelection: the events are found through
 * audit_events_by_target (target, seq), one probe per selected record, and read by seq; never a
 * scan of audit_events, whose length grows with every access-log import. (PostgreSQL plans by
 * its statistics: a table of a few rows is scanned whatever the query, so its plan is checked
 * on a large trail by hand; see src/catalog/export-audit.ts.)
 */
let dir: string;
let catalog: Catalog;
let raw: Database.Database;
let db: Kysely<CatalogDatabase>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-plan-'));
  const file = path.join(dir, 'catalog.sqlite');
  catalog = await openCatalog({ sqlitePath: file });
  for (let i = 0; i < 20; i++) {
    const r = makeRecord({ recordId: `T-${i}`, clientId: `C-${i % 3}`, businessDate: `2026-11-${10 + i}` });
    await catalog.commitRecord(r, ingestEvent(r.recordId));
    await catalog.appendAudit({
      principalId: 'p',
      action: 'oss.get',
      target: `bucket/${i}`,
      outcome: 'allowed',
    });
  }
  raw = new Database(file, { readonly: true });
  db = new Kysely<CatalogDatabase>({ dialect: new SqliteDialect({ database: raw }) });
});
afterAll(async () => {
  await db.destroy();
  await catalog.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const criteria: ExportCriteria[] = [
  { from: '2026-11-12' },
  { from: '2026-11-12', to: '2026-11-20' },
  { clientId: 'C-1' },
  { type: 'trade' },
  { type: 'trade', clientId: 'C-2', from: '2026-11-15' },
  { accountId: 'A-1' },
  { recordIds: ['T-1', 'T-2', 'T-404'] },
  { recordIds: ['T-1', 'T-2'], clientId: 'C-1', to: '2026-11-30' },
];

test.each(criteria)('the plan of %j reads audit_events through its indexes only', (c) => {
  const query = selectionAuditQuery(
    db,
    'sqlite',
    { criteria: c, ledgerSize: 15 },
    { fromSeq: 4, belowSeq: 30 },
  );
  if (query === null) throw new Error('a page that cannot be empty came out empty');
  const { sql, parameters } = query.compile();
  const plan = (raw.prepare(`explain query plan ${sql}`).all(...parameters) as { detail: string }[]).map(
    (r) => r.detail,
  );
  const onEvents = plan.filter((d) => / audit_events\b/.test(d));
  expect(onEvents.length).toBeGreaterThanOrEqual(2);
  for (const d of onEvents) expect(d).toMatch(/^SEARCH /);
  expect(plan).toContainEqual(expect.stringMatching(/COVERING INDEX audit_events_by_target \(target=\?/));
  expect(plan).toContainEqual(
    expect.stringMatching(/^SEARCH audit_events USING INTEGER PRIMARY KEY \(rowid=\?\)/),
  );
});

test('an empty page is no query at all', () => {
  expect(
    selectionAuditQuery(db, 'sqlite', { criteria: { recordIds: [] }, ledgerSize: 15 }, { belowSeq: 30 }),
  ).toBeNull();
  expect(
    selectionAuditQuery(
      db,
      'sqlite',
      { criteria: { clientId: 'C-1' }, ledgerSize: 15 },
      { fromSeq: 30, belowSeq: 30 },
    ),
  ).toBeNull();
});
