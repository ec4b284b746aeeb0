import { randomBytes } from 'node:crypto';
import type { Logger } from '../../log';
import { isOssError } from '../errors';
import type { MetadataIndex, PendingLogRow } from '../persistence/metadata-index';
import type { WriteQueue } from '../persistence/write-queue';
import { formatAccessLine, hourStamp, type AccessRecord } from './format';

export { ACCESS_LOG_FIELDS, formatAccessLine, hourStamp, logTime, redactUri } from './format';
export type { AccessRecord } from './format';

/** Where a source bucket's log lines go. */
export interface LogTarget {
  bucket: string;
  prefix: string;
}

/**
 * Stores one log object in its target bucket, create-only, and in the same transaction removes
 * the pending lines it holds (`ids`): delivered exactly once, whatever the process dies at.
 */
export type LogObjectWriter = (target: LogTarget, key: string, body: Buffer, ids: number[]) => Promise<void>;

export interface AccessLogOptions {
  index: MetadataIndex;
  writes: WriteQueue;
  logger: Logger;
  /** Seconds between deliveries (the emulator's `logFlushSeconds`). */
  flushSeconds: number;
  write: LogObjectWriter;
}

/** Pending lines read per round of a delivery (bounds memory; an object holds at most these). */
const ROWS_PER_ROUND = 5000;
/** Lines recorded since the last delivery that start one early (so objects stay small). */
const EARLY_DELIVERY_LINES = 50_000;

/**
 * The access log, durable from the moment a line is recorded: each line becomes a row of the
 * metadata index (`access_log_pending`), committed with the next group commit (one fsync shared
 * with the other writes in flight), so lines not yet delivered survive kill -9 and power loss.
 * Every `flushSeconds` (and on close, and at start for lines a killed process left) the pending
 * lines become objects `<TargetPrefix><SourceBucket>YYYY-mm-DD-HH-00-00-<unique>` in their
 * target buckets: one or more per source bucket and hour of the requests they record. A line
 * is durable one commit after its answer (the answer does not wait for it).
 */
export class AccessLog {
  private timer: NodeJS.Timeout | null = null;
  private delivering: Promise<void> = Promise.resolve();
  private recordedSinceDelivery = 0;
  private closed = false;

  constructor(private readonly o: AccessLogOptions) {}

  start(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setInterval(() => {
      void this.flush();
    }, this.o.flushSeconds * 1000);
    this.timer.unref();
  }

  /** Queues the line for the next commit (never throws, never waits). */
  record(source: string, target: LogTarget, record: AccessRecord): void {
    const line = formatAccessLine(record);
    this.o.writes
      .run(() =>
        this.o.index.insertPendingLog(source, target.bucket, target.prefix, record.time.getTime(), line),
      )
      .catch((err: unknown) => {
        this.o.logger.warn({ err, source, requestId: record.requestId }, 'access log line could not be kept');
      });
    if (++this.recordedSinceDelivery >= EARLY_DELIVERY_LINES) void this.flush();
  }

  /** Delivers every line recorded so far; resolves when their objects are stored. */
  flush(): Promise<void> {
    this.recordedSinceDelivery = 0;
    // Lines recorded before this call are queued on the write queue: this barrier commits them.
    const barrier = this.o.writes.run(() => undefined).catch(() => undefined);
    this.delivering = this.delivering
      .then(() => barrier)
      .then(() => this.deliverPending())
      .catch((err: unknown) => {
        this.o.logger.warn({ err }, 'access log delivery failed; lines kept for the next one');
      });
    return this.delivering;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async deliverPending(): Promise<void> {
    let afterId = 0;
    for (;;) {
      let rows: PendingLogRow[];
      try {
        rows = this.o.index.pendingLogs(afterId, ROWS_PER_ROUND);
      } catch (err) {
        this.o.logger.warn({ err }, 'access log lines could not be read');
        return;
      }
      if (rows.length === 0) return;
      afterId = (rows[rows.length - 1] as PendingLogRow).id;
      for (const group of groupRows(rows)) await this.deliverGroup(group);
    }
  }

  private async deliverGroup(group: PendingGroup): Promise<void> {
    const target: LogTarget = { bucket: group.target, prefix: group.prefix };
    const body = Buffer.from(group.lines.join('\n') + '\n', 'utf8');
    for (let attempt = 0; attempt < 3; attempt++) {
      const key = `${group.prefix}${group.source}${group.hour}-${uniqueSuffix()}`;
      try {
        await this.o.write(target, key, body, group.ids);
        return;
      } catch (err) {
        if (isOssError(err) && err.code === 'FileAlreadyExists') continue; // a name taken: another suffix
        if (isOssError(err) && err.code === 'NoSuchBucket') {
          // The target bucket is gone: nowhere to deliver, as on OSS; drop them, loudly.
          this.o.logger.warn(
            { source: group.source, target: group.target, lines: group.ids.length },
            'access log target bucket does not exist: lines dropped',
          );
          await this.o.writes.run(() => this.o.index.deletePendingLogs(group.ids)).catch(() => undefined);
          return;
        }
        // Anything else (disk full, closing): the lines stay pending for the next delivery.
        this.o.logger.warn(
          { err, source: group.source, target: group.target, lines: group.ids.length },
          'access log lines could not be delivered; kept for the next delivery',
        );
        return;
      }
    }
  }
}

interface PendingGroup {
  source: string;
  target: string;
  prefix: string;
  hour: string;
  ids: number[];
  lines: string[];
}

/** Pending lines by source, target, prefix and hour, each group in recording order. */
function groupRows(rows: PendingLogRow[]): PendingGroup[] {
  const groups = new Map<string, PendingGroup>();
  for (const r of rows) {
    const hour = hourStamp(r.time_ms);
    const id = JSON.stringify([r.source, r.target, r.prefix, hour]);
    let g = groups.get(id);
    if (g === undefined) {
      g = { source: r.source, target: r.target, prefix: r.prefix, hour, ids: [], lines: [] };
      groups.set(id, g);
    }
    g.ids.push(r.id);
    g.lines.push(r.line);
  }
  return [...groups.values()];
}

/** Upper-case hex: the wall-clock milliseconds (so names sort in writing order), then random. */
function uniqueSuffix(): string {
  return (
    Date.now().toString(16).toUpperCase().padStart(12, '0') + randomBytes(4).toString('hex').toUpperCase()
  );
}
