/**
 * An export's build worker (see build-thread.ts): builds one bag with buildExport, unchanged, with
 * its own OSS client (the records' GETs and the bag's upload) and everything else asked of the
 * serving thread through build-protocol.ts.
 */
import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import type { AlertSink } from '../alerts/types';
import { deserializeError, serializeError } from '../catalog/remote-protocol';
import { createLogger } from '../log';
import { createObjectStore } from '../storage';
import { buildExport, type BuilderCatalog } from './builder';
import {
  BUILD_CATALOG_METHODS,
  type BuildCallTarget,
  type BuildWorkerInit,
  type FromBuildWorker,
  type ToBuildWorker,
} from './build-protocol';
import type { ExportEvidence } from './evidence';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('build-worker must run in a worker thread');
  const init = workerData as BuildWorkerInit;
  const post = (msg: FromBuildWorker): void => port.postMessage(msg);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const call = <T>(to: BuildCallTarget, args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      post({ kind: 'call', id, args, ...to });
    });
  const abort = new AbortController();
  port.on('message', (msg: ToBuildWorker) => {
    if (msg.kind === 'abort') {
      abort.abort();
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(deserializeError(msg.error));
  });

  const catalog = Object.fromEntries(
    BUILD_CATALOG_METHODS.map((method) => [
      method,
      (...args: unknown[]) => call({ target: 'catalog', method }, args),
    ]),
  ) as unknown as BuilderCatalog;
  const evidence: ExportEvidence = {
    checkpointCovering: (leafIndex) =>
      call({ target: 'evidence', method: 'checkpointCovering' }, [leafIndex]),
    verifierKey: () => call({ target: 'evidence', method: 'verifierKey' }, []),
    prover: (note) =>
      Promise.resolve((leafIndices: readonly number[]) =>
        call<string[]>({ target: 'evidence', method: 'prove' }, [note, leafIndices]),
      ),
  };
  const alerts: AlertSink = { raise: (alert) => call({ target: 'alerts', method: 'raise' }, [alert]) };
  const logger = createLogger({
    level: init.logLevel,
    destination: new Writable({
      write(chunk: Buffer, _encoding, done): void {
        post({ kind: 'log', line: chunk.toString('utf8') });
        done();
      },
    }),
  }).child({ thread: 'export-build' });
  const store = createObjectStore(init.connection, logger);
  try {
    const row = await buildExport(
      {
        catalog,
        store,
        evidence,
        alerts,
        exportsBucket: init.exportsBucket,
        sourceOrganization: init.sourceOrganization,
        logger,
        signal: abort.signal,
        ...(init.tmpDir !== undefined ? { tmpDir: init.tmpDir } : {}),
      },
      init.row,
    );
    post({ kind: 'done', row });
  } catch (err) {
    post({ kind: 'threw', error: serializeError(err) });
  }
}

void main();
