/**
 * The JSON description of a stored file: a PDF contract note, a client agreement, a voice
 * recording, an EDSP undertaking. The file itself is stored next to it (see documentKey).
 */
import { z } from 'zod';
import {
  ALWAYS,
  asObject,
  envelope,
  externalId,
  formatted,
  isoDate,
  issue,
  recordId,
  sha256Hex,
  text,
  timestamp,
} from './primitives';

/**
 * A document type: a lower-case slug. Retention classes map document types to buckets
 * (config buckets.classes[].documentTypes), so it is free-form rather than a closed list.
 * Usual values: contract_note, client_agreement, voice_recording, edsp_undertaking,
 * edsp_notice, cdd, aml, trading_log, alp_report.
 */
export const documentType = formatted(
  'invalid_document_type',
  'a document type: lower-case letters, digits and "_", starting with a letter, at most 64',
  (v) => /^[a-z][a-z0-9_]{0,63}$/.test(v),
);

/**
 * The file's original name, without any directory part: no path separators, no control
 * characters (C0, DEL, C1), no bidirectional overrides or isolates (U+202A-U+202E, U+2066-U+2069,
 * which make `evil\u202Efdp.exe` show as `evilexe.pdf`), not "." or "..". The same rule for the
 * description's `fileName` and for the name an upload gives (X-Strongroom-File-Name, the
 * multipart part's filename).
 */
export const fileName = formatted(
  'invalid_file_name',
  'a file name of 1-255 characters without "/", "\\", control characters or bidirectional overrides, not "." or ".."',
  (v) =>
    v.length >= 1 &&
    v.length <= 255 &&
    // eslint-disable-next-line no-control-regex
    !/[/\\\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(v) &&
    v !== '.' &&
    v !== '..',
);

/** A MIME type, optionally with parameters: `application/pdf`, `audio/mpeg`, `text/csv; charset=utf-8`. */
export const contentType = formatted(
  'invalid_content_type',
  'a MIME type such as "application/pdf"',
  (v) =>
    v.length <= 255 &&
    /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;\s*[!-~]+=[!-~]+)*$/.test(v),
);

const ids = z.array(externalId).min(1);

export const DocumentSchema = z
  .strictObject({
    ...envelope('document'),
    documentType,
    title: text(500),
    /** The date the document bears (signed, issued, dated). Business date when present. */
    documentDate: isoDate.optional(),
    /** When a recording started or a log was captured. Business date when documentDate is absent. */
    recordedAt: timestamp.optional(),
    effectiveDate: isoDate.optional(),
    expiryDate: isoDate.optional(),
    clientId: externalId.optional(),
    accountId: externalId.optional(),
    orderIds: ids.optional(),
    tradeIds: ids.optional(),
    noteIds: ids.optional(),
    /** Other archive records this document belongs to (record ids). */
    relatedRecordIds: z.array(recordId).min(1).optional(),
    fileName,
    contentType,
    /** The sender's SHA-256 of the file; the archive checks it on upload. */
    sha256: sha256Hex.optional(),
    /** The file size in bytes, checked on upload. */
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .superRefine((v, ctx) => {
    const o = asObject(v);
    if (o && o.documentDate === undefined && o.recordedAt === undefined) {
      ctx.addIssue(
        issue('required', 'a document needs documentDate or recordedAt (its business date)', [
          'documentDate',
        ]),
      );
    }
  }, ALWAYS);
