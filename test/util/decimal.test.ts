import { Decimal } from '../../src/util/decimal';

const d = (s: string): Decimal => Decimal.parse(s);

/** A small deterministic generator (the tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Random decimal text with up to `intDigits` and `fracDigits` digits. */
function randomText(next: () => number, intDigits: number, fracDigits: number): string {
  const int = String(Math.floor(next() * 10 ** intDigits));
  const places = Math.floor(next() * (fracDigits + 1));
  const frac = places ? `.${String(Math.floor(next() * 10 ** places)).padStart(places, '0')}` : '';
  const sign = next() < 0.3 && (int !== '0' || /[1-9]/.test(frac)) ? '-' : '';
  return `${sign}${int}${frac}`;
}

describe('Decimal', () => {
  it('parses the record schemas’ notation and refuses everything else', () => {
    expect(d('388.20').toString()).toBe('388.2');
    expect(d('0').toString()).toBe('0');
    expect(d('-0.00').toString()).toBe('0');
    expect(d('-12.50').toString()).toBe('-12.5');
    expect(d('1000').toString()).toBe('1000');
    for (const bad of ['', '01', '1.', '.5', '+1', '1e3', ' 1', '1 ', 'NaN', '--1', '1.2.3']) {
      expect(Decimal.tryParse(bad)).toBeNull();
    }
    expect(() => d('abc')).toThrow(RangeError);
    expect(Decimal.fromValue(1000)?.toString()).toBe('1000');
    expect(Decimal.fromValue(0.5)).toBeNull();
    expect(Decimal.fromValue(2 ** 53)).toBeNull();
    expect(Decimal.fromValue(null)).toBeNull();
  });

  it('adds, subtracts and multiplies exactly where binary floats do not', () => {
    expect(d('0.1').add(d('0.2')).toString()).toBe('0.3');
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(d('388.20').mul(d('1000')).toString()).toBe('388200');
    expect(d('0.001').mul(d('0.001')).toString()).toBe('0.000001');
    expect(d('1').sub(d('0.999999999999999999999')).toString()).toBe('0.000000000000000000001');
    // 2^53 + 1 is where doubles stop counting.
    expect(d('9007199254740993').add(d('1')).toString()).toBe('9007199254740994');
  });

  it('agrees with integer arithmetic on random values (both scaled to a common scale by hand)', () => {
    const next = lcg(7);
    for (let i = 0; i < 500; i++) {
      const a = randomText(next, 6, 4);
      const b = randomText(next, 6, 4);
      // Independent: scale both texts to 4 places by string padding, then integer arithmetic in Number
      // (all values stay far below 2^53).
      const scaled = (t: string): number => {
        const [int, frac = ''] = t.replace('-', '').split('.');
        const n = Number(`${int}${frac.padEnd(4, '0')}`);
        return t.startsWith('-') ? -n : n;
      };
      const sum = scaled(a) + scaled(b);
      expect(d(a).add(d(b)).toScaled(4)).toBe(BigInt(sum));
      expect(d(a).sub(d(b)).toScaled(4)).toBe(BigInt(scaled(a) - scaled(b)));
      expect(d(a).cmp(d(b))).toBe(Math.sign(scaled(a) - scaled(b)) || 0);
      // Product at 8 places: exact in BigInt from the scaled integers.
      expect(d(a).mul(d(b)).toScaled(8)).toBe(BigInt(scaled(a)) * BigInt(scaled(b)));
    }
  });

  it('divides with the rounding asked for', () => {
    expect(d('1').div(d('3'), 6).toString()).toBe('0.333333');
    expect(d('2').div(d('3'), 6).toString()).toBe('0.666667');
    // Ties: half-even goes to the even neighbour, half-up away from zero, down truncates.
    expect(d('0.125').div(d('1'), 2).toString()).toBe('0.12');
    expect(d('0.135').div(d('1'), 2).toString()).toBe('0.14');
    expect(d('0.125').div(d('1'), 2, 'half-up').toString()).toBe('0.13');
    expect(d('-0.125').div(d('1'), 2, 'half-up').toString()).toBe('-0.13');
    expect(d('0.129').div(d('1'), 2, 'down').toString()).toBe('0.12');
    expect(d('-7').div(d('2'), 0).toString()).toBe('-4');
    expect(d('7').div(d('-2'), 0).toString()).toBe('-4');
    expect(() => d('1').div(Decimal.ZERO, 2)).toThrow(RangeError);
    expect(d('2.675').round(2).toString()).toBe('2.68');
    expect(d('2.665').round(2).toString()).toBe('2.66');
  });

  it('(a × b) / b gives a back exactly', () => {
    const next = lcg(11);
    for (let i = 0; i < 200; i++) {
      const a = d(randomText(next, 9, 6));
      const b = d(randomText(next, 5, 3));
      if (b.isZero()) continue;
      expect(a.mul(b).div(b, a.scale).eq(a)).toBe(true);
    }
  });

  it('formats canonically and with a minimum of fraction digits', () => {
    expect(d('388200.0000').toString()).toBe('388200');
    expect(d('388200').toFixedMin(2)).toBe('388200.00');
    expect(d('0.125').toFixedMin(2)).toBe('0.125');
    expect(d('-0.5').toFixedMin(2)).toBe('-0.50');
    expect(JSON.stringify({ v: d('1.50') })).toBe('{"v":"1.5"}');
    expect(Decimal.sum([d('1.1'), d('2.2'), d('3.3')]).toString()).toBe('6.6');
    expect(Decimal.sum([]).toString()).toBe('0');
  });

  it('scales to integers only when exact', () => {
    expect(d('1.5').toScaled(9)).toBe(1_500_000_000n);
    expect(d('0.0000000001').toScaled(9)).toBeNull();
    expect(d('12.000000000000').toScaled(0)).toBe(12n);
    expect(d('1.50').atScale(4)).toBe(15000n);
    expect(() => d('1.50').atScale(1)).toThrow(RangeError);
  });
});
