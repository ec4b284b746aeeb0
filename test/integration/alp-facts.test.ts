/**
 * The ALP trade facts on the write path and in recovery, full stack: ALP trades and corrections
 * sent through the real API get their facts in the record's own transaction; `reindex` into an
 * empty catalog gives the same top-10 report; a catalog whose trades were catalogued without
 * facts (as an earlier version of the archive left them) is repaired by `reconcile`.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openArchiveSeal } from '../../src/runtime/seal';
import { openCatalog, type Catalog, type NewRecord } from '../../src/catalog';
import { bucketPlan } from '../../src/config';
import { catalogRow } from '../../src/ingest/catalog-row';
import { recoverFromStore, type RecoveryMode } from '../../src/ingest/recovery';
import { RECORD_SCHEMA_VERSION } from '../../src/records';
import { HongKongCalendar, alpTop10Report, type AlpTop10Report } from '../../src/reports';
import { reportFindings } from '../../src/reports/doctor';
import { ReportService } from '../../src/reports/service';
import { ManualClock } from '../../src/util/clock';
import { alpTrade } from '../reports/alp-fixtures';
import { ALP, MONTH, expected, generateMonth } from '../reports/alp-month';
import {
  bearer,
  databases,
  freshPostgresDatabase,
  ndjson,
  startTestArchive,
  tempDir,
  type TestArchive,
} from './helpers';

const GENERATED = new ManualClock(new Date('2026-10-20T10:00:00+08:00'));

function report(catalog: Catalog): Promise<AlpTop10Report> {
  return alpTop10Report(catalog, {
    month: MONTH,
    alpId: ALP,
    operator: 'Example Securities Limited',
    clock: GENERATED,
  });
}

describe.each(databases('integration/alp-facts'))(
  'ALP trade facts on the write path, catalog on %s',
  (db) => {
    let t: TestArchive;
    const month = generateMonth(7);

    beforeAll(async () => {
      t = await startTestArchive({ db });
      // Through the real API, as an ALP's trading system sends them: one NDJSON batch.
      const res = await fetch(`${t.url}/v1/batches`, {
        method: 'POST',
        headers: { ...bearer(t.ingestToken), 'content-type': 'application/x-ndjson' },
        body: month.records.map((r) => JSON.stringify(r)).join('\n') + '\n',
      });
      expect(res.status).toBe(200);
      const lines = ndjson<{ status: string }>(await res.text());
      expect(lines.filter((l) => l.status === 'created')).toHaveLength(month.records.length);
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    async function withFreshCatalog(fn: (fresh: Catalog) => Promise<void>): Promise<void> {
      const pg = db === 'postgres' ? await freshPostgresDatabase() : undefined;
      const dir = tempDir('alp-reindex');
      let fresh: Catalog | undefined;
      try {
        fresh = await openCatalog(
          pg ? { databaseUrl: pg.url } : { sqlitePath: path.join(dir, 'fresh.sqlite') },
        );
        await fn(fresh);
      } finally {
        await fresh?.close();
        await pg?.drop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }

    function recover(mode: RecoveryMode, catalog: Catalog) {
      return recoverFromStore(
        { store: t.store, catalog, plan: bucketPlan(t.config), seal: openArchiveSeal(t.config) },
        { mode },
      );
    }

    test('every trade ingested has its facts, committed with its row; the report is the independent computation', async () => {
      expect(await t.catalog.alpTradesWithoutFacts()).toEqual([]);
      const r = await report(t.catalog);
      const want = expected(month.records, MONTH, ALP);
      expect(r.users.map((u) => u.userId)).toEqual(want.ranked.slice(0, 10).map((u) => u.userId));
      expect(r.totals.trades).toBe(want.totals.trades);
      expect(r.totals.correctedTrades).toBe(want.totals.corrected);
      expect(r.excluded.cancelled.map((e) => e.tradeRecordId)).toEqual(want.excluded.cancelled.sort());
      // A corrected trade counts with its corrected values.
      const corrected = await t.catalog.alpTradeFact('AT-00007');
      expect(corrected).toMatchObject({ price: '654.321', corrections: 2, state: 'counted' });
    });

    test('reindex into an empty catalog gives the same report', async () => {
      const before = await report(t.catalog);
      await withFreshCatalog(async (fresh) => {
        const rebuilt = await recover('reindex', fresh);
        expect(rebuilt.problems).toEqual([]);
        expect(rebuilt.committed).toBe(month.records.length);
        expect(rebuilt.alpFactsRepaired).toBe(0);
        expect(await fresh.alpTradesWithoutFacts()).toEqual([]);
        expect(await report(fresh)).toEqual(before);
        expect(await fresh.alpIdsWithTrades(MONTH)).toEqual(await t.catalog.alpIdsWithTrades(MONTH));
      });
    }, 120_000);

    test('trades catalogued without their facts (an earlier version) are repaired by reconcile: the same report', async () => {
      const before = await report(t.catalog);
      await withFreshCatalog(async (fresh) => {
        // What the earlier write path left: every row, no ALP trade source.
        for (const r of month.records) {
          const stored = await t.catalog.getRecord(r.recordId);
          if (!stored) throw new Error(`not catalogued: ${r.recordId}`);
          const row: NewRecord = {
            ...catalogRow({
              record: r,
              stored: { ...stored, key: stored.objectKey },
              retentionClass: { name: stored.retentionClass, days: 2557 },
              schemaVersion: RECORD_SCHEMA_VERSION,
              ingestedAt: stored.ingestedAt,
              principalId: stored.principalId,
            }),
            retainUntil: stored.retainUntil,
            alpTradeSource: null,
          };
          await fresh.indexFromStore(row);
        }
        const missing = await fresh.alpTradesWithoutFacts(10_000);
        expect(missing.length).toBe(month.records.filter((r) => r.recordType === 'alp_trade').length);
        // doctor shows them, and says what to run.
        const calendar = new HongKongCalendar();
        const [gap] = await reportFindings(fresh, new ReportService({ catalog: fresh, calendar }));
        expect(gap).toMatchObject({ check: 'alp-facts', severity: 'warn' });
        expect(gap?.message).toMatch(
          /ALP trade\(s\) catalogued without their facts .*run `strongroom reconcile`/,
        );
        const repaired = await recover('reconcile', fresh);
        expect(repaired.problems).toEqual([]);
        expect(repaired.committed).toBe(0);
        expect(repaired.alpFactsRepaired).toBe(missing.length);
        expect(await fresh.alpTradesWithoutFacts()).toEqual([]);
        expect(await report(fresh)).toEqual(before);
      });
    }, 120_000);

    /** SQL run on the archive's own catalog database, from a second connection. */
    async function onCatalogDb(statements: string[]): Promise<void> {
      if (db === 'postgres') {
        const c = new pg.Client({ connectionString: t.databaseUrl });
        await c.connect();
        try {
          for (const s of statements) await c.query(s);
        } finally {
          await c.end();
        }
        return;
      }
      const raw = new Database(path.join(t.dataDir, 'catalog.sqlite'));
      try {
        for (const s of statements) raw.exec(s);
      } finally {
        raw.close();
      }
    }

    test('when the facts cannot be written, the trade is not catalogued either; the retry commits both', async () => {
      const trade = alpTrade({
        recordId: 'AT-ONE-TX',
        alpId: ALP,
        userId: 'U-01',
        quantity: 100,
        price: '1',
        executedAt: '2026-09-02T10:00:00+08:00',
      });
      // The database itself refuses this trade's fact row (a fault in the second half of the write).
      await onCatalogDb(
        db === 'postgres'
          ? [
              `create function refuse_fact() returns trigger language plpgsql as $$ begin
               if new.trade_record_id = 'AT-ONE-TX' then raise exception 'fact refused'; end if; return new; end $$`,
              'create trigger refuse_fact before insert on alp_trade_facts for each row execute function refuse_fact()',
            ]
          : [
              `create trigger refuse_fact before insert on alp_trade_facts when new.trade_record_id = 'AT-ONE-TX'
             begin select raise(abort, 'fact refused'); end`,
            ],
      );
      const send = (): Promise<Response> =>
        fetch(`${t.url}/v1/records`, {
          method: 'POST',
          headers: { ...bearer(t.ingestToken), 'content-type': 'application/json' },
          body: JSON.stringify(trade),
        });
      const refused = await send();
      expect(refused.status).toBe(500);
      expect(await t.catalog.getRecord('AT-ONE-TX')).toBeUndefined();
      expect(await t.catalog.alpTradeFact('AT-ONE-TX')).toBeUndefined();
      expect(await t.catalog.alpTradesWithoutFacts()).toEqual([]);

      await onCatalogDb(
        db === 'postgres'
          ? ['drop trigger refuse_fact on alp_trade_facts', 'drop function refuse_fact()']
          : ['drop trigger refuse_fact'],
      );
      // The sender's retry adopts the object the first attempt stored and commits row and facts.
      const retried = await send();
      expect(retried.status).toBe(201);
      expect(await t.catalog.alpTradeFact('AT-ONE-TX')).toMatchObject({ state: 'counted', turnover: '100' });
    });
  },
);
