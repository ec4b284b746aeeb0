/**
 * Records are plain JSON: objects, arrays, strings, finite numbers, booleans and null, nothing
 * else, and small enough to be a record rather than a payload. These checks run before the
 * schemas so that whatever is stored is exactly what canonicalize() serialises.
 */

export interface RecordIssue {
  /** Dotted path to the offending value: `instrument.code`, `amendments.0.amendedAt`; '' for the record itself. */
  path: string;
  message: string;
  /** Stable, machine-readable: required, unknown_field, invalid_type, invalid_timestamp, not_json... */
  code: string;
}

export interface JsonLimits {
  /** Deepest nesting of objects and arrays (the record itself is depth 1). */
  maxDepth: number;
  /** Most values (objects, arrays, strings, numbers...) in one record. */
  maxNodes: number;
  /** Largest record, in bytes of UTF-8 (approximately its canonical size). */
  maxBytes: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 16, maxNodes: 20_000, maxBytes: 1024 * 1024 };

export type PathSegment = string | number;

export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'symbol' ? p.toString() : String(p))).join('.');
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/** True when the string is well-formed UTF-16 (no lone surrogates), as RFC 8785 requires. */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * An object literal or JSON.parse result: its prototype is null or an Object.prototype (of any
 * realm, so objects from vm contexts or structuredClone qualify); class instances, Dates, Maps
 * and the like do not.
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return (
    proto === null ||
    (Object.getPrototypeOf(proto) === null && Object.prototype.toString.call(v) === '[object Object]')
  );
}

/** Why a value (not looking inside it) is not JSON, or null when it is a JSON value. */
export function nonJsonReason(v: unknown): string | null {
  switch (typeof v) {
    case 'string':
      return isWellFormed(v) ? null : 'a string with a lone UTF-16 surrogate is not well-formed Unicode';
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(v) ? null : `${String(v)} is not a JSON number`;
    case 'undefined':
      return 'undefined is not a JSON value';
    case 'bigint':
      return 'a BigInt is not a JSON value (send a decimal string)';
    case 'function':
    case 'symbol':
      return `a ${typeof v} is not a JSON value`;
    default:
      if (v === null || Array.isArray(v) || isPlainObject(v)) return null;
      return `a ${(v as object).constructor?.name ?? 'non-plain object'} is not a JSON value`;
  }
}

/**
 * Checks that `value` is plain JSON within the limits. Reports every offending value with its
 * path; stops descending once a limit is exceeded (one issue for that).
 */
export function checkPlainJson(value: unknown, limits: JsonLimits = DEFAULT_JSON_LIMITS): RecordIssue[] {
  const issues: RecordIssue[] = [];
  let nodes = 0;
  let bytes = 0;
  let stopped = false;

  const add = (path: PathSegment[], code: string, message: string) =>
    issues.push({ path: formatPath(path), code, message });

  const visit = (v: unknown, path: PathSegment[], depth: number): void => {
    if (stopped) return;
    nodes += 1;
    if (nodes > limits.maxNodes) {
      add([], 'too_large', `a record holds at most ${limits.maxNodes} values`);
      stopped = true;
      return;
    }
    const reason = nonJsonReason(v);
    if (reason !== null) {
      add(path, 'not_json', reason);
      return;
    }
    if (typeof v === 'string') bytes += Buffer.byteLength(v, 'utf8') + 2;
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) bytes += 8;
    if (bytes > limits.maxBytes) {
      add([], 'too_large', `a record is at most ${limits.maxBytes} bytes`);
      stopped = true;
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    if (depth + 1 > limits.maxDepth) {
      add(path, 'too_deep', `nested more than ${limits.maxDepth} levels`);
      return;
    }
    if (Array.isArray(v)) {
      bytes += 2;
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) add([...path, i], 'not_json', 'an array hole is not a JSON value');
        else visit(v[i], [...path, i], depth + 1);
      }
      return;
    }
    if (Object.getOwnPropertySymbols(v).length > 0) add(path, 'not_json', 'symbol keys are not JSON');
    bytes += 2;
    for (const key of Object.keys(v)) {
      bytes += Buffer.byteLength(key, 'utf8') + 4;
      if (!isWellFormed(key))
        add([...path, key], 'not_json', 'a key with a lone UTF-16 surrogate is not well-formed Unicode');
      const desc = Object.getOwnPropertyDescriptor(v, key);
      if (desc && !('value' in desc))
        add([...path, key], 'not_json', 'an accessor property is not JSON data');
      else visit((v as Record<string, unknown>)[key], [...path, key], depth + 1);
    }
  };

  visit(value, [], 0);
  return issues;
}
