/**
 * Exact decimals on BigInt, for quantities and money (never binary floats). A value is
 * `coefficient × 10^-scale` with `scale >= 0`; sums, differences and products are exact, and the
 * only rounding is where a caller asks for it (`div`, `round`), half-even unless told otherwise.
 *
 * Text in and out is plain decimal notation: `-?(0|[1-9][0-9]*)(\.[0-9]+)?` (the record schemas'
 * form; no exponents, no `+`, no leading zeros). `toString()` is canonical: no trailing fraction
 * zeros, `0` for zero (never `-0`), so equal values print alike.
 */

const DECIMAL_TEXT = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
/** Longest text `parse` accepts (the record schemas allow 40 characters; room for computed values). */
export const MAX_DECIMAL_TEXT = 200;

export type RoundingMode = 'half-even' | 'half-up' | 'down';

const TEN = 10n;
const POW10: bigint[] = [1n];
function pow10(n: number): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad power of ten: ${n}`);
  for (let i = POW10.length; i <= n; i++) POW10.push((POW10[i - 1] as bigint) * TEN);
  return POW10[n] as bigint;
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/** `n / d` rounded to an integer by `mode` (d > 0). */
function divideRounded(n: bigint, d: bigint, mode: RoundingMode): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const q = n / d; // truncates toward zero
  const r = n - q * d;
  if (r === 0n || mode === 'down') return q;
  const twice = abs(r) * 2n;
  const away = n < 0n ? q - 1n : q + 1n;
  if (twice > d) return away;
  if (twice < d) return q;
  if (mode === 'half-up') return away;
  return q % 2n === 0n ? q : away;
}

export class Decimal {
  static readonly ZERO = new Decimal(0n, 0);
  static readonly ONE = new Decimal(1n, 0);

  private constructor(
    /** The digits as an integer. */
    readonly coefficient: bigint,
    /** Digits after the decimal point (>= 0). */
    readonly scale: number,
  ) {}

  /** `coefficient × 10^-scale`. */
  static of(coefficient: bigint, scale = 0): Decimal {
    if (!Number.isSafeInteger(scale) || scale < 0) throw new RangeError(`bad scale: ${scale}`);
    return new Decimal(coefficient, scale);
  }

  /** Parses decimal text; throws RangeError on anything else. */
  static parse(text: string): Decimal {
    const parsed = Decimal.tryParse(text);
    if (!parsed) throw new RangeError(`not a decimal: ${JSON.stringify(text.slice(0, 60))}`);
    return parsed;
  }

  /** Parses decimal text, or null when it is not decimal text. */
  static tryParse(text: string): Decimal | null {
    if (typeof text !== 'string' || text.length > MAX_DECIMAL_TEXT) return null;
    const m = DECIMAL_TEXT.exec(text);
    if (!m) return null;
    const fraction = m[3] ?? '';
    const coefficient = BigInt(`${m[2]}${fraction}`);
    return new Decimal(m[1] === '-' ? -coefficient : coefficient, fraction.length);
  }

  /** A JSON value as records hold it: decimal text, a safe integer or a bigint. Null otherwise. */
  static fromValue(value: unknown): Decimal | null {
    if (typeof value === 'bigint') return new Decimal(value, 0);
    if (typeof value === 'number') return Number.isSafeInteger(value) ? new Decimal(BigInt(value), 0) : null;
    if (typeof value === 'string') return Decimal.tryParse(value);
    return null;
  }

  /** The value at `scale` digits (>= this.scale): same value, more digits. */
  private widen(scale: number): bigint {
    return this.coefficient * pow10(scale - this.scale);
  }

  add(other: Decimal): Decimal {
    const scale = Math.max(this.scale, other.scale);
    return new Decimal(this.widen(scale) + other.widen(scale), scale);
  }

  sub(other: Decimal): Decimal {
    return this.add(other.neg());
  }

  mul(other: Decimal): Decimal {
    return new Decimal(this.coefficient * other.coefficient, this.scale + other.scale);
  }

  neg(): Decimal {
    return new Decimal(-this.coefficient, this.scale);
  }

  sign(): -1 | 0 | 1 {
    return this.coefficient < 0n ? -1 : this.coefficient > 0n ? 1 : 0;
  }

  isZero(): boolean {
    return this.coefficient === 0n;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`. */
  cmp(other: Decimal): -1 | 0 | 1 {
    const scale = Math.max(this.scale, other.scale);
    const a = this.widen(scale);
    const b = other.widen(scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  eq(other: Decimal): boolean {
    return this.cmp(other) === 0;
  }

  /** This divided by `other`, rounded to `places` fraction digits. */
  div(other: Decimal, places: number, mode: RoundingMode = 'half-even'): Decimal {
    if (other.isZero()) throw new RangeError('division by zero');
    // this/other = (c1 / 10^s1) / (c2 / 10^s2); scaled by 10^places.
    let n = this.coefficient * pow10(places + other.scale);
    let d = other.coefficient * pow10(this.scale);
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    return new Decimal(divideRounded(n, d, mode), places);
  }

  /** Rounded to `places` fraction digits (a no-op when it has no more). */
  round(places: number, mode: RoundingMode = 'half-even'): Decimal {
    if (places >= this.scale) return this;
    return new Decimal(divideRounded(this.coefficient, pow10(this.scale - places), mode), places);
  }

  /** The same value with trailing fraction zeros removed. */
  normalize(): Decimal {
    let c = this.coefficient;
    let s = this.scale;
    if (c === 0n) return Decimal.ZERO;
    while (s > 0 && c % TEN === 0n) {
      c /= TEN;
      s--;
    }
    return s === this.scale ? this : new Decimal(c, s);
  }

  /** The exact integer `value × 10^scale`, or null when the value has more fraction digits. */
  toScaled(scale: number): bigint | null {
    const n = this.normalize();
    if (n.scale > scale) return null;
    return n.widen(scale);
  }

  /** The coefficient at `scale` fraction digits (>= this.scale), e.g. to compare many values as integers. */
  atScale(scale: number): bigint {
    if (scale < this.scale) throw new RangeError(`scale ${scale} is below ${this.scale}`);
    return this.widen(scale);
  }

  /** Canonical text: no trailing fraction zeros, no `-0`. */
  toString(): string {
    return this.normalize().format();
  }

  /** Text with at least `minPlaces` fraction digits (never rounds: extra digits are kept). */
  toFixedMin(minPlaces: number): string {
    const n = this.normalize();
    return n.scale >= minPlaces ? n.format() : new Decimal(n.widen(minPlaces), minPlaces).format();
  }

  toJSON(): string {
    return this.toString();
  }

  private format(): string {
    const negative = this.coefficient < 0n;
    const digits = abs(this.coefficient).toString();
    if (this.scale === 0) return negative ? `-${digits}` : digits;
    const padded = digits.padStart(this.scale + 1, '0');
    const text = `${padded.slice(0, -this.scale)}.${padded.slice(-this.scale)}`;
    return negative ? `-${text}` : text;
  }

  /** Sum of many (ZERO for none). */
  static sum(values: Iterable<Decimal>): Decimal {
    let total = Decimal.ZERO;
    for (const v of values) total = total.add(v);
    return total;
  }
}
