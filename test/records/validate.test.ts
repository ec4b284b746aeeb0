import { ValidationError } from '../../src/errors';
import {
  canonicalize,
  parseRecord,
  RECORD_SCHEMA_VERSION,
  RECORD_TYPES,
  recordSchemas,
  recordSchemasByVersion,
  validateRecord,
  type RecordIssue,
  type RecordType,
} from '../../src/records';
import { example, EXAMPLE_TYPES, REGULATORY_TRADE_CANONICAL, REGULATORY_TRADE_TEXT } from './fixtures';

function issuesOf(input: unknown): RecordIssue[] {
  const result = validateRecord(input);
  if (result.ok) throw new Error(`expected a refusal, got ok for ${JSON.stringify(input)}`);
  return result.issues;
}

function pathsAndCodes(input: unknown): [string, string][] {
  return issuesOf(input).map((i) => [i.path, i.code]);
}

describe('valid records', () => {
  it('accepts the REGULATORY.md trade exactly as given, and hands back the input itself', () => {
    const input = JSON.parse(REGULATORY_TRADE_TEXT) as unknown;
    const result = validateRecord(input);
    expect(result).toEqual({ ok: true, record: input });
    expect(result.ok && result.record).toBe(input);
    expect(canonicalize(result.ok ? result.record : null)).toBe(REGULATORY_TRADE_CANONICAL);
  });

  it.each(EXAMPLE_TYPES)('accepts the %s example without altering it', (type) => {
    const input = example(type);
    const before = canonicalize(input);
    const result = validateRecord(input);
    expect(result.ok ? 'ok' : result.issues).toBe('ok');
    expect(canonicalize(input)).toBe(before);
  });

  it('accepts an optional schemaVersion the archive knows and refuses another', () => {
    expect(validateRecord({ ...example('trade'), schemaVersion: 1 }).ok).toBe(true);
    expect(pathsAndCodes({ ...example('trade'), schemaVersion: 2 })).toEqual([
      ['schemaVersion', 'invalid_value'],
    ]);
  });
});

