import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Principal as CatalogPrincipal } from '../catalog/types';
import { BootstrapConflictError, BootstrapError, NameTakenError } from '../errors';
import { createPrincipal, type Actor, type PrincipalAdminCatalog } from './principals';

/**
 * First local start. When the catalog has no principal at all, two are created:
 * - `local-admin` (role admin, kind user): manages principals and tokens;
 * - `local-ingest` (role ingest, kind system): sends records.
 * Admin is deliberately not a writer (see policy.ts), so the token that posts the first record is
 * the ingest one. Both tokens go, once, into `<dataDir>/bootstrap-tokens.json`, created with mode
 * 0600 (written to a private temporary file, then hard-linked into place, which fails rather than
 * replace an existing file) and never overwritten. Nothing else prints or stores the tokens.
 *
 * Meant for the local profile; production creates its principals with `strongroom users add` or
 * uses OIDC.
 */

export const BOOTSTRAP_ADMIN_NAME = 'local-admin';
export const BOOTSTRAP_INGEST_NAME = 'local-ingest';
export const BOOTSTRAP_TOKEN_FILE = 'bootstrap-tokens.json';

export interface BootstrapTokenEntry {
  id: string;
  name: string;
  role: string;
  token: string;
}

/** The JSON written to the token file. */
export interface BootstrapTokenFile {
  createdAt: string;
  note: string;
  admin: BootstrapTokenEntry;
  ingest: BootstrapTokenEntry;
}

export interface BootstrapResult {
  /** True when this call created the principals and wrote the token file. */
  created: boolean;
  /** Absolute path of the token file (it may not exist when created is false). */
  tokenFile: string;
  /** The bootstrap admin, when it exists. */
  principal: CatalogPrincipal | undefined;
  /** The bootstrap ingest principal, when it exists. */
  ingest: CatalogPrincipal | undefined;
}

const BOOTSTRAP_ACTOR: Actor = { principalId: null, details: { via: 'bootstrap' } };

/** Writes `content` to `file` with mode 0600, failing if `file` exists; never leaves a partial file at `file`. */
export function writeSecretFileOnce(file: string, content: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    try {
      fs.fchmodSync(fd, 0o600);
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(temp, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/**
 * Creates the local admin and ingest principals and their token file if the catalog has no
 * principal; otherwise changes nothing and reports what exists.
 */
export async function ensureBootstrapAdmin(
  catalog: PrincipalAdminCatalog,
  dataDir: string,
): Promise<BootstrapResult> {
  const tokenFile = path.resolve(dataDir, BOOTSTRAP_TOKEN_FILE);
  const existing = async (): Promise<BootstrapResult> => ({
    created: false,
    tokenFile,
    principal: await catalog.findPrincipalByName(BOOTSTRAP_ADMIN_NAME),
    ingest: await catalog.findPrincipalByName(BOOTSTRAP_INGEST_NAME),
  });

  if ((await catalog.listPrincipals()).length > 0) return existing();
  if (fs.existsSync(tokenFile)) {
    throw new BootstrapConflictError(
      `${tokenFile} exists but the catalog has no principals (was the catalog replaced?): its tokens do not work. ` +
        'Move the file away and start again to bootstrap new principals.',
    );
  }
  fs.mkdirSync(path.dirname(tokenFile), { recursive: true, mode: 0o700 });

  let admin;
  try {
    admin = await createPrincipal(catalog, {
      name: BOOTSTRAP_ADMIN_NAME,
      role: 'admin',
      kind: 'user',
      actor: BOOTSTRAP_ACTOR,
      createdBy: null,
    });
  } catch (err) {
    // Another process bootstrapped at the same moment: its principals and file stand.
    if (err instanceof NameTakenError) return existing();
    throw err;
  }
  const ingest = await createPrincipal(catalog, {
    name: BOOTSTRAP_INGEST_NAME,
    role: 'ingest',
    kind: 'system',
    actor: BOOTSTRAP_ACTOR,
    createdBy: admin.principal.id,
  });

  const content: BootstrapTokenFile = {
    createdAt: admin.principal.createdAt.toISOString(),
    note:
      'Created on the first start of this archive; the tokens are not stored anywhere else. ' +
      'Send records with "Authorization: Bearer <ingest.token>"; manage principals with the admin token or `strongroom users`. ' +
      'Move the tokens to a secrets store and delete this file.',
    admin: {
      id: admin.principal.id,
      name: admin.principal.name,
      role: admin.principal.role,
      token: admin.token,
    },
    ingest: {
      id: ingest.principal.id,
      name: ingest.principal.name,
      role: ingest.principal.role,
      token: ingest.token,
    },
  };
  try {
    writeSecretFileOnce(tokenFile, JSON.stringify(content, null, 2) + '\n');
  } catch (err) {
    throw new BootstrapError(
      `created ${BOOTSTRAP_ADMIN_NAME} and ${BOOTSTRAP_INGEST_NAME} but could not write ${tokenFile} (${(err as Error).message}); ` +
        `issue new tokens with \`strongroom users token ${BOOTSTRAP_INGEST_NAME}\` and \`strongroom users token ${BOOTSTRAP_ADMIN_NAME}\``,
      { cause: err },
    );
  }
  return { created: true, tokenFile, principal: admin.principal, ingest: ingest.principal };
}

/** One line for the start-up output; never contains a token. */
export function describeBootstrap(result: BootstrapResult): string | undefined {
  if (!result.created) return undefined;
  return (
    `first start: created principals ${BOOTSTRAP_ADMIN_NAME} (admin) and ${BOOTSTRAP_INGEST_NAME} (ingest); ` +
    `their tokens are in ${result.tokenFile} (mode 0600, shown nowhere else). ` +
    `Post records with the ingest token: TOKEN=$(node -p "require(process.argv[1]).ingest.token" ${JSON.stringify(result.tokenFile)})`
  );
}
