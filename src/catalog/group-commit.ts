import { UnavailableError } from '../errors';
import type { Durability } from './dialect';
import type { WriteStats } from './types';
import { commitGroup, type WriteContext, type WriteOp, type WriteOutcome } from './group';

/** The most operations one transaction takes. */
export const MAX_GROUP = 512;

interface Pending {
  op: WriteOp;
  resolve: (outcome: WriteOutcome) => void;
}

/**
 * Group commit: every write asked for while the previous group is being committed goes into the
 * next group, one transaction and so one fsync (SQLite, synchronous=FULL) or one WAL flush
 * (PostgreSQL) for all of them. Each caller's promise settles only after its group has committed:
 * acknowledged still means durable. A lone write waits for nothing: the first group starts on the
 * next turn of the event loop (setImmediate), after the requests already read in this one.
 *
 * When the database refuses a group as a whole, each of its operations is retried in a group of
 * its own, so the one at fault fails alone and the others are written.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private draining = false;
  private idle: (() => void)[] = [];
  /** The group being committed, until its sync is registered in `syncing`. */
  private current: Promise<void> | null = null;
  private readonly stats: WriteStats = { groups: 0, operations: 0, splitGroups: 0, largestGroup: 0 };

  /** Syncs in flight: a group's callers are answered when its sync ends. */
  private syncing = new Set<Promise<void>>();

  constructor(
    private readonly ctx: WriteContext,
    private readonly durable: Durability = () => Promise.resolve(),
  ) {}

  /** Writes `op`; resolves with its outcome once committed and durable. */
  write(op: WriteOp): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ op, resolve });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, MAX_GROUP);
        const committing = this.commit(group);
        // A reader may see this group's rows as soon as its COMMIT returns, before its sync has
        // been started: `settled` waits for `current` until the sync is registered in `syncing`.
        this.current = committing.catch(() => undefined);
        await committing;
        this.current = null;
      }
    } finally {
      this.draining = false;
      for (const wake of this.idle.splice(0)) wake();
    }
  }

  /**
   * Resolves once everything committed so far is durable: the group being committed (if any) and
   * every sync in flight. A reader that found rows awaits this before showing them to anyone, so
   * nothing is answered from a commit that a power cut could still take back. Cheap when idle.
   */
  async settled(): Promise<void> {
    if (this.current) await this.current;
    if (this.syncing.size > 0) await Promise.all([...this.syncing]);
  }

  /** Resolves once every write asked for so far has been committed and synced (or has failed). */
  async flush(): Promise<void> {
    if (this.draining) await new Promise<void>((resolve) => this.idle.push(resolve));
    await Promise.all([...this.syncing]);
  }

  /**
   * Answers `answers` once what has been committed is durable. The drain goes on with the next
   * group meanwhile: the fsync runs off the event loop and is shared with later groups.
   */
  private answerWhenDurable(answers: (() => void)[], fail: (error: unknown) => void): void {
    const p = this.durable().then(
      () => answers.forEach((answer) => answer()),
      (cause: unknown) =>
        fail(
          new UnavailableError(
            'the catalog could not sync its write to disk, so it is not acknowledged; retry (a retry finds whatever was committed)',
            { cause },
          ),
        ),
    );
    this.syncing.add(p);
    void p.finally(() => this.syncing.delete(p));
  }

  writeStats(): WriteStats {
    return { ...this.stats };
  }

  private async commit(group: Pending[]): Promise<void> {
    this.stats.operations += group.length;
    this.stats.largestGroup = Math.max(this.stats.largestGroup, group.length);
    try {
      const outcomes = await commitGroup(
        this.ctx,
        group.map((p) => p.op),
      );
      this.stats.groups += 1;
      this.answerWhenDurable(
        group.map((p, i) => () => p.resolve(outcomes[i]!)),
        (error) => group.forEach((p) => p.resolve({ ok: false, error })),
      );
      return;
    } catch (error) {
      if (group.length === 1) {
        group[0]!.resolve({ ok: false, error });
        return;
      }
    }
    this.stats.splitGroups += 1;
    for (const p of group) {
      try {
        const [outcome] = await commitGroup(this.ctx, [p.op]);
        this.stats.groups += 1;
        this.answerWhenDurable([() => p.resolve(outcome!)], (error) => p.resolve({ ok: false, error }));
      } catch (error) {
        p.resolve({ ok: false, error });
      }
    }
  }
}
