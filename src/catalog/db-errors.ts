/** Recognising constraint violations from either driver (pg SQLSTATE, better-sqlite3 codes). */
import { EXISTING_ROW_MARKER } from './migration-append-only';

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A duplicate key: refused by a unique index, or (SQLite, append-only tables) by the trigger of
 * migration 0005 that refuses an INSERT over an existing row before any REPLACE can run.
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  if (code === 'SQLITE_CONSTRAINT_TRIGGER') {
    const message = (err as { message?: unknown }).message;
    return typeof message === 'string' && message.includes(EXISTING_ROW_MARKER);
  }
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
