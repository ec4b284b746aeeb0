import { verifyAuditChain, type Catalog } from '../../src/catalog';
import { IMMUTABLE_RECORD_COLUMNS } from '../../src/catalog/migration-append-only';
import { ingestEvent, makeRecord, sha256Of } from './fixtures';
import type { CatalogHarness, HarnessFactory } from './harness';

type Row = Record<string, unknown>;

/** A SQL literal for a value read back from either database. */
function literal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return `'${v.toISOString()}'`;
  return `'${String(v).replace(/'/g, "''")}'`;
}

function insertSql(table: string, row: Row, changes: Row = {}): string {
  const merged = { ...row, ...changes };
  const columns = Object.keys(merged);
  return `into ${table} (${columns.join(', ')}) values (${columns.map((c) => literal(merged[c])).join(', ')})`;
}

/** A value of the column's type that differs from the current one. */
function otherValue(column: string, current: unknown): string {
  if (column === 'schema_version' || column === 'size' || column === 'ledger_seq')
    return String(Number(current) + 1000);
  if (column === 'business_date') return "'2020-01-01'";
  if (column === 'ingested_at') return "'2020-01-01T00:00:00.000Z'";
  if (column === 'sha256') return `'${sha256Of('forged')}'`;
  if (column === 'crc64') return "'1'";
  return "'forged'";
}

/**
 * Issue 8, item 1: every way round the append-only protection that a writer with a connection
 * (but not DDL rights) has, on each database. Each attempt must be refused and change nothing.
 */
