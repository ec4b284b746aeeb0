/**
 * One leader per background job across every `serve` on one catalog (docs/EVIDENCE.md, "One
 * writer"): the checkpointer, the audit sealer and importers, fixity sweeps, scheduled reports.
 *
 * A `LeaderLock` is held by a live process and released by its death, without timeouts:
 * - PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its
 *   own, held while the connection lives; the server drops it when the process dies or the
 *   connection breaks.
 * - SQLite (one host): an exclusive lock on a small SQLite file next to the catalog
 *   (`<dir>/<name>.leader`, `locking_mode = EXCLUSIVE`), an OS file lock the kernel drops when
 *   the process dies. Several connections in one process are told apart too (SQLite tracks its
 *   locks per file within a process), so two archives in one test process compete as two
 *   processes would.
 *
 * `LeaderJobs` runs each job every `intervalMs` on the instance holding its lock. The others
 * try again at every interval, so when the leader dies another takes over within one interval
 * (two at most, if its attempt was under way).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Logger } from '../log';

export interface LeaderLock {
  /** Takes, or confirms it still holds, the lock of `name`: true while this process leads. */
  tryAcquire(name: string): Promise<boolean>;
  /** Gives the lock up (no-op when not held). */
  release(name: string): Promise<void>;
  /** Releases every lock. */
  close(): Promise<void>;
}

/** Advisory-lock class of strongroom's leader locks (the first key of the two-key form). */
const PG_LOCK_CLASS = 0x5372_6d01;

export class PostgresLeaderLock implements LeaderLock {
  private readonly held = new Map<string, pg.Client>();

  constructor(private readonly connectionString: string) {}

  async tryAcquire(name: string): Promise<boolean> {
    const client = this.held.get(name);
    if (client) {
      try {
        // The lock lives as long as the session: a working session still holds it.
        await client.query('select 1');
        return true;
      } catch {
        this.held.delete(name);
        await client.end().catch(() => undefined);
      }
    }
    const fresh = new pg.Client({ connectionString: this.connectionString });
    // A broken connection loses the lock; the next tryAcquire notices it.
    fresh.on('error', () => undefined);
    try {
      await fresh.connect();
      const { rows } = await fresh.query<{ locked: boolean }>(
        'select pg_try_advisory_lock($1::int, hashtext($2)) as locked',
        [PG_LOCK_CLASS, `strongroom:${name}`],
      );
      if (rows[0]?.locked === true) {
        this.held.set(name, fresh);
        return true;
      }
    } catch {
      // unreachable database: not the leader now; try again at the next interval
    }
    await fresh.end().catch(() => undefined);
    return false;
  }

  async release(name: string): Promise<void> {
    const client = this.held.get(name);
    if (!client) return;
    this.held.delete(name);
    // Ending the session releases its advisory locks.
    await client.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const name of [...this.held.keys()]) await this.release(name);
  }
}

export class SqliteLeaderLock implements LeaderLock {
  private readonly held = new Map<string, Database.Database>();

  /** `dir`: the directory of the catalog file (the lock files go into `<dir>/leader/`). */
  constructor(private readonly dir: string) {}

