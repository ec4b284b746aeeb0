/**
 * A bag's worker thread (see bag-thread.ts): runs buildBag here, off the serving thread, on the
 * records the serving thread sends, and sends the ZIP back in batches.
 */
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import type { AuditEvent } from '../catalog/types';
import { deserializeError, serializeError } from '../catalog/remote-protocol';
import { buildBag } from './bag-writer';
import {
  AUDIT_EVENT_BYTES,
  factsCost,
  type FromWorker,
  type ToWorker,
  type WireRecordFacts,
  type WorkerBagInput,
} from './bag-thread-protocol';
import type { BagRecord, BagResult } from './types';

/** Credit goes back once this many bytes have been used, or whenever the worker is about to wait. */
const USED_REPORT_BYTES = 256 * 1024;
/** The ZIP leaves in buffers of this many bytes (smaller pieces are gathered)... */
const ZIP_BATCH_BYTES = 128 * 1024;
/** ...of which there are at most this many: what the serving thread may hold of the ZIP. */
const ZIP_BUFFERS = 8;

const port = parentPort;
if (!port) throw new Error('bag-worker must run in a worker thread');
const post = (msg: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(msg, transfer);

let used = 0;
const reportUsed = (): void => {
  if (used === 0) return;
  post({ t: 'used', bytes: used });
  used = 0;
};
const credit = (bytes: number): void => {
  used += bytes;
  if (used >= USED_REPORT_BYTES) reportUsed();
};

/** What the serving thread has sent and the bag has not taken yet, in order. */
class Inbox<T> implements AsyncIterable<T> {
  /** Taken items are dropped (null) at once, so nothing taken stays reachable from here. */
  private items: ({ value: T; cost: number } | null)[] = [];
  private head = 0;
  private ended = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;

  push(value: T, cost: number): void {
    this.items.push({ value, cost });
    this.poke();
  }

  end(): void {
    this.ended = true;
    this.poke();
  }

  fail(err: Error): void {
    this.error ??= err;
    this.poke();
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.error) throw this.error;
      if (this.head < this.items.length) {
        const item = this.items[this.head] as { value: T; cost: number };
        this.items[this.head] = null;
        this.head += 1;
        if (this.head >= 1024 || this.head === this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        credit(item.cost);
        yield item.value;
        continue;
      }
      if (this.ended) return;
      // Nothing here: whatever was used goes back now, or the serving thread could wait for it.
      reportUsed();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/** A streamed record's bytes, handed to the bag as it reads them (credit goes back as it does). */
class ChunkSource extends Readable {
  private queue: Buffer[] = [];
  private ended = false;
  private wanted = false;

  add(chunk: Buffer): void {
    this.queue.push(chunk);
    if (this.wanted) this.pump();
  }

  finish(): void {
    this.ended = true;
    if (this.wanted) this.pump();
  }

  override _read(): void {
    this.wanted = true;
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const chunk = this.queue.shift() as Buffer;
      credit(chunk.length);
      if (!this.push(chunk)) {
        this.wanted = false;
        return;
      }
    }
    if (this.ended) {
      this.wanted = false;
      this.push(null);
    } else {
      reportUsed();
    }
  }
}

const records = new Inbox<BagRecord>();
const audit = new Inbox<AuditEvent[]>();
let streaming: ChunkSource | null = null;

function wholeRecord(facts: WireRecordFacts, bytes: Buffer, crc64: string | undefined): BagRecord {
  return {
    ...facts,
    open: () => {
      throw new Error(`record ${facts.recordId} was sent whole: it has no stream`);
    },
    read: () => Promise.resolve(crc64 !== undefined ? { bytes, crc64 } : { bytes }),
  };
}

const input = workerData as WorkerBagInput;
const bag = buildBag({
  ...input,
  records,
  auditEvents: (async function* (): AsyncGenerator<AuditEvent> {
    for await (const events of audit) yield* events;
  })(),
  onPhase: (phase, n) => post({ t: 'phase', phase, records: n }),
});

// The ZIP goes back in a few buffers of ZIP_BATCH_BYTES, filled in turn and transferred; each
// comes back (`taken`) once the serving thread has copied its bytes out. While none is free, the
// bag waits: what it had already given is kept in `pending`. A buffer partly filled leaves at the
// next turn of the event loop, so a slow bag's bytes do not wait for a full one.
const free: Buffer[] = [];
let made = 0;
let filling: Buffer | null = null;
let filled = 0;
const pending: Buffer[] = [];
let flushQueued = false;
let finished: BagResult | null = null;
const send = (): void => {
  if (filling === null || filled === 0) return;
  const bytes = filling.buffer as ArrayBuffer;
  post({ t: 'zip', bytes, length: filled }, [bytes]);
  filling = null;
  filled = 0;
};
const nextBuffer = (): Buffer | null => {
  const reused = free.pop();
  if (reused !== undefined) return reused;
  if (made >= ZIP_BUFFERS) return null;
  made += 1;
  return Buffer.allocUnsafeSlow(ZIP_BATCH_BYTES);
};
/** Copies `chunk` into the buffers; what did not fit when they ran out, or null. */
const take = (chunk: Buffer): Buffer | null => {
  let at = 0;
  while (at < chunk.length) {
    filling ??= nextBuffer();
    if (filling === null) return chunk.subarray(at);
    const n = chunk.copy(filling, filled, at);
    filled += n;
    at += n;
    if (filled === ZIP_BATCH_BYTES) send();
  }
  if (filled > 0 && !flushQueued) {
    flushQueued = true;
    setImmediate(() => {
      flushQueued = false;
      send();
    });
  }
  return null;
};
/** Once everything given has gone: the bag. */
const finish = (): void => {
  if (finished === null || pending.length > 0) return;
  send();
  post({ t: 'done', result: finished });
};
const drain = (): void => {
  while (pending.length > 0) {
    const rest = take(pending.shift() as Buffer);
    if (rest !== null) {
      pending.unshift(rest);
      return;
    }
  }
  if (bag.stream.isPaused()) bag.stream.resume();
  finish();
};
bag.stream.on('data', (chunk: Buffer) => {
  const rest = pending.length > 0 ? chunk : take(chunk);
  if (rest === null) return;
  pending.push(rest);
  bag.stream.pause();
});
// The bag's own error is the one reported, through `done`.
bag.stream.on('error', () => undefined);
bag.done.then(
  (result) => {
    finished = result;
    finish();
  },
  (err: unknown) => post({ t: 'failed', error: serializeError(err) }),
);

port.on('message', (msg: ToWorker) => {
  switch (msg.t) {
    case 'records': {
      const all = Buffer.from(msg.bytes);
      for (const r of msg.records) {
        const bytes = all.subarray(r.offset, r.offset + r.length);
        records.push(wholeRecord(r.facts, bytes, r.crc64), factsCost(r.facts) + r.length);
      }
      return;
    }
    case 'streamStart': {
      const source = new ChunkSource();
      streaming = source;
      records.push({ ...msg.facts, open: () => source }, factsCost(msg.facts));
      return;
    }
    case 'chunk':
      streaming?.add(Buffer.from(msg.bytes));
      return;
    case 'streamEnd':
      streaming?.finish();
      streaming = null;
      return;
    case 'recordsEnd':
      records.end();
      return;
    case 'audit':
      audit.push(msg.events, msg.events.length * AUDIT_EVENT_BYTES);
      return;
    case 'auditEnd':
      audit.end();
      return;
    case 'taken':
      free.push(Buffer.from(msg.bytes));
      drain();
      return;
    case 'abort': {
      const err = deserializeError(msg.error);
      records.fail(err);
      audit.fail(err);
      streaming?.destroy(err);
      // A bag waiting for the ZIP to be taken would never pull again: closing it fails the build.
      bag.stream.destroy(err);
      return;
    }
  }
});
