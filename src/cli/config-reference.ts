/**
 * The configuration reference: every key of the configuration schema (src/config) with its type,
 * its default and its environment variable, generated from the schema itself, so that a key
 * someone adds is in the README's table without a hand edit (`node scripts/readme-config.js`
 * rewrites it; test/config/readme-config.test.ts fails when the README and the schema differ).
 *
 * It lives in src/cli because the API limits' defaults are the HTTP layer's (DEFAULT_LIMITS) and
 * src/config depends on nothing of the parts.
 */
import { z } from 'zod';
import { ConfigSchema, ENV_VARS, parseConfig } from '../config';
import { DEFAULT_LIMITS } from '../http/types';

export interface ConfigKey {
  /** Dotted path in the JSON file; `[]` marks the fields of a list's items. */
  key: string;
  type: string;
  default: string;
  env?: string;
}

/** The JSON Schema node shapes this walk reads (zod's toJSONSchema output). */
interface Node {
  type?: string | string[];
  properties?: Record<string, Node>;
  items?: Node;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Node[];
  oneOf?: Node[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  default?: unknown;
  description?: string;
}

export const TABLE_START =
  '<!-- config-keys: generated from src/config by `node scripts/readme-config.js` -->';
export const TABLE_END = '<!-- config-keys: end -->';

function bounds(n: Node): string {
  const lo =
    n.exclusiveMinimum !== undefined
      ? `> ${n.exclusiveMinimum}`
      : n.minimum !== undefined
        ? `≥ ${n.minimum}`
        : '';
  const hi = n.maximum !== undefined && n.maximum < Number.MAX_SAFE_INTEGER ? `≤ ${n.maximum}` : '';
  if (n.minimum !== undefined && hi) return ` ${n.minimum}..${n.maximum}`;
  return [lo, hi]
    .filter(Boolean)
    .map((s) => ` ${s}`)
    .join(',');
}

function typeOf(n: Node): string {
  if (n.enum) return n.enum.map((v) => JSON.stringify(v)).join(' or ');
  if (n.const !== undefined) return JSON.stringify(n.const);
  const alternatives = n.anyOf ?? n.oneOf;
  if (alternatives) return alternatives.map(typeOf).join(' or ');
  const type = Array.isArray(n.type) ? n.type.join(' or ') : n.type;
  if (type === 'integer' || type === 'number') return `${type}${bounds(n)}`;
  if (type === 'string') {
    if (n.format === 'uri') return 'URL';
    if (n.pattern) return `string matching \`${n.pattern}\``;
    return n.minLength ? 'non-empty string' : 'string';
  }
  if (type === 'array') {
    if (!n.items) return 'list';
    const item = n.items.type === 'object' ? 'object' : typeOf(n.items);
    return /^(string|object|integer|number|boolean)$/.test(item) ? `list of ${item}s` : `list of: ${item}`;
  }
  return type ?? 'any';
}

function at(value: unknown, keys: string[]): unknown {
  let v = value;
  for (const k of keys)
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

function shown(value: unknown): string {
  if (value === undefined) return '(none)';
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => typeof v === 'object' && v !== null && 'name' in v)
  ) {
    // Named entries (the retention classes): their names and days.
    return value
      .map((v: Record<string, unknown>) =>
        typeof v.days === 'number' ? `${String(v.name)} (${v.days} days)` : String(v.name),
      )
      .join(', ');
  }
  return `\`${JSON.stringify(value)}\``;
}

/** Every key of the schema, in schema order. */
export function configKeys(): ConfigKey[] {
  const root = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as Node;
  const defaults = parseConfig({});
  const envOf = new Map(Object.entries(ENV_VARS).map(([name, spec]) => [spec.path.join('.'), name]));
  const limits = DEFAULT_LIMITS as unknown as Record<string, unknown>;
  const out: ConfigKey[] = [];
  const walk = (node: Node, keys: string[], inItem: boolean): void => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const path = [...keys, name];
      const key = path.join('.').replace(/\.\[\]/g, '[]');
      if (child.type === 'object' && child.properties) {
        walk(child, path, inItem);
        continue;
      }
      let value: unknown;
      if (inItem) value = child.default;
      else if (keys.join('.') === 'server.limits') value = limits[name];
      // Inside an optional section (auth.oidc) the default applies once the section is given.
      else value = at(defaults, path) ?? child.default;
      const env = envOf.get(path.join('.'));
      // A default computed at start (no value in the schema) is described by the key's description.
      const said = value === undefined && child.description ? child.description : shown(value);
      out.push({ key, type: typeOf(child), default: said, ...(env ? { env } : {}) });
      if (child.type === 'array' && child.items?.type === 'object') walk(child.items, [...path, '[]'], true);
    }
  };
  walk(root, [], false);
  return out;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The README's table (markdown, between its markers). */
export function configTable(keys: ConfigKey[] = configKeys()): string {
  const rows = keys.map(
    (k) => `| \`${k.key}\` | ${cell(k.type)} | ${cell(k.default)} | ${k.env ? `\`${k.env}\`` : ''} |`,
  );
  return [
    TABLE_START,
    '',
    '| key | type | default | environment |',
    '|---|---|---|---|',
    ...rows,
    '',
    TABLE_END,
  ].join('\n');
}

/** The README with its table replaced by the schema's (unchanged when it already matches). */
export function withConfigTable(readme: string, table = configTable()): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README: no ${TABLE_START} ... ${TABLE_END} markers`);
  return readme.slice(0, start) + table + readme.slice(end + TABLE_END.length);
}
