import type { Db } from './db';

/** Given to each write while it runs inside the batch transaction. */
export interface WriteTx {
  /** Runs after the batch committed (never if it rolled back): unlink replaced files, and so on. */
  afterCommit(fn: () => void): void;
}

interface Pending {
  fn: (tx: WriteTx) => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit. Writes queued in the same turn of the event loop run one after another inside a
 * single SQLite transaction (each in its own savepoint, so one failing write rolls back alone),
 * and the batch commits with one WAL fsync. A write's promise settles only after that commit, so
 * a caller that answers the client after `await run(...)` never acknowledges an uncommitted write.
 *
 * Every check a write depends on (does the key exist, is it protected, is the bucket empty) runs
 * inside its function, against committed-or-earlier-in-batch state: decisions and writes are
 * atomic even with many requests in flight.
 */
export class WriteQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly savepoint: (fn: (tx: WriteTx) => unknown, tx: WriteTx) => unknown;
  private readonly batch: (
    items: Pending[],
    outcomes: Array<{ ok: boolean; value: unknown }>,
    hooks: Array<() => void>,
  ) => void;

  constructor(
    private readonly db: Db,
    private readonly hooks: { beginBatch(): void; endBatch(): void } = {
      beginBatch: () => undefined,
      endBatch: () => undefined,
    },
  ) {
    this.savepoint = db.transaction((fn: (tx: WriteTx) => unknown, tx: WriteTx) => fn(tx));
    this.batch = db.transaction(
      (items: Pending[], outcomes: Array<{ ok: boolean; value: unknown }>, hooks: Array<() => void>) => {
        for (const item of items) {
          const own: Array<() => void> = [];
          const tx: WriteTx = { afterCommit: (fn) => own.push(fn) };
          try {
            outcomes.push({ ok: true, value: this.savepoint(item.fn, tx) });
            hooks.push(...own);
          } catch (err) {
            outcomes.push({ ok: false, value: err });
          }
        }
      },
    );
  }

  run<T>(fn: (tx: WriteTx) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits whatever is queued now (also used on close). */
  flush(): void {
    this.scheduled = false;
    const items = this.pending;
    if (items.length === 0) return;
    this.pending = [];
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    const hooks: Array<() => void> = [];
    this.hooks.beginBatch();
    try {
      this.batch(items, outcomes, hooks);
    } catch (err) {
      for (const item of items) item.reject(err);
      return;
    } finally {
      this.hooks.endBatch();
    }
    for (const hook of hooks) {
      try {
        hook();
      } catch {
        // after-commit hooks are best-effort cleanups (unlinking files); start-up GC catches leftovers
      }
    }
    items.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.value);
    });
  }
}
