import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { deserializeError, serializeError } from '../catalog/remote-protocol';
import type { ExportRow } from '../catalog';
import type { Config } from '../config';
import { UnavailableError } from '../errors';
import type { Logger } from '../log';
import { buildExport, type BuildDeps } from './builder';
import {
  BUILD_CATALOG_METHODS,
  type BuildWorkerInit,
  type FromBuildWorker,
  type ToBuildWorker,
} from './build-protocol';

/** How an export gets built: buildExport itself, or the same in a worker thread (workerBuild). */
export type BuildFn = (deps: BuildDeps, row: ExportRow) => Promise<ExportRow>;

export interface WorkerBuildOptions {
  /** How to open the store in the worker (StoreHandle.connection: the service's own key). */
  connection: Config['oss'] & { endpoint: string };
  /** The worker's old-generation heap, in MB (exports.buildHeapMb). */
  heapMb: number;
  /** How long an abandoned build may take to stop before its thread is terminated. */
  stopGraceMs?: number;
}

/** The compiled worker script: next to this file in dist/, or dist/ when running from sources (tests). */
function workerScript(): string {
  const here = path.join(__dirname, 'build-worker.js');
  if (fs.existsSync(here)) return here;
  const built = path.resolve(__dirname, '..', '..', 'dist', 'export', 'build-worker.js');
  if (fs.existsSync(built)) return built;
  throw new UnavailableError(
    `the export build worker script is missing (looked for ${here} and ${built}); run npm run build`,
  );
}

const CATALOG_METHODS: ReadonlySet<string> = new Set(BUILD_CATALOG_METHODS);

/**
 * One line of the worker's pino logger, logged again by the serving logger at its level, without
 * the fields that logger adds itself (docs/decisions/0023-export-build-thread.md).
 */
function relayLog(logger: Logger, line: string): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const { level, msg, time: _time, pid: _pid, hostname: _host, service: _service, ...fields } = entry;
  const label = typeof level === 'number' ? logger.levels.labels[level] : undefined;
  const text = typeof msg === 'string' ? msg : '';
  switch (label) {
    case 'fatal':
    case 'error':
    case 'warn':
    case 'info':
    case 'debug':
    case 'trace':
      logger[label](fields, text);
      break;
    default:
      logger.info(fields, text);
  }
}

/**
 * Builds each export in a worker thread of its own: the records' GETs, their checks, the proofs'
 * formatting, the ZIP and its upload run off the serving thread's event loop (and on the other
 * core), in a heap bounded by `heapMb`. The worker runs buildExport unchanged; the catalog, the
 * evidence and the alerts stay with the serving thread, which answers the worker's calls to them
 * (build-protocol.ts). `deps.store` is not used: the worker opens its own client on `connection`.
 *
 * A build that stops the thread (out of memory, a crash) is failed with a reason, like any other
 * build that fails; one abandoned because the service stops is left `building` and resumes.
 */
