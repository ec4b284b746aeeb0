import { createReadStream } from 'node:fs';
import { lstat, opendir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** One file of a bag as the verifier sees it: a `/`-separated path and a way to read it. */
export interface BagFile {
  /** Relative to the container (the ZIP's root, or the directory given). */
  path: string;
  size: number;
  /** Not a regular file (a symlink, a device...): listed so it can be reported, never read. */
  irregular?: boolean;
  open(): Promise<Readable>;
}

/** A bag in a ZIP or a directory. `files` may be called several times (one pass each). */
export interface BagSource {
  readonly kind: 'zip' | 'directory';
  files(): AsyncIterable<BagFile>;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      path,
      // decodeStrings refuses absolute paths, `..` segments and backslashes in entry names.
      { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true },
      (err, zip) => (err || !zip ? reject(err ?? new Error('no zip')) : resolve(zip)),
    );
  });
}

/**
 * A ZIP read in place through yauzl (central directory first, then each entry's data on demand):
 * nothing is extracted, and one entry is open at a time.
 */
export class ZipBagSource implements BagSource {
  readonly kind = 'zip';

  constructor(private readonly path: string) {}

  async *files(): AsyncIterable<BagFile> {
    const zip = await openZip(this.path);
    try {
      for (;;) {
        const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
          const onEntry = (e: yauzl.Entry): void => {
            cleanup();
            resolve(e);
          };
          const onEnd = (): void => {
            cleanup();
            resolve(null);
          };
          const onError = (err: Error): void => {
            cleanup();
            reject(err);
          };
          const cleanup = (): void => {
            zip.off('entry', onEntry);
            zip.off('end', onEnd);
            zip.off('error', onError);
          };
          zip.on('entry', onEntry);
          zip.on('end', onEnd);
          zip.on('error', onError);
          zip.readEntry();
        });
        if (entry === null) return;
        if (entry.fileName.endsWith('/')) continue;
        yield {
          path: entry.fileName,
          size: entry.uncompressedSize,
          open: () =>
            new Promise<Readable>((resolve, reject) =>
              zip.openReadStream(entry, (err, stream) =>
                err || !stream ? reject(err ?? new Error('no stream')) : resolve(stream),
              ),
            ),
        };
      }
    } finally {
      zip.close();
    }
  }
}

/** An unzipped bag (or a directory holding one): walked in name order, symlinks never followed. */
export class DirBagSource implements BagSource {
  readonly kind = 'directory';

  constructor(private readonly root: string) {}

  files(): AsyncIterable<BagFile> {
    return this.walk(this.root, '');
  }

  private async *walk(dir: string, prefix: string): AsyncIterable<BagFile> {
    const names: string[] = [];
    for await (const entry of await opendir(dir)) names.push(entry.name);
    names.sort();
    for (const name of names) {
      const full = join(dir, name);
      const rel = prefix + name;
      const info = await lstat(full);
      if (info.isDirectory()) {
        yield* this.walk(full, `${rel}/`);
      } else {
        yield {
          path: rel,
          size: info.size,
          ...(info.isFile() ? {} : { irregular: true }),
          open: () => Promise.resolve(createReadStream(full)),
        };
      }
    }
  }
}

/** A ZIP file or a directory, by what `path` is. */
export async function openBagSource(path: string): Promise<BagSource> {
  const info = await stat(path);
  if (info.isDirectory()) return new DirBagSource(path);
  return new ZipBagSource(path);
}

/** Top-level names of a directory (for finding the bag inside an unzipped folder). */
export async function topLevelNames(path: string): Promise<string[]> {
  return (await readdir(path)).sort();
}
