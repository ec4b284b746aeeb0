import fs from 'node:fs';
import path from 'node:path';
import { ingestCommand, ingestOutcome } from '../../src/cli/commands/ingest';
import { main } from '../../src/cli/main';
import { trade } from '../../src/records/fixtures';
import { startTestArchive, type TestArchive } from '../integration/helpers';

/**
 * `strongroom ingest FILE` as an operator runs it: a client of POST /v1/batches that streams the
 * file, counts the per-line answers and exits 1 when any line failed.
 */

let t: TestArchive;
let out: string[];
const spies: jest.SpyInstance[] = [];

/** `strongroom ingest FILE ARGS` against the test archive through the program: its exit code. */
function strongroomIngest(file: string, ...args: string[]): Promise<number> {
  return main([
    'node',
    'strongroom',
    'ingest',
    file,
    ...args,
    '--url',
    t.url,
    '--token',
    t.ingestToken,
    '--data',
    t.dataDir,
  ]);
}

beforeAll(async () => {
  t = await startTestArchive({ db: 'sqlite' });
  spies.push(
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    }),
  );
});

afterAll(async () => {
  for (const s of spies) s.mockRestore();
  await t.close();
});

beforeEach(() => {
  out = [];
});

afterEach(() => {
  // Commands never set the exit code themselves: only src/cli/main.ts decides it.
  expect(process.exitCode).toBeUndefined();
});

describe('strongroom ingest', () => {
  it('sends an NDJSON file, reports every line, and exits 1 because one line failed', async () => {
    const file = path.join(t.dataDir, 'batch.ndjson');
    const results = path.join(t.dataDir, 'results.ndjson');
    const lines = [
      JSON.stringify(trade('T-CLI-1')),
      '{"recordType":"trade",', // malformed
      JSON.stringify(trade('T-CLI-2')),
      JSON.stringify(trade('T-CLI-3', { price: 388.2 })), // a float price is refused
    ];
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const summary = await ingestCommand(file, { url: t.url, token: t.ingestToken, results, data: t.dataDir });
    expect(summary).toMatchObject({ lines: 4, created: 2, existing: 0, failed: 2 });
    expect(summary.errors.map((e) => e.line)).toEqual([2, 4]);
    expect(ingestOutcome(summary)).toBe('failed');
    expect(out.join('')).toMatch(/4 lines in [\d.]+s: 2 created, 0 already archived, 2 failed/);
    const written = fs.readFileSync(results, 'utf8').trim().split('\n');
    expect(written).toHaveLength(5); // one per line, then the summary
    expect((await t.catalog.getRecord('T-CLI-2'))?.recordType).toBe('trade');

    // Sending the same file again: the good lines are already archived, nothing is stored twice.
    const ledger = await t.catalog.ledgerSize();
    const again = await ingestCommand(file, {
      url: t.url,
      token: t.ingestToken,
      json: true,
      data: t.dataDir,
    });
    expect(again).toMatchObject({ lines: 4, created: 0, existing: 2, failed: 2 });
    expect(await t.catalog.ledgerSize()).toBe(ledger);

    // Through the program, as an operator runs it: exit status 1.
    expect(await strongroomIngest(file)).toBe(1);
  });

  it('sends a CSV file with --type and exits 0 when every row is stored', async () => {
    const file = path.join(t.dataDir, 'trades.csv');
    const header =
      'recordId,tradeId,orderId,executedAt,venue,instrument.exchange,instrument.code,side,quantity,price,currency,capacity,clientId,accountId';
    const row = (id: string): string =>
      `${id},${id},O-${id},2026-11-21T09:31:02.123+08:00,XHKG,XHKG,0700,buy,1000,388.20,HKD,agency,C-1001,A-1001-01`;
    fs.writeFileSync(file, [header, row('T-CSV-1'), row('T-CSV-2')].join('\n') + '\n');
    const summary = await ingestCommand(file, {
      url: t.url,
      token: t.ingestToken,
      type: 'trade',
      data: t.dataDir,
    });
    expect(summary).toMatchObject({ lines: 2, created: 2, failed: 0 });
    expect(ingestOutcome(summary)).toBe('ok');
    expect(await strongroomIngest(file, '--type', 'trade')).toBe(0);
    expect((await t.catalog.getRecord('T-CSV-1'))?.instrument).toBe('XHKG:0700');
  });

  it('refuses clearly: CSV without --type, a missing file, a bad token, an unreachable archive', async () => {
    const csv = path.join(t.dataDir, 'x.csv');
    fs.writeFileSync(csv, 'recordId\nT-1\n');
    await expect(ingestCommand(csv, { url: t.url, token: t.ingestToken, data: t.dataDir })).rejects.toThrow(
      /CSV needs --type/,
    );
    await expect(
      ingestCommand(path.join(t.dataDir, 'nope.ndjson'), {
        url: t.url,
        token: t.ingestToken,
        data: t.dataDir,
      }),
    ).rejects.toThrow(/cannot read/);
    const nd = path.join(t.dataDir, 'one.ndjson');
    fs.writeFileSync(nd, JSON.stringify(trade('T-CLI-9')) + '\n');
    await expect(
      ingestCommand(nd, { url: t.url, token: 'sr_not-a-real-token', data: t.dataDir }),
    ).rejects.toMatchObject({
      code: 'Unauthenticated',
    });
    await expect(
      ingestCommand(nd, { url: 'http://127.0.0.1:9', token: t.ingestToken, data: t.dataDir }),
    ).rejects.toMatchObject({
      code: 'Unavailable',
    });
    expect(await t.catalog.getRecord('T-CLI-9')).toBeUndefined();
  });

  it('finds the local ingest token under --data when none is given', async () => {
    const nd = path.join(t.dataDir, 'local.ndjson');
    fs.writeFileSync(nd, JSON.stringify(trade('T-CLI-LOCAL')) + '\n');
    const saved = process.env.STRONGROOM_TOKEN;
    delete process.env.STRONGROOM_TOKEN;
    try {
      const summary = await ingestCommand(nd, { url: t.url, data: t.dataDir });
      expect(summary.created).toBe(1);
    } finally {
      if (saved !== undefined) process.env.STRONGROOM_TOKEN = saved;
    }
  });
});
