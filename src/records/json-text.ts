/**
 * What JSON.parse silently decides, refused instead (issue 8, item 5): the archive stores a
 * record as sent, so the parsed value must say exactly what the text says.
 *
 * - A number whose value does not survive parsing: an integer outside the safe range
 *   (|n| > 2^53-1), or a literal with more significant digits than a double keeps
 *   (`1000.00000000000000001` parses as 1000), or one that overflows (`1e400`). Such a value is
 *   sent as a decimal string. Formatting alone (`1.50`, `1E3`, `-0.0`) is not a loss: the
 *   canonical form (RFC 8785) writes the same value.
 * - An object with a duplicate key (the last one would win).
 *
 * `jsonTextIssues` scans text that JSON.parse has already accepted, so it may assume the text is
 * well-formed.
 */
import type { RecordIssue } from './json';

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER_CHAR = new Set([...'-+.0123456789eE'].map((c) => c.charCodeAt(0)));

/** Significant digits and the exponent of a decimal literal: 1.50e3 -> { digits: "15", exp: 2 }. */
function decimalParts(literal: string): { negative: boolean; digits: string; exp: number } {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(literal);
  if (!m) return { negative: false, digits: '', exp: 0 };
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  let digits = `${int}${frac}`;
  let exp = Number(m[4] ?? '0') - frac.length;
  const lead = /^0*/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(lead);
  const trail = /0*$/.exec(digits)?.[0].length ?? 0;
  if (trail > 0) {
    digits = digits.slice(0, digits.length - trail);
    exp += trail;
  }
  if (digits === '') return { negative: false, digits: '0', exp: 0 };
  return { negative: m[1] === '-', digits, exp };
}

/** Why a JSON number literal does not survive parsing, or null when its value is kept exactly. */
export function numberLossReason(literal: string): string | null {
  const value = Number(literal);
  if (!Number.isFinite(value)) return `${literal.slice(0, 40)} is outside the range of a JSON number here`;
  if (/^-?[0-9]+$/.test(literal) && !Number.isSafeInteger(value))
    return `${literal.slice(0, 40)} is outside the safe integer range (at most 2^53-1 = 9007199254740991)`;
  const sent = decimalParts(literal);
  const kept = decimalParts(String(value));
  if (
    sent.digits !== kept.digits ||
    sent.exp !== kept.exp ||
    (sent.negative && value !== 0) !== kept.negative
  )
    return `${literal.slice(0, 40)} would be stored as ${String(value)}`;
  return null;
}

const DECIMAL_HINT = 'send it as a decimal string';

/** Every number that would change and every duplicate key in `text` (well-formed JSON). */
export function jsonTextIssues(text: string): RecordIssue[] {
  const issues: RecordIssue[] = [];
  let i = 0;
  const skipWs = () => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };
  const readString = (): string => {
    const start = i;
    let escaped = false;
    i++; // opening quote
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i += 2;
      } else i++;
    }
    i++;
    // Only a string with escapes needs decoding (keys are compared decoded: "\u0061" is "a").
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  };
  const path: (string | number)[] = [];
  const at = () => path.join('.');
  const value = (): void => {
    skipWs();
    const c = text[i];
    if (c === '{') {
      i++;
      const keys = new Set<string>();
      skipWs();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipWs();
        const key = readString();
        path.push(key);
        if (keys.has(key))
          issues.push({
            path: at(),
            code: 'duplicate_key',
            message: `the key "${key.slice(0, 100)}" appears more than once in the object: send it once`,
          });
        keys.add(key);
        skipWs();
        i++; // colon
        value();
        path.pop();
        skipWs();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      skipWs();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        path.push(n);
        value();
        path.pop();
        skipWs();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') {
      readString();
      return;
    }
    const start = i;
    while (i < text.length && NUMBER_CHAR.has(text.charCodeAt(i))) i++;
    if (i === start) {
      // true, false, null
      i += text.startsWith('false', i) ? 5 : 4;
      return;
    }
    const reason = numberLossReason(text.slice(start, i));
    if (reason !== null)
      issues.push({ path: at(), code: 'imprecise_number', message: `${reason}: ${DECIMAL_HINT}` });
  };
  value();
  return issues;
}
