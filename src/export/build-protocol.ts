/**
 * The messages between serve and an export's build worker (build-thread.ts, build-worker.ts).
 * The worker builds the bag with its own connection to OSS; what it needs of the archive (the
 * catalog's rows, the ledger's proofs, alerts) it asks of the serving thread, by name, from the
 * short lists below: the worker can ask for nothing else.
 */
import type { SerializedError } from '../catalog/remote-protocol';
import type { ExportRow } from '../catalog';
import type { Config } from '../config';
import type { BuilderCatalog } from './builder';

/** The catalog methods a build uses (BuilderCatalog), forwarded to the serving thread's catalog. */
export const BUILD_CATALOG_METHODS = [
  'getRecord',
  'searchRecords',
  'auditEvents',
  'startExportBuild',
  'completeExport',
  'failExport',
  'appendAudit',
  'getExport',
] as const satisfies readonly (keyof BuilderCatalog)[];

/** The evidence a build asks for: ExportEvidence, with `prove` standing for the prover of a note. */
export const BUILD_EVIDENCE_METHODS = ['checkpointCovering', 'verifierKey', 'prove'] as const;

export type BuildCallTarget =
  | { target: 'catalog'; method: (typeof BUILD_CATALOG_METHODS)[number] }
  | { target: 'evidence'; method: (typeof BUILD_EVIDENCE_METHODS)[number] }
  | { target: 'alerts'; method: 'raise' };

export interface BuildWorkerInit {
  row: ExportRow;
  /** How to open the store (the serving thread's own connection: StoreHandle.connection). */
  connection: Config['oss'] & { endpoint: string };
  exportsBucket: string;
  sourceOrganization: string;
  tmpDir?: string;
  /** The serving logger's level: lines below it are not even sent. */
  logLevel: string;
}

/** Worker to serve. */
export type FromBuildWorker =
  | ({ kind: 'call'; id: number; args: unknown[] } & BuildCallTarget)
  /** One JSON line of the worker's logger (redacted there as everywhere: src/log). */
  | { kind: 'log'; line: string }
  | { kind: 'done'; row: ExportRow }
  /** buildExport threw: the build was abandoned (abort) or its failure could not be recorded. */
  | { kind: 'threw'; error: SerializedError };

/** Serve to worker. */
export type ToBuildWorker =
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: SerializedError }
  /** The service stops: abandon the build (it resumes at the next start). */
  | { kind: 'abort' };
