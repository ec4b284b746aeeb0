import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCatalog } from '../../src/catalog';
import { openSqlite, type OpenedDatabase } from '../../src/catalog/dialect';
import { GroupCommitter } from '../../src/catalog/group-commit';
import { UnavailableError } from '../../src/errors';
import { ManualClock } from '../../src/util/clock';
import { T0, ingestEvent, makeRecord } from './fixtures';

/** The group committer's contract with durability: nobody is answered before the sync ends. */
describe('group commit and durability', () => {
  let dir: string;
  let opened: OpenedDatabase;
  const clock = new ManualClock(T0);

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-group-'));
    const file = path.join(dir, 'catalog.db');
    await (await openCatalog({ sqlitePath: file })).close(); // migrated
    opened = openSqlite(file);
  });
  afterEach(async () => {
    await opened.db.destroy();
    await opened.closeDurability();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('answers wait for the sync after their commit', async () => {
    let release!: () => void;
    const syncs: number[] = [];
    const committer = new GroupCommitter({ db: opened.db, clock }, () => {
      syncs.push(syncs.length);
      return new Promise<void>((resolve) => (release = resolve));
    });
    const r = makeRecord({ recordId: 'T-D-1' });
    let answered = false;
    const pending = committer
      .write({ kind: 'record', record: r, audit: ingestEvent(r.recordId) })
      .then((o) => {
        answered = true;
        return o;
      });
    // Committed (visible to a reader) but not acknowledged while the sync is outstanding.
    for (let i = 0; i < 50 && syncs.length === 0; i++) await new Promise((res) => setImmediate(res));
    expect(syncs).toHaveLength(1);
    const row = await opened.db.selectFrom('records').select('record_id').executeTakeFirst();
    expect(row?.record_id).toBe('T-D-1');
    expect(answered).toBe(false);
    release();
    expect(await pending).toMatchObject({ ok: true, value: { created: true } });
  });

  test('settled() waits for the sync of what is committed, so readers never show an unsynced row', async () => {
    let release!: () => void;
    let syncs = 0;
    const committer = new GroupCommitter({ db: opened.db, clock }, () => {
      syncs++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    await committer.settled(); // idle: at once
    const r = makeRecord({ recordId: 'T-D-S' });
    const pending = committer.write({ kind: 'record', record: r, audit: ingestEvent(r.recordId) });
    for (let i = 0; i < 50 && syncs === 0; i++) await new Promise((res) => setImmediate(res));
    // The row is visible to a reader, but not yet durable: settled() must not resolve.
    expect(await opened.db.selectFrom('records').select('record_id').executeTakeFirst()).toBeDefined();
    let settled = false;
    const waiting = committer.settled().then(() => (settled = true));
    for (let i = 0; i < 20; i++) await new Promise((res) => setImmediate(res));
    expect(settled).toBe(false);
    release();
    await waiting;
    expect(settled).toBe(true);
    await pending;
  });

  test('a failed sync fails the answers with Unavailable; a retry finds the committed record', async () => {
    const committer = new GroupCommitter({ db: opened.db, clock }, () => Promise.reject(new Error('EIO')));
    const r = makeRecord({ recordId: 'T-D-2' });
    const outcome = await committer.write({ kind: 'record', record: r, audit: ingestEvent(r.recordId) });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toBeInstanceOf(UnavailableError);
    const healthy = new GroupCommitter({ db: opened.db, clock }, opened.durable);
    const again = await healthy.write({ kind: 'record', record: r, audit: ingestEvent(r.recordId) });
    expect(again).toMatchObject({ ok: true, value: { created: false, ledgerSeq: 0 } });
  });

  test('the WAL syncer shares fsyncs between concurrent callers and survives many rounds', async () => {
    const committer = new GroupCommitter({ db: opened.db, clock }, opened.durable);
    for (let round = 0; round < 5; round++) {
      const ops = Array.from({ length: 40 }, (_, i) => makeRecord({ recordId: `T-D-${round}-${i}` }));
      const outcomes = await Promise.all(
        ops.map((r) => committer.write({ kind: 'record', record: r, audit: ingestEvent(r.recordId) })),
      );
      expect(outcomes.every((o) => o.ok)).toBe(true);
    }
    await committer.flush();
    expect(committer.writeStats()).toMatchObject({ operations: 200, splitGroups: 0 });
  });
});
