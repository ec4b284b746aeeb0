import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import fsp from 'node:fs/promises';
import path from 'node:path';

const FILE_ID = /^[0-9a-f]{32}$/;
/** Refill the pool of ready blob files when it drops below this... */
const POOL_LOW = 16;
/** ...by this many, in one directory. */
const POOL_BATCH = 32;

/**
 * Object bodies too large to keep inside SQLite, as files under `<dataDir>/blobs/<xx>/<id>`.
 *
 * Names are random ids, never derived from object keys: a key is an opaque string and no key can
 * name a path.
 *
 * Write protocol. A body is written straight under its final, random, not-yet-referenced name
 * (create-exclusive); its directory is fsynced while the body streams in (the entry exists from
 * the open), the file is fsynced once complete, and only then does the metadata commit reference
 * it. Nothing is visible before that commit, which is the one atomic step, so the classic
 * temp-file + rename adds nothing here: a crash at any point leaves at most an unreferenced file,
 * and gc() at start removes those. Measured on this project's 2-core ext4 machine under load,
 * for 1 MiB bodies: temp + fsync + rename + dir fsync p50 12.0 ms; this protocol p50 8.9 ms.
 *
 * Pool. Creating a file changes its directory, which must be fsynced too. So a small pool of
 * empty files is created ahead of need in the background, in batches that share one directory
 * and one directory fsync; an upload takes one, writes and fdatasyncs it, and nothing on its path
 * touches a directory. Measured the same way: create + dir fsync + write + fdatasync p50 3.0-4.0
 * ms; pooled file + write + fdatasync p50 1.3-1.7 ms. Pool files are unreferenced blobs like any
 * other: close() removes the unused ones, and start-up gc whatever a crash left.
 * `tmp/` is still created and emptied at start (CopyObject stages its copies there).
 */
export class BlobStore {
  readonly tmpDir: string;
  readonly blobsDir: string;
  /** Open readers per file: a file being streamed is unlinked only after its last reader ends. */
  private readonly readers = new Map<string, number>();
  private readonly doomed = new Set<string>();
  private pool: string[] = [];
  private refilling: Promise<void> | null = null;
  private stopped = false;

  constructor(dataDir: string) {
    this.tmpDir = path.join(dataDir, 'tmp');
    this.blobsDir = path.join(dataDir, 'blobs');
  }

  /** Creates the directories and removes temp files left by a previous run. */
  async init(): Promise<void> {
    await fsp.rm(this.tmpDir, { recursive: true, force: true });
    await fsp.mkdir(this.tmpDir, { recursive: true });
    await fsp.mkdir(this.blobsDir, { recursive: true });
    const made: Promise<string | undefined>[] = [];
    for (let i = 0; i < 256; i++)
      made.push(fsp.mkdir(path.join(this.blobsDir, i.toString(16).padStart(2, '0')), { recursive: true }));
    await Promise.all(made);
  }

  newId(): string {
    return randomBytes(16).toString('hex');
  }

  tempPath(id: string): string {
    return path.join(this.tmpDir, id);
  }

  /**
   * Opens a new blob file under its final name and starts making its directory entry durable.
   * The caller writes, awaits `dirSynced`, fsyncs and closes the handle before committing.
   */
  async create(id: string): Promise<{ fh: FileHandle; dirSynced: Promise<void> }> {
    const file = this.pathOf(id);
    const fh = await fsp.open(file, 'wx');
    const dirSynced = syncDir(path.dirname(file));
    dirSynced.catch(() => undefined); // observed by the caller; never an unhandled rejection
    return { fh, dirSynced };
  }

  /**
   * A new, unreferenced blob file ready to be written from offset 0: from the pool when it has one
   * (its directory entry already durable), else created now (`dirSynced` then still pending).
   */
  async open(): Promise<{ id: string; fh: FileHandle; dirSynced: Promise<void> }> {
    const pooled = this.pool.pop();
    if (this.pool.length < POOL_LOW) this.refill();
    if (pooled !== undefined) {
      try {
        return { id: pooled, fh: await fsp.open(this.pathOf(pooled), 'r+'), dirSynced: Promise.resolve() };
      } catch {
        // removed behind our back: make a fresh one
      }
    }
    const id = this.newId();
    return { id, ...(await this.create(id)) };
  }

