import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { openCatalog } from '../../src/catalog';
import { ledgerKinds } from '../../src/catalog/migration-ledger-kinds';
import { ingestEvent, makeRecord, sha256Of } from './fixtures';

/**
 * Migration 0004 rebuilds `ledger_leaves` on SQLite (a CHECK cannot be altered there). Run again
 * over a catalog that holds records, audit events and non-record leaves, it must keep every row
 * byte for byte, the foreign keys from `records`, and the append-only triggers.
 */
describe('migration 0004 (ledger kinds) on a populated SQLite catalog', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-kinds-'));
  const file = path.join(dir, 'catalog.sqlite');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const rawRows = (sqlText: string): unknown[] => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(sqlText).all();
    } finally {
      db.close();
    }
  };

  it('keeps the rows, the foreign keys and the triggers', async () => {
    const catalog = await openCatalog({ sqlitePath: file });
    for (const id of ['K-1', 'K-2', 'K-3'])
      await catalog.commitRecord(makeRecord({ recordId: id }), ingestEvent(id));
    await catalog.appendLedgerEntry({ kind: 'audit_segment', id: 'seg-1', sha256: sha256Of('seg') });
    await catalog.close();
    const before = rawRows('select * from ledger_leaves order by seq');
    expect(before).toHaveLength(4);

    const raw = new Database(file);
    // A real catalog meets 0004 before 0005, whose records trigger names ledger_leaves (SQLite
    // refuses to rename a table over a trigger that names a dropped one): back to the 0004 state.
    raw.exec('drop trigger records_match_leaf');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    await ledgerKinds(db, 'sqlite');
    await db.destroy();

    expect(rawRows('select * from ledger_leaves order by seq')).toEqual(before);
    expect(rawRows('pragma foreign_key_check')).toEqual([]);
    const triggers = rawRows(
      "select name from sqlite_master where type = 'trigger' and tbl_name = 'ledger_leaves' order by name",
    );
    expect(triggers).toEqual([{ name: 'ledger_leaves_no_delete' }, { name: 'ledger_leaves_no_update' }]);
    const writer = new Database(file);
    try {
      expect(() => writer.prepare('delete from ledger_leaves where seq = 0').run()).toThrow(/append-only/);
      expect(() => writer.prepare("update ledger_leaves set kind = 'export' where seq = 3").run()).toThrow(
        /append-only/,
      );
    } finally {
      writer.close();
    }

    const again = await openCatalog({ sqlitePath: file });
    try {
      expect((await again.getRecord('K-2'))?.ledgerSeq).toBe(1);
      const tomb = await again.appendLedgerEntry({ kind: 'disposition', id: 'K-2', sha256: sha256Of('K-2') });
      expect(tomb.seq).toBe(4);
    } finally {
      await again.close();
    }
  });
});
