/**
 * RAM identities of the emulated account, from an `--iam FILE` (or the local defaults in
 * defaults.ts): RAM users with access keys and attached policies, roles with a trust policy and
 * attached policies, and the named policy documents they refer to. The root key(s) of the account
 * are the emulator's `credentials` and keep full access.
 *
 *   {"accountId": "1000000000000001",
 *    "users": [{"name": "svc", "accessKeys": [{"id": "LTAIsvc0001", "secret": "s3cret"}], "policies": ["svc-policy"]}],
 *    "roles": [{"name": "export-reader", "trustedUsers": ["svc"], "maxSessionSeconds": 43200, "policies": ["read-exports"]}],
 *    "policies": {"svc-policy": {"Version": "1", "Statement": [...]}, "read-exports": {...}}}
 *
 * A role names who may assume it with `trustedUsers` (RAM users of this account) or a full
 * `trustPolicy` document (Principal {"RAM": [...]}), not both.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import { IamConfigError, PolicyGrammarError } from './errors';
import { compilePolicy, type CompiledPolicy } from './policy';

export const DEFAULT_ACCOUNT_ID = '1000000000000000';
export const MIN_SESSION_SECONDS = 900;
export const DEFAULT_MAX_SESSION_SECONDS = 3600;
export const MAX_SESSION_SECONDS = 43200;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const KEY_ID = /^[A-Za-z0-9]{8,128}$/;

const AccessKeySchema = z
  .object({
    id: z.string().regex(KEY_ID, '8-128 letters and digits'),
    secret: z.string().min(1).max(256),
    status: z.enum(['Active', 'Inactive']).default('Active'),
  })
  .strict();

const UserSchema = z
  .object({
    name: z.string().regex(NAME, 'a RAM user name: 1-64 letters, digits, . _ @ -'),
    accessKeys: z.array(AccessKeySchema).default([]),
    policies: z.array(z.string().min(1)).default([]),
  })
  .strict();

const RoleSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/, 'a RAM role name: 1-64 letters, digits, . -'),
    trustedUsers: z.array(z.string().min(1)).optional(),
    trustPolicy: z.unknown().optional(),
    maxSessionSeconds: z
      .number()
      .int()
      .min(DEFAULT_MAX_SESSION_SECONDS)
      .max(MAX_SESSION_SECONDS)
      .default(DEFAULT_MAX_SESSION_SECONDS),
    policies: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const IamFileSchema = z
  .object({
    accountId: z.string().regex(/^\d{16}$/, 'an Alibaba Cloud account id: 16 digits'),
    users: z.array(UserSchema).default([]),
    roles: z.array(RoleSchema).default([]),
    policies: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/), z.unknown()).default({}),
  })
  .strict();

export type IamFile = z.input<typeof IamFileSchema>;

export interface IamAccessKey {
  id: string;
  secret: string;
  active: boolean;
}

export interface IamUser {
  name: string;
  /** A numeric id, as RAM gives every user (stable: derived from account and name). */
  userId: string;
  arn: string;
  accessKeys: IamAccessKey[];
  policyNames: string[];
  policies: CompiledPolicy[];
}

export interface IamRole {
  name: string;
  roleId: string;
  arn: string;
  maxSessionSeconds: number;
  trust: CompiledPolicy;
  policyNames: string[];
  policies: CompiledPolicy[];
}

/** The emulated account: its root keys, RAM users, roles. */
export interface Iam {
  accountId: string;
  rootKeys: ReadonlyMap<string, string>;
  users: ReadonlyMap<string, IamUser>;
  roles: ReadonlyMap<string, IamRole>;
  /** Every RAM user access key by id. */
  userKeys: ReadonlyMap<string, { key: IamAccessKey; user: IamUser }>;
}

function numericId(first: string, ...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\0')).digest();
  return first + (digest.readBigUInt64BE(0) % 10n ** 15n).toString().padStart(15, '0');
}

function trustFromUsers(accountId: string, users: string[]): unknown {
  return {
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { RAM: users.map((u) => `acs:ram::${accountId}:user/${u}`) },
      },
    ],
  };
}

function formatZodIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('\n');
}

/**
 * Validates an IAM description and compiles its policies. Throws IamConfigError listing every
 * problem found (unknown policy names, duplicate names or keys, bad grammar, ...).
 */
