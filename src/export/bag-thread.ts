import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { AuditEvent } from '../catalog/types';
import { deserializeError, serializeError } from '../catalog/remote-protocol';
import { keepHeapFlags } from '../runtime/heap';
import { handOver } from '../storage/chunks';
import { compiledScript } from '../runtime/worker-script';
import { READ_WHOLE_MAX_BYTES } from './bag-writer';
import {
  AUDIT_EVENT_BYTES,
  factsCost,
  packed,
  type FromWorker,
  type ToWorker,
  type WireRecordFacts,
  type WireWholeRecord,
  type WorkerBagInput,
} from './bag-thread-protocol';
import type { BagBuild, BagRecord, BagResult, BuildBagInput } from './types';

/** Records read whole leave in batches of up to this many bytes, or BATCH_RECORDS records. */
const BATCH_BYTES = 64 * 1024;
const BATCH_RECORDS = 64;
const AUDIT_BATCH_EVENTS = 1000;
/**
 * What may have been sent to the worker and not used by it yet before the reads wait. 4 MiB was
 * no faster (scripts/bench/export-ready.js) and held more: a buffer sent is freed only at the
 * worker's next GC.
 */
const IN_FLIGHT_BYTES = 1024 * 1024;
/** The ZIP's chunks when the caller names no size (the builder gives its upload's part size). */
const DEFAULT_CHUNK_BYTES = 256 * 1024;
/** Chunks kept for reuse at most (the upload has up to 4 parts in flight: oss.partConcurrency). */
const MAX_REUSABLE_CHUNKS = 4;
/** After an abort, how long the worker has to remove its spool files before it is stopped. */
const ABORT_GRACE_MS = 30_000;

export interface BagThreadOptions {
  /**
   * The size of the ZIP stream's chunks (the last one shorter): the upload's part size, so that
   * each chunk, handed over, is a part (src/storage/chunks.ts).
   */
  chunkBytes?: number;
}

/** A record's facts without its ways to read the bytes (functions cannot cross a thread). */
function factsOf(record: BagRecord): WireRecordFacts {
  const { open: _open, read: _read, ...facts } = record;
  return facts;
}

/**
 * buildBag in a worker thread, with the same contract (docs/decisions/0026-bag-worker.md): this
 * thread reads the records (`read` or `open`, one at a time, in order) and the audit trail, and
 * passes them on; the worker checks every record, writes the ZIP with its index, manifests and tag
 * files, and keeps the spools. The ZIP comes back as `stream`; it errors and never ends when the
 * build fails on either side.
 */
