import { LedgerConflictError } from '../errors';

/**
 * Where the ledger's objects live (tiles, entry bundles, checkpoints). Every write is
 * create-only: the bucket is WORM, so nothing is ever overwritten or deleted.
 */
export interface TileStore {
  /** The object's bytes, or null when there is no such object. */
  get(key: string): Promise<Buffer | null>;
  /**
   * Creates the object. If one is already there with the same bytes (an earlier attempt, a
   * restart after a crash) that is success ('existed'); different bytes are a ConflictError.
   */
  create(key: string, bytes: Buffer, contentType?: string): Promise<'created' | 'existed'>;
  /** Keys under a prefix, in lexicographic order. */
  list(prefix: string): AsyncIterable<string>;
}

export function conflict(key: string): LedgerConflictError {
  return new LedgerConflictError(
    `ledger object ${key} already exists with other bytes (the log is not append-only here)`,
    {
      details: { key },
    },
  );
}

/** A TileStore in memory, for tests and benchmarks; counts what it is asked. */
export class MemoryTileStore implements TileStore {
  readonly objects = new Map<string, Buffer>();
  gets = 0;
  creates = 0;

  async get(key: string): Promise<Buffer | null> {
    this.gets++;
    const b = this.objects.get(key);
    return b ? Buffer.from(b) : null;
  }

  async create(key: string, bytes: Buffer): Promise<'created' | 'existed'> {
    this.creates++;
    const old = this.objects.get(key);
    if (old) {
      if (old.equals(bytes)) return 'existed';
      throw conflict(key);
    }
    this.objects.set(key, Buffer.from(bytes));
    return 'created';
  }

  async *list(prefix: string): AsyncIterable<string> {
    for (const k of [...this.objects.keys()].filter((x) => x.startsWith(prefix)).sort()) yield k;
  }
}
