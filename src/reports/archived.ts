/**
 * Reports kept as records: an archived report is a `document` record (its own document type, in
 * the 7-year class), stored through the real write path, so a leaf of the evidence ledger. This
 * file says what the document looks like and how an archived copy is found again; the write
 * itself is the caller's (the CLI posts it to POST /v1/documents, as any sender would).
 */
import { createHash } from 'node:crypto';
import type { CatalogRecord, DocumentCatalog } from '../catalog';
import { ValidationError } from '../errors';
import { formatMonth, lastDayOfMonth, parseMonth } from './calendar';
import type { AlpTop10Report } from './alp-top10/compute';

/** The document type of an archived ALP top-10 report. */
export const ALP_REPORT_DOCUMENT_TYPE = 'alp_report';
/** The document type of an archived EDSP posture report. */
export const POSTURE_REPORT_DOCUMENT_TYPE = 'edsp_posture_report';
/** Retention the archived reports need: 7 years (Keeping of Records Rules, Cap. 571O). */
export const REPORT_RETENTION_DAYS = 2557;

export type ReportFormat = 'html' | 'csv' | 'json';

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
};

/** The `--format`/`format` value, or a ValidationError naming the allowed ones. */
export function reportFormat(
  value: unknown,
  allowed: readonly ReportFormat[],
  fallback: ReportFormat,
): ReportFormat {
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as ReportFormat;
  throw new ValidationError(`format must be one of ${allowed.join(', ')}`, {
    details: [{ path: ['format'], message: `one of ${allowed.join(', ')}` }],
  });
}

/** A short, file-name-safe tag of an ALP id (ids are free text: they may hold "/" or spaces). */
function alpTag(alpId: string): string {
  return createHash('sha256').update(alpId, 'utf8').digest('hex').slice(0, 12);
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
}

/** Every archived copy of the month's report for the ALP starts its file name with this. */
function alpFilePrefix(month: string, alpId: string): string {
  return `alp-top10_${month}_${alpTag(alpId)}_`;
}

/** `20261201T061500123Z`: an instant (any offset), in UTC, compact, for ids. */
function compactInstant(iso: string): string {
  return new Date(iso).toISOString().replace(/[-:.]/g, '');
}

export interface ReportDocument {
  /** The `document` record describing the file (POST /v1/documents's description). */
  description: Record<string, unknown>;
  body: Buffer;
  fileName: string;
  contentType: string;
}

/**
 * The document that archives an ALP top-10 report: business date the month's last day (so the
 * copies of a month are found by date), the file name bound to month and ALP.
 */
export function alpReportDocument(
  report: AlpTop10Report,
  format: ReportFormat,
  body: string,
): ReportDocument {
  const month = parseMonth(report.month);
  const tag = alpTag(report.alpId);
  const fileName = `${alpFilePrefix(report.month, report.alpId)}${safe(report.alpId)}.${format}`;
  const contentType = CONTENT_TYPES[format];
  return {
    description: {
      recordType: 'document',
      recordId: `rpt-alp-top10-${report.month}-${tag}-${compactInstant(report.generatedAt)}`,
      documentType: ALP_REPORT_DOCUMENT_TYPE,
      title: `ALP monthly top-10 report, ${report.alpId}, ${report.month} (due ${report.dueDate})`,
      documentDate: lastDayOfMonth(month),
      fileName,
      contentType,
    },
    body: Buffer.from(body, 'utf8'),
    fileName,
    contentType,
  };
}

/** The document that archives a posture report, dated the Hong Kong day it was generated on. */
export function postureReportDocument(
  generatedAt: string,
  hongKongDate: string,
  format: ReportFormat,
  body: string,
): ReportDocument {
  const fileName = `edsp-posture_${hongKongDate}.${format}`;
  const contentType = CONTENT_TYPES[format];
  return {
    description: {
      recordType: 'document',
      recordId: `rpt-posture-${compactInstant(generatedAt)}`,
      documentType: POSTURE_REPORT_DOCUMENT_TYPE,
      title: `EDSP posture report, ${hongKongDate}`,
      documentDate: hongKongDate,
      fileName,
      contentType,
    },
    body: Buffer.from(body, 'utf8'),
    fileName,
    contentType,
  };
}

/** The archived copies of a month's ALP report for an ALP, oldest first (by ingestion). */
export async function archivedAlpReports(
  catalog: Pick<DocumentCatalog, 'documentsOfType'>,
  month: string,
  alpId: string,
): Promise<CatalogRecord[]> {
  const m = parseMonth(month);
  const day = lastDayOfMonth(m);
  const prefix = alpFilePrefix(formatMonth(m), alpId);
  const docs = await catalog.documentsOfType(ALP_REPORT_DOCUMENT_TYPE, {
    fromDate: day,
    toDate: day,
    limit: 10_000,
  });
  return docs
    .filter((d) => d.fileName?.startsWith(prefix))
    .sort((a, b) => a.ingestedAt.getTime() - b.ingestedAt.getTime() || a.ledgerSeq - b.ledgerSeq);
}
