/**
 * validateRecord: plain-JSON checks, then the schema of the record's type, reporting every
 * issue with its path. The record handed back is the input object itself, never zod's output,
 * so what gets canonicalized and stored is the record exactly as sent.
 */
import type { z } from 'zod';
import { ValidationError } from '../errors';
import { canonicalize } from './canonical';
import {
  checkPlainJson,
  DEFAULT_JSON_LIMITS,
  formatPath,
  isPlainObject,
  type JsonLimits,
  type RecordIssue,
} from './json';
import { isRecordType, RECORD_TYPES, recordSchemas, type ArchiveRecord } from './schemas';

export type ValidationResult = { ok: true; record: ArchiveRecord } | { ok: false; issues: RecordIssue[] };

export interface ValidateOptions {
  limits?: JsonLimits;
}

const TYPE_LIST = RECORD_TYPES.join(', ');

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function toIssues(zodIssues: readonly z.core.$ZodIssue[]): RecordIssue[] {
  const out: RecordIssue[] = [];
  for (const iss of zodIssues) {
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) {
        out.push({
          path: formatPath([...iss.path, key]),
          code: 'unknown_field',
          message: `unknown field "${key}"`,
        });
      }
      continue;
    }
    const path = formatPath(iss.path);
    // A missing field reaches the field's schema as undefined (JSON itself has no undefined).
    if ('input' in iss && iss.input === undefined && iss.path.length > 0) {
      out.push({ path, code: 'required', message: 'required' });
      continue;
    }
    const custom = iss.code === 'custom' ? iss.params?.code : undefined;
    out.push({ path, code: typeof custom === 'string' ? custom : iss.code, message: iss.message });
  }
  return out;
}

/** Validates a record sent by a client. Every issue is reported, each with its path. */
export function validateRecord(input: unknown, options: ValidateOptions = {}): ValidationResult {
  if (!isPlainObject(input)) {
    return {
      ok: false,
      issues: [
        { path: '', code: 'invalid_type', message: `a record is a JSON object, got ${describeType(input)}` },
      ],
    };
  }
  const jsonIssues = checkPlainJson(input, options.limits ?? DEFAULT_JSON_LIMITS);
  if (jsonIssues.length > 0) return { ok: false, issues: jsonIssues };

  const type = input.recordType;
  if (type === undefined) {
    return {
      ok: false,
      issues: [{ path: 'recordType', code: 'required', message: `required: one of ${TYPE_LIST}` }],
    };
  }
  if (!isRecordType(type)) {
    const shown = typeof type === 'string' ? `"${type.slice(0, 64)}"` : describeType(type);
    return {
      ok: false,
      issues: [
        {
          path: 'recordType',
          code: 'unknown_record_type',
          message: `unknown record type ${shown}: one of ${TYPE_LIST}`,
        },
      ],
    };
  }

  const schema: z.ZodType = recordSchemas[type];
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) return { ok: false, issues: toIssues(result.error.issues) };

  // The schemas have no defaults, transforms or coercions; make sure it stays that way.
  if (canonicalize(result.data) !== canonicalize(input)) {
    throw new Error(`records: the ${type} schema altered the record while validating it`);
  }
  return { ok: true, record: input as ArchiveRecord };
}

/** Like validateRecord, but throws ValidationError (details: the issues) on a refusal. */
export function parseRecord(input: unknown, options: ValidateOptions = {}): ArchiveRecord {
  const result = validateRecord(input, options);
  if (result.ok) return result.record;
  const first = result.issues
    .slice(0, 3)
    .map((i) => `${i.path || '(record)'}: ${i.message}`)
    .join('; ');
  const more = result.issues.length > 3 ? ` (and ${result.issues.length - 3} more)` : '';
  throw new ValidationError(`invalid record: ${first}${more}`, { details: result.issues });
}
