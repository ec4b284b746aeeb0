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
  private readonly stats: WriteStats = { groups: 0, operations: 0, splitGroups: 0, largestGroup: 0 };

  constructor(private readonly ctx: WriteContext) {}

  /** Writes `op`; resolves with its outcome once committed. */
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
        await this.commit(group);
      }
    } finally {
      this.draining = false;
      for (const wake of this.idle.splice(0)) wake();
    }
  }

  /** Resolves once every write asked for so far has been committed (or has failed). */
  flush(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
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
      group.forEach((p, i) => p.resolve(outcomes[i]!));
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
        p.resolve(outcome!);
      } catch (error) {
        p.resolve({ ok: false, error });
      }
    }
  }
}
