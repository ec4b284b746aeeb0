import * as errors from '../errors';
import type { Catalog, WriteStats } from './types';

/** The methods a remote catalog forwards (everything async on the Catalog interface). */
export type RemoteMethod = Exclude<keyof Catalog, 'dialect' | 'writeStats'>;

export interface WorkerInit {
  sqlitePath: string;
}

export interface CallMessage {
  id: number;
  method: RemoteMethod;
  args: unknown[];
  /** The caller's clock, ms since the epoch. */
  now: number;
}

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  details?: unknown;
  hint?: string;
}

export type ReplyMessage =
  | { id: number; ok: true; value: unknown; stats: WriteStats }
  | { id: number; ok: false; error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof errors.StrongroomError) {
    return {
      name: err.name,
      message: err.message,
      code: err.code,
      ...(err.hint !== undefined ? { hint: err.hint } : {}),
      ...(err.details !== undefined ? { details: structuredCloneOrText(err.details) } : {}),
    };
  }
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | null;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

function structuredCloneOrText(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return String(value);
  }
}

type ErrorClass = new (message: string, options?: errors.ErrorOptions) => errors.StrongroomError;
let byCode: Map<string, ErrorClass> | undefined;

/** The typed error of src/errors with this code, rebuilt on this side of the thread. */
export function deserializeError(e: SerializedError): Error {
  if (!byCode) {
    byCode = new Map();
    for (const value of Object.values(errors)) {
      if (typeof value !== 'function' || !(value.prototype instanceof errors.StrongroomError)) continue;
      const cls = value as unknown as ErrorClass;
      // Abstract classes (ConflictError) have no code of their own.
      const code: unknown = new cls('probe').code;
      if (typeof code === 'string') byCode.set(code, cls);
    }
  }
  const cls = e.code !== undefined ? byCode.get(e.code) : undefined;
  if (cls && e.name !== 'SqliteError') {
    return new cls(e.message, {
      ...(e.details !== undefined ? { details: e.details } : {}),
      ...(e.hint !== undefined ? { hint: e.hint } : {}),
    });
  }
  return Object.assign(new Error(e.message), {
    name: e.name,
    ...(e.code !== undefined ? { code: e.code } : {}),
  });
}
