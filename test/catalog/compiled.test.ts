import { sql } from 'kysely';
import { runCompiled } from '../../src/catalog/compiled';
import { openSqlite } from '../../src/catalog/dialect';

describe('runCompiled', () => {
  const opened = openSqlite(':memory:');
  const db = opened.db;
  beforeAll(async () => {
    await sql`create table counters (name text primary key, next_value integer not null)`.execute(db);
    await sql`insert into counters values ('ledger', 3), ('audit', 7)`.execute(db);
  });
  afterAll(async () => {
    await db.destroy();
  });

  test('compiles once and runs with each call’s parameters', async () => {
    let builds = 0;
    const byName = (name: string) =>
      runCompiled(
        db,
        'counterByName',
        (q, n) => {
          builds++;
          return q.selectFrom('counters').selectAll().where('name', '=', n!);
        },
        [name],
      );
    expect(await byName('ledger')).toEqual([{ name: 'ledger', next_value: 3 }]);
    expect(await byName('audit')).toEqual([{ name: 'audit', next_value: 7 }]);
    expect(await byName('none')).toEqual([]);
    expect(builds).toBe(1);
  });

  test('refuses a query that binds other parameters than the ones given', async () => {
    await expect(
      runCompiled(
        db,
        'extraParam',
        (q, n) => q.selectFrom('counters').selectAll().where('name', '=', n!).where('next_value', '>', 1),
        ['x'],
      ),
    ).rejects.toThrow(/does not bind its parameters in order/);
  });
});