export function buildIam(
  input: unknown,
  rootKeys: ReadonlyMap<string, string>,
  source = 'IAM configuration',
): Iam {
  const parsed = IamFileSchema.safeParse(input);
  if (!parsed.success)
    throw new IamConfigError(`${source} is invalid:\n${formatZodIssues(parsed.error.issues)}`);
  const file = parsed.data;
  const problems: string[] = [];
  const compiled = new Map<string, CompiledPolicy>();
  for (const [name, doc] of Object.entries(file.policies)) {
    try {
      compiled.set(name, compilePolicy(doc, 'identity'));
    } catch (err) {
      if (!(err instanceof PolicyGrammarError)) throw err;
      problems.push(`policies.${name}: ${err.message}`);
    }
  }
  const attach = (names: string[], where: string): CompiledPolicy[] => {
    const out: CompiledPolicy[] = [];
    for (const n of names) {
      const p = compiled.get(n);
      if (p) out.push(p);
      else if (!(n in file.policies)) problems.push(`${where}: no policy named "${n}" in "policies"`);
    }
    return out;
  };

  const users = new Map<string, IamUser>();
  const userKeys = new Map<string, { key: IamAccessKey; user: IamUser }>();
  file.users.forEach((u, i) => {
    if (users.has(u.name)) problems.push(`users[${i}].name: duplicate user "${u.name}"`);
    const user: IamUser = {
      name: u.name,
      userId: numericId('2', file.accountId, 'user', u.name),
      arn: `acs:ram::${file.accountId}:user/${u.name}`,
      accessKeys: u.accessKeys.map((k) => ({ id: k.id, secret: k.secret, active: k.status === 'Active' })),
      policyNames: u.policies,
      policies: attach(u.policies, `users[${i}].policies`),
    };
    users.set(u.name, user);
    user.accessKeys.forEach((key, j) => {
      if (rootKeys.has(key.id) || userKeys.has(key.id))
        problems.push(`users[${i}].accessKeys[${j}].id: access key id "${key.id}" is used twice`);
      userKeys.set(key.id, { key, user });
    });
  });

  const roles = new Map<string, IamRole>();
  file.roles.forEach((r, i) => {
    const where = `roles[${i}]`;
    if (roles.has(r.name)) problems.push(`${where}.name: duplicate role "${r.name}"`);
    let trustDoc: unknown;
    if (r.trustPolicy !== undefined && r.trustedUsers !== undefined) {
      problems.push(`${where}: give trustedUsers or trustPolicy, not both`);
    } else if (r.trustPolicy !== undefined) {
      trustDoc = r.trustPolicy;
    } else if (r.trustedUsers !== undefined) {
      for (const u of r.trustedUsers) {
        if (!file.users.some((x) => x.name === u))
          problems.push(`${where}.trustedUsers: no user named "${u}" in "users"`);
      }
      trustDoc = trustFromUsers(file.accountId, r.trustedUsers);
    } else {
      problems.push(`${where}: trustedUsers or trustPolicy is required (who may assume the role)`);
    }
    // Trusts nobody until a valid trust policy is compiled (the problem is reported below).
    let trust: CompiledPolicy = compilePolicy(
      { Version: '1', Statement: [{ Effect: 'Deny', Action: '*', Principal: { RAM: '*' } }] },
      'trust',
    );
    if (trustDoc !== undefined) {
      try {
        trust = compilePolicy(trustDoc, 'trust');
      } catch (err) {
        if (!(err instanceof PolicyGrammarError)) throw err;
        problems.push(`${where}.trustPolicy: ${err.message}`);
      }
    }
    roles.set(r.name, {
      name: r.name,
      roleId: numericId('3', file.accountId, 'role', r.name),
      arn: `acs:ram::${file.accountId}:role/${r.name}`,
      maxSessionSeconds: r.maxSessionSeconds,
      trust,
      policyNames: r.policies,
      policies: attach(r.policies, `${where}.policies`),
    });
  });

  if (problems.length > 0) throw new IamConfigError(`${source} is invalid:\n  ${problems.join('\n  ')}`);
  return { accountId: file.accountId, rootKeys, users, roles, userKeys };
}

/** Reads and validates an `--iam FILE`. */
export function loadIamFile(file: string, rootKeys: ReadonlyMap<string, string>): Iam {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new IamConfigError(`cannot read IAM file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new IamConfigError(`IAM file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return buildIam(doc, rootKeys, `IAM file ${file}`);
}

/** An account with nothing but its root keys (the emulator without `--iam`). */
export function rootOnlyIam(rootKeys: ReadonlyMap<string, string>, accountId = DEFAULT_ACCOUNT_ID): Iam {
  return buildIam({ accountId }, rootKeys);
}
