import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

const FILE_ID = /^[0-9a-f]{32}$/;

/**
 * Object bodies too large to keep inside SQLite, as files under `<dataDir>/blobs/<xx>/<id>`.
 *
 * Names are random ids, never derived from object keys: a key is an opaque string and no key can
 * name a path. A body is written to `<dataDir>/tmp/<id>`, fsynced, renamed into place and the
 * directory fsynced; only then does the metadata commit reference it. Whatever crashes in between
 * leaves either a temp file (removed at start) or an unreferenced blob (removed by gc at start).
 */
export class BlobStore {
  readonly tmpDir: string;
  readonly blobsDir: string;
  /** Open readers per file: a file being streamed is unlinked only after its last reader ends. */
  private readonly readers = new Map<string, number>();
  private readonly doomed = new Set<string>();

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
    for (let i = 0; i < 256; i++) made.push(fsp.mkdir(path.join(this.blobsDir, i.toString(16).padStart(2, '0')), { recursive: true }));
    await Promise.all(made);
  }

  newId(): string {
    return randomBytes(16).toString('hex');
  }

  tempPath(id: string): string {
    return path.join(this.tmpDir, id);
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
    const tmp = this.tempPath(id);
    try {
      const fh = await fsp.open(tmp, 'w');
      try {
        await fh.writeFile(data);
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

  /** Copies a blob to a new id (fsynced, durable), for CopyObject. */
  async copy(sourceId: string): Promise<string> {
    const id = this.newId();
    const tmp = this.tempPath(id);
    try {
      await fsp.copyFile(this.pathOf(sourceId), tmp);
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