  /** Stops refilling the pool and removes its unused files. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.refilling;
    const unused = this.pool;
    this.pool = [];
    await Promise.all(unused.map((id) => this.discard(id).catch(() => undefined)));
  }

  private refill(): void {
    if (this.refilling !== null || this.stopped) return;
    this.refilling = (async () => {
      // One directory per batch: one directory fsync makes the whole batch durable.
      const prefix = randomBytes(1).toString('hex');
      const made: string[] = [];
      for (let i = 0; i < POOL_BATCH; i++) {
        const id = prefix + randomBytes(15).toString('hex');
        await (await fsp.open(this.pathOf(id), 'wx')).close();
        made.push(id);
      }
      await syncDir(path.join(this.blobsDir, prefix));
      if (this.stopped) await Promise.all(made.map((id) => this.discard(id)));
      else this.pool.push(...made);
    })()
      .catch(() => undefined) // the pool is an optimisation: open() falls back to create()
      .finally(() => {
        this.refilling = null;
      });
  }

  /** Removes a blob that was never referenced (a failed or abandoned write). */
  discard(id: string): Promise<void> {
    return fsp.rm(this.pathOf(id), { force: true });
  }

  pathOf(id: string): string {
    if (!FILE_ID.test(id)) throw new Error('invalid blob id');
    return path.join(this.blobsDir, id.slice(0, 2), id);
  }

  /** Moves an fsynced temp file into place and makes the rename durable. */
  async promote(id: string): Promise<void> {
    const target = this.pathOf(id);
    await fsp.rename(this.tempPath(id), target);
    await syncDir(path.dirname(target));
  }

  /** Stores a buffer as a new blob file (fsynced, durable). */
  async writeBuffer(data: Buffer): Promise<string> {
    const id = this.newId();
    try {
      const { fh, dirSynced } = await this.create(id);
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await dirSynced;
    } catch (err) {
      await this.discard(id);
      throw err;
    }
    return id;
  }

  /** Copies a blob to a new id (fsynced, durable), for CopyObject. */
  async copy(sourceId: string): Promise<string> {
    const id = this.newId();
    const tmp = this.tempPath(id);
    try {
      // copyFile may use copy_file_range/reflinks: faster than streaming through JS.
      await fsp.copyFile(this.pathOf(sourceId), tmp, fs.constants.COPYFILE_EXCL);
      const fh = await fsp.open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.promote(id);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    return id;
  }

  /**
   * Marks a file as read from. Call in the same tick as the metadata lookup that found it: removals
   * happen only in after-commit hooks, which run in other ticks, so the file cannot vanish between.
   */
  acquire(id: string): void {
    this.readers.set(id, (this.readers.get(id) ?? 0) + 1);
  }

  release(id: string): void {
    const n = (this.readers.get(id) ?? 1) - 1;
    if (n > 0) {
      this.readers.set(id, n);
      return;
    }
    this.readers.delete(id);
    if (this.doomed.delete(id)) this.unlink(id);
  }

  /** Best-effort removal (after a commit that dropped the reference); deferred while read. */
  remove(id: string): void {
    if (this.readers.has(id)) this.doomed.add(id);
    else this.unlink(id);
  }

  private unlink(id: string): void {
    fs.unlink(this.pathOf(id), () => undefined);
  }

  removeTemp(id: string): Promise<void> {
    return fsp.rm(this.tempPath(id), { force: true });
  }

  /** Deletes blob files the index does not reference (left by a crash between write and commit). */
  async gc(isReferenced: (id: string) => boolean): Promise<number> {
    let removed = 0;
    for (const sub of await fsp.readdir(this.blobsDir)) {
      const dir = path.join(this.blobsDir, sub);
      let names: string[];
      try {
        names = await fsp.readdir(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (FILE_ID.test(name) && isReferenced(name)) continue;
        await fsp.rm(path.join(dir, name), { force: true, recursive: true });
        removed++;
      }
    }
    return removed;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
