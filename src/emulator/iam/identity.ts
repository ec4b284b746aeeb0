/**
 * Who signed a request: the account's root, a RAM user, or an STS session of a role; and what
 * that caller may do. Shared by the OSS pipeline and the control plane, so one access key and one
 * policy mean the same thing on both.
 */
import type { Iam, IamRole, IamUser } from './config';
import {
  evaluate,
  evaluateSession,
  parsePolicy,
  type AccessRequest,
  type CompiledPolicy,
  type Decision,
} from './policy';
import type { SessionClaims, StsTokens } from './sts-tokens';

interface CallerBase {
  accountId: string;
  accessKeyId: string;
  /** `acs:ram::<account>:root`, `...:user/<name>`, `...:assumed-role/<role>/<session>` style ARN. */
  arn: string;
  /** RAM's principal id: the account id, the user id, or `<roleId>:<session>`. */
  principalId: string;
  /** ActionTrail's userName. */
  userName: string;
}

export type Caller =
  | (CallerBase & { type: 'root' })
  | (CallerBase & { type: 'user'; user: IamUser })
  | (CallerBase & {
      type: 'session';
      role: IamRole;
      claims: SessionClaims;
      sessionPolicy: CompiledPolicy | null;
    });

export type Resolution =
  | { ok: true; caller: Caller; secret: string }
  | {
      ok: false;
      reason:
        'unknown' | 'inactive' | 'token-missing' | 'token-malformed' | 'token-mismatch' | 'token-expired';
    };

/** ActionTrail's userIdentity.type for a caller. */
export function identityType(caller: Caller): 'root-account' | 'ram-user' | 'assumed-role' {
  return caller.type === 'root' ? 'root-account' : caller.type === 'user' ? 'ram-user' : 'assumed-role';
}

/** The assumed-role ARN STS reports for a session (role name lower-cased, as STS does). */
export function sessionArn(accountId: string, roleName: string, sessionName: string): string {
  return `acs:ram::${accountId}:role/${roleName.toLowerCase()}/${sessionName}`;
}

const SESSION_POLICY_CACHE_MAX = 4096;

export class IdentityDirectory {
  private readonly sessionPolicies = new Map<string, CompiledPolicy | null>();

  constructor(
    readonly iam: Iam,
    readonly tokens: StsTokens,
  ) {}

  get accountId(): string {
    return this.iam.accountId;
  }

  /**
   * Resolves an access key id (with the security token that came with it, for `STS.` keys) to
   * its caller and secret, at `nowMs` on the emulator's clock.
   */
  resolve(accessKeyId: string, token: string | undefined, nowMs: number): Resolution {
    const iam = this.iam;
    const root = iam.rootKeys.get(accessKeyId);
    if (root !== undefined) {
      return {
        ok: true,
        secret: root,
        caller: {
          type: 'root',
          accountId: iam.accountId,
          accessKeyId,
          arn: `acs:ram::${iam.accountId}:root`,
          principalId: iam.accountId,
          userName: 'root',
        },
      };
    }
    const userKey = iam.userKeys.get(accessKeyId);
    if (userKey !== undefined) {
      if (!userKey.key.active) return { ok: false, reason: 'inactive' };
      const user = userKey.user;
      return {
        ok: true,
        secret: userKey.key.secret,
        caller: {
          type: 'user',
          user,
          accountId: iam.accountId,
          accessKeyId,
          arn: user.arn,
          principalId: user.userId,
          userName: user.name,
        },
      };
    }
    if (!this.tokens.isStsKey(accessKeyId)) return { ok: false, reason: 'unknown' };
    const check = this.tokens.verify(accessKeyId, token, nowMs);
    if (!check.ok) return { ok: false, reason: `token-${check.reason}` };
    const claims = check.claims;
    const role = iam.roles.get(claims.roleName);
    // A session of a role that no longer exists (or of another account) is no session at all.
    if (role === undefined || role.roleId !== claims.roleId || claims.accountId !== iam.accountId)
      return { ok: false, reason: 'token-malformed' };
    return {
      ok: true,
      secret: check.secret,
      caller: {
        type: 'session',
        role,
        claims,
        sessionPolicy: this.sessionPolicy(claims),
        accountId: iam.accountId,
        accessKeyId,
        arn: sessionArn(iam.accountId, role.name, claims.sessionName),
        principalId: `${role.roleId}:${claims.sessionName}`,
        userName: `${role.name}:${claims.sessionName}`,
      },
    };
  }

  /** What the caller's policies say about a request. The root account may do everything. */
  authorize(caller: Caller, req: AccessRequest): Decision {
    switch (caller.type) {
      case 'root':
        return 'Allow';
      case 'user':
        return evaluate(caller.user.policies, req);
      case 'session':
        return evaluateSession(caller.role.policies, caller.sessionPolicy, req);
    }
  }

  /** The names a caller is known by in trust policies. */
  principalsOf(caller: Caller): string[] {
    const root = `acs:ram::${caller.accountId}:root`;
    if (caller.type === 'user') return [caller.user.arn, root];
    if (caller.type === 'session') return [caller.role.arn, root];
    return [root];
  }

  private sessionPolicy(claims: SessionClaims): CompiledPolicy | null {
    if (claims.policy === null) return null;
    const hit = this.sessionPolicies.get(claims.accessKeyId);
    if (hit !== undefined) return hit;
    // Validated when the session was made; the token's seal guarantees it is the same text.
    const compiled = parsePolicy(claims.policy, 'identity');
    if (this.sessionPolicies.size >= SESSION_POLICY_CACHE_MAX) this.sessionPolicies.clear();
    this.sessionPolicies.set(claims.accessKeyId, compiled);
    return compiled;
  }
}
