import fs from 'node:fs';
import path from 'node:path';
import { UnavailableError } from '../errors';

/**
 * A worker thread's compiled script, `rel` under dist/ (`export/bag-worker.js`): beside the
 * calling module when it runs from dist/ (`here` is its __dirname), else in dist/ when it runs
 * from sources (tests, through ts-jest). A worker cannot run the TypeScript sources.
 */
export function compiledScript(here: string, rel: string, what: string): string {
  const beside = path.join(here, path.basename(rel));
  if (fs.existsSync(beside)) return beside;
  const built = path.resolve(here, '..', '..', 'dist', rel);
  if (fs.existsSync(built)) return built;
  throw new UnavailableError(
    `${what} script is missing (looked for ${beside} and ${built}); run npm run build`,
  );
}
