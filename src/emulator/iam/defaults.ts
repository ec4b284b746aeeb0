/**
 * The local default identities, built from the production layout's RAM policy documents in
 * `infra/policies/` (the single source of truth for these and for the Terraform): the archive's
 * service user `<prefix>-archive`, the role `<prefix>-export-reader` (signed URLs for the SFC)
 * and the role `<prefix>-disposition` (deleting records whose retention has ended, always
 * narrowed by a session policy to exact keys). Both roles trust the service user only.
 *
 * The files are Terraform `templatefile` templates: `${bucket_prefix}`, `${account_id}` (and
 * `${bucket_name}` in the bucket policy) are substituted here exactly as Terraform does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MAX_SESSION_SECONDS, type IamFile } from './config';
import { IamConfigError } from './errors';

/** infra/policies, from src/emulator/iam (ts-jest) and dist/emulator/iam (the build) alike. */
export const POLICY_DIR = path.resolve(__dirname, '..', '..', '..', 'infra', 'policies');

export const POLICY_FILES = {
  archiveService: 'archive-service.json',
  exportReader: 'export-reader.json',
  exportReaderTrust: 'export-reader-trust.json',
  disposition: 'disposition.json',
  dispositionTrust: 'disposition-trust.json',
  bucketHttpsOnly: 'bucket-https-only.json',
} as const;

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Substitutes `${name}` placeholders (Terraform templatefile syntax; `$${` is a literal `${`) and
 * parses the JSON. An unknown placeholder is an error, as it is for Terraform.
 */
export function renderPolicyTemplate(
  text: string,
  vars: Readonly<Record<string, string>>,
  name = 'template',
): unknown {
  const ESCAPED = '\u0000dollar-brace\u0000';
  const rendered = text
    .replaceAll('$${', ESCAPED)
    .replace(PLACEHOLDER, (_m, key: string) => {
      const value = vars[key];
      if (value === undefined) throw new IamConfigError(`${name}: no value for placeholder \${${key}}`);
      return value;
    })
    .replaceAll(ESCAPED, '${');
  try {
    return JSON.parse(rendered);
  } catch (err) {
    throw new IamConfigError(`${name} is not valid JSON once rendered: ${(err as Error).message}`);
  }
}

/** Reads one file of infra/policies and renders it. */
export function loadPolicyTemplate(
  file: string,
  vars: Readonly<Record<string, string>>,
  dir = POLICY_DIR,
): unknown {
  const full = path.join(dir, file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (err) {
    throw new IamConfigError(`cannot read policy template ${full}: ${(err as Error).message}`);
  }
  return renderPolicyTemplate(text, vars, full);
}

export interface DefaultIdentityOptions {
  accountId: string;
  /** `buckets.prefix` of the archive's configuration. */
  bucketPrefix: string;
  /** The service user's access key. */
  serviceKey: { id: string; secret: string };
  /** Where the policy files are (default: the repository's infra/policies). */
  policyDir?: string;
}

export function serviceUserName(bucketPrefix: string): string {
  return `${bucketPrefix}-archive`;
}

export function exportReaderRoleName(bucketPrefix: string): string {
  return `${bucketPrefix}-export-reader`;
}

export function dispositionRoleName(bucketPrefix: string): string {
  return `${bucketPrefix}-disposition`;
}

/** The local default identities as an IAM description (the same shape an `--iam` file has). */
export function defaultIdentities(options: DefaultIdentityOptions): IamFile {
  const vars = { bucket_prefix: options.bucketPrefix, account_id: options.accountId };
  const dir = options.policyDir ?? POLICY_DIR;
  const load = (file: string): unknown => loadPolicyTemplate(file, vars, dir);
  const user = serviceUserName(options.bucketPrefix);
  return {
    accountId: options.accountId,
    users: [
      {
        name: user,
        accessKeys: [{ id: options.serviceKey.id, secret: options.serviceKey.secret }],
        policies: ['archive-service'],
      },
    ],
    roles: [
      {
        name: exportReaderRoleName(options.bucketPrefix),
        trustPolicy: load(POLICY_FILES.exportReaderTrust),
        maxSessionSeconds: MAX_SESSION_SECONDS,
        policies: ['export-reader'],
      },
      {
        name: dispositionRoleName(options.bucketPrefix),
        trustPolicy: load(POLICY_FILES.dispositionTrust),
        maxSessionSeconds: 3600,
        policies: ['disposition'],
      },
    ],
    policies: {
      'archive-service': load(POLICY_FILES.archiveService),
      'export-reader': load(POLICY_FILES.exportReader),
      disposition: load(POLICY_FILES.disposition),
    },
  };
}
