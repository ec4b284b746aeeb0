import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Catalog } from '../../src/catalog';
import { openCatalogInWorker } from '../../src/catalog/remote';
import { ConflictError, UnavailableError, ValidationError } from '../../src/errors';
import { ingestEvent, makeRecord } from './fixtures';

/** What the worker-thread catalog adds to the catalog suite (which also runs on it). */
describe('catalog in a worker thread', () => {
  let dir: string;
  let catalog: Catalog;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-remote-'));
    catalog = await openCatalogInWorker({ sqlitePath: path.join(dir, 'catalog.sqlite') });
  });
  afterEach(async () => {
    await catalog.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('typed errors cross the thread with their class, code and details', async () => {
    const r = makeRecord({ recordId: 'T-R-1' });
    await catalog.commitRecord(r, ingestEvent(r.recordId));
    const clash = makeRecord({ recordId: 'T-R-2', objectKey: r.objectKey });
    const err = await catalog.commitRecord(clash, ingestEvent(clash.recordId)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    const invalid = await catalog
      .commitRecord(makeRecord({ recordId: 'T-R-3', sha256: 'x' }), ingestEvent('T-R-3'))
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect((invalid as ValidationError).details).toEqual({
      issues: [expect.objectContaining({ path: ['sha256'] })],
    });
  });

  test('a write acknowledged by the worker is seen by the next point read on this thread', async () => {
    for (let i = 0; i < 20; i++) {
      const r = makeRecord({ recordId: `T-R-RW-${i}` });
      await catalog.commitRecord(r, ingestEvent(r.recordId));
      expect((await catalog.getRecord(r.recordId))?.sha256).toBe(r.sha256);
    }
  });

  test('a worker that dies: a call in flight is answered or fails with Unavailable (never hangs); later calls fail', async () => {
    const worker = (catalog as unknown as { worker: Worker }).worker;
    const inFlight = catalog.ledgerLeaves().then(
      () => 'answered',
      (err: unknown) => (err instanceof UnavailableError ? 'unavailable' : err),
    );
    await worker.terminate();
    expect(['answered', 'unavailable']).toContain(await inFlight);
    await expect(catalog.ledgerSize()).rejects.toBeInstanceOf(UnavailableError);
    await expect(catalog.getRecord('T-R-1')).rejects.toBeInstanceOf(UnavailableError);
  });

  test('a catalog that cannot be opened rejects, and leaves no thread behind', async () => {
    const bad = path.join(dir, 'not-a-dir');
    fs.writeFileSync(bad, 'x');
    await expect(openCatalogInWorker({ sqlitePath: path.join(bad, 'catalog.sqlite') })).rejects.toThrow();
  });
});
