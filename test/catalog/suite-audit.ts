import {
  AUDIT_GENESIS_HASH,
  auditEventHash,
  leafHash,
  verifyAuditChain,
  type AuditEvent,
  type Catalog,
} from '../../src/catalog';
import { ConflictError } from '../../src/errors';
import { ManualClock } from '../../src/util/clock';
import { T0, ingestEvent, makeRecord, sha256Of } from './fixtures';
import type { CatalogHarness, HarnessFactory } from './harness';

/** Ledger density under concurrency, the audit chain, and the database refusing edits. */
export function auditSuite(fresh: HarnessFactory): void {
  describe('concurrent writers', () => {
    let h: CatalogHarness;
    beforeAll(async () => {
      h = await fresh();
    });
    afterAll(async () => {
      await h.destroy();
    });

    test('50 parallel commits over two catalogs give a dense ledger and a valid audit chain', async () => {
      // Two catalogs on one database stand for two processes (PostgreSQL: two pools).
      const [a, b] = [await h.open(), await h.open()];
      const n = 50;
      const commits = Array.from({ length: n }, (_, i) => {
        const record = makeRecord({ recordId: `P-${i}` });
        return (i % 2 === 0 ? a : b).commitRecord(record, ingestEvent(record.recordId));
      });
      const reads = Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? b : a).appendAudit({
          principalId: 'usr_reader0001',
          action: 'record.read',
          target: `P-${i}`,
          outcome: 'allowed',
        }),
      );
      const [results, readEvents] = await Promise.all([Promise.all(commits), Promise.all(reads)]);

      expect(results.every((r) => r.created)).toBe(true);
      expect(results.map((r) => r.ledgerSeq).sort((x, y) => x - y)).toEqual([...Array(n).keys()]);
      const leaves = await a.ledgerLeaves();
      expect(leaves.map((l) => l.seq)).toEqual([...Array(n).keys()]);
      for (const leaf of leaves) {
        const record = await b.getRecord(leaf.recordId);
        expect(record?.ledgerSeq).toBe(leaf.seq);
        expect(leaf.leafHash).toBe(
          leafHash({ kind: 'record', id: leaf.recordId, sha256: record?.sha256 ?? '' }),
        );
      }
      const auditSeqs = [
        ...results.map((r) => (r.created ? r.auditSeq : -1)),
        ...readEvents.map((e) => e.seq),
      ];
      expect(auditSeqs.sort((x, y) => (x ?? -1) - (y ?? -1))).toEqual([...Array(n + 20).keys()]);
      expect(await a.ledgerSize()).toBe(n);
      expect(await b.auditSize()).toBe(n + 20);
      expect(await verifyAuditChain(a)).toMatchObject({ ok: true, count: n + 20 });
    });
  });

  describe('audit trail', () => {
    let h: CatalogHarness;
    let catalog: Catalog;
    const clock = new ManualClock(T0);
    beforeAll(async () => {
      h = await fresh();
      catalog = await h.open(clock);
    });
    afterAll(async () => {
      await h.destroy();
    });

    test('appendAudit chains events and hashes their canonical form', async () => {
      const first = await catalog.appendAudit({
        principalId: null,
        action: 'auth.token',
        outcome: 'denied',
        ip: '192.0.2.1',
        details: { z: 1, a: { y: [1, 'two'], b: null }, 10: 'ten', 9: 'nine' },
      });
      clock.advance(1500);
      const second = await catalog.appendAudit({
        eventId: 'evt_fixed',
        at: new Date('2026-11-21T02:00:00.000Z'),
        principalId: 'usr_reader0001',
        action: 'record.read',
        target: 'T-1',
        outcome: 'allowed',
        requestId: 'req-9',
      });
      const third = await catalog.appendAudit({
        principalId: 'usr_reader0001',
        action: 'search',
        outcome: 'error',
      });
      expect(first).toMatchObject({
        seq: 0,
        at: T0,
        target: null,
        requestId: null,
        prevHash: AUDIT_GENESIS_HASH,
      });
      expect(first.eventId).toMatch(/^evt_[0-9a-f-]{36}$/);
      expect(first.details).toBe('{"10":"ten","9":"nine","a":{"b":null,"y":[1,"two"]},"z":1}');
      expect(second).toMatchObject({ seq: 1, eventId: 'evt_fixed', prevHash: first.hash, details: null });
      expect(third).toMatchObject({ seq: 2, at: new Date(T0.getTime() + 1500), prevHash: second.hash });
      for (const e of [first, second, third]) expect(e.hash).toBe(auditEventHash(e));
      expect(await catalog.auditEvents()).toEqual([first, second, third]);
      expect(await catalog.auditEvents({ fromSeq: 1, limit: 1 })).toEqual([second]);
      await expect(
        catalog.appendAudit({ eventId: 'evt_fixed', principalId: null, action: 'x', outcome: 'allowed' }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await catalog.auditSize()).toBe(3);
    });

    test('non-record ledger entries share the dense seq and are idempotent', async () => {
      await catalog.commitRecord(makeRecord({ recordId: 'L-1' }), ingestEvent('L-1'));
      const seg = await catalog.appendLedgerEntry({
        kind: 'audit_segment',
        id: 'seg-000001',
        sha256: sha256Of('segment 1'),
      });
      expect(seg).toMatchObject({ seq: 1, kind: 'audit_segment', recordId: 'seg-000001' });
      expect(seg.leafHash).toBe(
        leafHash({ kind: 'audit_segment', id: 'seg-000001', sha256: sha256Of('segment 1') }),
      );
      expect(
        await catalog.appendLedgerEntry({
          kind: 'audit_segment',
          id: 'seg-000001',
          sha256: sha256Of('segment 1'),
        }),
      ).toEqual(seg);
      await expect(
        catalog.appendLedgerEntry({ kind: 'audit_segment', id: 'seg-000001', sha256: sha256Of('other') }),
      ).rejects.toBeInstanceOf(ConflictError);
      const exp = await catalog.appendLedgerEntry({ kind: 'export', id: 'EXP-1', sha256: sha256Of('bag') });
      expect(exp.seq).toBe(2);
      // Migration 0004: fixity reports and disposition tombstones are leaves too; nothing else is.
      const report = await catalog.appendLedgerEntry({
        kind: 'verification_report',
        id: 'VR-1',
        sha256: sha256Of('report'),
      });
      const tomb = await catalog.appendLedgerEntry({
        kind: 'disposition',
        id: 'L-1',
        sha256: sha256Of('L-1'),
      });
      expect([report.seq, tomb.seq]).toEqual([3, 4]);
      await expect(
        catalog.appendLedgerEntry({ kind: 'bogus' as 'export', id: 'X-1', sha256: sha256Of('x') }),
      ).rejects.toMatchObject({ code: 'ValidationFailed' });
      await expect(
        h.exec(
          `insert into ledger_leaves (seq, kind, record_id, sha256, leaf_hash, created_at) values ` +
            `(99, 'bogus', 'X-1', '${sha256Of('x')}', '${sha256Of('y')}', '2026-12-01T00:00:00.000Z')`,
        ),
      ).rejects.toThrow(/ledger_leaves_kind|check/i);
      expect((await catalog.ledgerLeaves()).map((l) => l.seq)).toEqual([0, 1, 2, 3, 4]);
    });

    test('the database refuses UPDATE and DELETE on audit_events and ledger_leaves', async () => {
      const attempts = [
        `update audit_events set action = 'nothing' where seq = 0`,
        `update audit_events set principal_id = null`,
        `delete from audit_events where seq = 2`,
        `delete from audit_events`,
        `update ledger_leaves set sha256 = '${'0'.repeat(64)}' where seq = 0`,
        `delete from ledger_leaves where seq = 0`,
        `delete from ledger_leaves`,
        ...(h.dialect === 'postgres' ? ['truncate audit_events', 'truncate ledger_leaves cascade'] : []),
      ];
      for (const statement of attempts) {
        await expect(h.exec(statement)).rejects.toThrow(/append-only/);
      }
      // Statement-level on PostgreSQL: refused even when no row matches.
      if (h.dialect === 'postgres')
        await expect(h.exec('delete from audit_events where seq < 0')).rejects.toThrow(/append-only/);
      await expect(h.exec(`update counters set next_value = 0 where name = 'audit'`)).rejects.toThrow(
        /forward/,
      );
      await expect(
        h.exec(`update counters set next_value = next_value where name = 'audit'`),
      ).rejects.toThrow(/forward/);
      await expect(h.exec(`delete from counters`)).rejects.toThrow(/counters/);
      // Three appended events plus the one committed with L-1, untouched.
      expect(await catalog.auditSize()).toBe(4);
      expect((await catalog.auditEvents())[0]?.action).toBe('auth.token');
      expect(await verifyAuditChain(catalog)).toMatchObject({ ok: true, count: 4 });
    });
  });

  describe('verifyAuditChain', () => {
    // Each case tampers with its own database, as someone who can drop the triggers would.
    async function chainOf(
      n: number,
    ): Promise<{ h: CatalogHarness; catalog: Catalog; events: AuditEvent[] }> {
      const h = await fresh();
      const catalog = await h.open();
      const events: AuditEvent[] = [];
      for (let i = 0; i < n; i++) {
        events.push(
          await catalog.appendAudit({
            principalId: `usr_user000${i}`,
            action: 'record.read',
            target: `T-${i}`,
            outcome: 'allowed',
          }),
        );
      }
      return { h, catalog, events };
    }

    test('an intact chain verifies, page by page', async () => {
      const { h, catalog, events } = await chainOf(7);
      try {
        expect(await verifyAuditChain(catalog, { pageSize: 3 })).toEqual({
          ok: true,
          count: 7,
          headHash: events[6]?.hash,
        });
      } finally {
        await h.destroy();
      }
    });

    test('an edited event is caught at its seq', async () => {
      const { h, catalog } = await chainOf(6);
      try {
        await h.dropTrigger('audit_events', 'update');
        await h.exec(`update audit_events set target = 'T-elsewhere' where seq = 3`);
        expect(await verifyAuditChain(catalog, { pageSize: 2 })).toMatchObject({
          ok: false,
          firstBadSeq: 3,
          count: 3,
          problem: 'hash_mismatch',
        });
      } finally {
        await h.destroy();
      }
    });

    test('an edit with a recomputed hash breaks the link of the next event', async () => {
      const { h, catalog, events } = await chainOf(6);
      try {
        const victim = events[2];
        if (!victim) throw new Error('fixture');
        const forged = auditEventHash({ ...victim, principalId: 'usr_someone_else' });
        await h.dropTrigger('audit_events', 'update');
        await h.exec(
          `update audit_events set principal_id = 'usr_someone_else', hash = '${forged}' where seq = 2`,
        );
        expect(await verifyAuditChain(catalog)).toMatchObject({
          ok: false,
          firstBadSeq: 3,
          problem: 'prev_hash_mismatch',
        });
      } finally {
        await h.destroy();
      }
    });

    test('a deleted event is reported missing, in the middle or at the end', async () => {
      const { h, catalog } = await chainOf(6);
      try {
        await h.dropTrigger('audit_events', 'delete');
        await h.exec('delete from audit_events where seq = 5');
        expect(await verifyAuditChain(catalog)).toMatchObject({
          ok: false,
          firstBadSeq: 5,
          count: 5,
          problem: 'missing',
        });
        // Appending onto a broken chain is refused rather than papered over.
        await expect(
          catalog.appendAudit({ principalId: null, action: 'x', outcome: 'allowed' }),
        ).rejects.toThrow(/missing/);
        expect(await catalog.auditSize()).toBe(6);
        await h.exec('delete from audit_events where seq = 1');
        expect(await verifyAuditChain(catalog, { pageSize: 2 })).toMatchObject({
          ok: false,
          firstBadSeq: 1,
          count: 1,
          problem: 'missing',
        });
      } finally {
        await h.destroy();
      }
    });
  });
}
