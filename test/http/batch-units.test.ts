import { Readable } from 'node:stream';
import { MalformedCsvError, PayloadTooLargeError } from '../../src/errors';
import { chunksOf } from '../../src/http/batch/chunks';
import { checkHeader, parseCells, parseHeader, rowToRecord } from '../../src/http/batch/csv';
import { splitLines, type SplitLine } from '../../src/http/batch/lines';
import { runOrdered } from '../../src/util/ordered';

async function collect(
  chunks: string[],
  options: Partial<Parameters<typeof splitLines>[1]> = {},
): Promise<(string | number)[][]> {
  const out: (string | number)[][] = [];
  for await (const l of splitLines(Readable.from(chunks.map((c) => Buffer.from(c))), {
    maxLineBytes: 1000,
    maxTotalBytes: 1_000_000,
    ...options,
  })) {
    out.push('overlong' in l ? [l.line, 'overlong', l.overlong] : [l.line, l.bytes.toString('utf8')]);
  }
  return out;
}

describe('splitLines', () => {
  test('lines across chunk boundaries, CRLF, blank lines, no final newline', async () => {
    expect(await collect(['{"a"', ':1}\r\n\n  \r\n{"b":2}\n{"c"', ':3}'])).toEqual([
      [1, '{"a":1}'],
      [4, '{"b":2}'],
      [5, '{"c":3}'],
    ]);
  });

  test('a UTF-8 character split between chunks stays whole', async () => {
    const bytes = Buffer.from('"合約"\n');
    const out: SplitLine[] = [];
    for await (const l of splitLines(Readable.from([bytes.subarray(0, 2), bytes.subarray(2)]), {
      maxLineBytes: 100,
      maxTotalBytes: 100,
    }))
      out.push(l);
    expect(out).toHaveLength(1);
    expect('bytes' in (out[0] as SplitLine) && (out[0] as { bytes: Buffer }).bytes.toString('utf8')).toBe(
      '"合約"',
    );
  });

  test('an overlong line is reported with its length and skipped; the next lines are read', async () => {
    expect(
      await collect(['short\n', 'x'.repeat(600), 'y'.repeat(600), '\nnext\n'], { maxLineBytes: 1000 }),
    ).toEqual([
      [1, 'short'],
      [2, 'overlong', 1200],
      [3, 'next'],
    ]);
  });

  test('more than the total: PayloadTooLargeError from the iterator', async () => {
    await expect(collect(['a\n'.repeat(10), 'b\n'.repeat(10)], { maxTotalBytes: 25 })).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
  });

  test('CSV mode: line breaks inside quotes belong to the field; records report their first line', async () => {
    expect(await collect(['h1,h2\nA,"multi\n', 'line ""quoted"""\nB,plain\n'], { quoteAware: true })).toEqual(
      [
        [1, 'h1,h2'],
        [2, 'A,"multi\nline ""quoted"""'],
        [4, 'B,plain'],
      ],
    );
  });

  test('CSV mode: a stray quote inside an unquoted cell ends nothing and opens nothing (issue 8, item 3)', async () => {
    // Before: the quote toggled "inside quotes" and the rest of the body became one record.
    expect(
      await collect(['h1,h2\nC"1001,x\nA,', 'b\n"q,""', '1"",2",y\n"z"w,v\nB,c\n'], { quoteAware: true }),
    ).toEqual([
      [1, 'h1,h2'],
      [2, 'C"1001,x'],
      [3, 'A,b'],
      [4, '"q,""1"",2",y'],
      [5, '"z"w,v'],
      [6, 'B,c'],
    ]);
    // Split across chunks at every byte, the same records.
    const text = 'h\n"a\nb",1\nC"1\n""""\n';
    expect(await collect(text.split(''), { quoteAware: true })).toEqual([
      [1, 'h'],
      [2, '"a\nb",1'],
      [4, 'C"1'],
      [5, '""""'],
    ]);
  });

  test('CSV mode: a byte-order mark does not stop the first cell from being quoted', async () => {
    expect(await collect(['\ufeff"a\nb",c\nd\n'], { quoteAware: true })).toEqual([
      [1, '"a\nb",c'],
      [3, 'd'],
    ]);
  });
});

