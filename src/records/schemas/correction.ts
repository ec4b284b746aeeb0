/**
 * A correction amends an earlier record by id. The original is never changed: the correction
 * is a record of its own, either listing the corrected fields or carrying a full replacement.
 */
import { z } from 'zod';
import { DocumentSchema } from './document';
import {
  ALWAYS,
  asObject,
  envelope,
  externalId,
  formatted,
  issue,
  recordId,
  RECORD_TYPES,
  text,
  timestamp,
} from './primitives';
import { AlpOrderSchema, AlpTradeSchema, ContractNoteSchema, OrderSchema, TradeSchema } from './trading';

/** A field of the amended record: `price`, `instrument.code`, `amendments.0.quantity`. */
const fieldPath = formatted(
  'invalid_field_path',
  'a field path such as "price" or "instrument.code"',
  (v) => v.length <= 256 && /^[A-Za-z][A-Za-z0-9_]*(\.([A-Za-z][A-Za-z0-9_]*|0|[1-9][0-9]*))*$/.test(v),
);

const IDENTITY_FIELDS: readonly string[] = ['recordType', 'recordId', 'schemaVersion'];

const change = z.strictObject({
  field: fieldPath,
  /** The value in the amended record, for the reader's convenience (absent: not stated). */
  from: z.json().optional(),
  /** The corrected value; null removes the field. */
  to: z.json(),
});

const replacement = z.discriminatedUnion('recordType', [
  OrderSchema,
  TradeSchema,
  ContractNoteSchema,
  AlpOrderSchema,
  AlpTradeSchema,
  DocumentSchema,
]);

export const CorrectionSchema = z
  .strictObject({
    ...envelope('correction'),
    /** The record id of the record being corrected. */
    amends: recordId,
    amendsRecordType: z.enum(RECORD_TYPES).optional(),
    reason: text(2000),
    /** When the correction was made; its business date. */
    correctedAt: timestamp,
    requestedBy: externalId.optional(),
    approvedBy: externalId.optional(),
    /** The corrected fields... */
    changes: z.array(change).min(1).optional(),
    /** ...or the whole record as it should have been (same recordId as `amends`). */
    replacement: replacement.optional(),
  })
  .superRefine((v, ctx) => {
    const o = asObject(v);
    if (!o) return;
    const hasChanges = o.changes !== undefined;
    const hasReplacement = o.replacement !== undefined;
    if (hasChanges === hasReplacement) {
      ctx.addIssue(
        issue(
          'changes_or_replacement',
          'a correction has either `changes` or `replacement`, not both or neither',
        ),
      );
    }
    if (typeof o.amends === 'string' && o.amends === o.recordId) {
      ctx.addIssue(issue('not_allowed', 'a correction cannot amend itself', ['amends']));
    }
    const rep = asObject(o.replacement);
    if (rep) {
      if (typeof rep.recordId === 'string' && typeof o.amends === 'string' && rep.recordId !== o.amends) {
        ctx.addIssue(
          issue('mismatch', 'the replacement keeps the recordId of the amended record (`amends`)', [
            'replacement',
            'recordId',
          ]),
        );
      }
      if (
        o.amendsRecordType !== undefined &&
        rep.recordType !== undefined &&
        rep.recordType !== o.amendsRecordType
      ) {
        ctx.addIssue(
          issue('mismatch', 'the replacement has the type of the amended record (`amendsRecordType`)', [
            'replacement',
            'recordType',
          ]),
        );
      }
    }
    if (Array.isArray(o.changes)) {
      const seen = new Set<string>();
      o.changes.forEach((c: unknown, i: number) => {
        const field = asObject(c)?.field;
        if (typeof field !== 'string') return;
        const head = field.split('.')[0] ?? field;
        if (IDENTITY_FIELDS.includes(head)) {
          ctx.addIssue(
            issue(
              'not_allowed',
              `${head} cannot be corrected; correct the record's content, not its identity`,
              ['changes', i, 'field'],
            ),
          );
        }
        if (seen.has(field))
          ctx.addIssue(issue('duplicate', `${field} is corrected twice`, ['changes', i, 'field']));
        seen.add(field);
      });
    }
  }, ALWAYS);
