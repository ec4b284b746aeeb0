import { AuditScope, UNMATCHED_ACTION, MAX_TARGET_LENGTH } from '../../src/audit/scope';
import type { NewAuditEvent } from '../../src/catalog/types';
import { AuditUnavailableError } from '../../src/errors';
import { ManualClock } from '../../src/util/clock';

/** A trail that keeps what it is given, or refuses while `down`. */
function trail(): { events: NewAuditEvent[]; down: boolean; appendAudit(e: NewAuditEvent): Promise<void> } {
  return {
    events: [],
    down: false,
    async appendAudit(e) {
      if (this.down) throw new Error('database down');
      this.events.push(e);
    },
  };
}

const clock = new ManualClock(new Date('2026-11-21T01:00:00Z'));

describe('AuditScope', () => {
  test('builds the event from what contributors set and noted, and appends it once', async () => {
    const t = trail();
    const scope = new AuditScope(t, { requestId: 'r-1', ip: '10.0.0.1' }, { clock });
    scope.set({ action: 'records.read', principalId: 'usr_1' });
    scope.set({ target: 'T-1' });
    scope.note({ operation: 'record.get' });
    await scope.append('allowed', { status: 200 });
    expect(scope.recorded).toBe(true);
    expect(t.events).toEqual([
      {
        at: clock.now(),
        principalId: 'usr_1',
        action: 'records.read',
        target: 'T-1',
        outcome: 'allowed',
        ip: '10.0.0.1',
        requestId: 'r-1',
        details: { operation: 'record.get', status: 200 },
      },
    ]);
    await expect(scope.append('allowed')).rejects.toThrow(/already recorded/);
    expect(t.events).toHaveLength(1);
  });

  test('the owner fills in what nobody named; targets are bounded', () => {
    const scope = new AuditScope(
      trail(),
      {},
      { fallback: () => ({ target: 'GET /v1/x', details: { route: 'x' } }) },
    );
    expect(scope.event('error')).toMatchObject({
      action: UNMATCHED_ACTION,
      target: 'GET /v1/x',
      details: { route: 'x' },
    });
    scope.set({ target: 'x'.repeat(500) });
    expect(scope.event('error').target).toHaveLength(MAX_TARGET_LENGTH);
  });

  test("within: the event goes into the caller's transaction, recorded only when the caller says it was written", async () => {
    const t = trail();
    const scope = new AuditScope(t, { action: 'records.write' }, { clock });
    const skipped = await scope.within(
      'allowed',
      { n: 1 },
      async () => 'lost the race',
      () => false,
    );
    expect([skipped, scope.state]).toEqual(['lost the race', 'open']);
    let written: NewAuditEvent | undefined;
    await scope.within('allowed', { n: 2 }, async (event) => {
      written = event;
    });
    expect(scope.recorded).toBe(true);
    expect(written).toMatchObject({ action: 'records.write', details: { n: 2 } });
    expect(t.events).toEqual([]); // the transaction wrote it, not the trail
  });

  test('append fails closed; tryAppend reports; the failure is noted for the next attempt', async () => {
    const t = trail();
    t.down = true;
    const scope = new AuditScope(t, { action: 'records.read' });
    await expect(scope.append('allowed')).rejects.toBeInstanceOf(AuditUnavailableError);
    expect(scope.state).toBe('failed');
    t.down = false;
    expect(await scope.tryAppend('error', { status: 503 })).toBeUndefined();
    expect(t.events[0]?.details).toMatchObject({ auditFailure: true, status: 503 });
  });

  test('a child is its own access with the same principal, address and request', async () => {
    const t = trail();
    const scope = new AuditScope(t, {
      principalId: 'sys_1',
      ip: '::1',
      requestId: 'r-2',
      action: 'records.write',
    });
    scope.note({ operation: 'batch.ingest' });
    const line = scope.child({ action: 'records.write', target: 'T-9' });
    await line.append('allowed');
    expect(t.events[0]).toMatchObject({ principalId: 'sys_1', ip: '::1', requestId: 'r-2', target: 'T-9' });
    expect(t.events[0]?.details).toEqual({});
    expect(scope.recorded).toBe(false);
  });

  test('whenIdle waits for every hold to be released', async () => {
    const scope = new AuditScope(trail());
    const release = scope.hold();
    const other = scope.hold();
    let idle = false;
    const waiting = scope.whenIdle().then(() => (idle = true));
    release();
    release(); // a second call changes nothing
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(false);
    other();
    await waiting;
    expect(idle).toBe(true);
  });
});
