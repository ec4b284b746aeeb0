/**
 * The Condition block of a RAM policy statement: `{"<Operator>": {"<key>": value | [values]}}`.
 * Operators and keys are ANDed; the values of one key are ORed. A negated operator
 * (StringNotEquals, NotIpAddress, ...) holds when no value matches, and also when the request
 * has no such key; any other operator fails when the key is absent.
 */
import { BlockList, isIP } from 'node:net';
import { PolicyGrammarError } from './errors';
import { compileWildcard, type Matcher } from './wildcard';

/** The values of the condition keys for one request, by lower-cased key name. */
export type ConditionContext = (key: string) => string | undefined;

export type ConditionTest = (context: ConditionContext) => boolean;

type ValueTest = (actual: string) => boolean;

interface Operator {
  negated: boolean;
  /** Builds the test for one key's list of values (throws PolicyGrammarError on a bad value). */
  compile(values: string[], where: string): ValueTest;
}

function stringOp(negated: boolean, ignoreCase: boolean): Operator {
  return {
    negated,
    compile: (values) => {
      const set = new Set(ignoreCase ? values.map((v) => v.toLowerCase()) : values);
      return ignoreCase ? (a) => set.has(a.toLowerCase()) : (a) => set.has(a);
    },
  };
}

function likeOp(negated: boolean): Operator {
  return {
    negated,
    compile: (values) => {
      const matchers: Matcher[] = values.map((v) => compileWildcard(v, false));
      return (a) => matchers.some((m) => m(a));
    },
  };
}

function parseNumber(value: string, where: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new PolicyGrammarError(`${where}: "${value}" is not a number`);
  return n;
}

function numericOp(negated: boolean, cmp: (a: number, b: number) => boolean): Operator {
  return {
    negated,
    compile: (values, where) => {
      const expected = values.map((v) => parseNumber(v, where));
      return (a) => {
        const n = Number(a);
        if (a.trim() === '' || !Number.isFinite(n)) return false;
        return expected.some((e) => cmp(n, e));
      };
    },
  };
}

/** ISO 8601 (what acs:CurrentTime carries) or epoch seconds. */
function parseDate(value: string): number {
  if (/^\d{1,12}$/.test(value)) return Number(value) * 1000;
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
}

function dateOp(negated: boolean, cmp: (a: number, b: number) => boolean): Operator {
  return {
    negated,
    compile: (values, where) => {
      const expected = values.map((v) => {
        const ms = parseDate(v);
        if (Number.isNaN(ms)) throw new PolicyGrammarError(`${where}: "${v}" is not an ISO 8601 date`);
        return ms;
      });
      return (a) => {
        const ms = parseDate(a);
        if (Number.isNaN(ms)) return false;
        return expected.some((e) => cmp(ms, e));
      };
    },
  };
}

const boolOp: Operator = {
  negated: false,
  compile: (values, where) => {
    const wanted: string[] = values.map((v) => {
      const l = v.toLowerCase();
      if (l !== 'true' && l !== 'false')
        throw new PolicyGrammarError(`${where}: "${v}" is not true or false`);
      return l;
    });
    return (a) => wanted.includes(a.toLowerCase());
  },
};

/** `::ffff:10.0.0.1` is 10.0.0.1. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

function ipOp(negated: boolean): Operator {
  return {
    negated,
    compile: (values, where) => {
      const list = new BlockList();
      for (const v of values) {
        const [addr, bits, extra] = v.split('/');
        const family = isIP(addr ?? '');
        if (family === 0 || extra !== undefined)
          throw new PolicyGrammarError(`${where}: "${v}" is not an IP address or CIDR block`);
        const type = family === 4 ? 'ipv4' : 'ipv6';
        if (bits === undefined) {
          list.addAddress(addr as string, type);
          continue;
        }
        const prefix = Number(bits);
        if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128))
          throw new PolicyGrammarError(`${where}: "${v}" has an invalid prefix length`);
        list.addSubnet(addr as string, prefix, type);
      }
      return (a) => {
        const ip = normalizeIp(a);
        const family = isIP(ip);
        if (family === 0) return false;
        return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
      };
    },
  };
}

const OPERATORS: Record<string, Operator> = {
  StringEquals: stringOp(false, false),
  StringNotEquals: stringOp(true, false),
  StringEqualsIgnoreCase: stringOp(false, true),
  StringNotEqualsIgnoreCase: stringOp(true, true),
  StringLike: likeOp(false),
  StringNotLike: likeOp(true),
  NumericEquals: numericOp(false, (a, b) => a === b),
  NumericNotEquals: numericOp(true, (a, b) => a === b),
  NumericLessThan: numericOp(false, (a, b) => a < b),
  NumericLessThanEquals: numericOp(false, (a, b) => a <= b),
  NumericGreaterThan: numericOp(false, (a, b) => a > b),
  NumericGreaterThanEquals: numericOp(false, (a, b) => a >= b),
  DateEquals: dateOp(false, (a, b) => a === b),
  DateNotEquals: dateOp(true, (a, b) => a === b),
  DateLessThan: dateOp(false, (a, b) => a < b),
  DateLessThanEquals: dateOp(false, (a, b) => a <= b),
  DateGreaterThan: dateOp(false, (a, b) => a > b),
  DateGreaterThanEquals: dateOp(false, (a, b) => a >= b),
  Bool: boolOp,
  IpAddress: ipOp(false),
  NotIpAddress: ipOp(true),
};

export const CONDITION_OPERATORS: readonly string[] = Object.keys(OPERATORS);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalar(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new PolicyGrammarError(`${where}: condition values must be strings, numbers or booleans`);
}

/** Compiles a statement's Condition object into one test (all of its parts must hold). */
export function compileConditions(condition: unknown, where: string): ConditionTest | null {
  if (condition === undefined) return null;
  if (!isPlainObject(condition)) throw new PolicyGrammarError(`${where}: Condition must be an object`);
  const tests: { key: string; negated: boolean; test: ValueTest }[] = [];
  for (const [opName, block] of Object.entries(condition)) {
    const op = OPERATORS[opName];
    const at = `${where}.${opName}`;
    if (op === undefined) {
      throw new PolicyGrammarError(
        `${where}: unknown condition operator "${opName}" (known: ${CONDITION_OPERATORS.join(', ')})`,
      );
    }
    if (!isPlainObject(block) || Object.keys(block).length === 0)
      throw new PolicyGrammarError(`${at}: expected an object of condition keys`);
    for (const [key, raw] of Object.entries(block)) {
      const list = Array.isArray(raw) ? raw : [raw];
      if (list.length === 0) throw new PolicyGrammarError(`${at}.${key}: no values`);
      const values = list.map((v) => scalar(v, `${at}.${key}`));
      tests.push({ key: key.toLowerCase(), negated: op.negated, test: op.compile(values, `${at}.${key}`) });
    }
  }
  if (tests.length === 0) return null;
  return (context) => {
    for (const t of tests) {
      const actual = context(t.key);
      if (actual === undefined) {
        if (!t.negated) return false;
        continue;
      }
      const matched = t.test(actual);
      if (t.negated ? matched : !matched) return false;
    }
    return true;
  };
}
