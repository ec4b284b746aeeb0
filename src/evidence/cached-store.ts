import type { TileStore } from '../ledger';

/**
 * A TileStore that keeps what it read: every ledger object is create-only and never changes
 * (WORM), so a tile read once is the tile for good. Only objects found are kept (an absent
 * object may be written later); least recently used ones go first past `maxObjects`
 * (default 4096: at most 32 MiB of full tiles).
 */
export class CachedTileStore implements TileStore {
  private readonly cache = new Map<string, Buffer>();
  private readonly inFlight = new Map<string, Promise<Buffer | null>>();
  private readonly max: number;

  private readonly skip: (key: string) => boolean;

  /**
   * `skip`: objects not worth keeping (read rarely, and large): they pass through uncached.
   */
  constructor(
    private readonly inner: TileStore,
    options: { maxObjects?: number; skip?: (key: string) => boolean } = {},
  ) {
    this.max = options.maxObjects ?? 4096;
    this.skip = options.skip ?? (() => false);
  }

  async get(key: string): Promise<Buffer | null> {
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.inner.get(key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    const bytes = await p;
    if (bytes) this.remember(key, bytes);
    return bytes;
  }

  async create(key: string, bytes: Buffer, contentType?: string): Promise<'created' | 'existed'> {
    const r = await this.inner.create(key, bytes, contentType);
    this.remember(key, bytes);
    return r;
  }

  list(prefix: string): AsyncIterable<string> {
    return this.inner.list(prefix);
  }

  private remember(key: string, bytes: Buffer): void {
    if (this.skip(key)) return;
    this.cache.delete(key);
    this.cache.set(key, bytes);
    while (this.cache.size > this.max) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }
}
