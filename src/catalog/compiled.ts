import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { CatalogDatabase } from './schema';

/**
 * Hot queries compiled once per database and reused with new parameters: building and compiling
 * a Kysely query costs more than running a point lookup. `build` receives placeholder values and
 * must bind exactly the parameters given to `run`, in that order (checked on first compile).
 */
const compiledFor = new WeakMap<Kysely<CatalogDatabase>, Map<string, string>>();

export async function runCompiled<Row>(
  db: Kysely<CatalogDatabase>,
  name: string,
  build: (db: Kysely<CatalogDatabase>, ...placeholders: string[]) => Compilable<Row>,
  parameters: readonly unknown[],
): Promise<Row[]> {
  let cache = compiledFor.get(db);
  if (!cache) compiledFor.set(db, (cache = new Map()));
  let sqlText = cache.get(name);
  if (sqlText === undefined) {
    const placeholders = parameters.map((_, i) => `__p${i}__`);
    const compiled = build(db, ...placeholders).compile();
    const bound = compiled.parameters;
    if (bound.length !== placeholders.length || bound.some((p, i) => p !== placeholders[i])) {
      throw new Error(`catalog: query ${name} does not bind its parameters in order`);
    }
    sqlText = compiled.sql;
    cache.set(name, sqlText);
  }
  const result = await db.executeQuery<Row>(CompiledQuery.raw(sqlText, [...parameters]));
  return result.rows;
}
