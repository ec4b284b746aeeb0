import { Counter, type Registry } from 'prom-client';
import type { EvidenceCatalog } from '../catalog/evidence-types';
import { timeOrderedUuid } from '../catalog/group';
import type { NewAuditEvent } from '../catalog/types';
import type { Logger } from '../log';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import type { Alert, AlertSink, NewAlert } from './types';

/**
 * The AlertSink over the catalog: an alert is stored (one open alert per dedupe key), logged at
 * error, and counted in `strongroom_alerts_raised_total{source,kind}`; `posture()` is what
 * `/readyz` and `doctor` report. Acknowledging is an audited act (the principal's event commits
 * with the acknowledgement). Alerts are never deleted.
 */
export class CatalogAlertSink implements AlertSink {
  private readonly raised: Counter<'source' | 'kind'> | null;
  private readonly clock: Clock;

  constructor(
    private readonly catalog: Pick<
      EvidenceCatalog,
      'raiseAlert' | 'openAlertCount' | 'listAlerts' | 'acknowledgeAlert'
    >,
    private readonly logger: Logger,
    options: { registry?: Registry; clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    const registry = options.registry;
    const existing = registry?.getSingleMetric('strongroom_alerts_raised_total');
    this.raised =
      (existing as Counter<'source' | 'kind'> | undefined) ??
      (registry
        ? new Counter({
            name: 'strongroom_alerts_raised_total',
            help: 'Alerts raised (new ones; an open alert raised again is not counted), by source and kind',
            labelNames: ['source', 'kind'],
            registers: [registry],
          })
        : null);
  }

  async raise(alert: NewAlert): Promise<Alert> {
    const now = this.clock.now();
    const { alert: stored, created } = await this.catalog.raiseAlert({
      ...alert,
      id: `alr_${timeOrderedUuid(now.getTime())}`,
      raisedAt: now,
    });
    if (created) {
      this.raised?.inc({ source: alert.source, kind: alert.kind });
      this.logger.error(
        { alert: { id: stored.id, source: stored.source, kind: stored.kind, details: stored.details } },
        `ALERT: ${stored.summary}`,
      );
    }
    return stored;
  }

  /** Open alerts, for `/readyz` and `doctor`: ok when none. */
  async posture(): Promise<{ ok: boolean; open: number; latest: Alert[] }> {
    const open = await this.catalog.openAlertCount();
    const latest = open > 0 ? await this.catalog.listAlerts({ limit: 5 }) : [];
    return { ok: open === 0, open, latest };
  }

  /** Acknowledges an open alert; the audit event (action `alert.acknowledge`) commits with it. */
  acknowledge(
    id: string,
    by: { principalId: string; reason: string; requestId?: string; ip?: string },
  ): Promise<{ alert: Alert }> {
    const audit: NewAuditEvent = {
      principalId: by.principalId,
      action: 'alert.acknowledge',
      target: id,
      outcome: 'allowed',
      ...(by.requestId !== undefined ? { requestId: by.requestId } : {}),
      ...(by.ip !== undefined ? { ip: by.ip } : {}),
      details: { reason: by.reason },
    };
    return this.catalog.acknowledgeAlert(
      id,
      { by: by.principalId, reason: by.reason, at: this.clock.now() },
      audit,
    );
  }
}

/** One line per open alert, for `/readyz` details and `doctor` rows. */
export function describeAlerts(posture: { open: number; latest: Alert[] }): string {
  if (posture.open === 0) return 'no open alerts';
  const shown = posture.latest.map((a) => `${a.id} ${a.source}/${a.kind}: ${a.summary}`).join('; ');
  return `${posture.open} open alert(s): ${shown}`;
}
