/**
 * CSV rows to records. The rules (also in the OpenAPI description of POST /v1/batches):
 *
 * 1. The first row is the header. Each header names a field by its path: `tradeId`,
 *    `instrument.exchange` (a dot makes a nested object), `charges.0.amount` (a number segment
 *    indexes a list of objects). Header names are trimmed; duplicates, clashing paths (`instrument`
 *    with `instrument.code`, `charges.0` with `charges.x`) and `__proto__`/`constructor`/`prototype`
 *    segments are refused with 400 before anything is stored.
 * 2. `?type=<recordType>` gives every row its `recordType`; a `recordType` column may be left
 *    out (a non-empty cell there overrides it, and then the record must still be valid).
 * 3. An empty cell leaves the field out (never "" or null).
 * 4. Cells stay strings, exactly as written (not trimmed), except where the record type's schema
 *    says the field is:
 *    - an integer or number (e.g. a document's `size`): an integer cell becomes a JSON number;
 *    - a quantity (an integer or a decimal string): a whole number (`400`) becomes a JSON integer,
 *      as the documented JSON form sends it, anything else (`0.5`) stays a decimal string; so a
 *      trade gives the same bytes, and the same SHA-256, whichever channel it comes by;
 *    - a boolean (`shortSell`, `crossedWithinBbo`...): `true` / `false` become booleans;
 *    - a list of values (a contract note's `tradeIds`, a document's `orderIds`): the cell is split
 *      on `|` (no escape: values containing `|` must be sent as NDJSON), each item converted by
 *      the same rules.
 *    Anything else (prices, money: decimal strings) stays a string.
 * 5. A cell that does not convert stays a string, so validation reports it with its path.
 * 6. A row with more or fewer cells than the header is refused (per line), and so is a row that
 *    is not valid UTF-8 or not well-formed CSV: each bad row fails alone, the others are stored.
 * 7. The header is checked against the record type before any row: a column the type does not
 *    have, or a required field without a column, is a 400 naming the missing, unknown and
 *    expected columns.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { MalformedCsvError } from '../../errors';
import { recordSchemas, type RecordType } from '../../records';

export const LIST_SEPARATOR = '|';

type Kind = 'string' | 'number' | 'quantity' | 'boolean' | 'list';
type ItemKind = Exclude<Kind, 'list'>;

export interface CsvColumn {
  header: string;
  path: (string | number)[];
  kind: Kind;
  itemKind: ItemKind;
}

type JsonSchema = {
  type?: unknown;
  format?: unknown;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

const schemaCache = new Map<RecordType, JsonSchema>();

function jsonSchemaOf(type: RecordType): JsonSchema {
  let s = schemaCache.get(type);
  if (!s) {
    const zodSchema: z.ZodType = recordSchemas[type];
    s = z.toJSONSchema(zodSchema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
    schemaCache.set(type, s);
  }
  return s;
}

/** The sub-schemas a path segment leads to (through unions, when every branch agrees or has it). */
function step(node: JsonSchema, seg: string | number): JsonSchema[] {
  const alternatives = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])];
  if (alternatives.length > 0) return alternatives.flatMap((a) => step(a, seg));
  if (typeof seg === 'number') return node.items ? [node.items] : [];
  const child = node.properties?.[seg];
  return child ? [child] : [];
}

/** A quantity: named so (src/records/schemas/primitives.ts), or an integer-or-string union. */
function isQuantity(n: JsonSchema): boolean {
  if (n.format === 'quantity') return true;
  const types = new Set((n.anyOf ?? n.oneOf ?? []).map((a) => a.type));
  return types.size === 2 && types.has('integer') && types.has('string');
}

function kindOf(nodes: JsonSchema[]): Kind {
  const kinds = new Set<Kind>();
  for (const n of nodes) {
    if (isQuantity(n)) {
      kinds.add('quantity');
      continue;
    }
    if (n.anyOf || n.oneOf) return 'string';
    if (n.type === 'integer' || n.type === 'number') kinds.add('number');
    else if (n.type === 'boolean') kinds.add('boolean');
    else if (n.type === 'array') kinds.add('list');
    else kinds.add('string');
  }
  return kinds.size === 1 ? ([...kinds][0] as Kind) : 'string';
}

