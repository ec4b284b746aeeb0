import { createHash } from 'node:crypto';
import { ValidationError } from '../../src/errors';
import { canonicalBytes, canonicalize } from '../../src/records';
import { REGULATORY_TRADE_CANONICAL, REGULATORY_TRADE_SHA256, REGULATORY_TRADE_TEXT } from './fixtures';

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('RFC 8785 number serialisation (Appendix B)', () => {
  const table: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'], // -0
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  it.each(table)('%s -> %s', (bits, expected) => {
    expect(canonicalize(fromBits(bits))).toBe(expected);
  });

  it('serialises the values named in the brief', () => {
    expect(canonicalize([1e21, 0.000001, 1e-7, -0, 1e20, 123, -1.5])).toBe(
      '[1e+21,0.000001,1e-7,0,100000000000000000000,123,-1.5]',
    );
  });

  it.each([
    ['NaN', fromBits('7fffffffffffffff')],
    ['Infinity', fromBits('7ff0000000000000')],
    ['-Infinity', -Infinity],
  ])('refuses %s', (_name, n) => {
    expect(() => canonicalize({ n })).toThrow(ValidationError);
  });
});

describe('RFC 8785 examples', () => {
  it('3.2.2: the main example', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    ) as unknown;
    const expected =
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
    expect(canonicalize(input)).toBe(expected);
    // 3.2.4: the UTF-8 bytes; "€" is e2 82 ac and the control character is escaped as \u000f
    const bytes = canonicalBytes(input);
    expect(bytes.equals(Buffer.from(expected, 'utf8'))).toBe(true);
    expect(
      bytes.subarray(bytes.indexOf('"string"') + 10, bytes.indexOf('"string"') + 20).toString('hex'),
    ).toBe('e282ac245c7530303066');
  });

  it('3.2.3: sorts keys by UTF-16 code units', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('sorts a surrogate pair (U+1F600) before U+FB33, unlike code-point order', () => {
    expect(canonicalize({ '\ufb33': 1, '\ud83d\ude00': 2 })).toBe('{"\ud83d\ude00":2,"\ufb33":1}');
  });

  it('the "weird" test vector: control characters, </script>, U+007F', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\u000a': 'Newline',
      '1': 'One',
      '\u0080': 'Control\u007f',
      '\ud83d\ude02': 'Smiley',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '</script>': 'Browser Challenge',
    };
    expect(canonicalize(input)).toBe(
      '{"\\n":"Newline","\\r":"Carriage Return","1":"One","</script>":"Browser Challenge",' +
        '"\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });
});

describe('string escaping', () => {
  it('uses the short escapes and \\u00xx with lower-case hex for other controls', () => {
    expect(canonicalize('\b\t\n\f\r"\\')).toBe('"\\b\\t\\n\\f\\r\\"\\\\"');
    expect(canonicalize('\u0000\u0001\u001f\u000b')).toBe('"\\u0000\\u0001\\u001f\\u000b"');
  });
  it('leaves "/", U+007F, U+2028 and non-ASCII as they are', () => {
    expect(canonicalize('/\u007f\u2028\u2029é漢\ud83d\ude00')).toBe('"/\u007f\u2028\u2029é漢\ud83d\ude00"');
  });
  it('agrees with JSON.stringify on well-formed strings', () => {
    let all = '';
    for (let c = 0; c < 0x3000; c++) if (c < 0xd800 || c > 0xdfff) all += String.fromCharCode(c);
    expect(canonicalize(all)).toBe(JSON.stringify(all));
  });
  it('refuses lone surrogates in values and keys (JCS data is well-formed I-JSON)', () => {
    expect(() => canonicalize('\ud800')).toThrow(ValidationError);
    expect(() => canonicalize({ a: ['x\udc00y'] })).toThrow(/a\.0/);
    expect(() => canonicalize({ '\ud83d': 1 })).toThrow(ValidationError);
  });
});

describe('structure', () => {
  it('writes no whitespace, keeps array order and sorts nested objects', () => {
    expect(canonicalize({ b: [3, { z: 1, a: null }, 'x'], a: { d: true, c: false } })).toBe(
      '{"a":{"c":false,"d":true},"b":[3,{"a":null,"z":1},"x"]}',
    );
    expect(canonicalize({})).toBe('{}');
    expect(canonicalize([])).toBe('[]');
  });

  it('accepts objects without a prototype and a "__proto__" member parsed from JSON', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.k = 1;
    expect(canonicalize(bare)).toBe('{"k":1}');
    expect(canonicalize(JSON.parse('{"__proto__":{"x":1},"a":2}'))).toBe('{"__proto__":{"x":1},"a":2}');
  });

  it.each<[string, unknown]>([
    ['undefined', { a: undefined }],
    ['a function', { f: () => 1 }],
    ['a BigInt', { n: BigInt(1) }],
    ['a Date', { d: new Date(0) }],
    ['a Map', new Map()],
    ['a symbol', Symbol('s')],
    ['an array hole', [1, , 3]], // eslint-disable-line no-sparse-arrays
  ])('refuses %s', (_what, value) => {
    expect(() => canonicalize(value)).toThrow(ValidationError);
  });

  it('refuses cycles but accepts a value shared by two branches', () => {
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalize(loop)).toThrow(/cycle/);
  });

  it('reports the path of the refused value in details', () => {
    try {
      canonicalize({ a: { b: [1, NaN] } });
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).details).toEqual([
        { path: 'a.b.1', message: 'NaN is not a JSON number', code: 'not_json' },
      ]);
    }
  });
});

describe('the REGULATORY.md trade', () => {
  it('has exactly the hand-written canonical bytes and SHA-256', () => {
    const bytes = canonicalBytes(JSON.parse(REGULATORY_TRADE_TEXT));
    expect(bytes.toString('utf8')).toBe(REGULATORY_TRADE_CANONICAL);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(REGULATORY_TRADE_SHA256);
  });

  it('does not depend on the order the fields were sent in', () => {
    const parsed = JSON.parse(REGULATORY_TRADE_TEXT) as Record<string, unknown>;
    const reversed = Object.fromEntries(Object.entries(parsed).reverse());
    expect(canonicalize(reversed)).toBe(REGULATORY_TRADE_CANONICAL);
  });
});