export function workerBuild(options: WorkerBuildOptions): BuildFn {
  const script = workerScript();
  return (deps, row) =>
    new Promise<ExportRow>((resolve, reject) => {
      const init: BuildWorkerInit = {
        row,
        connection: options.connection,
        exportsBucket: deps.exportsBucket,
        sourceOrganization: deps.sourceOrganization,
        logLevel: deps.logger.level,
        ...(deps.tmpDir !== undefined ? { tmpDir: deps.tmpDir } : {}),
      };
      const worker = new Worker(script, {
        workerData: init,
        resourceLimits: { maxOldGenerationSizeMb: options.heapMb, maxYoungGenerationSizeMb: 16 },
        stdout: false,
        stderr: false,
      });
      const provers = new Map<string, ReturnType<BuildDeps['evidence']['prover']>>();
      let settled = false;
      let stopTimer: NodeJS.Timeout | null = null;
      // The thread never holds the process up; it is terminated once its build is over.
      worker.unref();
      const finish = (graceMs = 0): void => {
        settled = true;
        deps.signal?.removeEventListener('abort', onAbort);
        if (stopTimer) clearTimeout(stopTimer);
        if (graceMs === 0) void worker.terminate();
        else setTimeout(() => void worker.terminate(), graceMs).unref();
      };
      const onAbort = (): void => {
        worker.postMessage({ kind: 'abort' } satisfies ToBuildWorker);
        stopTimer = setTimeout(() => void worker.terminate(), options.stopGraceMs ?? 10_000);
        stopTimer.unref();
      };
      if (deps.signal?.aborted) onAbort();
      else deps.signal?.addEventListener('abort', onAbort, { once: true });

      const answer = async (msg: Extract<FromBuildWorker, { kind: 'call' }>): Promise<unknown> => {
        if (msg.target === 'catalog' && CATALOG_METHODS.has(msg.method)) {
          const method = deps.catalog[msg.method] as (...args: unknown[]) => Promise<unknown>;
          return method.apply(deps.catalog, msg.args);
        }
        if (msg.target === 'evidence') {
          if (msg.method === 'checkpointCovering')
            return deps.evidence.checkpointCovering(msg.args[0] as number);
          if (msg.method === 'verifierKey') return deps.evidence.verifierKey();
          if (msg.method === 'prove') {
            const [note, leaves] = msg.args as [string, number[]];
            let prover = provers.get(note);
            if (!prover) {
              prover = deps.evidence.prover(note);
              provers.set(note, prover);
            }
            return (await prover)(leaves);
          }
        }
        if (msg.target === 'alerts' && msg.method === 'raise' && deps.alerts)
          return deps.alerts.raise(msg.args[0] as Parameters<NonNullable<BuildDeps['alerts']>['raise']>[0]);
        throw new Error(`the build worker asked for ${msg.target}.${msg.method}, which it may not`);
      };

      worker.on('message', (msg: FromBuildWorker) => {
        switch (msg.kind) {
          case 'call':
            answer(msg).then(
              (value) =>
                worker.postMessage({ kind: 'reply', id: msg.id, ok: true, value } satisfies ToBuildWorker),
              (err: unknown) =>
                worker.postMessage({
                  kind: 'reply',
                  id: msg.id,
                  ok: false,
                  error: serializeError(err),
                } satisfies ToBuildWorker),
            );
            return;
          case 'log':
            relayLog(deps.logger, msg.line);
            return;
          case 'done':
            finish();
            resolve(msg.row);
            return;
          case 'threw':
            // An abandoned build is still removing its spool files: a moment before the end.
            finish(2_000);
            reject(deserializeError(msg.error));
            return;
        }
      });
      const stopped = (err: Error | null, code: number | null): void => {
        if (settled) return;
        finish();
        if (deps.signal?.aborted) {
          reject(err ?? new Error('the export builder stopped'));
          return;
        }
        const outOfMemory = (err as NodeJS.ErrnoException | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
        const reason = outOfMemory
          ? `the build ran out of memory (exports.buildHeapMb is ${options.heapMb} MB)`
          : 'the build stopped unexpectedly (see the server log)';
        deps.logger.error({ err, code, exportId: row.exportId }, 'export build worker stopped');
        failBuild(deps, row, reason).then(resolve, reject);
      };
      worker.on('error', (err) => stopped(err, null));
      worker.on('exit', (code) => stopped(null, code));
    });
}

/** A build whose thread stopped: failed with a reason and audited, as buildExport fails one. */
async function failBuild(deps: BuildDeps, row: ExportRow, reason: string): Promise<ExportRow> {
  const failed = await deps.catalog.failExport(row.exportId, reason);
  await deps.catalog.appendAudit({
    principalId: row.requestedBy,
    action: 'export.build',
    target: row.exportId,
    outcome: 'error',
    details: { status: 'failed', reason },
  });
  return failed;
}

/** buildExport on the serving thread (exports.buildThread: main). */
export const mainThreadBuild: BuildFn = buildExport;