describe('chunksOf', () => {
  test('leaving early does not destroy the stream', async () => {
    const stream = Readable.from([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')], {
      objectMode: false,
    });
    for await (const c of chunksOf(stream)) {
      expect(c.toString()).toBe('a');
      break;
    }
    expect(stream.destroyed).toBe(false);
    const rest: string[] = [];
    for await (const c of chunksOf(stream)) rest.push(c.toString());
    expect(rest.join('')).toBe('bc');
  });

  test('an errored stream throws', async () => {
    const stream = new Readable({
      read() {
        this.destroy(new Error('reset'));
      },
    });
    await expect(
      (async () => {
        for await (const _c of chunksOf(stream)) void _c;
      })(),
    ).rejects.toThrow('reset');
  });
});

describe('runOrdered', () => {
  test('emits in input order with at most `concurrency` in flight, and finishes what it started when the input fails', async () => {
    let inFlight = 0;
    let max = 0;
    const emitted: number[] = [];
    async function* source() {
      for (let i = 0; i < 50; i++) yield i;
      throw new Error('input broke');
    }
    const run = runOrdered(source(), {
      concurrency: 4,
      work: async (i: number) => {
        inFlight++;
        max = Math.max(max, inFlight);
        await new Promise((r) => setTimeout(r, (i * 7) % 5));
        inFlight--;
        return i;
      },
      emit: async (i) => {
        emitted.push(i);
      },
    });
    await expect(run).rejects.toThrow('input broke');
    expect(emitted).toEqual(Array.from({ length: 50 }, (_v, i) => i));
    expect(max).toBeLessThanOrEqual(4);
  });

  test('a slow head item does not stall the rest: others run past it, up to the window, and output stays in order', async () => {
    let releaseHead!: () => void;
    const headDone = new Promise<void>((r) => (releaseHead = r));
    const started: number[] = [];
    const emitted: number[] = [];
    let inFlight = 0;
    let max = 0;
    async function* source() {
      for (let i = 0; i < 100; i++) yield i;
    }
    const run = runOrdered(source(), {
      concurrency: 4,
      window: 12,
      work: async (i: number) => {
        started.push(i);
        inFlight++;
        max = Math.max(max, inFlight);
        if (i === 0) await headDone;
        else await new Promise((r) => setImmediate(r));
        inFlight--;
        return i;
      },
      emit: async (i) => {
        emitted.push(i);
      },
    });
    for (let k = 0; k < 200; k++) await new Promise((r) => setImmediate(r));
    // Item 0 holds the output; 11 more have run around it, and no more than the window was started.
    expect(started).toHaveLength(12);
    expect(emitted).toEqual([]);
    releaseHead();
    await run;
    expect(emitted).toEqual(Array.from({ length: 100 }, (_v, i) => i));
    expect(max).toBeLessThanOrEqual(4);
  });
});

