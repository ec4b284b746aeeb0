/**
 * RAM wildcards: `*` matches any run of characters (also none, also `/` and `:`), `?` exactly one.
 * Compiled once per pattern into the cheapest test that decides it: equality, a prefix check for
 * the common `bucket/prefix/*`, an ordered search for the pieces between stars (`acs:oss:*:*:b/*`),
 * or, when `?` appears, an anchored regular expression.
 */
export type Matcher = (value: string) => boolean;

const REGEX_SPECIALS = /[.+^${}()|[\]\\]/g;

export function compileWildcard(pattern: string, ignoreCase: boolean): Matcher {
  if (pattern === '*') return () => true;
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const star = p.indexOf('*');
  const question = p.indexOf('?');
  if (star === -1 && question === -1) {
    return ignoreCase ? (v) => v.toLowerCase() === p : (v) => v === p;
  }
  if (question === -1 && star === p.length - 1) {
    const prefix = p.slice(0, -1);
    return ignoreCase ? (v) => v.toLowerCase().startsWith(prefix) : (v) => v.startsWith(prefix);
  }
  if (question === -1) {
    // `*` only: the pieces between the stars must appear in order (leftmost matches suffice).
    const pieces = p.split('*');
    const first = pieces[0] as string;
    const last = pieces[pieces.length - 1] as string;
    const middle = pieces.slice(1, -1).filter((x) => x !== '');
    const minLength = first.length + last.length;
    return (raw) => {
      const v = ignoreCase ? raw.toLowerCase() : raw;
      if (v.length < minLength || !v.startsWith(first) || !v.endsWith(last)) return false;
      let at = first.length;
      const end = v.length - last.length;
      for (const m of middle) {
        const i = v.indexOf(m, at);
        if (i === -1 || i + m.length > end) return false;
        at = i + m.length;
      }
      return true;
    };
  }
  const source = p.replace(REGEX_SPECIALS, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
  const re = new RegExp(`^${source}$`, ignoreCase ? 'i' : '');
  return (v) => re.test(v);
}

/** True when any of the matchers accepts the value. */
export function anyMatch(matchers: readonly Matcher[], value: string): boolean {
  for (const m of matchers) if (m(value)) return true;
  return false;
}
