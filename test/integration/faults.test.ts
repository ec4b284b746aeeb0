/**
 * Faults in OSS, full stack: the embedded emulator injects 503s and connection resets on
 * PutObject (seeded, so a run is repeatable), or answers a PUT without its CRC-64 or with a wrong
 * one. Acknowledged means durable: every 201/200 has its record in the catalog and in OSS with the
 * receipt's SHA-256; every failure left no catalog row, and sending the record again later stores
 * it exactly once.
 */
import type { EmulatorHandle } from '../../src/emulator/types';
import { example } from '../records/fixtures';
import {
  canonicalSha,
  databases,
  ndjson,
  objectKeys,
  postJson,
  startTestArchive,
  type ErrorBody,
  type ReceiptBody,
  type TestArchive,
} from './helpers';

function trade(n: number): Record<string, unknown> {
  const id = `T-FAULT-${String(n).padStart(4, '0')}`;
  return { ...example('trade'), recordId: id, tradeId: id, quantity: n + 1 };
}

const FLAKY_PUTS = {
  seed: 20261121,
  rules: [
    { operation: 'PutObject', probability: 0.3, error: { status: 503, code: 'ServiceUnavailable' } },
    { operation: 'PutObject', probability: 0.2, reset: true },
  ],
};

describe.each(databases('integration/faults'))('faults in OSS, catalog on %s', (db) => {
  let t: TestArchive;
  let emulator: EmulatorHandle;

  beforeAll(async () => {
    // Two attempts per PUT (the adapter's own retries), so that some records fail outright.
    t = await startTestArchive({
      db,
      overrides: { oss: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } } },
    });
    const handle = t.archive.storeHandle.emulator;
    if (!handle) throw new Error('expected the embedded emulator');
    emulator = handle;
  });
  afterEach(() => emulator.setFaults(null));
  afterAll(async () => {
    await t?.close();
  });

  async function expectDurable(
    record: Record<string, unknown>,
    receipt: ReceiptBody['receipt'],
  ): Promise<void> {
    const row = await t.catalog.getRecord(record.recordId as string);
    expect(row?.sha256).toBe(canonicalSha(record));
    expect(receipt.sha256).toBe(canonicalSha(record));
    const stored = await t.store.getBuffer(receipt.bucket, receipt.key);
    expect(stored.info.meta.sha256).toBe(receipt.sha256);
  }

  test('100 records under 503s (p=0.3) and resets (p=0.2): each acknowledged one durable, each failed one absent, then stored exactly once', async () => {
    const ledgerBefore = await t.catalog.ledgerSize();
    const records = Array.from({ length: 100 }, (_, i) => trade(i));
    emulator.setFaults(FLAKY_PUTS);
    const failed: Record<string, unknown>[] = [];
    for (const record of records) {
      const res = await postJson(`${t.url}/v1/records`, record, t.ingestToken);
      if (res.status === 201 || res.status === 200) {
        const body = (await res.json()) as ReceiptBody;
        await expectDurable(record, body.receipt);
        continue;
      }
      expect([record.recordId, res.status >= 500]).toEqual([record.recordId, true]);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('Unavailable');
      expect(await t.catalog.getRecord(record.recordId as string)).toBeUndefined();
      failed.push(record);
    }
    // The seeded faults make both paths happen.
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(records.length);
    expect(await t.catalog.ledgerSize()).toBe(ledgerBefore + records.length - failed.length);

    emulator.setFaults(null);
    for (const record of failed) {
      const res = await postJson(`${t.url}/v1/records`, record, t.ingestToken);
      expect([record.recordId, res.status]).toEqual([record.recordId, 201]);
      await expectDurable(record, ((await res.json()) as ReceiptBody).receipt);
    }
    // Everything once: again is `existing`, one leaf and one object per record.
    for (const record of records.slice(0, 10)) {
      expect((await postJson(`${t.url}/v1/records`, record, t.ingestToken)).status).toBe(200);
    }
    expect(await t.catalog.ledgerSize()).toBe(ledgerBefore + records.length);
    const leaves = await t.catalog.ledgerLeaves({ fromSeq: ledgerBefore });
    expect(new Set(leaves.map((l) => l.recordId)).size).toBe(records.length);
    const keys = (await objectKeys(t.store, t.recordsBucket)).filter((k) => k.includes('T-FAULT-'));
    expect(keys).toHaveLength(records.length);
  });

  test('a batch under the same faults: one result per line, failures absent, the rest durable', async () => {
    const records = Array.from({ length: 30 }, (_, i) => trade(1000 + i));
    emulator.setFaults({ ...FLAKY_PUTS, seed: 7 });
    const res = await fetch(`${t.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.ingestToken}`, 'content-type': 'application/x-ndjson' },
      body: records.map((r) => JSON.stringify(r)).join('\n'),
    });
    expect(res.status).toBe(200);
    const lines = ndjson<{
      line?: number;
      status?: string;
      receipt?: ReceiptBody['receipt'];
      error?: { code: string };
    }>(await res.text());
    expect(lines.slice(0, -1).map((l) => l.line)).toEqual(records.map((_, i) => i + 1));
    emulator.setFaults(null);
    for (const [i, record] of records.entries()) {
      const line = lines[i];
      if (line?.status === 'created') await expectDurable(record, line.receipt as ReceiptBody['receipt']);
      else {
        expect([record.recordId, line?.status, line?.error?.code]).toEqual([
          record.recordId,
          'error',
          'Unavailable',
        ]);
        expect(await t.catalog.getRecord(record.recordId as string)).toBeUndefined();
      }
    }
  });

  test.each([
    ['no CRC-64 in the answer (dropCrc)', 5000, { dropCrc: true }],
    ['a wrong CRC-64 in the answer (wrongCrc)', 5001, { wrongCrc: true }],
  ])(
    '%s: 502 ChecksumMismatch, nothing catalogued; sending it again stores it once',
    async (_name, n, effect) => {
      const record = trade(n);
      const ledger = await t.catalog.ledgerSize();
      emulator.setFaults({ seed: 1, rules: [{ operation: 'PutObject', probability: 1, ...effect }] });
      const res = await postJson(`${t.url}/v1/records`, record, t.ingestToken);
      expect(res.status).toBe(502);
      expect(((await res.json()) as ErrorBody).error.code).toBe('ChecksumMismatch');
      expect(await t.catalog.getRecord(record.recordId as string)).toBeUndefined();
      expect(await t.catalog.ledgerSize()).toBe(ledger);
      const events = (await t.catalog.auditEvents({ limit: 10000 })).filter(
        (e) => e.requestId === res.headers.get('x-request-id'),
      );
      expect(events.map((e) => [e.action, e.outcome])).toEqual([['records.write', 'error']]);

      // The sender resends (../shared/docs/DESIGN.md: "a mismatch fails the request and the sender resends").
      emulator.setFaults(null);
      const again = await postJson(`${t.url}/v1/records`, record, t.ingestToken);
      const body = (await again.json()) as ReceiptBody & ErrorBody;
      expect([again.status, body.error?.code ?? body.status]).toEqual([201, 'created']);
      await expectDurable(record, body.receipt);
      expect(await t.catalog.ledgerSize()).toBe(ledger + 1);
      expect((await postJson(`${t.url}/v1/records`, record, t.ingestToken)).status).toBe(200);
    },
  );
});
