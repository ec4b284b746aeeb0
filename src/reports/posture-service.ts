/**
 * The EDSP posture report as the API, the CLI and `serve` produce it: the facts gathered from
 * the live archive (gatherPostureFacts), evaluated, rendered. The providers this part can answer
 * itself (EDSP documents and archived ALP reports, from the catalog's documents by type) are
 * built here; the others come from the parts that own them (src/runtime/posture.ts).
 */
import type { Catalog } from '../catalog';
import { CONTENT_TYPES, type ReportFormat } from './archived';
import { evaluatePosture, type PostureReport } from './posture/evaluate';
import { DEFAULT_THRESHOLDS, type PostureThresholds } from './posture/facts';
import { gatherPostureFacts, type PostureProviders, type PostureSources } from './posture/gather';
import { postureHtml, postureJson } from './posture/render';
import type { ReportService, Rendered } from './service';

/** The document types that show the EDSP's undertaking or the notice (REGULATORY.md, 7(a)/(b)). */
export const EDSP_DOCUMENT_TYPES = ['edsp_undertaking', 'edsp_notice'] as const;

/**
 * What the catalog answers: the EDSP undertaking or notice archived as documents, and whether a
 * month's ALP report is archived (ReportService).
 */
export function catalogPostureProviders(
  catalog: Pick<Catalog, 'documentsOfType'>,
  reports: Pick<ReportService, 'alpReportStatus'>,
): Pick<PostureProviders, 'edspDocuments' | 'alpReportArchived'> {
  let status: Promise<Awaited<ReturnType<ReportService['alpReportStatus']>>> | null = null;
  return {
    edspDocuments: async () => {
      const out: { documentType: string; recordId: string; date: string }[] = [];
      for (const type of EDSP_DOCUMENT_TYPES) {
        for (const d of await catalog.documentsOfType(type, { limit: 100 })) {
          out.push({ documentType: type, recordId: d.recordId, date: d.businessDate });
        }
      }
      return out;
    },
    alpReportArchived: async (month, alpId) => {
      // One look-up of every ALP's status per report, not one per line.
      status ??= reports.alpReportStatus();
      const found = (await status).find((s) => s.month === month && s.alpId === alpId);
      return found ? found.ledgerIndex !== null : false;
    },
  };
}

export interface PostureOptions {
  sources: PostureSources;
  thresholds?: PostureThresholds;
}

export async function postureReport(options: PostureOptions): Promise<PostureReport> {
  const facts = await gatherPostureFacts(options.sources);
  return evaluatePosture(facts, options.thresholds ?? DEFAULT_THRESHOLDS);
}

export function renderPosture(
  report: PostureReport,
  format: Extract<ReportFormat, 'html' | 'json'>,
): Rendered {
  return {
    body: format === 'html' ? postureHtml(report) : postureJson(report),
    contentType: CONTENT_TYPES[format],
  };
}
