import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCatalog, type Catalog } from '../../src/catalog';
import type { Clock } from '../../src/util/clock';

/** A fresh data directory under the OS temp dir; removed by `cleanup`. */
export function tempDir(prefix = 'strongroom-auth-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TempCatalog {
  catalog: Catalog;
  dir: string;
  cleanup(): Promise<void>;
}

/** A real SQLite catalog in a temp directory. */
export async function tempCatalog(clock?: Clock): Promise<TempCatalog> {
  const dir = tempDir();
  const catalog = await openCatalog({
    sqlitePath: path.join(dir, 'catalog.sqlite'),
    ...(clock ? { clock } : {}),
  });
  return {
    catalog,
    dir,
    async cleanup() {
      await catalog.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