describe('refusals report every issue with its path', () => {
  it('a missing field', () => {
    const t = example('trade');
    delete t.price;
    delete t.executedAt;
    expect(issuesOf(t)).toEqual([
      { path: 'executedAt', code: 'required', message: 'required' },
      { path: 'price', code: 'required', message: 'required' },
    ]);
  });

  it('a missing nested field', () => {
    const t = example('trade');
    t.instrument = { exchange: 'XHKG' };
    expect(pathsAndCodes(t)).toEqual([['instrument.code', 'required']]);
  });

  it('wrong types', () => {
    const t = { ...example('trade'), side: 1, tradeId: ['x'], instrument: 'XHKG:0700', quantity: true };
    expect(pathsAndCodes(t)).toEqual([
      ['tradeId', 'invalid_id'],
      ['instrument', 'invalid_type'],
      ['side', 'invalid_value'],
      ['quantity', 'invalid_quantity'],
    ]);
  });

  it('an unknown field at the top level is refused, not dropped', () => {
    expect(issuesOf({ ...example('trade'), price2: '1', note: 'x' })).toEqual([
      { path: 'price2', code: 'unknown_field', message: 'unknown field "price2"' },
      { path: 'note', code: 'unknown_field', message: 'unknown field "note"' },
    ]);
  });

  it('an unknown field in nested objects and arrays', () => {
    const t = example('trade');
    t.instrument = { exchange: 'XHKG', code: '0700', board: 'main' };
    expect(pathsAndCodes(t)).toEqual([['instrument.board', 'unknown_field']]);
    const o = example('order');
    o.amendments = [{ amendedAt: '2026-11-21T09:30:59+08:00', quantity: 1, by: 'x' }];
    expect(pathsAndCodes(o)).toEqual([['amendments.0.by', 'unknown_field']]);
    const c = example('contract_note');
    (c.charges as Record<string, unknown>[])[1] = { type: 'levy', amount: '1', rate: '0.00027' };
    expect(pathsAndCodes(c)).toEqual([['charges.1.rate', 'unknown_field']]);
  });

  it.each([
    ['2026-11-21T09:31:02.123', 'no UTC offset'],
    ['2026-11-21 09:31:02', 'no UTC offset'],
    ['2026-11-21T09:31', 'no UTC offset'],
    ['2026-11-21', 'ISO 8601'],
    ['2026-02-30T09:31:02+08:00', 'not a real date'],
    ['2026-11-21T24:00:00Z', 'out of range'],
    ['2026-11-21T09:31:02+8:00', 'ISO 8601'],
    ['2026-11-21t09:31:02z', 'ISO 8601'],
    ['2026-11-21T09:31:02+24:00', 'offset is out of range'],
  ])('a timestamp %s is refused (%s)', (value, message) => {
    const issues = issuesOf({ ...example('trade'), executedAt: value });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'executedAt', code: 'invalid_timestamp' });
    expect(issues[0]?.message).toContain(message);
  });

  it.each(['2026-11-21T09:31:02Z', '2026-11-21T09:31:02.123456789-05:30', '2024-02-29T00:00:00+14:00'])(
    'a timestamp %s is accepted',
    (value) => {
      expect(validateRecord({ ...example('trade'), executedAt: value }).ok).toBe(true);
    },
  );

  it.each<[string, unknown]>([
    ['a JSON number with a fraction', 388.2],
    ['a JSON integer', 388],
    ['an exponent', '3.882e2'],
    ['a leading plus', '+388.20'],
    ['a negative price', '-1.00'],
    ['leading zeros', '0388.20'],
    ['a trailing dot', '388.'],
    ['a comma', '388,20'],
  ])('a price as %s is refused', (_what, price) => {
    expect(pathsAndCodes({ ...example('trade'), price })).toEqual([['price', 'invalid_decimal']]);
  });

  it('quantities: integers or decimal strings, positive', () => {
    for (const q of [1, '0.5', '1000', Number.MAX_SAFE_INTEGER])
      expect(validateRecord({ ...example('trade'), quantity: q }).ok).toBe(true);
    for (const q of [1000.5, 0, -1, '0', '0.00', '1e3', 2 ** 53]) {
      expect(pathsAndCodes({ ...example('trade'), quantity: q })).toEqual([['quantity', 'invalid_quantity']]);
    }
  });

  it('dates must be real', () => {
    expect(pathsAndCodes({ ...example('trade'), settlementDate: '2026-02-29' })).toEqual([
      ['settlementDate', 'invalid_date'],
    ]);
    expect(pathsAndCodes({ ...example('trade'), settlementDate: '2026-11-24T00:00:00Z' })).toEqual([
      ['settlementDate', 'invalid_date'],
    ]);
    expect(validateRecord({ ...example('trade'), settlementDate: '2028-02-29' }).ok).toBe(true);
  });

  it.each(['../etc/passwd', '', '-leading-dash', 'a b', 'x'.repeat(129), 'ctl\u0001', 'é'])(
    'a bad record id %j',
    (id) => {
      const issues = issuesOf({ ...example('trade'), recordId: id });
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ path: 'recordId', code: 'invalid_record_id' });
    },
  );

  it('an unknown record type is one clear issue', () => {
    expect(issuesOf({ ...example('trade'), recordType: 'trades' })).toEqual([
      {
        path: 'recordType',
        code: 'unknown_record_type',
        message:
          'unknown record type "trades": one of order, trade, contract_note, alp_order, alp_trade, document, correction',
      },
    ]);
    expect(pathsAndCodes({ ...example('trade'), recordType: 7 })).toEqual([
      ['recordType', 'unknown_record_type'],
    ]);
  });

  it('a missing record type is one clear issue', () => {
    const t = example('trade');
    delete t.recordType;
    expect(pathsAndCodes(t)).toEqual([['recordType', 'required']]);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [example('trade')]],
    ['a string', REGULATORY_TRADE_TEXT],
    ['a number', 1],
    ['undefined', undefined],
    ['a Date', new Date()],
  ])('a non-object input (%s)', (_what, input) => {
    const issues = issuesOf(input);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: '', code: 'invalid_type' });
  });

  it('a "__proto__" or "constructor" member is an unknown field, not a prototype', () => {
    const parsed = JSON.parse(
      REGULATORY_TRADE_TEXT.replace('{', '{"__proto__":{"price":"1"},"constructor":1,'),
    ) as unknown;
    expect(pathsAndCodes(parsed)).toEqual([
      ['__proto__', 'unknown_field'],
      ['constructor', 'unknown_field'],
    ]);
    expect(({} as Record<string, unknown>).price).toBeUndefined();
  });

  it('many problems at once, all reported', () => {
    const t: Record<string, unknown> = {
      ...example('trade'),
      price: 1.5,
      executedAt: '2026-11-21T09:31:02',
      extra: true,
      recordId: '../x',
    };
    delete t.tradeId;
    delete t.clientId;
    expect(pathsAndCodes(t).sort()).toEqual(
      [
        ['recordId', 'invalid_record_id'],
        ['tradeId', 'required'],
        ['executedAt', 'invalid_timestamp'],
        ['price', 'invalid_decimal'],
        ['extra', 'unknown_field'],
        ['clientId', 'required'],
      ].sort(),
    );
  });
});

