/**
 * The local profile's identities for the embedded emulator: the account's root key (provisioning:
 * `strongroom provision`, `worm`, the first start's bucket setup) and the archive's service RAM
 * user, whose policy is infra/policies/archive-service.json. `serve` runs as the service user, so
 * least privilege is exercised on every local start and in every test.
 *
 * Both key pairs are made on first use and kept in 0600 files under `<dataDir>/emulator/`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { IamFile } from '../emulator';
import { DEFAULT_ACCOUNT_ID } from '../emulator/iam/config';
import { defaultIdentities, dispositionRoleName, exportReaderRoleName } from '../emulator/iam/defaults';

export interface KeyPair {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface LocalIdentities {
  accountId: string;
  root: KeyPair;
  service: KeyPair;
  /** The emulator's IAM description (the `--iam FILE` shape). */
  iam: IamFile;
  exportRoleArn: string;
  dispositionRoleArn: string;
}

function serviceCredentials(dir: string): KeyPair {
  const file = path.join(dir, 'service-credentials.json');
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<KeyPair>;
    if (typeof parsed.accessKeyId === 'string' && typeof parsed.accessKeySecret === 'string')
      return { accessKeyId: parsed.accessKeyId, accessKeySecret: parsed.accessKeySecret };
  } catch {
    // absent or unreadable: make new ones below
  }
  const creds = {
    accessKeyId: `LTAIsvc${randomBytes(9).toString('hex')}`,
    accessKeySecret: randomBytes(24).toString('base64url'),
  };
  fs.writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  return creds;
}

/** `root`: the account's key (store.ts localCredentials); `dir`: the embedded emulator's directory. */
export function localIdentities(
  config: Pick<Config, 'buckets'>,
  root: KeyPair,
  dir: string,
): LocalIdentities {
  const service = serviceCredentials(dir);
  const accountId = DEFAULT_ACCOUNT_ID;
  const prefix = config.buckets.prefix;
  return {
    accountId,
    root,
    service,
    iam: defaultIdentities({
      accountId,
      bucketPrefix: prefix,
      serviceKey: { id: service.accessKeyId, secret: service.accessKeySecret },
    }),
    exportRoleArn: `acs:ram::${accountId}:role/${exportReaderRoleName(prefix)}`,
    dispositionRoleArn: `acs:ram::${accountId}:role/${dispositionRoleName(prefix)}`,
  };
}
