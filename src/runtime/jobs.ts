/**
 * serve's background jobs: the one place every leader-only job registers (the ledger's
 * checkpointer, the audit sealer and importers, fixity sweeps, export builds). Each job runs on
 * the one instance that holds its leader lock (leader.ts), every `intervalMs`, once more at a
 * clean stop when it asks (`runAtStop`), and now when any instance asks (`request(name)`: the
 * request goes through the catalog's job_requests, and the leader polls it).
 *
 *     jobs.register({ name: 'audit-seal', intervalMs: 300_000, run: () => sealer.run() });
 *
 * Register before `start()`; names are the lock names, [a-z0-9-]+.
 */
import type { EvidenceCatalog } from '../catalog/evidence-types';
import type { Logger } from '../log';
import { LeaderJobs, type JobState, type LeaderJob, type LeaderLock } from './leader';

export type BackgroundJob = LeaderJob;

export interface BackgroundJobsOptions {
  lock: LeaderLock;
  logger: Logger;
  catalog: Pick<EvidenceCatalog, 'requestJob' | 'jobRequestedAt'>;
  /** How often the leader looks for "run now" requests (default 1000 ms). */
  requestPollMs?: number;
}

export class BackgroundJobs {
  private readonly jobs: LeaderJobs;
  private readonly names: string[] = [];
  /** Per job: the latest request already answered (its requested_at, ms). */
  private readonly handled = new Map<string, number>();
  private poller: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private started = false;
  private stopped = false;

  constructor(private readonly options: BackgroundJobsOptions) {
    this.jobs = new LeaderJobs(options.lock, options.logger);
  }

  register(job: BackgroundJob): void {
    if (this.started) throw new Error(`job ${job.name}: register background jobs before start()`);
    this.jobs.add(job);
    this.names.push(job.name);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.jobs.start();
    const every = this.options.requestPollMs ?? 1000;
    const tick = (): void => {
      if (this.stopped) return;
      this.polling = this.pollRequests().finally(() => {
        this.polling = null;
        if (!this.stopped) this.poller = setTimeout(tick, every).unref();
      });
    };
    this.poller = setTimeout(tick, every).unref();
  }

  /**
   * Runs a job now on this instance when it leads it (true), else asks the leader through the
   * catalog (false: the leader runs it within `requestPollMs`).
   */
  async request(name: string): Promise<boolean> {
    if (!this.names.includes(name)) throw new Error(`no background job ${name}`);
    if (await this.jobs.runNow(name)) return true;
    await this.options.catalog.requestJob(name);
    return false;
  }

  /** Runs the job now if this instance leads it (waits for a run in flight rather than starting two). */
  runNow(name: string): Promise<boolean> {
    return this.jobs.runNow(name);
  }

  states(): JobState[] {
    return this.jobs.states();
  }

  /** Whether this instance leads the job (as of its last attempt). */
  leads(name: string): boolean {
    return this.jobs.states().find((s) => s.name === name)?.leader ?? false;
  }

  /** Stops the timers, waits for runs in flight, runs the `runAtStop` jobs once more, releases the locks. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.poller) clearTimeout(this.poller);
    await this.polling;
    await this.jobs.stop();
  }

  private async pollRequests(): Promise<void> {
    for (const name of this.names) {
      if (this.stopped) return;
      try {
        const at = (await this.options.catalog.jobRequestedAt(name))?.getTime();
        if (at === undefined || at <= (this.handled.get(name) ?? -1)) continue;
        // Only the leader answers a request (runNow is false elsewhere): the others leave it.
        if (await this.jobs.runNow(name)) this.handled.set(name, at);
      } catch (err) {
        this.options.logger.warn({ err, job: name }, 'could not read the job requests');
      }
    }
  }
}
