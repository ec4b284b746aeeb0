import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { NameTakenError, NotFoundError, TokenExistsError } from '../errors';
import type { Clock } from '../util/clock';
import { isForeignKeyViolation, isUniqueViolation } from './db-errors';
import { toDbTime, toPrincipal, toTokenInfo } from './mappers';
import type { CatalogDatabase } from './schema';
import { PRINCIPAL_KINDS, ROLES, type ApiTokenInfo, type NewPrincipal, type Principal } from './types';
import { HEX64, fail, type Issue } from './validate';
import { runCompiled } from './compiled';

/**
 * Principals (every user and system has its own unique id: no shared accounts) and their API
 * tokens, stored as SHA-256 hashes only. Writes go through a transaction so that, on SQLite, they
 * take the write lock the same way as every other writer (see dialect.ts).
 */

export interface PrincipalContext {
  db: Kysely<CatalogDatabase>;
  clock: Clock;
}

const PRINCIPAL_ID = /^(usr|sys)_[A-Za-z0-9]{8,64}$/;

function newPrincipalId(kind: NewPrincipal['kind']): string {
  return `${kind === 'system' ? 'sys' : 'usr'}_${randomBytes(12).toString('hex')}`;
}

function validatePrincipal(p: NewPrincipal): void {
  const issues: Issue[] = [];
  if (p.id !== undefined && !PRINCIPAL_ID.test(p.id))
    issues.push({ path: ['id'], message: 'must match ^(usr|sys)_[A-Za-z0-9]{8,64}$' });
  if (p.name.trim() !== p.name || p.name.length === 0 || p.name.length > 128) {
    issues.push({ path: ['name'], message: 'must be 1-128 characters without surrounding spaces' });
  }
  if (!ROLES.includes(p.role)) issues.push({ path: ['role'], message: `must be one of ${ROLES.join(', ')}` });
  if (!PRINCIPAL_KINDS.includes(p.kind)) issues.push({ path: ['kind'], message: 'must be user or system' });
  if (issues.length > 0) fail('invalid principal', issues);
}

function checkTokenHash(tokenHash: string): void {
  if (!HEX64.test(tokenHash)) {
    fail('invalid token hash', [
      { path: ['tokenHash'], message: 'must be the SHA-256 of the token: 64 lower-case hex digits' },
    ]);
  }
}

export async function addPrincipal(ctx: PrincipalContext, p: NewPrincipal): Promise<Principal> {
  validatePrincipal(p);
  try {
    const row = await ctx.db.transaction().execute((trx) =>
      trx
        .insertInto('principals')
        .values({
          id: p.id ?? newPrincipalId(p.kind),
          name: p.name,
          role: p.role,
          kind: p.kind,
          disabled_at: null,
          created_at: toDbTime(ctx.clock.now()),
          created_by: p.createdBy ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toPrincipal(row);
  } catch (err) {
    if (isUniqueViolation(err))
      throw new NameTakenError(`a principal named ${JSON.stringify(p.name)} (or with that id) exists`, {
        cause: err,
      });
    if (isForeignKeyViolation(err))
      throw new NotFoundError(`creating principal ${String(p.createdBy)} does not exist`, { cause: err });
    throw err;
  }
}

export async function getPrincipal(ctx: PrincipalContext, id: string): Promise<Principal | undefined> {
  const row = await ctx.db.selectFrom('principals').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toPrincipal(row) : undefined;
}

export async function findPrincipalByName(
  ctx: PrincipalContext,
  name: string,
): Promise<Principal | undefined> {
  const row = await ctx.db.selectFrom('principals').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? toPrincipal(row) : undefined;
}

export async function listPrincipals(ctx: PrincipalContext): Promise<Principal[]> {
  const rows = await ctx.db.selectFrom('principals').selectAll().orderBy('name').orderBy('id').execute();
  return rows.map(toPrincipal);
}

export async function disablePrincipal(ctx: PrincipalContext, id: string): Promise<Principal> {
  const row = await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('principals')
      .set({ disabled_at: toDbTime(ctx.clock.now()) })
      .where('id', '=', id)
      .where('disabled_at', 'is', null)
      .execute();
    return trx.selectFrom('principals').selectAll().where('id', '=', id).executeTakeFirst();
  });
  if (!row) throw new NotFoundError(`principal ${id} does not exist`);
  return toPrincipal(row);
}

export async function addTokenHash(
  ctx: PrincipalContext,
  principalId: string,
  tokenHash: string,
): Promise<ApiTokenInfo> {
  checkTokenHash(tokenHash);
  try {
    const row = await ctx.db.transaction().execute((trx) =>
      trx
        .insertInto('api_tokens')
        .values({
          token_hash: tokenHash,
          principal_id: principalId,
          created_at: toDbTime(ctx.clock.now()),
          last_used_at: null,
          revoked_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toTokenInfo(row);
  } catch (err) {
    if (isUniqueViolation(err))
      throw new TokenExistsError('this token is already registered', { cause: err });
    if (isForeignKeyViolation(err))
      throw new NotFoundError(`principal ${principalId} does not exist`, { cause: err });
    throw err;
  }
}

export async function revokeToken(ctx: PrincipalContext, tokenHash: string): Promise<ApiTokenInfo> {
  checkTokenHash(tokenHash);
  const row = await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('api_tokens')
      .set({ revoked_at: toDbTime(ctx.clock.now()) })
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .execute();
    return trx.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  });
  if (!row) throw new NotFoundError('no such token');
  return toTokenInfo(row);
}

export async function listTokens(ctx: PrincipalContext, principalId: string): Promise<ApiTokenInfo[]> {
  const rows = await ctx.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('principal_id', '=', principalId)
    .orderBy('created_at')
    .orderBy('token_hash')
    .execute();
  return rows.map(toTokenInfo);
}

export async function findPrincipalByTokenHash(
  ctx: PrincipalContext,
  tokenHash: string,
): Promise<Principal | undefined> {
  if (!HEX64.test(tokenHash)) return undefined;
  // Every API request runs this: compiled once (compiled.ts).
  const [row] = await runCompiled(
    ctx.db,
    'findPrincipalByTokenHash',
    (q, hash) =>
      q
        .selectFrom('api_tokens')
        .innerJoin('principals', 'principals.id', 'api_tokens.principal_id')
        .selectAll('principals')
        .where('api_tokens.token_hash', '=', hash!)
        .where('api_tokens.revoked_at', 'is', null)
        .where('principals.disabled_at', 'is', null),
    [tokenHash],
  );
  return row ? toPrincipal(row) : undefined;
}

export async function markTokenUsed(ctx: PrincipalContext, tokenHash: string): Promise<void> {
  checkTokenHash(tokenHash);
  await ctx.db.transaction().execute((trx) =>
    trx
      .updateTable('api_tokens')
      .set({ last_used_at: toDbTime(ctx.clock.now()) })
      .where('token_hash', '=', tokenHash)
      .execute(),
  );
}
