/**
 * The tile cache of the proof routes: what it read or wrote is served again without a read of
 * the store (ledger objects never change), least recently used first out past its size, absent
 * objects never remembered, and the objects it is told to skip (entry bundles) always read through.
 */
import { CachedTileStore } from '../../src/evidence/cached-store';
import { MemoryTileStore } from '../../src/ledger/tile-store';

class CountingStore extends MemoryTileStore {
  reads: string[] = [];
  override get(key: string): Promise<Buffer | null> {
    this.reads.push(key);
    return super.get(key);
  }
}

test('hits, LRU eviction, absent objects and skipped keys', async () => {
  const inner = new CountingStore();
  const cache = new CachedTileStore(inner, { maxObjects: 2, skip: (k) => k.includes('tile/entries/') });
  await cache.create('ledger/tile/0/000', Buffer.from('a'));
  await cache.create('ledger/tile/entries/000', Buffer.from('bundle'));
  expect((await cache.get('ledger/tile/0/000'))?.toString()).toBe('a');
  expect(inner.reads).toEqual([]);
  // A skipped key is read through every time.
  expect((await cache.get('ledger/tile/entries/000'))?.toString()).toBe('bundle');
  expect((await cache.get('ledger/tile/entries/000'))?.toString()).toBe('bundle');
  expect(inner.reads).toEqual(['ledger/tile/entries/000', 'ledger/tile/entries/000']);
  // An absent object is asked for again (it may be written later).
  expect(await cache.get('ledger/tile/0/001')).toBeNull();
  await cache.create('ledger/tile/0/001', Buffer.from('b'));
  expect((await cache.get('ledger/tile/0/001'))?.toString()).toBe('b');
  // A third object evicts the least recently used one (000), which is then read from the store.
  await cache.create('ledger/tile/0/002', Buffer.from('c'));
  inner.reads = [];
  expect((await cache.get('ledger/tile/0/001'))?.toString()).toBe('b');
  expect((await cache.get('ledger/tile/0/002'))?.toString()).toBe('c');
  expect(inner.reads).toEqual([]);
  expect((await cache.get('ledger/tile/0/000'))?.toString()).toBe('a');
  expect(inner.reads).toEqual(['ledger/tile/0/000']);
});
