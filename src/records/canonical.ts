/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * - object members sorted by their names as arrays of UTF-16 code units (JavaScript's default
 *   string order), no whitespace;
 * - numbers serialised as ECMAScript's Number.prototype.toString (so -0 is "0", 1e21 is "1e+21");
 *   NaN and Infinity are refused;
 * - strings escaped as RFC 8785 3.2.2.2: \b \t \n \f \r \" \\ as short escapes, other
 *   U+0000-U+001F as \u00xx (lower-case hex), everything else as is (including U+007F, "/" and
 *   U+2028), encoded as UTF-8.
 * - Lone surrogates: JCS data is I-JSON (RFC 7493), whose strings are well-formed Unicode, and
 *   a lone surrogate has no UTF-8 encoding. They are refused, in keys and values alike.
 *   (Noncharacters such as U+FFFF are accepted, as other JCS implementations do.)
 *
 * Only plain JSON values are accepted: no undefined, functions, BigInt, Dates, Maps, class
 * instances or cycles. Refusals raise ValidationError with the path in `details`.
 */
import { ValidationError } from '../errors';
import { formatPath, isPlainObject, nonJsonReason, type PathSegment } from './json';

const ESCAPES: Record<string, string> = {
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\f': '\\f',
  '\r': '\\r',
  '"': '\\"',
  '\\': '\\\\',
};

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u001f"\\]/g;

function serializeString(s: string): string {
  return `"${s.replace(NEEDS_ESCAPE, (ch) => ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

function refuse(path: PathSegment[], message: string): never {
  const where = formatPath(path);
  throw new ValidationError(`cannot canonicalize${where ? ` ${where}` : ''}: ${message}`, {
    details: [{ path: where, message, code: 'not_json' }],
  });
}

/** Compares by UTF-16 code units, as RFC 8785 3.2.3 requires (not by code points or locale). */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function serialize(v: unknown, path: PathSegment[], ancestors: Set<object>): string {
  const reason = nonJsonReason(v);
  if (reason !== null) refuse(path, reason);
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      // ECMAScript Number::toString, which RFC 8785 3.2.2.3 adopts; String(-0) is "0".
      return String(v);
    case 'string':
      return serializeString(v);
  }
  const obj = v as object;
  if (ancestors.has(obj)) refuse(path, 'a cycle is not JSON');
  ancestors.add(obj);
  let out: string;
  if (Array.isArray(obj)) {
    const parts: string[] = [];
    for (let i = 0; i < obj.length; i++) {
      if (!(i in obj)) refuse([...path, i], 'an array hole is not a JSON value');
      parts.push(serialize(obj[i], [...path, i], ancestors));
    }
    out = `[${parts.join(',')}]`;
  } else {
    if (!isPlainObject(obj)) refuse(path, 'not a plain object');
    if (Object.getOwnPropertySymbols(obj).length > 0) refuse(path, 'symbol keys are not JSON');
    const keys = Object.keys(obj).sort(compareCodeUnits);
    const parts: string[] = [];
    for (const key of keys) {
      const keyText = serialize(key, [...path, key], ancestors);
      parts.push(`${keyText}:${serialize(obj[key], [...path, key], ancestors)}`);
    }
    out = `{${parts.join(',')}}`;
  }
  ancestors.delete(obj);
  return out;
}

/** The RFC 8785 canonical JSON text of a plain JSON value. */
export function canonicalize(value: unknown): string {
  return serialize(value, [], new Set());
}

/** The canonical JSON text as UTF-8 bytes: what the archive stores and hashes. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}
