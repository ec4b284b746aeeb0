/**
 * How other tools reach the embedded emulator (as MinIO and Azurite print theirs): the endpoint,
 * the region, the buckets, the two identities of the local profile (docs/decisions/0006) and
 * ready-to-use client settings: an ali-oss snippet and an ossutil 2.0 config file.
 *
 * The secrets go to files under `<dataDir>/emulator/` with mode 0600, never to a log; `serve`
 * prints the endpoint, the access key ids and the files' paths (src/cli/commands/serve.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { bucketPlan, type Config } from '../config';
import { serviceUserName } from '../emulator/iam/defaults';
import { localIdentities, type KeyPair } from './local-identities';
import { EMULATOR_REGION, emulatorDir, localCredentials } from './store';

export interface EmulatorAccess {
  endpoint: string;
  region: string;
  buckets: string[];
  /** The account's root key: provisioning, `worm`, `reconcile`; the admin identity. */
  admin: KeyPair;
  /** The archive's least-privileged RAM user: what `serve` signs with. */
  service: KeyPair & { userName: string };
  /** The text file with all of it (0600). */
  file: string;
  /** An ossutil 2.0 config file for the service user (0600). */
  ossutilConfig: string;
}

export const ACCESS_FILE = 'connect.txt';
export const OSSUTIL_CONFIG_FILE = 'ossutilconfig';

/** The ali-oss snippet: a complete script that lists a bucket as the given identity. */
export function aliOssSnippet(
  a: Pick<EmulatorAccess, 'endpoint' | 'region'>,
  key: KeyPair,
  bucket: string,
): string {
  return [
    "const OSS = require('ali-oss');",
    'const client = new OSS({',
    `  endpoint: ${JSON.stringify(a.endpoint)},`,
    `  region: ${JSON.stringify(a.region)},`,
    `  accessKeyId: ${JSON.stringify(key.accessKeyId)},`,
    `  accessKeySecret: ${JSON.stringify(key.accessKeySecret)},`,
    `  bucket: ${JSON.stringify(bucket)},`,
    '  sldEnable: true, // path-style: the bucket in the path, as a local endpoint needs',
    '  authorizationV4: true,',
    '  secure: false,',
    '});',
    "client.list({ 'max-keys': 20 }, {}).then((r) => console.log((r.objects || []).map((o) => o.name)));",
  ].join('\n');
}

function ossutilConfigText(a: Pick<EmulatorAccess, 'endpoint'>, key: KeyPair): string {
  return [
    '# ossutil 2.0: ossutil -c THIS_FILE --addressing-style path ls oss://BUCKET',
    '# (strongroom serve wrote it: the archive service user of the embedded emulator)',
    '[default]',
    `accessKeyId = ${key.accessKeyId}`,
    `accessKeySecret = ${key.accessKeySecret}`,
    'region = local',
    `endpoint = ${a.endpoint}`,
    '',
  ].join('\n');
}

function accessText(a: EmulatorAccess): string {
  const bucket = a.buckets[0] ?? 'BUCKET';
  return [
    "# strongroom's embedded OSS emulator, for other tools (written by `strongroom serve`, mode 0600)",
    '',
    `endpoint: ${a.endpoint}   (path-style: the bucket goes in the path)`,
    `region:   ${a.region}   (ali-oss; any region in a V4 signature's scope is accepted)`,
    `buckets:  ${a.buckets.join(', ')}`,
    '',
    '## admin identity: the account root key (provisioning, worm, reconcile; everything the locks allow)',
    `accessKeyId:     ${a.admin.accessKeyId}`,
    `accessKeySecret: ${a.admin.accessKeySecret}`,
    '',
    `## archive service user ${a.service.userName}: least privilege (infra/policies/archive-service.json),`,
    '## what the archive signs with; cannot delete objects or change retention',
    `accessKeyId:     ${a.service.accessKeyId}`,
    `accessKeySecret: ${a.service.accessKeySecret}`,
    '',
    '## ali-oss (Node), as the service user: node -e "$(sed -n \'/^const OSS/,/^client.list/p\' THIS_FILE)"',
    aliOssSnippet(a, a.service, bucket),
    '',
    `## ossutil 2.0: ${a.ossutilConfig} (the service user)`,
    `ossutil -c ${a.ossutilConfig} --addressing-style path ls oss://${bucket}`,
    '',
  ].join('\n');
}

function writeSecret(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600 });
  // An existing file keeps its mode on write: make sure it is 0600 now.
  fs.chmodSync(file, 0o600);
}

/** Writes the access files for the emulator at `endpoint` and returns what they hold. */
export function writeEmulatorAccess(config: Config, endpoint: string): EmulatorAccess {
  const dir = emulatorDir(config);
  const ids = localIdentities(config, localCredentials(config), dir);
  const plan = bucketPlan(config);
  const access: EmulatorAccess = {
    endpoint,
    region: EMULATOR_REGION,
    buckets: [...plan.records.map((r) => r.bucket), plan.audit.bucket, plan.exports.bucket, plan.logs.bucket],
    admin: ids.root,
    service: { ...ids.service, userName: serviceUserName(config.buckets.prefix) },
    file: path.join(dir, ACCESS_FILE),
    ossutilConfig: path.join(dir, OSSUTIL_CONFIG_FILE),
  };
  writeSecret(access.ossutilConfig, ossutilConfigText(access, ids.service));
  writeSecret(access.file, accessText(access));
  return access;
}
