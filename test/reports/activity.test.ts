import type { Catalog } from '../../src/catalog';
import {
  TEST_DATABASE_URL,
  postgresHarnessFactory,
  sqliteHarnessFactory,
  type CatalogHarness,
  type HarnessFactory,
} from '../catalog/harness';
import { ingestEvent, makeRecord } from '../catalog/fixtures';

/** The posture report's counts on every database: records per Hong Kong day, audit events per action. */
function suite(fresh: HarnessFactory): void {
  let h: CatalogHarness;
  let catalog: Catalog;
  beforeAll(async () => {
    h = await fresh();
    catalog = await h.open();
    const at = [
      '2026-11-30T15:59:59.999Z',
      '2026-11-30T16:00:00.000Z',
      '2026-12-01T10:00:00.000Z',
      '2026-12-05T00:00:00Z',
    ];
    for (const [i, t] of at.entries()) {
      await catalog.commitRecord(
        makeRecord({ recordId: `T-A-${i}`, ingestedAt: new Date(t) }),
        ingestEvent(`T-A-${i}`),
      );
    }
    await catalog.appendAudit({ principalId: null, action: 'auth.denied', outcome: 'denied' });
  });
  afterAll(() => h.destroy());

  it('counts records per Hong Kong day, the day starting at 16:00 UTC', async () => {
    const days = await catalog.recordsIngestedPerDay(
      new Date('2026-11-30T00:00:00Z'),
      new Date('2026-12-05T00:00:00Z'),
    );
    expect(days).toEqual([
      { date: '2026-11-30', count: 1 },
      { date: '2026-12-01', count: 2 },
    ]);
  });

  it('counts audit events per action', async () => {
    const counts = await catalog.auditEventCounts();
    expect(counts).toEqual(
      [
        { action: 'auth.denied', count: 1 },
        { action: ingestEvent('x').action, count: 4 },
      ].sort((a, b) => (a.action < b.action ? -1 : 1)),
    );
  });
}

describe('activity counts on SQLite', () => suite(sqliteHarnessFactory()));
(TEST_DATABASE_URL ? describe : describe.skip)('activity counts on PostgreSQL', () =>
  suite(postgresHarnessFactory(TEST_DATABASE_URL)),
);
