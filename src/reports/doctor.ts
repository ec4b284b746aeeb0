/**
 * What `doctor` says about the reports: ALP trades catalogued without their facts (the report
 * would miss them: `strongroom reconcile` rebuilds them), and each month's ALP report from three
 * business days before its due date while it is not archived.
 */
import type { Catalog } from '../catalog';
import type { Finding } from '../provision/doctor';
import type { ReportService } from './service';

export async function reportFindings(
  catalog: Pick<Catalog, 'alpTradesWithoutFacts'>,
  reports: Pick<ReportService, 'alpReportStatus'>,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const missing = await catalog.alpTradesWithoutFacts(100);
  findings.push(
    missing.length === 0
      ? {
          bucket: 'catalog',
          check: 'alp-facts',
          severity: 'ok',
          message: 'every catalogued ALP trade has its facts',
        }
      : {
          bucket: 'catalog',
          check: 'alp-facts',
          severity: 'warn',
          message: `${missing.length === 100 ? 'at least 100' : missing.length} ALP trade(s) catalogued without their facts (e.g. ${missing.slice(0, 3).join(', ')}): the ALP reports miss them; run \`strongroom reconcile\``,
        },
  );
  for (const s of await reports.alpReportStatus()) {
    const what = `ALP report ${s.month} for ${s.alpId} (due ${s.dueDate})`;
    if (s.ledgerIndex !== null) {
      findings.push({
        bucket: 'catalog',
        check: 'alp-report',
        severity: 'ok',
        message: `${what}: archived, ledger index ${s.ledgerIndex}`,
      });
    } else if (s.state !== 'not_due') {
      findings.push({
        bucket: 'catalog',
        check: 'alp-report',
        severity: 'warn',
        message: `${what}: ${s.state === 'overdue' ? 'OVERDUE and' : 'due soon,'} not archived: run \`strongroom reports alp-top10 --month ${s.month} --alp ${s.alpId} --archive\``,
      });
    }
  }
  return findings;
}
