/**
 * The catalog's worker thread (see remote.ts): opens the SQLite catalog here, off the event loop
 * of the process serving requests, and answers one message per call.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ManualClock } from '../util/clock';
import { openCatalog } from './catalog';
import { serializeError, type CallMessage, type ReplyMessage, type WorkerInit } from './remote-protocol';
import type { Catalog } from './types';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('catalog-worker must run in a worker thread');
  const init = workerData as WorkerInit;
  // The caller's time, as sent with each call: the same clock on both sides of the thread.
  const clock = new ManualClock();
  let catalog: Catalog;
  try {
    catalog = await openCatalog({ sqlitePath: init.sqlitePath, clock });
  } catch (err) {
    port.postMessage({ id: 0, ok: false, error: serializeError(err) } satisfies ReplyMessage);
    return;
  }
  port.postMessage({ id: 0, ok: true, value: null, stats: catalog.writeStats() } satisfies ReplyMessage);

  port.on('message', (msg: CallMessage) => {
    clock.set(new Date(msg.now));
    const method = catalog[msg.method] as (...args: unknown[]) => Promise<unknown>;
    Promise.resolve()
      .then(() => method.apply(catalog, msg.args))
      .then(
        (value) =>
          port.postMessage({
            id: msg.id,
            ok: true,
            value,
            stats: catalog.writeStats(),
          } satisfies ReplyMessage),
        (err: unknown) =>
          port.postMessage({ id: msg.id, ok: false, error: serializeError(err) } satisfies ReplyMessage),
      );
  });
}

void main();
