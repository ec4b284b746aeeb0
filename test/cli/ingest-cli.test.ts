import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { ingestCommand, ingestOutcome, type IngestIo } from '../../src/cli/commands/ingest';
import { main } from '../../src/cli/main';
import { trade } from '../../src/records/fixtures';
import { startTestArchive, type TestArchive } from '../integration/helpers';

/**
 * `strongroom ingest FILE` as an operator runs it: a client of POST /v1/batches that streams the
 * file, counts the per-line answers and exits 1 when any line failed.
 */

let t: TestArchive;
let out: string[];
let err: string[];
const spies: jest.SpyInstance[] = [];

/** Streams that pretend to be a terminal (isTTY) or not, and a clock that moves 1 s per reading. */
function fakeIo(tty: boolean): IngestIo & { err: () => string; out: () => string } {
  const errText: string[] = [];
  const outText: string[] = [];
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  stderr.on('data', (c: Buffer) => errText.push(c.toString('utf8')));
  const stdout = new PassThrough();
  stdout.on('data', (c: Buffer) => outText.push(c.toString('utf8')));
  let now = 1_000_000;
  return {
    stderr,
    stdout,
    signals: new EventEmitter(),
    now: () => (now += 1000),
    err: () => errText.join(''),
    out: () => outText.join(''),
  };
}

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
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err.push(String(chunk));
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
  err = [];
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
    expect(summary).toMatchObject({ total: 4, lines: 4, created: 2, existing: 0, failed: 2 });
    expect(summary.errors.map((e) => e.line)).toEqual([2, 4]);
    // The API's details reach the operator: the field and why, not only "the record is not valid".
    expect(out.join('')).toMatch(/1 x price: a non-negative decimal string .*\(ValidationFailed; line 4\)/);
    expect(out.join('')).toMatch(/1 x .*\(MalformedJson; line 2\)/);
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

  it('groups failures with their details: 300 x quantity: required, with the first line numbers', async () => {
    const file = path.join(t.dataDir, 'grouped.ndjson');
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const { quantity: _q, ...rest } = trade(`T-GRP-${i}`);
      lines.push(JSON.stringify(rest));
    }
    lines.push(JSON.stringify(trade('T-GRP-BAD', { quantity: -5, currency: 'hkd' })));
    lines.push(JSON.stringify(trade('T-GRP-OK')));
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const summary = await ingestCommand(file, { url: t.url, token: t.ingestToken, data: t.dataDir });
    expect(summary).toMatchObject({ total: 302, lines: 302, created: 1, failed: 301, interrupted: false });
    expect(summary.groups[0]).toEqual({
      count: 300,
      code: 'ValidationFailed',
      path: 'quantity',
      message: 'required',
      lines: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    });
    // One line with two issues counts in two groups.
    expect(summary.groups.slice(1).map((g) => [g.count, g.path])).toEqual([
      [1, 'quantity'],
      [1, 'currency'],
    ]);
    const text = out.join('');
    expect(text).toMatch(/302 lines in [\d.]+s: 1 created, 0 already archived, 301 failed/);
    expect(text).toMatch(
      /300 x quantity: required \(ValidationFailed; lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, \.\.\.\)/,
    );
    expect(text).toMatch(
      /1 x currency: an ISO 4217 currency code such as "HKD" \(ValidationFailed; line 301\)/,
    );
    expect(text).not.toMatch(/the record is not valid/);
  });

  it("counts answered lines against the file's lines, with rate and ETA, on a terminal and in logs", async () => {
    const file = path.join(t.dataDir, 'progress.csv');
    const header =
      'recordId,tradeId,orderId,executedAt,venue,instrument.exchange,instrument.code,side,quantity,price,currency,capacity,clientId,accountId';
    // A quoted field with a line break is one row; blank lines are not rows.
    const rows = Array.from(
      { length: 40 },
      (_, i) =>
        `T-PRG-${i},T-PRG-${i},"O-PRG-${i}",2026-11-21T09:31:02.123+08:00,XHKG,XHKG,0700,buy,1000,388.20,HKD,agency,C-1001,A-1001-01`,
    );
    fs.writeFileSync(file, [header, ...rows.slice(0, 20), '', ...rows.slice(20)].join('\n') + '\n');
    const io = fakeIo(true);
    const summary = await ingestCommand(file, { url: t.url, token: t.ingestToken, type: 'trade' }, io);
    expect(summary).toMatchObject({ total: 40, lines: 40, created: 40, failed: 0 });
    const frames = io.err().split('\r').filter(Boolean);
    // The last frame: every line answered, a rate, done; never a percentage of bytes sent.
    expect(frames[frames.length - 1]).toMatch(
      /^\[#{30}\] 40\/40 lines \(100%\), \d+ lines\/s, done, \d+s elapsed/,
    );
    for (const f of frames) expect(f).toMatch(/\d+\/40 lines \(\d+%\)/);
    expect(io.err()).not.toMatch(/sent/);

    // Not a terminal (a log, CI): plain lines, and the ETA from the rate while lines remain.
    const logIo = fakeIo(false);
    const again = await ingestCommand(file, { url: t.url, token: t.ingestToken, type: 'trade' }, logIo);
    expect(again).toMatchObject({ total: 40, existing: 40 });
    expect(logIo.out()).toMatch(/40 lines in [\d.]+s: 0 created, 40 already archived, 0 failed/);
  });

  it("passes on the API's refusal with its details: the valid --type values", async () => {
    const csv = path.join(t.dataDir, 'types.csv');
    fs.writeFileSync(csv, 'recordId\nT-1\n');
    const refusal = ingestCommand(csv, { url: t.url, token: t.ingestToken, type: 'trades', data: t.dataDir });
    await expect(refusal).rejects.toMatchObject({
      code: 'ValidationFailed',
      details: [expect.objectContaining({ path: 'type' })],
    });
    expect(await strongroomIngest(csv, '--type', 'trades')).toBe(1);
    const said = err.join('');
    expect(said).toMatch(
      /strongroom: ValidationFailed: the archive refused the batch \(HTTP 400\): invalid batch parameters/,
    );
    expect(said).toMatch(/strongroom: {3}type: .*"trade".*"contract_note"/);
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