export function appendOnlySuite(fresh: HarnessFactory): void {
  let h: CatalogHarness;
  let catalog: Catalog;
  let auditRow: Row;
  let leafRow: Row;
  let recordRow: Row;

  beforeAll(async () => {
    h = await fresh();
    catalog = await h.open();
    for (const id of ['A-1', 'A-2'])
      await catalog.commitRecord(makeRecord({ recordId: id }), ingestEvent(id));
    await catalog.appendAudit({ principalId: null, action: 'x.read', outcome: 'allowed' });
    const one = async (sqlText: string): Promise<Row> => {
      const [row] = await h.query<Row>(sqlText);
      if (!row) throw new Error(`no row: ${sqlText}`);
      return row;
    };
    auditRow = await one('select * from audit_events where seq = 0');
    leafRow = await one('select * from ledger_leaves where seq = 0');
    recordRow = await one("select * from records where record_id = 'A-1'");
  });
  afterAll(async () => {
    await h.destroy();
  });

  /** Everything as it was after beforeAll. */
  async function unchanged(): Promise<void> {
    expect(await h.query<Row>('select * from audit_events where seq = 0')).toEqual([auditRow]);
    expect(await h.query<Row>('select * from ledger_leaves where seq = 0')).toEqual([leafRow]);
    expect(await h.query<Row>("select * from records where record_id = 'A-1'")).toEqual([recordRow]);
    expect(await catalog.auditSize()).toBe(3);
    expect(await catalog.ledgerSize()).toBe(2);
    expect(await verifyAuditChain(catalog)).toMatchObject({ ok: true, count: 3 });
  }

  test('an insert over an existing audit event or ledger leaf is refused, whatever the conflict clause', async () => {
    const forgedAudit = insertSql('audit_events', auditRow, { action: 'nothing.happened' });
    const newSeqSameId = insertSql('audit_events', auditRow, { seq: 99, action: 'nothing.happened' });
    const forgedLeaf = insertSql('ledger_leaves', leafRow, { sha256: sha256Of('forged') });
    const sameEntryNewSeq = insertSql('ledger_leaves', leafRow, { seq: 99 });
    const attempts =
      h.dialect === 'sqlite'
        ? [
            `insert or replace ${forgedAudit}`,
            `replace ${forgedAudit}`,
            `insert or replace ${newSeqSameId}`,
            `insert or replace ${forgedLeaf}`,
            `insert or replace ${sameEntryNewSeq}`,
            `update or replace audit_events set action = 'x' where seq = 1`,
          ]
        : [
            `insert ${forgedAudit} on conflict (seq) do update set action = excluded.action`,
            `insert ${newSeqSameId} on conflict (event_id) do update set action = excluded.action`,
            `insert ${forgedLeaf} on conflict (seq) do update set sha256 = excluded.sha256`,
            `insert ${sameEntryNewSeq} on conflict (kind, record_id) do update set seq = excluded.seq`,
          ];
    for (const statement of attempts) {
      await expect(h.exec(statement)).rejects.toThrow(/append-only|refused/);
    }
    await unchanged();
  });

  test('the counters cannot be set back by an insert', async () => {
    const attempts =
      h.dialect === 'sqlite'
        ? [
            `insert or replace into counters (name, next_value) values ('audit', 0)`,
            `replace into counters (name, next_value) values ('ledger', 0)`,
            `insert into counters (name, next_value) values ('other', 0)`,
          ]
        : [
            `insert into counters (name, next_value) values ('audit', 0) on conflict (name) do update set next_value = 0`,
            `insert into counters (name, next_value) values ('other', 0)`,
          ];
    for (const statement of attempts) {
      await expect(h.exec(statement)).rejects.toThrow(/refused|forward/);
    }
    const counters = await h.query<{ name: string; next_value: number | string }>(
      'select name, next_value from counters order by name',
    );
    expect(counters.map((c) => [c.name, Number(c.next_value)])).toEqual([
      ['audit', 3],
      ['ledger', 2],
    ]);
  });

  test('no column of a record row changes, except retain_until moving later', async () => {
    for (const column of IMMUTABLE_RECORD_COLUMNS) {
      const value = otherValue(column, recordRow[column]);
      await expect(h.exec(`update records set ${column} = ${value} where record_id = 'A-1'`)).rejects.toThrow(
        /never changed|refused/,
      );
    }
    await expect(
      h.exec(`update records set retain_until = '2030-01-01T00:00:00.000Z' where record_id = 'A-1'`),
    ).rejects.toThrow(/only moves later/);
    await unchanged();
    // A retention extension is the one change a record row takes.
    await h.exec(`update records set retain_until = '2040-01-01T00:00:00.000Z' where record_id = 'A-2'`);
    expect((await catalog.getRecord('A-2'))?.retainUntil).toEqual(new Date('2040-01-01T00:00:00.000Z'));
  });

  test('a record row cannot be replaced, nor deleted and written back with other content', async () => {
    // Another SHA-256 (no leaf has it), or the same one with other facts (the row exists).
    const forgedSha = insertSql('records', recordRow, { sha256: sha256Of('forged') });
    const forgedFacts = insertSql('records', recordRow, { client_id: 'C-FORGED', size: 1 });
    const attempts =
      h.dialect === 'sqlite'
        ? [
            `insert or replace ${forgedSha}`,
            `replace ${forgedSha}`,
            `insert or replace ${forgedFacts}`,
            `replace ${forgedFacts}`,
          ]
        : [
            `insert ${forgedSha} on conflict (record_id) do update set sha256 = excluded.sha256`,
            `insert ${forgedFacts} on conflict (record_id) do update set client_id = excluded.client_id`,
            'truncate records cascade',
          ];
    for (const statement of attempts) {
      await expect(h.exec(statement)).rejects.toThrow(/append-only|never changed|refused|ledger leaf/);
    }
    await unchanged();

    // Deleting a row is possible (disposition does it); writing it back with another SHA-256,
    // or under another record's ledger leaf, is not: a row must match its leaf.
    const [a2] = await h.query<Row>("select * from records where record_id = 'A-2'");
    await h.exec("delete from records where record_id = 'A-2'");
    await expect(
      h.exec(`insert ${insertSql('records', a2!, { sha256: sha256Of('forged') })}`),
    ).rejects.toThrow(/match its ledger leaf/);
    await expect(
      h.exec(`insert ${insertSql('records', a2!, { ledger_seq: 0, object_key: 'other.json' })}`),
    ).rejects.toThrow(/match its ledger leaf|existing row|unique|duplicate/i);
    await h.exec(`insert ${insertSql('records', a2!)}`);
    expect((await catalog.getRecord('A-2'))?.sha256).toBe(a2!.sha256);
  });

  test('the catalog itself still answers a repeat and a duplicate event id as before', async () => {
    const again = await catalog.commitRecord(makeRecord({ recordId: 'A-1' }), ingestEvent('A-1'));
    expect(again.created).toBe(false);
    const [first] = await catalog.auditEvents({ limit: 1 });
    await expect(
      catalog.appendAudit({ eventId: first!.eventId, principalId: null, action: 'x', outcome: 'allowed' }),
    ).rejects.toMatchObject({ code: 'CatalogConflict' });
    const next = await catalog.commitRecord(makeRecord({ recordId: 'A-3' }), ingestEvent('A-3'));
    expect(next).toMatchObject({ created: true, ledgerSeq: 2 });
  });
}
