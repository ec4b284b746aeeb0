import fs from 'node:fs';
import path from 'node:path';
import { UnavailableError } from '../errors';

/**
 * The compiled script of a worker thread, `src/<dir>/<name>.ts` built to `dist/<dir>/<name>.js`:
 * next to the calling module in dist/, or in dist/ when running from sources (tests: `npm run
 * build` first). `dir` is the caller's `__dirname`.
 */
export function workerScript(dir: string, name: string): string {
  const here = path.join(dir, `${name}.js`);
  if (fs.existsSync(here)) return here;
  const built = path.resolve(dir, '..', '..', 'dist', path.basename(dir), `${name}.js`);
  if (fs.existsSync(built)) return built;
  throw new UnavailableError(
    `the worker script ${name}.js is missing (looked for ${here} and ${built}); run npm run build`,
  );
}
