import type { Command } from 'commander';
import {
  cliActor,
  createPrincipal,
  disablePrincipal,
  issuePrincipalToken,
  listPrincipalSummaries,
  parseKind,
  parseRole,
  revokePrincipalTokens,
  type PrincipalSummary,
  type PrincipalWithToken,
} from '../../auth';
import { openCatalog, type Catalog } from '../../catalog';
import { catalogLocation, type Config } from '../../config';
import { renderTable } from '../../util/table';
import { cliConfig, withCommonOptions, type CommonOptions } from '../common';

/**
 * `strongroom users`: principals (one per person or system: no shared accounts) and their API tokens.
 * Works directly on the catalog (SQLite under the data directory, or DATABASE_URL). A new token is
 * printed once, by `add` and `token`; nothing shows it again and no command prints token hashes.
 */

export interface UsersAddOptions extends CommonOptions {
  role: string;
  kind?: string;
}

export interface IssuedTokenResult {
  id: string;
  name: string;
  role: string;
  kind: string;
  /** The new token: shown once. */
  token: string;
  /** Non-secret handle of the token (start of its hash). */
  tokenId: string;
}

export interface DisableResult {
  id: string;
  name: string;
  disabledAt: string;
}

export interface RevokeResult {
  id: string;
  name: string;
  /** Handles of the tokens revoked. */
  revoked: string[];
}

/** The catalog the CLI works on: PostgreSQL when configured, else `<dataDir>/catalog.sqlite`. */
export async function openCliCatalog(config: Config): Promise<Catalog> {
  return openCatalog(catalogLocation(config));
}

async function withCatalog<T>(opts: CommonOptions, fn: (catalog: Catalog) => Promise<T>): Promise<T> {
  const catalog = await openCliCatalog(cliConfig(opts));
  try {
    return await fn(catalog);
  } finally {
    await catalog.close();
  }
}

function issuedResult(issued: PrincipalWithToken): IssuedTokenResult {
  const p = issued.principal;
  return { id: p.id, name: p.name, role: p.role, kind: p.kind, token: issued.token, tokenId: issued.tokenId };
}

export async function usersAdd(name: string, opts: UsersAddOptions): Promise<IssuedTokenResult> {
  // Check the arguments before touching the catalog.
  const role = parseRole(opts.role);
  const kind = parseKind(opts.kind ?? 'user');
  return withCatalog(opts, async (catalog) =>
    issuedResult(await createPrincipal(catalog, { name, role, kind, actor: cliActor() })),
  );
}

export async function usersList(opts: CommonOptions): Promise<PrincipalSummary[]> {
  return withCatalog(opts, (catalog) => listPrincipalSummaries(catalog));
}

export async function usersDisable(nameOrId: string, opts: CommonOptions): Promise<DisableResult> {
  return withCatalog(opts, async (catalog) => {
    const p = await disablePrincipal(catalog, nameOrId, cliActor());
    return { id: p.id, name: p.name, disabledAt: (p.disabledAt ?? new Date()).toISOString() };
  });
}

export async function usersToken(nameOrId: string, opts: CommonOptions): Promise<IssuedTokenResult> {
  return withCatalog(opts, async (catalog) =>
    issuedResult(await issuePrincipalToken(catalog, nameOrId, cliActor())),
  );
}

export async function usersRevokeTokens(nameOrId: string, opts: CommonOptions): Promise<RevokeResult> {
  return withCatalog(opts, async (catalog) => {
    const { principal, revoked } = await revokePrincipalTokens(catalog, nameOrId, cliActor());
    return { id: principal.id, name: principal.name, revoked };
  });
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export function renderIssued(result: IssuedTokenResult, asJson: boolean, verb: 'created' | 'issued'): string {
  if (asJson) return json(result);
  const head =
    verb === 'created'
      ? `created ${result.kind} ${result.name} (${result.id}) with role ${result.role}\n`
      : `issued a new token for ${result.name} (${result.id}), role ${result.role}\n`;
  return (
    head +
    `token: ${result.token}\n` +
    'This token will not be shown again and cannot be recovered: store it now (a secrets manager, not a file or shell history).\n'
  );
}

export function renderList(rows: PrincipalSummary[], asJson: boolean): string {
  if (asJson) return json(rows);
  if (rows.length === 0) return 'no principals yet (add one with `strongroom users add NAME --role ROLE`)\n';
  const day = (iso: string | null): string => (iso === null ? '-' : iso.slice(0, 19).replace('T', ' ') + 'Z');
  return renderTable(
    ['ID', 'NAME', 'ROLE', 'KIND', 'CREATED', 'DISABLED', 'TOKENS', 'LAST USED'],
    rows.map((r) => [
      r.id,
      r.name,
      r.role,
      r.kind,
      day(r.createdAt),
      day(r.disabledAt),
      r.activeTokens,
      day(r.lastUsedAt),
    ]),
  );
}

export function renderDisable(result: DisableResult, asJson: boolean): string {
  if (asJson) return json(result);
  return `disabled ${result.name} (${result.id}) as of ${result.disabledAt}: its tokens no longer authenticate\n`;
}

export function renderRevoke(result: RevokeResult, asJson: boolean): string {
  if (asJson) return json(result);
  if (result.revoked.length === 0) return `${result.name} (${result.id}) had no active tokens\n`;
  return `revoked ${result.revoked.length} token(s) of ${result.name} (${result.id}): ${result.revoked.join(', ')}\n`;
}

export function register(program: Command): void {
  const users = program
    .command('users')
    .description('principals (one per person or system: no shared accounts) and their API tokens');
  const out = (text: string): void => {
    process.stdout.write(text);
  };

  withCommonOptions(
    users.command('add <name>').description('create a principal and print its first API token (shown once)'),
  )
    .requiredOption('--role <role>', 'ingest, reader, compliance, auditor or admin')
    .option('--kind <kind>', 'user (a person) or system', 'user')
    .option('--json', 'print JSON: {"id", "token", ...}')
    .action(async (name: string, opts: UsersAddOptions) =>
      out(renderIssued(await usersAdd(name, opts), opts.json === true, 'created')),
    );

  withCommonOptions(users.command('list').description('list principals (never tokens or their hashes)'))
    .option('--json', 'print JSON')
    .action(async (opts: CommonOptions) => out(renderList(await usersList(opts), opts.json === true)));

  withCommonOptions(
    users.command('disable <nameOrId>').description('disable a principal: its tokens stop working at once'),
  )
    .option('--json', 'print JSON')
    .action(async (nameOrId: string, opts: CommonOptions) =>
      out(renderDisable(await usersDisable(nameOrId, opts), opts.json === true)),
    );

  withCommonOptions(
    users
      .command('token <nameOrId>')
      .description('issue an additional API token for a principal (shown once)'),
  )
    .option('--json', 'print JSON: {"id", "token", ...}')
    .action(async (nameOrId: string, opts: CommonOptions) =>
      out(renderIssued(await usersToken(nameOrId, opts), opts.json === true, 'issued')),
    );

  withCommonOptions(
    users.command('revoke-tokens <nameOrId>').description("revoke all of a principal's API tokens"),
  )
    .option('--json', 'print JSON')
    .action(async (nameOrId: string, opts: CommonOptions) =>
      out(renderRevoke(await usersRevokeTokens(nameOrId, opts), opts.json === true)),
    );
}