export function buildBagInWorker(input: BuildBagInput, options: BagThreadOptions = {}): BagBuild {
  const { records: _records, auditEvents: _auditEvents, onPhase: _onPhase, ...init } = input;
  const worker = new Worker(compiledScript(__dirname, 'export/bag-worker.js', 'the bag worker'), {
    workerData: init satisfies WorkerBagInput,
    // 8 MB let a 100,000-record bag peak 25-30 MB higher (docs/decisions/0026-bag-worker.md).
    resourceLimits: { maxYoungGenerationSizeMb: 2 },
  });
  keepHeapFlags(worker);
  const post = (msg: ToWorker, transfer?: ArrayBuffer[]): void => worker.postMessage(msg, transfer);

  let failure: Error | null = null;
  let exited = false;
  let current: Readable | null = null;
  let result: BagResult | null = null;
  let settle: { resolve: (r: BagResult) => void; reject: (err: Error) => void } | null = null;
  const done = new Promise<BagResult>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined);

  // Credit: bytes sent to the worker and not used yet; the reads wait above IN_FLIGHT_BYTES.
  let inFlight = 0;
  let waiting: { resolve: () => void; reject: (err: Error) => void } | null = null;
  const room = (): Promise<void> | null => {
    if (inFlight <= IN_FLIGHT_BYTES) return null;
    if (failure) return Promise.reject(failure);
    return new Promise<void>((resolve, reject) => (waiting = { resolve, reject }));
  };

  // The ZIP as the worker sends it, copied into chunks of `chunkBytes` (handed over: the upload
  // takes each as a part without copying it again). Each of the worker's buffers goes back to it
  // once its bytes are copied, unless a whole chunk is waiting for the reader: then they wait too,
  // and the worker, out of buffers, waits (docs/decisions/0027-bag-worker-buffers.md).
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  let filling: Buffer | null = null;
  let filled = 0;
  const queued: (Buffer | null)[] = [];
  // Chunks the upload is done with (recycle), to fill again: the ZIP's bytes then cost no garbage.
  const reusable: Buffer[] = [];
  const recycle = (chunk: Buffer): void => {
    if (chunk.length === chunkBytes && reusable.length < MAX_REUSABLE_CHUNKS && !reusable.includes(chunk))
      reusable.push(chunk);
  };
  const spare: ArrayBuffer[] = [];
  let wanted = false;
  const giveBack = (): void => {
    if (result !== null) return;
    for (const bytes of spare.splice(0)) post({ t: 'taken', bytes }, [bytes]);
  };
  const offer = (): void => {
    if (!wanted || queued.length === 0) return;
    wanted = false;
    stream.push(queued.shift());
    if (queued.length === 0) giveBack();
  };
  const received = (bytes: ArrayBuffer, length: number): void => {
    const from = new Uint8Array(bytes, 0, length);
    let at = 0;
    while (at < length) {
      filling ??= reusable.pop() ?? Buffer.allocUnsafeSlow(chunkBytes);
      const n = Math.min(chunkBytes - filled, length - at);
      filling.set(from.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === chunkBytes) {
        queued.push(handOver(filling));
        filling = null;
        filled = 0;
      }
    }
    spare.push(bytes);
    if (queued.length === 0) giveBack();
    offer();
  };
  let ended = false;
  const stream = new Readable({
    // One chunk at a time: read() is asked for more only once the reader has taken the last. The
    // chunk is pushed after read() returns: pushed within it, it would be joined to the one being
    // read (a new buffer, which the upload would have to copy).
    highWaterMark: 1,
    read() {
      wanted = true;
      process.nextTick(offer);
    },
  });
  stream.once('end', () => {
    ended = true;
    if (result) settle?.resolve(result);
  });
  stream.once('close', () => {
    if (!ended) fail(new Error('the bag stream was closed before its end'));
  });

  const stop = (): void => {
    if (!exited) void worker.terminate();
  };
  const fail = (err: Error, fromWorker = false): void => {
    if (failure) return;
    failure = err;
    current?.destroy();
    waiting?.reject(err);
    waiting = null;
    stream.destroy(err);
    settle?.reject(err);
    if (fromWorker || exited) {
      stop();
      return;
    }
    // The worker removes its spool files when it fails; it is stopped once it has, or after a grace.
    post({ t: 'abort', error: serializeError(err) });
    const timer = setTimeout(stop, ABORT_GRACE_MS);
    timer.unref();
    worker.once('exit', () => clearTimeout(timer));
  };

  worker.on('message', (msg: FromWorker) => {
    switch (msg.t) {
      case 'used': {
        inFlight -= msg.bytes;
        if (inFlight <= IN_FLIGHT_BYTES && waiting) {
          const w = waiting;
          waiting = null;
          w.resolve();
        }
        return;
      }
      case 'zip':
        if (!failure) received(msg.bytes, msg.length);
        return;
      case 'phase':
        input.onPhase?.(msg.phase, msg.records);
        return;
      case 'done':
        result = msg.result;
        stop();
        if (filling !== null) queued.push(filling.subarray(0, filled));
        filling = null;
        queued.push(null);
        offer();
        return;
      case 'failed':
        if (failure) stop();
        else fail(deserializeError(msg.error), true);
        return;
    }
  });
  worker.on('error', (err) => fail(err, true));
  worker.on('exit', (code) => {
    exited = true;
    if (result === null) fail(new Error(`the bag worker exited (code ${code}) before the bag was done`));
  });

  const feed = async (): Promise<void> => {
    let batch: WireWholeRecord[] = [];
    let parts: Buffer[] = [];
    let bytes = 0;
    let cost = 0;
    const flush = (): void => {
      if (batch.length === 0) return;
      const buffer = packed(parts, bytes);
      post({ t: 'records', records: batch, bytes: buffer }, [buffer]);
      inFlight += cost;
      batch = [];
      parts = [];
      bytes = 0;
      cost = 0;
    };
    const wait = async (): Promise<void> => {
      const full = room();
      if (full === null) return;
      flush();
      await full;
    };
    for await (const record of input.records) {
      if (failure) return;
      const facts = factsOf(record);
      if (record.read !== undefined && record.size <= READ_WHOLE_MAX_BYTES) {
        const read = await record.read();
        if (failure) return;
        // Sent as read, whatever its length: the worker checks it against the catalog's size.
        batch.push({
          facts,
          offset: bytes,
          length: read.bytes.length,
          ...(read.crc64 !== undefined ? { crc64: read.crc64 } : {}),
        });
        parts.push(read.bytes);
        bytes += read.bytes.length;
        cost += factsCost(facts) + read.bytes.length;
        if (bytes >= BATCH_BYTES || batch.length >= BATCH_RECORDS) flush();
      } else {
        flush();
        post({ t: 'streamStart', facts });
        inFlight += factsCost(facts);
        const source = await record.open();
        current = source;
        for await (const chunk of source as AsyncIterable<Buffer>) {
          if (failure) return;
          const buffer = packed([chunk], chunk.length);
          post({ t: 'chunk', bytes: buffer }, [buffer]);
          inFlight += chunk.length;
          await wait();
        }
        current = null;
        post({ t: 'streamEnd' });
      }
      await wait();
    }
    flush();
    post({ t: 'recordsEnd' });
    let events: AuditEvent[] = [];
    const sendEvents = (): void => {
      if (events.length === 0) return;
      post({ t: 'audit', events });
      inFlight += events.length * AUDIT_EVENT_BYTES;
      events = [];
    };
    for await (const event of input.auditEvents) {
      if (failure) return;
      events.push(event);
      if (events.length >= AUDIT_BATCH_EVENTS) {
        sendEvents();
        await wait();
      }
    }
    sendEvents();
    post({ t: 'auditEnd' });
  };
  feed().catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));

  return { stream, done, recycle };
}