function columnKind(type: RecordType, path: (string | number)[]): { kind: Kind; itemKind: ItemKind } {
  let nodes = [jsonSchemaOf(type)];
  for (const seg of path) nodes = nodes.flatMap((n) => step(n, seg));
  if (nodes.length === 0) return { kind: 'string', itemKind: 'string' };
  const kind = kindOf(nodes);
  if (kind !== 'list') return { kind, itemKind: 'string' };
  const itemKind = kindOf(nodes.flatMap((n) => (n.items ? [n.items] : [])));
  // A list of objects is written with indexed columns (charges.0.amount), never split.
  return { kind, itemKind: itemKind === 'list' ? 'string' : itemKind };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INDEX = /^(0|[1-9][0-9]{0,3})$/;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses one CSV record's bytes into its cells (csv-parse, RFC 4180 quoting). */
export function parseCells(bytes: Buffer): string[] {
  // csv-parse would put U+FFFD in place of a bad byte: the archive stores only what was sent.
  try {
    utf8.decode(bytes);
  } catch {
    throw new MalformedCsvError('the row is not valid UTF-8: nothing of it was stored', {
      hint: 'save the CSV as UTF-8',
    });
  }
  let rows: string[][];
  try {
    rows = parse(bytes, { relax_column_count: true, skip_empty_lines: false, bom: true }) as string[][];
  } catch (err) {
    throw new MalformedCsvError(`not a well-formed CSV row: ${(err as Error).message.slice(0, 200)}`);
  }
  if (rows.length !== 1 || !rows[0]) throw new MalformedCsvError('not a single CSV row');
  return rows[0];
}

/** Checks the header row and works out how each column converts (rule 1 and 4). */
export function parseHeader(cells: string[], type: RecordType): CsvColumn[] {
  const problems: { path: string; message: string }[] = [];
  const columns: CsvColumn[] = [];
  const seen = new Map<string, 'leaf' | 'object' | 'array'>();
  cells.forEach((raw, i) => {
    const header = raw.trim();
    const where = `column ${i + 1}`;
    if (header === '') {
      problems.push({ path: where, message: 'empty header' });
      return;
    }
    const segments = header.split('.');
    const path: (string | number)[] = [];
    for (const [j, seg] of segments.entries()) {
      if (j > 0 && INDEX.test(seg)) path.push(Number(seg));
      else if (NAME.test(seg) && !FORBIDDEN.has(seg)) path.push(seg);
      else {
        problems.push({
          path: where,
          message: `"${header.slice(0, 100)}" is not a field path such as instrument.code or charges.0.amount`,
        });
        return;
      }
    }
    for (let j = 0; j < path.length; j++) {
      const prefix = path.slice(0, j + 1).join('.');
      const role = j === path.length - 1 ? 'leaf' : typeof path[j + 1] === 'number' ? 'array' : 'object';
      const before = seen.get(prefix);
      if (before !== undefined && (before !== role || role === 'leaf')) {
        problems.push({ path: where, message: `"${header}" clashes with another column (${prefix})` });
        return;
      }
      seen.set(prefix, role);
    }
    columns.push({ header, path, ...columnKind(type, path) });
  });
  if (problems.length > 0) {
    throw new MalformedCsvError(
      `the CSV header row is not usable: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      {
        details: problems,
      },
    );
  }
  return columns;
}

/** The leaf fields of a schema as column paths (`instrument.code`, `charges.<n>.amount`), required or not. */
function leaves(node: JsonSchema, prefix: string, required: boolean, out: Map<string, boolean>): void {
  const alternatives = [...(node.anyOf ?? []), ...(node.oneOf ?? [])];
  if (alternatives.length > 0 && !isQuantity(node)) {
    // Required only when every alternative requires it.
    const each = alternatives.map((a) => {
      const m = new Map<string, boolean>();
      leaves(a, prefix, required, m);
      return m;
    });
    for (const m of each)
      for (const [k, v] of m) out.set(k, (out.get(k) ?? true) && v && each.every((o) => o.get(k) === true));
    return;
  }
  for (const a of node.allOf ?? []) leaves(a, prefix, required, out);
  const join = (name: string) => (prefix === '' ? name : `${prefix}.${name}`);
  if (node.properties) {
    const needed = new Set(node.required ?? []);
    for (const [name, child] of Object.entries(node.properties))
      leaves(child, join(name), required && needed.has(name), out);
    return;
  }
  if (node.type === 'array' && node.items?.properties) {
    leaves(node.items, join('<n>'), false, out);
    return;
  }
  if (prefix !== '' && !(node.allOf && !node.type)) out.set(prefix, (out.get(prefix) ?? false) || required);
}

const leafCache = new Map<RecordType, Map<string, boolean>>();

/** Every column a CSV of `type` may have, and whether it is required. */
export function expectedColumns(type: RecordType): Map<string, boolean> {
  let m = leafCache.get(type);
  if (!m) {
    m = new Map();
    leaves(jsonSchemaOf(type), '', true, m);
    leafCache.set(type, m);
  }
  return m;
}

/** Rule 7: every column is a field of the type, every required field has a column. */
export function checkHeader(columns: CsvColumn[], type: RecordType): void {
  const expected = expectedColumns(type);
  const known = (col: CsvColumn) =>
    expected.has(col.path.map((seg) => (typeof seg === 'number' ? '<n>' : seg)).join('.'));
  const unknown = columns.filter((c) => !known(c)).map((c) => c.header);
  const given = new Set(columns.map((c) => c.header));
  const missing = [...expected]
    .filter(([name, required]) => required && name !== 'recordType' && !given.has(name))
    .map(([name]) => name);
  if (unknown.length === 0 && missing.length === 0) return;
  const columnsOf = [...expected.keys()];
  const parts = [
    missing.length > 0 ? `missing required column(s): ${missing.join(', ')}` : '',
    unknown.length > 0 ? `unknown column(s): ${unknown.map((u) => u.slice(0, 100)).join(', ')}` : '',
  ].filter((p) => p !== '');
  throw new MalformedCsvError(
    `the CSV header does not fit record type "${type}": ${parts.join('; ')}. The columns of a ${type} are: ${columnsOf.join(', ')}`,
    {
      details: {
        recordType: type,
        missing,
        unknown,
        expected: columnsOf,
        required: [...expected].filter(([n, r]) => r && n !== 'recordType').map(([n]) => n),
      },
      hint: 'name each column after a field of the record type (nested fields with dots: instrument.code, charges.0.amount)',
    },
  );
}

function convert(cell: string, kind: ItemKind): unknown {
  if (kind === 'quantity' && /^[1-9][0-9]*$/.test(cell) && Number.isSafeInteger(Number(cell)))
    return Number(cell);
  if (kind === 'number' && /^-?(0|[1-9][0-9]*)$/.test(cell) && Number.isSafeInteger(Number(cell)))
    return Number(cell);
  if (kind === 'boolean' && (cell === 'true' || cell === 'false')) return cell === 'true';
  return cell;
}

type Container = Record<string, unknown> | unknown[];

function setPath(target: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node: Container = target;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i] as string | number;
    const nextIsIndex = typeof path[i + 1] === 'number';
    const existing: unknown = (node as Record<string | number, unknown>)[seg];
    const child: Container = existing !== undefined ? (existing as Container) : nextIsIndex ? [] : {};
    (node as Record<string | number, unknown>)[seg] = child;
    node = child;
  }
  (node as Record<string | number, unknown>)[path[path.length - 1] as string | number] = value;
}

/** Lists built from indexed columns with empty cells have holes: close them up. */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compact);
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) (value as Record<string, unknown>)[k] = compact(v);
  }
  return value;
}

/** One data row as a record (rules 2 to 6). */
export function rowToRecord(
  columns: CsvColumn[],
  cells: string[],
  type: RecordType,
): Record<string, unknown> {
  if (cells.length !== columns.length) {
    throw new MalformedCsvError(`the row has ${cells.length} cells, the header ${columns.length}`);
  }
  const record: Record<string, unknown> = { recordType: type };
  columns.forEach((col, i) => {
    const cell = cells[i] as string;
    if (cell === '') return;
    const value =
      col.kind === 'list'
        ? cell.split(LIST_SEPARATOR).map((item) => convert(item, col.itemKind))
        : convert(cell, col.kind);
    setPath(record, col.path, value);
  });
  return compact(record) as Record<string, unknown>;
}
