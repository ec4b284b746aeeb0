import os from 'node:os';
import { NameTakenError, NotFoundError, PrincipalDisabledError, ValidationError } from '../errors';
import type {
  AuditCatalog,
  NewAuditEvent,
  Principal as CatalogPrincipal,
  PrincipalCatalog,
} from '../catalog/types';
import { issueToken, tokenId } from './tokens';
import { ROLES, type Principal, type Role } from './types';

/**
 * Principal administration, shared by the `users` command and the HTTP routes behind
 * `principals.manage`: create, disable, issue and revoke tokens. Each change is also an audit event
 * (`principal.create`, `principal.disable`, `token.issue`, `token.revoke`) naming who made it; tokens
 * never appear in events, only a short id (the start of the token's hash).
 */

export const PRINCIPAL_KINDS = ['user', 'system'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** The catalog operations principal administration needs. */
export type PrincipalAdminCatalog = PrincipalCatalog & Pick<AuditCatalog, 'appendAudit'>;

/**
 * Who is making a change. Through the API: the authenticated admin. From the CLI: no principal (the
 * operator has direct access to the catalog), so the event records the OS user and host instead.
 */
export interface Actor {
  principalId: string | null;
  details?: Record<string, unknown>;
}

/** The actor for CLI commands: no principal, identified by OS user and host. */
export function cliActor(): Actor {
  let osUser: string;
  try {
    osUser = os.userInfo().username;
  } catch {
    osUser = process.env.USER ?? 'unknown';
  }
  return { principalId: null, details: { via: 'cli', osUser, host: os.hostname() } };
}

/** Principal ids as the catalog makes them; a name may not look like one. */
const ID_LIKE = /^(usr|sys)_[A-Za-z0-9]{8,64}$/;
const NAME_MAX = 128;
/** Letters, digits and marks, with `. _ @ ' -` and single inner spaces; starts with a letter or digit. */
const NAME = /^[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}._@'-]| (?! ))*$/u;

/**
 * A principal name, checked and normalised (Unicode NFC, so that two names that look the same are the
 * same name). Throws ValidationError naming what is wrong.
 */
export function validatePrincipalName(raw: string): string {
  const name = raw.normalize('NFC');
  const problem = ((): string | undefined => {
    if (name.length === 0) return 'is empty';
    if (name.length > NAME_MAX) return `is longer than ${NAME_MAX} characters`;
    if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name))
      return 'contains control or invisible formatting characters';
    if (name !== name.trim()) return 'starts or ends with a space';
    if (ID_LIKE.test(name)) return 'looks like a principal id (usr_... or sys_...)';
    if (name.startsWith('oidc:')) return 'starts with oidc: (reserved for OIDC principals)';
    if (!NAME.test(name))
      return "may hold only letters, digits, marks, . _ @ ' - and single spaces, starting with a letter or digit";
    return undefined;
  })();
  if (problem !== undefined) {
    throw new ValidationError(`invalid principal name: it ${problem}`, {
      details: { issues: [{ path: ['name'], message: problem }] },
    });
  }
  return name;
}

export function parseRole(value: string): Role {
  if ((ROLES as readonly string[]).includes(value)) return value as Role;
  throw new ValidationError(`invalid role ${JSON.stringify(value)}: use one of ${ROLES.join(', ')}`, {
    details: { issues: [{ path: ['role'], message: `must be one of ${ROLES.join(', ')}` }] },
  });
}

export function parseKind(value: string): PrincipalKind {
  if ((PRINCIPAL_KINDS as readonly string[]).includes(value)) return value as PrincipalKind;
  throw new ValidationError(`invalid kind ${JSON.stringify(value)}: use user or system`, {
    details: { issues: [{ path: ['kind'], message: 'must be user or system' }] },
  });
}

/** A principal by id (`usr_...`, `sys_...`) or by name. Throws NotFoundError. */
export async function resolvePrincipal(
  catalog: Pick<PrincipalCatalog, 'getPrincipal' | 'findPrincipalByName'>,
  nameOrId: string,
): Promise<CatalogPrincipal> {
  const found = ID_LIKE.test(nameOrId)
    ? await catalog.getPrincipal(nameOrId)
    : await catalog.findPrincipalByName(nameOrId.normalize('NFC'));
  if (!found) throw new NotFoundError(`no principal named or with id ${JSON.stringify(nameOrId)}`);
  return found;
}

function catalogPrincipalId(actor: Actor): string | null {
  return actor.principalId !== null && ID_LIKE.test(actor.principalId) ? actor.principalId : null;
}

async function audit(
  catalog: PrincipalAdminCatalog,
  actor: Actor,
  event: Omit<NewAuditEvent, 'principalId'>,
): Promise<void> {
  await catalog.appendAudit({
    ...event,
    principalId: actor.principalId,
    details: { ...(actor.details ?? {}), ...(event.details ?? {}) },
  });
}

export interface CreatePrincipalInput {
  name: string;
  role: Role;
  kind: PrincipalKind;
  actor: Actor;
  /**
   * Default: the actor's principal id when it is a catalog principal; null from the CLI and for OIDC
   * actors (not catalog rows; the audit event names them).
   */
  createdBy?: string | null;
}

