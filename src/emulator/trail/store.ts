/**
 * ActionTrail's event store: every management call becomes one event (CONTROL-PLANE.md,
 * "ActionTrail"), kept in `trail.sqlite` under the control plane's data directory (WAL,
 * synchronous=FULL) for 90 days of the emulator's clock, and served by LookupEvents.
 *
 * Appends are grouped: events arriving together share one transaction and one fsync; `append`
 * resolves once its event is committed.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { Logger } from '../../log';
import type { Clock } from '../../util/clock';

export const RETENTION_MS = 90 * 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 3600 * 1000;

export interface TrailIdentity {
  type: 'root-account' | 'ram-user' | 'assumed-role';
  principalId: string;
  accountId: string;
  accessKeyId: string;
  userName: string;
}

/** One event, with the documented field names. */
export interface TrailEvent {
  eventId: string;
  eventVersion: '1';
  eventName: string;
  eventSource: string;
  eventTime: string;
  eventType: 'ApiCall';
  eventRW: 'Read' | 'Write';
  acsRegion: string;
  serviceName: string;
  sourceIpAddress: string;
  userAgent: string;
  requestId: string;
  requestParameters: Record<string, unknown>;
  responseElements: Record<string, unknown> | null;
  resourceName?: string;
  resourceType?: string;
  errorCode?: string;
  errorMessage?: string;
  userIdentity: TrailIdentity;
}

export type LookupKey =
  | 'EventName'
  | 'ServiceName'
  | 'User'
  | 'EventAccessKeyId'
  | 'ResourceName'
  | 'ResourceType'
  | 'EventRW'
  | 'EventId';

export const LOOKUP_KEYS: readonly LookupKey[] = [
  'EventName',
  'ServiceName',
  'User',
  'EventAccessKeyId',
  'ResourceName',
  'ResourceType',
  'EventRW',
  'EventId',
];

const COLUMN: Record<LookupKey, string> = {
  EventName: 'name',
  ServiceName: 'service',
  User: 'user_name',
  EventAccessKeyId: 'access_key_id',
  ResourceName: 'resource_name',
  ResourceType: 'resource_type',
  EventRW: 'rw',
  EventId: 'id',
};

/** Where a page ended: the (time, sequence) of its last event. */
export interface Cursor {
  timeMs: number;
  seq: number;
}

export interface LookupQuery {
  startMs: number;
  endMs: number;
  attributes: readonly { key: LookupKey; value: string }[];
  limit: number;
  direction: 'FORWARD' | 'BACKWARD';
  after: Cursor | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  time_ms INTEGER NOT NULL,
  name TEXT NOT NULL,
  service TEXT NOT NULL,
  rw TEXT NOT NULL,
  access_key_id TEXT NOT NULL,
  user_name TEXT NOT NULL,
  resource_name TEXT,
  resource_type TEXT,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_time ON events (time_ms, seq);
`;

export class TrailStore {
  private pending: { event: TrailEvent; done: (err?: Error) => void }[] = [];
  private scheduled = false;
  private lastPruneMs = 0;
  private readonly insert: Database.Statement;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.insert = db.prepare(
      `INSERT INTO events (id, time_ms, name, service, rw, access_key_id, user_name, resource_name, resource_type, body)
       VALUES (@id, @time, @name, @service, @rw, @ak, @user, @rname, @rtype, @body)`,
    );
    this.prune();
  }

  /** Opens (or creates, mode 0600) the store; takes the file's lock like the OSS index does. */
  static open(file: string, clock: Clock, logger: Logger): TrailStore {
    if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600));
    const db = new Database(file, { timeout: 1000 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA);
    } catch (err) {
      db.close();
      throw err;
    }
    return new TrailStore(db, clock, logger);
  }

  /** Resolves once the event is committed. */
  append(event: TrailEvent): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the trail store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ event, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Records an event without waiting; a failure is logged (OSS events: delivery is asynchronous). */
  record(event: TrailEvent): void {
    this.append(event).catch((err: unknown) => {
      this.logger.warn({ err, eventName: event.eventName }, 'ActionTrail event could not be stored');
    });
  }

  lookup(q: LookupQuery): { events: TrailEvent[]; next: Cursor | null } {
    const where: string[] = ['time_ms >= @start', 'time_ms <= @end'];
    const params: Record<string, string | number> = { start: q.startMs, end: q.endMs, limit: q.limit + 1 };
    q.attributes.forEach((a, i) => {
      where.push(`${COLUMN[a.key]} = @a${i}`);
      params[`a${i}`] = a.value;
    });
    const forward = q.direction === 'FORWARD';
    if (q.after !== null) {
      where.push(forward ? '(time_ms, seq) > (@ct, @cs)' : '(time_ms, seq) < (@ct, @cs)');
      params.ct = q.after.timeMs;
      params.cs = q.after.seq;
    }
    const order = forward ? 'time_ms ASC, seq ASC' : 'time_ms DESC, seq DESC';
    const rows = this.db
      .prepare(
        `SELECT seq, time_ms, body FROM events WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT @limit`,
      )
      .all(params) as { seq: number; time_ms: number; body: string }[];
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      events: page.map((r) => JSON.parse(r.body) as TrailEvent),
      next: rows.length > q.limit && last !== undefined ? { timeMs: last.time_ms, seq: last.seq } : null,
    };
  }

  /** Commits what is pending, then closes the database. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0 || this.closed) {
      for (const p of batch) p.done(new Error('the trail store is closed'));
      return;
    }
    try {
      this.db.transaction(() => {
        for (const { event } of batch) {
          this.insert.run({
            id: event.eventId,
            time: Date.parse(event.eventTime),
            name: event.eventName,
            service: event.serviceName,
            rw: event.eventRW,
            ak: event.userIdentity.accessKeyId,
            user: event.userIdentity.userName,
            rname: event.resourceName ?? null,
            rtype: event.resourceType ?? null,
            body: JSON.stringify(event),
          });
        }
      })();
    } catch (err) {
      for (const p of batch) p.done(err as Error);
      return;
    }
    for (const p of batch) p.done();
    if (this.clock.now().getTime() - this.lastPruneMs > PRUNE_EVERY_MS) this.prune();
  }

  /** Forgets events older than 90 days (of the emulator's clock). */
  private prune(): void {
    const now = this.clock.now().getTime();
    this.lastPruneMs = now;
    this.db.prepare('DELETE FROM events WHERE time_ms < ?').run(now - RETENTION_MS);
  }
}