describe('CSV mapping', () => {
  test('header kinds come from the record schema', () => {
    const cols = parseHeader(
      ['tradeIds', 'charges.0.amount', 'consideration', 'recordType'],
      'contract_note',
    );
    expect(cols.map((c) => [c.header, c.kind])).toEqual([
      ['tradeIds', 'list'],
      ['charges.0.amount', 'string'],
      ['consideration', 'string'],
      ['recordType', 'string'],
    ]);
    const doc = parseHeader(['size', 'orderIds'], 'document');
    expect(doc.map((c) => c.kind)).toEqual(['number', 'list']);
  });

  test('conversions: numbers only where the schema says so, lists split, bad values left for validation', () => {
    const cols = parseHeader(['recordId', 'size', 'orderIds', 'title'], 'document');
    expect(rowToRecord(cols, ['D-1', '1024', 'O-1|O-2', '  spaced  '], 'document')).toEqual({
      recordType: 'document',
      recordId: 'D-1',
      size: 1024,
      orderIds: ['O-1', 'O-2'],
      title: '  spaced  ',
    });
    expect(rowToRecord(cols, ['D-2', '1.5e3', '', ''], 'document')).toEqual({
      recordType: 'document',
      recordId: 'D-2',
      size: '1.5e3',
    });
  });

  test('rowToRecord alone keeps an unknown column as a string field (the route refuses it at the header: checkHeader)', () => {
    const cols = parseHeader(['recordId', 'nickname'], 'trade');
    expect(rowToRecord(cols, ['T-1', 'x'], 'trade')).toEqual({
      recordType: 'trade',
      recordId: 'T-1',
      nickname: 'x',
    });
  });

  test('cells are parsed by csv-parse: quotes, commas; a stray quote is a MalformedCsv error', () => {
    expect(parseCells(Buffer.from('a,"b,c","d ""e"""'))).toEqual(['a', 'b,c', 'd "e"']);
    expect(() => parseCells(Buffer.from('a,b"c'))).toThrow(MalformedCsvError);
  });

  test('a row with a byte that is not UTF-8 is a MalformedCsv error, never U+FFFD (issue 8, item 4)', () => {
    const bad = Buffer.concat([Buffer.from('T-1,caf'), Buffer.from([0xe9]), Buffer.from(',x')]);
    expect(() => parseCells(bad)).toThrow(/not valid UTF-8/);
    expect(parseCells(Buffer.from('T-1,café,x'))).toEqual(['T-1', 'café', 'x']);
  });

  test('a quantity column gives whole numbers as JSON integers, fractions as decimal strings; money stays a string (issue 14, item 1)', () => {
    const cols = parseHeader(['quantity', 'limitPrice', 'amendments.0.quantity'], 'order');
    expect(cols.map((c) => c.kind)).toEqual(['quantity', 'string', 'quantity']);
    expect(rowToRecord(cols, ['400', '388.20', '0.5'], 'order')).toEqual({
      recordType: 'order',
      quantity: 400,
      limitPrice: '388.20',
      amendments: [{ quantity: '0.5' }],
    });
    // Not a whole number as JSON would write it: left as sent, for validation to judge.
    expect(rowToRecord(cols, ['0400', '1', '9007199254740993'], 'order')).toMatchObject({
      quantity: '0400',
      amendments: [{ quantity: '9007199254740993' }],
    });
  });

  test('checkHeader: missing required and unknown columns named with the expected ones (issue 14, item 3)', () => {
    const check = (cells: string[]) => () => checkHeader(parseHeader(cells, 'trade'), 'trade');
    let err: MalformedCsvError | undefined;
    try {
      check(['recordId', 'tradeId', 'qty', 'instrument.code'])();
    } catch (e) {
      err = e as MalformedCsvError;
    }
    expect(err).toBeInstanceOf(MalformedCsvError);
    expect(err?.message).toMatch(
      /missing required column\(s\): orderId, executedAt, venue, instrument.exchange, side, quantity/,
    );
    expect(err?.message).toMatch(/unknown column\(s\): qty/);
    const details = err?.details as { missing: string[]; unknown: string[]; expected: string[] };
    expect(details.unknown).toEqual(['qty']);
    expect(details.missing).toContain('quantity');
    expect(details.missing).not.toContain('recordId');
    expect(details.missing).not.toContain('recordType');
    expect(details.expected).toEqual(expect.arrayContaining(['quantity', 'instrument.code', 'commission']));
    const full = ['recordId', 'tradeId', 'orderId', 'executedAt', 'venue', 'instrument.exchange'];
    full.push('instrument.code', 'side', 'quantity', 'price', 'currency', 'capacity', 'accountId');
    expect(check(full)).not.toThrow();
    expect(check([...full, 'recordType', 'commission'])).not.toThrow();
    // Indexed list columns are known by their pattern.
    const note = ['recordId', 'noteId', 'clientId', 'tradeIds', 'issueDate', 'capacityStatement'];
    note.push('consideration', 'currency', 'charges.0.amount', 'charges.1.type');
    expect(() => checkHeader(parseHeader(note, 'contract_note'), 'contract_note')).not.toThrow();
  });
});
