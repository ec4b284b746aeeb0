import { type Catalog } from '../../src/catalog';
import { catalogMigrations } from '../../src/catalog/migrations';
import { ingestEvent, makeRecord } from './fixtures';
import type { CatalogHarness, HarnessFactory } from './harness';

/** Migrations run at open, once: opening again finds the schema and the data in place. */
export function migrationsSuite(fresh: HarnessFactory): void {
  let h: CatalogHarness;
  beforeAll(async () => {
    h = await fresh();
  });
  afterAll(async () => {
    await h.destroy();
  });

  test('opening twice (and after a close) is idempotent and keeps the data', async () => {
    const first: Catalog = await h.open();
    expect(first.dialect).toBe(h.dialect);
    const record = makeRecord({ recordId: 'M-1' });
    await first.commitRecord(record, ingestEvent('M-1'));
    const second = await h.open();
    expect((await second.getRecord('M-1'))?.sha256).toBe(record.sha256);
    await first.close();
    await first.close(); // closing twice is harmless

    const third = await h.open();
    const next = await third.commitRecord(makeRecord({ recordId: 'M-2' }), ingestEvent('M-2'));
    expect(next).toMatchObject({ created: true, ledgerSeq: 1, auditSeq: 1 });
    const applied = await h.query<{ name: string }>('select name from catalog_migration');
    expect(applied.map((m) => m.name)).toEqual(Object.keys(catalogMigrations(h.dialect)));
    const counters = await h.query<{ name: string; next_value: number | string }>(
      'select name, next_value from counters order by name',
    );
    expect(counters.map((c) => [c.name, Number(c.next_value)])).toEqual([
      ['audit', 2],
      ['ledger', 2],
    ]);
  });
}