export interface PrincipalWithToken {
  principal: CatalogPrincipal;
  /** The new token: show it once to whoever asked, never store or log it. */
  token: string;
  /** A short, non-secret handle of the token (start of its hash). */
  tokenId: string;
}

/** Creates a principal and its first API token. A taken name is a NameTakenError. */
export async function createPrincipal(
  catalog: PrincipalAdminCatalog,
  input: CreatePrincipalInput,
): Promise<PrincipalWithToken> {
  const name = validatePrincipalName(input.name);
  const role = parseRole(input.role);
  const kind = parseKind(input.kind);
  if (await catalog.findPrincipalByName(name)) {
    throw new NameTakenError(
      `a principal named ${JSON.stringify(name)} exists already: names are unique (no shared accounts)`,
    );
  }
  const principal = await catalog.addPrincipal({
    name,
    role,
    kind,
    createdBy: input.createdBy ?? catalogPrincipalId(input.actor),
  });
  const { token, tokenHash } = issueToken();
  await catalog.addTokenHash(principal.id, tokenHash);
  await audit(catalog, input.actor, {
    action: 'principal.create',
    target: principal.id,
    outcome: 'allowed',
    details: { name, role, kind, tokenId: tokenId(tokenHash) },
  });
  return { principal, token, tokenId: tokenId(tokenHash) };
}

/** Issues an additional token for an enabled principal. */
export async function issuePrincipalToken(
  catalog: PrincipalAdminCatalog,
  nameOrId: string,
  actor: Actor,
): Promise<PrincipalWithToken> {
  const principal = await resolvePrincipal(catalog, nameOrId);
  if (principal.disabledAt !== null) {
    throw new PrincipalDisabledError(`principal ${principal.name} is disabled: no new tokens`);
  }
  const { token, tokenHash } = issueToken();
  await catalog.addTokenHash(principal.id, tokenHash);
  await audit(catalog, actor, {
    action: 'token.issue',
    target: principal.id,
    outcome: 'allowed',
    details: { tokenId: tokenId(tokenHash) },
  });
  return { principal, token, tokenId: tokenId(tokenHash) };
}

/** Disables a principal: its tokens stop working at once. Disabling twice keeps the first date. */
export async function disablePrincipal(
  catalog: PrincipalAdminCatalog,
  nameOrId: string,
  actor: Actor,
): Promise<CatalogPrincipal> {
  const before = await resolvePrincipal(catalog, nameOrId);
  const after = await catalog.disablePrincipal(before.id);
  if (before.disabledAt === null) {
    await audit(catalog, actor, {
      action: 'principal.disable',
      target: after.id,
      outcome: 'allowed',
      details: { name: after.name },
    });
  }
  return after;
}

/** Revokes every active token of a principal; returns the ids of the tokens revoked. */
export async function revokePrincipalTokens(
  catalog: PrincipalAdminCatalog,
  nameOrId: string,
  actor: Actor,
): Promise<{ principal: CatalogPrincipal; revoked: string[] }> {
  const principal = await resolvePrincipal(catalog, nameOrId);
  const revoked: string[] = [];
  for (const t of await catalog.listTokens(principal.id)) {
    if (t.revokedAt !== null) continue;
    await catalog.revokeToken(t.tokenHash);
    revoked.push(tokenId(t.tokenHash));
  }
  if (revoked.length > 0) {
    await audit(catalog, actor, {
      action: 'token.revoke',
      target: principal.id,
      outcome: 'allowed',
      details: { tokenIds: revoked },
    });
  }
  return { principal, revoked };
}

export interface PrincipalSummary {
  id: string;
  name: string;
  role: Role;
  kind: PrincipalKind;
  createdAt: string;
  createdBy: string | null;
  disabledAt: string | null;
  /** Tokens not revoked. */
  activeTokens: number;
  /** Most recent use of any of its tokens. */
  lastUsedAt: string | null;
}

/** Every principal, ordered by name, with token counts; never tokens or their hashes. */
export async function listPrincipalSummaries(catalog: PrincipalCatalog): Promise<PrincipalSummary[]> {
  const out: PrincipalSummary[] = [];
  for (const p of await catalog.listPrincipals()) {
    const tokens = await catalog.listTokens(p.id);
    const used = tokens.map((t) => t.lastUsedAt?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
    out.push({
      id: p.id,
      name: p.name,
      role: p.role,
      kind: p.kind,
      createdAt: p.createdAt.toISOString(),
      createdBy: p.createdBy,
      disabledAt: p.disabledAt?.toISOString() ?? null,
      activeTokens: tokens.filter((t) => t.revokedAt === null).length,
      lastUsedAt: used > 0 ? new Date(used).toISOString() : null,
    });
  }
  return out;
}

/** The request-time view of a catalog principal. */
export function toPrincipal(p: CatalogPrincipal, via: Principal['via']): Principal {
  return { id: p.id, name: p.name, role: p.role, kind: p.kind, via };
}