describe('plain JSON and sanity bounds', () => {
  it.each<[string, unknown, string]>([
    ['NaN', NaN, 'not_json'],
    ['Infinity', Infinity, 'not_json'],
    ['undefined', undefined, 'not_json'],
    ['a BigInt', BigInt(1000), 'not_json'],
    ['a Date', new Date(0), 'not_json'],
    ['a lone surrogate', 'C-\ud800', 'not_json'],
  ])('refuses %s anywhere, with its path', (_what, value, code) => {
    const t = example('trade');
    t.instrument = { exchange: 'XHKG', code: '0700', deep: value };
    expect(pathsAndCodes(t)).toEqual([['instrument.deep', code]]);
  });

  it('refuses too deep nesting', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const issues = issuesOf({ ...example('trade'), deep });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.code).toBe('too_deep');
  });

  it('refuses records that are too large or hold too many values', () => {
    expect(pathsAndCodes({ ...example('trade'), big: 'x'.repeat(2 * 1024 * 1024) })).toEqual([
      ['', 'too_large'],
    ]);
    expect(pathsAndCodes({ ...example('trade'), many: new Array(50_000).fill(0) })).toEqual([
      ['', 'too_large'],
    ]);
    expect(
      validateRecord(
        { ...example('trade'), note: 'x' },
        { limits: { maxDepth: 16, maxNodes: 20_000, maxBytes: 100 } },
      ),
    ).toMatchObject({ ok: false, issues: [{ code: 'too_large' }] });
  });
});

describe('cross-field rules', () => {
  it('an agency trade or order needs a client', () => {
    const t = example('trade');
    delete t.clientId;
    expect(pathsAndCodes(t)).toEqual([['clientId', 'required']]);
    delete t.capacity;
    expect(pathsAndCodes(t)).toEqual([['capacity', 'required']]);
    expect(validateRecord({ ...t, capacity: 'principal' }).ok).toBe(true);
  });

  it('limit and stop prices follow the order type', () => {
    const o = example('order');
    delete o.limitPrice;
    expect(pathsAndCodes(o)).toEqual([['limitPrice', 'required']]);
    expect(pathsAndCodes({ ...example('order'), orderType: 'market' })).toEqual([
      ['limitPrice', 'not_allowed'],
    ]);
    expect(pathsAndCodes({ ...example('order'), orderType: 'stop_limit' })).toEqual([
      ['stopPrice', 'required'],
    ]);
  });

  it('good-till-date needs validUntil; a short sale needs a sell and an assurance', () => {
    expect(pathsAndCodes({ ...example('order'), validity: 'gtd' })).toEqual([['validUntil', 'required']]);
    expect(pathsAndCodes({ ...example('order'), validUntil: '2026-12-01' })).toEqual([
      ['validUntil', 'not_allowed'],
    ]);
    const a = example('alp_order');
    delete a.shortSellAssuranceRef;
    expect(pathsAndCodes({ ...a, side: 'buy' })).toEqual([
      ['side', 'not_allowed'],
      ['shortSellAssuranceRef', 'required'],
    ]);
  });

  it('an amendment changes something', () => {
    const o = example('order');
    o.amendments = [{ amendedAt: '2026-11-21T09:30:59+08:00', staffId: 'S-1' }];
    expect(pathsAndCodes(o)).toEqual([['amendments.0', 'empty_amendment']]);
  });

  it('an ALP trade crossed within the BBO states the reference price', () => {
    const t = example('alp_trade');
    delete t.referencePrice;
    expect(pathsAndCodes(t)).toEqual([['referencePrice', 'required']]);
    expect(validateRecord({ ...t, crossedWithinBbo: false }).ok).toBe(true);
  });

  it('a document needs a date and a safe file name', () => {
    const d = example('document');
    delete d.documentDate;
    expect(pathsAndCodes(d)).toEqual([['documentDate', 'required']]);
    expect(validateRecord({ ...d, recordedAt: '2026-11-21T09:30:00+08:00' }).ok).toBe(true);
    expect(pathsAndCodes({ ...example('document'), fileName: '../../x.pdf' })).toEqual([
      ['fileName', 'invalid_file_name'],
    ]);
    expect(pathsAndCodes({ ...example('document'), documentType: 'Voice Recording' })).toEqual([
      ['documentType', 'invalid_document_type'],
    ]);
  });
});

