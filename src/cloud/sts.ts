/**
 * STS (2015-04-01) as the archive uses it: AssumeRole with a session policy built from a typed
 * scope (an SFC officer's download link that works for one object, for a few hours), and
 * GetCallerIdentity (doctor: who are we?).
 */
import { inspect } from 'node:util';
import { ControlPlaneError, ValidationError } from '../errors';
import type { RpcTransport } from './rpc';
import { sessionPolicy, type SessionScope } from './session-policy';

export const STS_API_VERSION = '2015-04-01';
const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;

/**
 * Temporary credentials. The secret and the token are properties (ali-oss needs them), but
 * JSON.stringify and util.inspect show neither, so a stray log line or audit detail cannot leak them.
 */
export class StsCredentials {
  constructor(
    readonly accessKeyId: string,
    readonly accessKeySecret: string,
    readonly securityToken: string,
    readonly expiration: Date,
    /** `acs:ram::<account>:role/<role>/<session>` */
    readonly assumedRoleArn: string,
  ) {}

  toJSON(): Record<string, string> {
    return {
      accessKeyId: this.accessKeyId,
      accessKeySecret: '[Redacted]',
      securityToken: '[Redacted]',
      expiration: this.expiration.toISOString(),
      assumedRoleArn: this.assumedRoleArn,
    };
  }

  [inspect.custom](): string {
    return `StsCredentials ${JSON.stringify(this.toJSON())}`;
  }
}

export interface AssumeRoleRequest {
  roleArn: string;
  /** 2-64 letters, digits, `. @ - _`: it shows in ActionTrail and the access log's user. */
  sessionName: string;
  /** 900 up to the role's maximum (default 3600). */
  durationSeconds?: number;
  /** What the session may do at most (intersected with the role's policy). */
  scope?: SessionScope;
}

export interface CallerIdentity {
  identityType: 'Account' | 'RAMUser' | 'AssumedRoleUser';
  accountId: string;
  principalId: string;
  arn: string;
}

interface AssumeRoleAnswer {
  AssumedRoleUser?: { Arn?: unknown };
  Credentials?: {
    AccessKeyId?: unknown;
    AccessKeySecret?: unknown;
    SecurityToken?: unknown;
    Expiration?: unknown;
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export class StsClient {
  constructor(private readonly rpc: RpcTransport) {}

  async assumeRole(req: AssumeRoleRequest): Promise<StsCredentials> {
    if (!SESSION_NAME.test(req.sessionName))
      throw new ValidationError(
        `session name ${JSON.stringify(req.sessionName)}: 2-64 letters, digits, . @ - _`,
      );
    const duration = req.durationSeconds ?? 3600;
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200)
      throw new ValidationError(`durationSeconds ${duration}: 900 to 43200`);
    const params: Record<string, unknown> = {
      RoleArn: req.roleArn,
      RoleSessionName: req.sessionName,
      DurationSeconds: String(duration),
    };
    if (req.scope !== undefined) params.Policy = sessionPolicy(req.scope);
    const answer = await this.rpc.call<AssumeRoleAnswer>('AssumeRole', params);
    const c = answer.Credentials;
    const id = str(c?.AccessKeyId);
    const secret = str(c?.AccessKeySecret);
    const token = str(c?.SecurityToken);
    const expiration = str(c?.Expiration);
    const arn = str(answer.AssumedRoleUser?.Arn);
    if (
      id === undefined ||
      secret === undefined ||
      token === undefined ||
      expiration === undefined ||
      arn === undefined
    )
      throw new ControlPlaneError('Sts AssumeRole: the answer lacks credentials');
    const expires = new Date(expiration);
    if (Number.isNaN(expires.getTime()))
      throw new ControlPlaneError('Sts AssumeRole: the answer has no valid Expiration');
    return new StsCredentials(id, secret, token, expires, arn);
  }

  async getCallerIdentity(): Promise<CallerIdentity> {
    const a = await this.rpc.call<Record<string, unknown>>('GetCallerIdentity', {});
    const type = a.IdentityType;
    const accountId = str(a.AccountId);
    const arn = str(a.Arn);
    const principalId = str(a.PrincipalId);
    if (
      (type !== 'Account' && type !== 'RAMUser' && type !== 'AssumedRoleUser') ||
      !accountId ||
      !arn ||
      !principalId
    )
      throw new ControlPlaneError('Sts GetCallerIdentity: unexpected answer');
    return { identityType: type, accountId, arn, principalId };
  }
}
