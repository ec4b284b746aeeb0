/**
 * doctor's control-plane rows: who the archive runs as, whether it can assume the export
 * role (with a session narrowed to nothing of value), whether the checkpoint signer signs (and
 * the signature verifies), and whether ActionTrail answers.
 */
import { createPublicKey, verify } from 'node:crypto';
import { isStrongroomError } from '../errors';
import type { CloudClients } from './index';
import type { Signer } from './signer';

export type CloudCheckName = 'identity' | 'assume-role' | 'signer' | 'actiontrail';

export interface CloudFinding {
  check: CloudCheckName;
  severity: 'ok' | 'warn' | 'fail';
  message: string;
}

export interface CloudCheckOptions {
  profile: 'local' | 'production';
  clients: CloudClients | null;
  signer: Signer;
  exportRoleArn: string | undefined;
  /** The bucket the probe session is scoped to (nothing is read). */
  exportsBucket: string;
  now: Date;
}

function reason(err: unknown): string {
  if (isStrongroomError(err)) return `${err.code}: ${err.message}`;
  return 'unexpected error (see the log)';
}

/** True when `signature` verifies for `message` under the signer's public key. */
export async function verifySignerOutput(
  signer: Signer,
  message: Buffer,
  signature: Buffer,
): Promise<boolean> {
  const pub = await signer.publicKey();
  if (signer.algorithm === 'ed25519') {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: pub.toString('base64url') },
      format: 'jwk',
    });
    return verify(null, message, key, signature);
  }
  return verify('sha256', message, createPublicKey({ key: pub, format: 'der', type: 'spki' }), signature);
}

export async function cloudChecks(o: CloudCheckOptions): Promise<CloudFinding[]> {
  const out: CloudFinding[] = [];
  const add = (check: CloudCheckName, severity: CloudFinding['severity'], message: string): void => {
    out.push({ check, severity, message });
  };
  try {
    const message = Buffer.from(`strongroom doctor ${o.now.toISOString()}\n`);
    const ok = await verifySignerOutput(o.signer, message, await o.signer.sign(message));
    if (ok) add('signer', 'ok', `${o.signer.description} signs; the signature verifies`);
    else add('signer', 'fail', `${o.signer.description}: its signature does not verify`);
  } catch (err) {
    add('signer', 'fail', `${o.signer.description}: ${reason(err)}`);
  }
  const clients = o.clients;
  if (clients === null) {
    add(
      'identity',
      o.profile === 'production' ? 'fail' : 'warn',
      'no control-plane endpoints known: set cloud.stsEndpoint, kmsEndpoint, actionTrailEndpoint',
    );
    return out;
  }
  try {
    const me = await clients.sts.getCallerIdentity();
    if (me.identityType === 'Account')
      add(
        'identity',
        o.profile === 'production' ? 'fail' : 'warn',
        `runs with the root account's key (${me.arn}): use a RAM user with least privilege`,
      );
    else add('identity', 'ok', `runs as ${me.arn} (${me.identityType})`);
  } catch (err) {
    add('identity', 'fail', `GetCallerIdentity failed: ${reason(err)}`);
  }
  if (o.exportRoleArn === undefined) {
    add(
      'assume-role',
      o.profile === 'production' ? 'fail' : 'warn',
      'cloud.exportRoleArn is not configured: export links cannot be issued',
    );
  } else {
    try {
      const session = await clients.sts.assumeRole({
        roleArn: o.exportRoleArn,
        sessionName: 'strongroom-doctor',
        durationSeconds: 900,
        scope: { bucket: o.exportsBucket, prefix: 'doctor-probe/', actions: ['GetObject'] },
      });
      add(
        'assume-role',
        'ok',
        `can assume ${o.exportRoleArn} (probe session until ${session.expiration.toISOString()})`,
      );
    } catch (err) {
      add('assume-role', 'fail', `cannot assume ${o.exportRoleArn}: ${reason(err)}`);
    }
  }
  try {
    const it = clients.actionTrail.lookupEvents({
      start: new Date(o.now.getTime() - 3600_000),
      end: o.now,
      pageSize: 1,
    });
    await it.next();
    await it.return(undefined);
    add('actiontrail', 'ok', 'LookupEvents answers (control-plane events can be imported)');
  } catch (err) {
    add('actiontrail', 'fail', `LookupEvents failed: ${reason(err)}`);
  }
  return out;
}