describe('corrections', () => {
  it('accept a full replacement with the amended id, validated as a record', () => {
    const replacement = { ...example('trade'), price: '388.40' };
    const c: Record<string, unknown> = { ...example('correction'), replacement };
    delete c.changes;
    expect(validateRecord(c).ok).toBe(true);
    expect(pathsAndCodes({ ...c, replacement: { ...replacement, price: 388.4, extra: 1 } })).toEqual([
      ['replacement.price', 'invalid_decimal'],
      ['replacement.extra', 'unknown_field'],
    ]);
    expect(pathsAndCodes({ ...c, replacement: { ...replacement, recordId: 'T-OTHER' } })).toEqual([
      ['replacement.recordId', 'mismatch'],
    ]);
    expect(pathsAndCodes({ ...c, amendsRecordType: 'order' })).toEqual([
      ['replacement.recordType', 'mismatch'],
    ]);
  });

  it('have changes or a replacement, never both or neither', () => {
    const neither = example('correction');
    delete neither.changes;
    expect(pathsAndCodes(neither)).toEqual([['', 'changes_or_replacement']]);
    expect(pathsAndCodes({ ...example('correction'), replacement: example('trade') })).toEqual([
      ['', 'changes_or_replacement'],
    ]);
  });

  it('cannot change identity fields, repeat a field or amend themselves', () => {
    const c = example('correction');
    c.changes = [
      { field: 'recordId', to: 'T-2' },
      { field: 'price', to: '1.00' },
      { field: 'price', to: '2.00' },
      { field: 'bad path', to: 1 },
    ];
    expect(pathsAndCodes({ ...c, amends: c.recordId })).toEqual([
      ['changes.3.field', 'invalid_field_path'],
      ['amends', 'not_allowed'],
      ['changes.0.field', 'not_allowed'],
      ['changes.2.field', 'duplicate'],
    ]);
  });
});

describe('parseRecord', () => {
  it('returns the record when valid', () => {
    const t = example('trade');
    expect(parseRecord(t)).toBe(t);
  });
  it('throws ValidationError with every issue in details', () => {
    const t = { ...example('trade'), price: 1, side: 'long' };
    expect(() => parseRecord(t)).toThrow(ValidationError);
    try {
      parseRecord(t);
    } catch (err) {
      expect((err as ValidationError).code).toBe('ValidationFailed');
      expect((err as ValidationError).details).toEqual(issuesOf(t));
      expect((err as Error).message).toMatch(/^invalid record: side: .*; price: /);
    }
  });
});

describe('schema registry', () => {
  it('has a schema per record type at the current version', () => {
    expect(Object.keys(recordSchemas).sort()).toEqual([...RECORD_TYPES].sort());
    expect(recordSchemasByVersion[RECORD_SCHEMA_VERSION]).toBe(recordSchemas);
    for (const type of EXAMPLE_TYPES) {
      expect(recordSchemas[type as RecordType].safeParse(example(type)).success).toBe(true);
    }
  });
});