  tryAcquire(name: string): Promise<boolean> {
    if (this.held.has(name)) return Promise.resolve(true);
    if (!/^[a-z0-9-]+$/.test(name))
      return Promise.reject(new RangeError(`leader lock name ${name} is not [a-z0-9-]+`));
    const lockDir = path.join(this.dir, 'leader');
    fs.mkdirSync(lockDir, { recursive: true, mode: 0o700 });
    const db = new Database(path.join(lockDir, `${name}.leader`), { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      // The first write takes the exclusive lock; EXCLUSIVE locking mode keeps it until close.
      db.exec('begin exclusive');
      db.exec('create table if not exists leader (pid integer not null, since text not null)');
      db.prepare('delete from leader').run();
      db.prepare('insert into leader (pid, since) values (?, ?)').run(process.pid, new Date().toISOString());
      db.exec('commit');
      this.held.set(name, db);
      return Promise.resolve(true);
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return Promise.resolve(false);
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  release(name: string): Promise<void> {
    const db = this.held.get(name);
    if (db) {
      this.held.delete(name);
      db.close();
    }
    return Promise.resolve();
  }

  async close(): Promise<void> {
    for (const name of [...this.held.keys()]) await this.release(name);
  }
}

/** The lock for the catalog in use: PostgreSQL's when a URL is given, else next to the SQLite file. */
export function leaderLockFor(location: { databaseUrl?: string; sqlitePath?: string }): LeaderLock {
  if (location.databaseUrl) return new PostgresLeaderLock(location.databaseUrl);
  if (!location.sqlitePath) throw new TypeError('leaderLockFor: a database URL or a SQLite path is needed');
  return new SqliteLeaderLock(path.dirname(location.sqlitePath));
}

export interface LeaderJob {
  /** The lock's name, unique per job: [a-z0-9-]+. */
  name: string;
  intervalMs: number;
  /** One run. Errors are logged at error and the job runs again at the next interval. */
  run(): Promise<void>;
  /** Run once more at a clean stop, while still the leader (the checkpointer's last checkpoint). */
  runAtStop?: boolean;
  /** The first attempt this long after start (default: at once). */
  firstRunAfterMs?: number;
}

export interface JobState {
  name: string;
  leader: boolean;
  runs: number;
  failures: number;
  lastRunAt: Date | null;
  lastError: string | null;
}

/** The longest delay setTimeout keeps (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs leader-only jobs on an interval; `stop()` waits for runs in flight. */
export class LeaderJobs {
  private readonly jobs = new Map<
    string,
    { job: LeaderJob; state: JobState; timer: NodeJS.Timeout | null }
  >();
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly lock: LeaderLock,
    private readonly logger: Logger,
  ) {}

  add(job: LeaderJob): void {
    if (this.jobs.has(job.name)) throw new Error(`job ${job.name} is already scheduled`);
    if (!(job.intervalMs > 0)) throw new RangeError(`job ${job.name}: intervalMs must be positive`);
    const state: JobState = {
      name: job.name,
      leader: false,
      runs: 0,
      failures: 0,
      lastRunAt: null,
      lastError: null,
    };
    this.jobs.set(job.name, { job, state, timer: null });
  }

  /** Starts every job: a first attempt now, then every interval. */
  start(): void {
    for (const [name, entry] of this.jobs) this.schedule(name, entry.job.firstRunAfterMs ?? 0);
  }

  states(): JobState[] {
    return [...this.jobs.values()].map((j) => ({ ...j.state }));
  }

  /**
   * Runs a job now if this instance leads it (or can take the lead): true when it ran, false
   * when another instance leads. Waits for a run already in flight rather than starting two.
   */
  async runNow(name: string): Promise<boolean> {
    const entry = this.jobs.get(name);
    if (!entry) throw new Error(`no job ${name}`);
    return this.attempt(entry.job, entry.state);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const entry of this.jobs.values()) if (entry.timer) clearTimeout(entry.timer);
    await Promise.allSettled(this.running.values());
    for (const { job, state } of this.jobs.values()) {
      if (job.runAtStop && state.leader) await this.runOnce(job, state);
    }
    await this.lock.close();
  }

  private schedule(name: string, delayMs: number): void {
    const entry = this.jobs.get(name);
    if (!entry || this.stopped) return;
    // Node fires a timer longer than 2^31 - 1 ms after 1 ms (TimeoutOverflowWarning): a long
    // interval (a job configured all but off) waits in steps instead.
    if (delayMs > MAX_TIMER_MS) {
      entry.timer = setTimeout(() => this.schedule(name, delayMs - MAX_TIMER_MS), MAX_TIMER_MS);
      entry.timer.unref();
      return;
    }
    entry.timer = setTimeout(() => {
      void this.attempt(entry.job, entry.state).finally(() => this.schedule(name, entry.job.intervalMs));
    }, delayMs);
    entry.timer.unref();
  }

  private async attempt(job: LeaderJob, state: JobState): Promise<boolean> {
    const inFlight = this.running.get(job.name);
    if (inFlight) {
      await inFlight;
      return state.leader;
    }
    let leader: boolean;
    try {
      leader = await this.lock.tryAcquire(job.name);
    } catch (err) {
      this.logger.error({ err, job: job.name }, 'leader lock unavailable');
      leader = false;
    }
    if (leader !== state.leader) {
      this.logger.info(
        { job: job.name, leader },
        leader ? 'took the lead of a job' : 'lost the lead of a job',
      );
    }
    state.leader = leader;
    if (!leader || this.stopped) return false;
    await this.runOnce(job, state);
    return true;
  }

  private async runOnce(job: LeaderJob, state: JobState): Promise<void> {
    const run = (async () => {
      try {
        await job.run();
        state.lastError = null;
      } catch (err) {
        state.failures++;
        state.lastError = err instanceof Error ? err.message : String(err);
        this.logger.error({ err, job: job.name }, 'background job failed');
      } finally {
        state.runs++;
        state.lastRunAt = new Date();
      }
    })();
    this.running.set(job.name, run);
    try {
      await run;
    } finally {
      this.running.delete(job.name);
    }
  }
}
