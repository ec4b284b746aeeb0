import { describeAlerts } from '../alerts/sink';
import type { Catalog } from '../catalog';

/**
 * The evidence posture from the catalog alone, for `/readyz` (createEvidence's posture) and
 * `doctor`: open alerts (fail), and a checkpoint older than three intervals while leaves wait
 * (nobody is checkpointing: fail).
 */
export interface EvidenceFinding {
  check: 'alerts' | 'ledger';
  severity: 'ok' | 'warn' | 'fail';
  message: string;
}

export async function evidenceFindings(
  catalog: Pick<Catalog, 'openAlertCount' | 'listAlerts' | 'latestCheckpointRow' | 'ledgerSize'>,
  options: { checkpointSeconds: number; now: Date },
): Promise<EvidenceFinding[]> {
  const open = await catalog.openAlertCount();
  const latest = open > 0 ? await catalog.listAlerts({ limit: 5 }) : [];
  const findings: EvidenceFinding[] = [
    { check: 'alerts', severity: open === 0 ? 'ok' : 'fail', message: describeAlerts({ open, latest }) },
  ];
  const row = await catalog.latestCheckpointRow();
  const size = await catalog.ledgerSize();
  const age = row ? (options.now.getTime() - row.createdAt.getTime()) / 1000 : null;
  const waiting = size > (row?.treeSize ?? 0);
  const stale = waiting && age !== null && age > 3 * options.checkpointSeconds;
  findings.push({
    check: 'ledger',
    severity: stale ? 'fail' : waiting && row === undefined ? 'warn' : 'ok',
    message: row
      ? `latest checkpoint ${row.treeSize} of ${size} leaves, ${Math.round(age ?? 0)} s old${stale ? ': nobody is checkpointing' : ''}`
      : `no checkpoint yet (${size} leaves)`,
  });
  return findings;
}
