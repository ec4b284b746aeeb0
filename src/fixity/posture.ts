import { Gauge, type Registry } from 'prom-client';
import type { Catalog, FixityKind } from '../catalog';
import type { FixitySweep } from '../reports/posture/facts';
import { systemClock, type Clock } from '../util/clock';

type SweepReader = Pick<Catalog, 'fixitySweeps'>;

/** The posture report's fixity fact (PostureProviders.fixity): the latest sweeps, newest first. */
export async function fixityPosture(catalog: SweepReader, limit = 20): Promise<FixitySweep[]> {
  const sweeps = await catalog.fixitySweeps({ limit });
  return sweeps.map(({ sweep, result }) => {
    const counts = result ? (JSON.parse(result.summary) as { checked?: number }) : {};
    return {
      kind: sweep.kind,
      startedAt: sweep.startedAt.toISOString(),
      finishedAt: result ? result.finishedAt.toISOString() : null,
      checked: counts.checked ?? 0,
      failures: result?.problems ?? 0,
    };
  });
}

/**
 * `strongroom_fixity_last_sweep_age_seconds{kind}` (since the last finished sweep of the kind;
 * absent before the first) and `strongroom_fixity_last_sweep_problems{kind}`, read from the
 * catalog when scraped.
 */
export function fixityMetrics(registry: Registry, catalog: SweepReader, clock: Clock = systemClock): void {
  const latest = async (kind: FixityKind) =>
    (await catalog.fixitySweeps({ kind, limit: 20 })).find((s) => s.result !== null)?.result ?? null;
  if (registry.getSingleMetric('strongroom_fixity_last_sweep_age_seconds')) return;
  new Gauge({
    name: 'strongroom_fixity_last_sweep_age_seconds',
    help: 'Seconds since the last finished fixity sweep of the kind (head, deep)',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const kind of ['head', 'deep'] as const) {
        const r = await latest(kind);
        if (r) this.set({ kind }, (clock.now().getTime() - r.finishedAt.getTime()) / 1000);
      }
    },
  });
  new Gauge({
    name: 'strongroom_fixity_last_sweep_problems',
    help: 'Problems found by the last finished fixity sweep of the kind (head, deep)',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const kind of ['head', 'deep'] as const) {
        const r = await latest(kind);
        if (r) this.set({ kind }, r.problems);
      }
    },
  });
}
