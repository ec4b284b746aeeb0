import type { Command } from 'commander';
import { openCatalog } from '../../catalog';
import { bucketPlan, catalogLocation } from '../../config';
import { evidenceFindings } from '../../evidence/posture';
import { reportFindings } from '../../reports/doctor';
import { reportService } from '../../runtime/posture';
import { doctor, type DoctorReport } from '../../provision/doctor';
import { cloudFindings, openCloud } from '../../runtime/cloud';
import { renderTable } from '../../util/table';
import { cliConfig, cliLogger, printJson, withCommonOptions, withStore, type CommonOptions } from '../common';
import type { Finish, Outcome } from '../outcome';

const MARK = { ok: 'ok', warn: 'WARN', fail: 'FAIL' } as const;

export async function doctorCommand(opts: CommonOptions): Promise<DoctorReport> {
  const config = cliConfig(opts);
  const report = await withStore(
    config,
    (handle) => {
      const cloud = openCloud(config, handle, cliLogger(config));
      return doctor(handle.store, bucketPlan(config), config, {
        endpoint: handle.endpoint,
        cloud: () => cloudFindings(config, cloud),
        evidence: async () => {
          let catalog;
          try {
            catalog = await openCatalog(catalogLocation(config));
          } catch (err) {
            const why = err instanceof Error ? err.message : String(err);
            return [
              {
                check: 'alerts' as const,
                severity: 'warn' as const,
                message: `catalog not reachable, alerts not checked: ${why}`,
              },
            ];
          }
          try {
            return await evidenceFindings(catalog, {
              checkpointSeconds: config.ledger.checkpointSeconds,
              now: new Date(),
            });
          } finally {
            await catalog.close();
          }
        },
      });
      // As the archive runs (the service RAM user locally): its view is what must be compliant.
    },
    { as: 'service' },
  );
  // The catalog's part: ALP trades without facts, ALP reports due and not archived (warnings).
  const catalog = await openCatalog(catalogLocation(config));
  try {
    report.findings.push(...(await reportFindings(catalog, reportService(config, catalog))));
  } finally {
    await catalog.close();
  }
  report.compliant = report.findings.every((f) => f.severity !== 'fail');
  if (opts.json) printJson(report);
  else {
    process.stdout.write(`strongroom doctor: ${report.endpoint} at ${report.checkedAt}\n\n`);
    process.stdout.write(
      renderTable(
        ['bucket', 'check', 'result', 'detail'],
        report.findings.map((f) => [f.bucket, f.check, MARK[f.severity], f.message]),
      ),
    );
    process.stdout.write(report.compliant ? '\nCompliant.\n' : '\nNOT COMPLIANT: see the FAIL rows above.\n');
  }
  return report;
}

/** Not compliant is exit code 3 (src/cli/main.ts), for scripts and monitors. */
export function doctorOutcome(report: DoctorReport): Outcome {
  return report.compliant ? 'ok' : 'not-compliant';
}

export function register(program: Command, finish: Finish): void {
  withCommonOptions(
    program
      .command('doctor')
      .description(
        'posture check: every bucket Locked with enough days, logging on; the control plane (role, signer, ActionTrail); exit 3 when not compliant',
      ),
  )
    .option('--json', 'machine-readable output')
    .action(async (opts: CommonOptions) => {
      finish(doctorOutcome(await doctorCommand(opts)));
    });
}
