/**
 * STS (Version 2015-04-01): AssumeRole and GetCallerIdentity (CONTROL-PLANE.md, "STS").
 *
 * AssumeRole needs both: the caller's own policies allow `sts:AssumeRole` on the role's ARN, and
 * the role's trust policy names the caller. The session may do what the role's policies allow,
 * intersected with the session `Policy` when one is given. The emulator's clock decides expiry.
 */
import { MIN_SESSION_SECONDS } from '../iam/config';
import { sessionArn } from '../iam/identity';
import { evaluate, parsePolicy, PolicyGrammarError } from '../iam/policy';
import { callContext, requiredParam, requirePermission, type ActionDef, type ServiceDef } from './context';
import { rpcErrors } from './errors';
import { formatTimestamp } from './rpc';

export const STS_VERSION = '2015-04-01';
export const MAX_SESSION_POLICY_CHARS = 2048;
const ROLE_ARN = /^acs:ram::(\d+):role\/([^/]+)$/i;
const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;
const DEFAULT_DURATION_SECONDS = 3600;

const assumeRole: ActionDef = {
  handle(call, env) {
    const arn = requiredParam(call, 'RoleArn');
    const sessionName = requiredParam(call, 'RoleSessionName');
    const m = ROLE_ARN.exec(arn);
    if (m === null) throw rpcErrors.invalidRoleArn();
    if (!SESSION_NAME.test(sessionName)) throw rpcErrors.invalidSessionName();
    if (call.caller.type === 'root') throw rpcErrors.rootCannotAssume();

    const role = m[1] === env.directory.accountId ? env.directory.iam.roles.get(m[2] as string) : undefined;
    // The caller's own permission first (a caller who may not assume it learns nothing of it).
    requirePermission(call, env, 'sts:AssumeRole', arn, rpcErrors.noPermission);
    if (role === undefined) throw rpcErrors.roleNotFound(arn);

    const rawDuration = call.params.get('DurationSeconds') ?? '';
    const duration =
      rawDuration === ''
        ? DEFAULT_DURATION_SECONDS
        : /^\d{1,6}$/.test(rawDuration)
          ? Number(rawDuration)
          : NaN;
    if (!(duration >= MIN_SESSION_SECONDS && duration <= role.maxSessionSeconds))
      throw rpcErrors.invalidDuration(role.maxSessionSeconds);

    let policy: string | null = null;
    const rawPolicy = call.params.get('Policy');
    if (rawPolicy !== undefined && rawPolicy !== '') {
      if (rawPolicy.length > MAX_SESSION_POLICY_CHARS)
        throw rpcErrors.policyGrammar(`the policy is longer than ${MAX_SESSION_POLICY_CHARS} characters`);
      try {
        parsePolicy(rawPolicy, 'identity');
      } catch (err) {
        if (err instanceof PolicyGrammarError) throw rpcErrors.policyGrammar(err.message);
        throw err;
      }
      policy = rawPolicy;
    }

    const externalId = call.params.get('ExternalId');
    const trusted = evaluate([role.trust], {
      action: 'sts:AssumeRole',
      resource: role.arn,
      principals: env.directory.principalsOf(call.caller),
      context: callContext(call, env, externalId !== undefined ? { 'sts:externalid': externalId } : {}),
    });
    if (trusted !== 'Allow') throw rpcErrors.noPermission();

    const nowMs = env.clock.now().getTime();
    // Whole seconds, as STS reports them.
    const expiresMs = Math.floor(nowMs / 1000) * 1000 + duration * 1000;
    const { credentials } = env.directory.tokens.mint({
      accountId: env.directory.accountId,
      roleName: role.name,
      roleId: role.roleId,
      sessionName,
      issuedMs: nowMs,
      expiresMs,
      policy,
      caller: call.caller.arn,
    });
    return {
      AssumedRoleUser: {
        Arn: sessionArn(env.directory.accountId, role.name, sessionName),
        AssumedRoleId: `${role.roleId}:${sessionName}`,
      },
      Credentials: {
        AccessKeyId: credentials.accessKeyId,
        AccessKeySecret: credentials.accessKeySecret,
        SecurityToken: credentials.securityToken,
        Expiration: formatTimestamp(expiresMs),
      },
    };
  },
  trail: {
    rw: 'Write',
    resource: (call) => {
      const arn = call.params.get('RoleArn');
      return arn ? { name: arn, type: 'ACS::RAM::Role' } : null;
    },
    requestParameters: (call) => {
      const out: Record<string, unknown> = {};
      for (const name of ['RoleArn', 'RoleSessionName', 'DurationSeconds', 'Policy', 'ExternalId']) {
        const v = call.params.get(name);
        if (v !== undefined) out[name] = v;
      }
      return out;
    },
    // The session's key id and expiry, never its secret or token.
    responseElements: (result) => {
      const creds = result.Credentials as { AccessKeyId: string; Expiration: string };
      return {
        AssumedRoleUser: result.AssumedRoleUser,
        Credentials: { AccessKeyId: creds.AccessKeyId, Expiration: creds.Expiration },
      };
    },
  },
};

const getCallerIdentity: ActionDef = {
  handle(call) {
    const c = call.caller;
    const base = { AccountId: c.accountId, PrincipalId: c.principalId, Arn: c.arn };
    if (c.type === 'root') return { IdentityType: 'Account', ...base, UserId: c.accountId };
    if (c.type === 'user') return { IdentityType: 'RAMUser', ...base, UserId: c.user.userId };
    return { IdentityType: 'AssumedRoleUser', ...base, RoleId: c.role.roleId };
  },
};

export const stsService: ServiceDef = {
  name: 'Sts',
  source: 'sts.aliyuncs.com',
  actions: { AssumeRole: assumeRole, GetCallerIdentity: getCallerIdentity },
};
