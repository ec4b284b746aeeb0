import { AlreadyExistsError, NotFoundError } from '../errors';
import type { ObjectStore } from '../storage/types';
import { conflict, type TileStore } from './tile-store';

/**
 * The ledger's TileStore over the archive's object storage (the audit bucket). The only file of
 * src/ledger that knows ObjectStore, and it uses only data-plane calls.
 */
export type LedgerObjectStore = Pick<ObjectStore, 'putBuffer' | 'getBuffer' | 'list'>;

export class ObjectTileStore implements TileStore {
  private readonly store: LedgerObjectStore;
  private readonly bucket: string;

  constructor(options: { store: LedgerObjectStore; bucket: string }) {
    this.store = options.store;
    this.bucket = options.bucket;
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return (await this.store.getBuffer(this.bucket, key)).body;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  async create(
    key: string,
    bytes: Buffer,
    contentType = 'application/octet-stream',
  ): Promise<'created' | 'existed'> {
    try {
      const r = await this.store.putBuffer(this.bucket, key, bytes, { contentType });
      // The adapter accepted an object of our CRC-64 and size left by its own lost attempt.
      return r.adoptedFrom !== undefined ? 'existed' : 'created';
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      const existing = await this.get(key);
      if (existing?.equals(bytes)) return 'existed';
      throw conflict(key);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    for await (const o of this.store.list(this.bucket, { prefix, pageSize: 1000 })) yield o.key;
  }
}
