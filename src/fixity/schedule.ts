import type { Catalog, FixityKind } from '../catalog';
import type { FixityConfigSchema } from '../config';
import type { LeaderJob } from '../runtime/leader';
import { systemClock, type Clock } from '../util/clock';
import type { FixitySweeper } from './sweep';
import type { z } from 'zod';

const DAY_MS = 86_400_000;

/**
 * The fixity sweeps `serve` runs (issue 12), as leader jobs (src/runtime/leader.ts): one
 * instance sweeps. Every `checkSeconds` the leader resumes an unfinished sweep of the kind, or
 * starts one when the last finished one is `headDays` / `deepDays` old; rate-limited so ingest
 * keeps its speed. `signal` stops a sweep in flight at a clean stop (its progress is kept).
 * LeaderJobs makes a first attempt at start; a sweep is looked for from the second one on
 * (`checkSeconds` after start), so a start (or a restart after a crash, while recovery runs)
 * is not also a sweep.
 */
export function fixityJobs(deps: {
  sweeper: FixitySweeper;
  catalog: Pick<Catalog, 'fixitySweeps' | 'unfinishedFixitySweep'>;
  config: z.infer<typeof FixityConfigSchema>;
  signal: AbortSignal;
  clock?: Clock;
  /** Look for a due sweep at the first attempt too (default: from the second one). */
  skipFirst?: boolean;
}): LeaderJob[] {
  const clock = deps.clock ?? systemClock;
  const job = (kind: FixityKind, days: number): LeaderJob => {
    let attempts = 0;
    return {
      name: `fixity-${kind}`,
      intervalMs: deps.config.checkSeconds * 1000,
      run: async () => {
        if (attempts++ === 0 && deps.skipFirst !== false) return;
        if (!(await due(kind, days))) return;
        await deps.sweeper.run({
          kind,
          initiated: 'schedule',
          rate: deps.config.rate,
          concurrency: deps.config.concurrency,
          signal: deps.signal,
        });
      },
    };
  };
  const due = async (kind: FixityKind, days: number): Promise<boolean> => {
    if (await deps.catalog.unfinishedFixitySweep(kind)) return true;
    const last = (await deps.catalog.fixitySweeps({ kind, limit: 20 })).find((s) => s.result !== null);
    return !last?.result || clock.now().getTime() - last.result.finishedAt.getTime() >= days * DAY_MS;
  };
  const jobs: LeaderJob[] = [];
  if (deps.config.headDays > 0) jobs.push(job('head', deps.config.headDays));
  if (deps.config.deepDays > 0) jobs.push(job('deep', deps.config.deepDays));
  return jobs;
}
