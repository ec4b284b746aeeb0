/**
 * RAM on the OSS data path: which caller signed a request (root, RAM user, STS session), whether
 * its policies allow the operation, and the ActionTrail events of management calls.
 *
 * The OSS verifiers (auth/) ask for the secret of the access key they found in the request; for
 * an `STS.` key the security token that came with the request (`x-oss-security-token` header,
 * `security-token` in a V1 signed URL, `x-oss-security-token` in a V4 one) is checked first, so
 * an expired or foreign token is refused as such before the signature is looked at.
 *
 * Policy evaluation is compiled ahead (policies at start, session policies once per session) and
 * the root account skips it, so the data path pays a few string tests per request.
 *
 * A bucket's policy (PutBucketPolicy) is evaluated by the same evaluator for every request to the
 * bucket, the root account's included: an explicit Deny there refuses the request (403
 * AccessDenied). Its Allow statements grant nothing beyond the caller's own policies (the archive
 * uses bucket policies only to deny). The root account may always read, replace or delete the
 * policy itself, so an owner cannot lock itself out. `acs:SecureTransport` is true only for a
 * request that arrived on the emulator's TLS listener (`tls` option), false on the plain one.
 */
import { randomUUID } from 'node:crypto';
import type { AuthFailure } from '../auth';
import type { EmulatorEnv, RequestContext } from '../context';
import { OssError } from '../errors';
import { accessErrors } from '../errors/access';
import { header } from '../request';
import type { TrailEvent, TrailStore } from '../trail/store';
import { normalizeIp } from './conditions';
import { identityType, type Caller, type IdentityDirectory } from './identity';
import { evaluate, parsePolicy, type CompiledPolicy, type ConditionContext } from './policy';

/** Operations whose RAM action is not `oss:<operation>`. */
const ACTION_OF: Readonly<Record<string, string>> = {
  ListObjectsV2: 'oss:ListObjects',
  HeadObject: 'oss:GetObject',
  GetObjectMeta: 'oss:GetObject',
  InitiateMultipartUpload: 'oss:PutObject',
  UploadPart: 'oss:PutObject',
  CompleteMultipartUpload: 'oss:PutObject',
  CopyObject: 'oss:PutObject',
};

/** Management calls (and deletions) that become ActionTrail events. */
const TRAILED = new Set([
  'PutBucket',
  'DeleteBucket',
  'InitiateBucketWorm',
  'CompleteBucketWorm',
  'ExtendBucketWorm',
  'AbortBucketWorm',
  'PutBucketLogging',
  'DeleteBucketLogging',
  'PutBucketEncryption',
  'DeleteBucketEncryption',
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'DeleteObject',
  'DeleteMultipleObjects',
]);

/** What the root account may always do on a bucket whatever its policy says. */
const OWNER_ALWAYS = new Set(['GetBucketPolicy', 'PutBucketPolicy', 'DeleteBucketPolicy']);

/** Compiled bucket policies by their text (a policy is compiled once, on its first use). */
const BUCKET_POLICY_CACHE_MAX = 1024;

/** Whether the request arrived over TLS (the emulator's TLS listener). */
export function isSecureTransport(ctx: RequestContext): boolean {
  return (ctx.req.socket as { encrypted?: boolean }).encrypted === true;
}

function securityToken(ctx: RequestContext): string | undefined {
  return (
    header(ctx.req.headers, 'x-oss-security-token') ??
    ctx.query.get('security-token') ??
    ctx.query.get('x-oss-security-token')
  );
}

export class OssAccess {
  /** `cn-hongkong` for the emulator's `oss-cn-hongkong`. */
  private readonly regionId: string;
  private readonly bucketPolicies = new Map<string, CompiledPolicy>();

  constructor(
    private readonly directory: IdentityDirectory,
    private readonly trail: TrailStore,
    region: string,
  ) {
    this.regionId = region.replace(/^oss-/, '');
  }

  get accountId(): string {
    return this.directory.accountId;
  }

  /**
   * The secret lookup for one request's verifier. Remembers the caller it resolved (or why it
   * could not) on `ctx`, for `failure` and `authorize`.
   */
  secretFor(ctx: RequestContext, env: EmulatorEnv): (accessKeyId: string) => string | undefined {
    return (accessKeyId) => {
      const r = this.directory.resolve(accessKeyId, securityToken(ctx), env.clock.now().getTime());
      if (!r.ok) {
        ctx.accessRefusal = r.reason;
        return undefined;
      }
      ctx.caller = r.caller;
      return r.secret;
    };
  }

  /** The OSS error for a failed authentication: token and key-status problems say so. */
  failure(ctx: RequestContext, auth: AuthFailure): OssError {
    switch (ctx.accessRefusal) {
      case 'token-expired':
        return accessErrors.tokenExpired();
      case 'token-missing':
      case 'token-malformed':
      case 'token-mismatch':
        return accessErrors.tokenInvalid();
      case 'inactive':
        return accessErrors.keyInactive(auth.details?.OSSAccessKeyId ?? '');
      default:
        return new OssError(
          auth.status,
          auth.code,
          auth.message,
          Object.entries(auth.details ?? {}),
          auth.ec,
        );
    }
  }

  /** Throws 403 AccessDenied unless the caller's policies allow `operation` on the request's target. */
  authorize(ctx: RequestContext, env: EmulatorEnv, operation: string): void {
    const caller = ctx.caller;
    if (caller === null) return;
    const action = ACTION_OF[operation] ?? `oss:${operation}`;
    const resource =
      ctx.bucket === ''
        ? this.arn('*')
        : ctx.key === ''
          ? this.arn(ctx.bucket)
          : this.arn(`${ctx.bucket}/${ctx.key}`);
    if (!(caller.type === 'root' && OWNER_ALWAYS.has(operation)))
      this.checkBucketPolicy(ctx, env, caller, action, resource);
    if (caller.type === 'root' || operation === 'DeleteMultipleObjects') return;
    this.check(ctx, env, caller, action, resource);
    const tagging = header(ctx.req.headers, 'x-oss-tagging');
    if (
      tagging !== undefined &&
      (operation === 'PutObject' || operation === 'InitiateMultipartUpload' || operation === 'CopyObject')
    )
      this.check(ctx, env, caller, 'oss:PutObjectTagging', resource);
    if (operation === 'CopyObject') {
      const source = this.copySource(header(ctx.req.headers, 'x-oss-copy-source') ?? '');
      if (source !== null) this.check(ctx, env, caller, 'oss:GetObject', this.arn(source));
    }
  }

  /** DeleteMultipleObjects: every named key must be deletable by the caller (else nothing is deleted). */
  authorizeKeys(ctx: RequestContext, env: EmulatorEnv, action: string, keys: readonly string[]): void {
    const caller = ctx.caller;
    if (caller === null) return;
    for (const key of keys) {
      const resource = this.arn(`${ctx.bucket}/${key}`);
      this.checkBucketPolicy(ctx, env, caller, action, resource);
      if (caller.type !== 'root') this.check(ctx, env, caller, action, resource);
    }
  }

  /** The bucket's policy, compiled (null when the bucket has none). */
  private bucketPolicy(env: EmulatorEnv, bucket: string): CompiledPolicy | null {
    if (bucket === '') return null;
    const text = env.index.getBucket(bucket)?.policy ?? null;
    if (text === null) return null;
    let compiled = this.bucketPolicies.get(text);
    if (compiled === undefined) {
      compiled = parsePolicy(text, 'bucket'); // validated by PutBucketPolicy
      if (this.bucketPolicies.size >= BUCKET_POLICY_CACHE_MAX) this.bucketPolicies.clear();
      this.bucketPolicies.set(text, compiled);
    }
    return compiled;
  }

  /** Throws 403 AccessDenied when the bucket's policy explicitly denies the request. */
  private checkBucketPolicy(
    ctx: RequestContext,
    env: EmulatorEnv,
    caller: Caller,
    action: string,
    resource: string,
  ): void {
    const policy = this.bucketPolicy(env, ctx.bucket);
    if (policy === null) return;
    const decision = evaluate([policy], {
      action,
      resource,
      context: this.context(ctx, env),
      principals: [caller.arn, caller.principalId],
    });
    if (decision === 'ExplicitDeny') throw accessErrors.denied(action, resource, true);
  }

  /** Called once a request is answered: management calls become ActionTrail events. */
  finished(ctx: RequestContext, env: EmulatorEnv, status: number | null): void {
    const caller = ctx.caller;
    if (caller === null || !TRAILED.has(ctx.operation)) return;
    const isObject = ctx.key !== '';
    const event: TrailEvent = {
      eventId: randomUUID().toUpperCase(),
      eventVersion: '1',
      eventName: ctx.operation,
      eventSource: `${env.region}.aliyuncs.com`,
      eventTime: env.clock
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      eventType: 'ApiCall',
      eventRW: 'Write',
      acsRegion: this.regionId,
      serviceName: 'Oss',
      sourceIpAddress: normalizeIp(ctx.req.socket.remoteAddress ?? ''),
      userAgent: header(ctx.req.headers, 'user-agent') ?? '',
      requestId: ctx.requestId,
      requestParameters: {
        BucketName: ctx.bucket,
        ...(isObject ? { ObjectName: ctx.key } : {}),
        ...(ctx.query.has('wormId') ? { WormId: ctx.query.get('wormId') } : {}),
      },
      responseElements: null,
      resourceName: isObject ? `${ctx.bucket}/${ctx.key}` : ctx.bucket,
      resourceType: isObject ? 'ACS::OSS::Object' : 'ACS::OSS::Bucket',
      userIdentity: {
        type: identityType(caller),
        principalId: caller.principalId,
        accountId: caller.accountId,
        accessKeyId: caller.accessKeyId,
        userName: caller.userName,
      },
    };
    if (ctx.errorCode !== null || status === null || status >= 400 || status === 0)
      event.errorCode = ctx.errorCode ?? 'ConnectionClosed';
    this.trail.record(event);
  }

  private arn(path: string): string {
    return `acs:oss:${this.regionId}:${this.directory.accountId}:${path}`;
  }

  private copySource(value: string): string | null {
    const path = value.startsWith('/') ? value.slice(1) : value;
    try {
      return decodeURIComponent(path);
    } catch {
      return null; // the handler refuses it
    }
  }

  private check(
    ctx: RequestContext,
    env: EmulatorEnv,
    caller: Caller,
    action: string,
    resource: string,
  ): void {
    const decision = this.directory.authorize(caller, { action, resource, context: this.context(ctx, env) });
    if (decision !== 'Allow') throw accessErrors.denied(action, resource, decision === 'ExplicitDeny');
  }

  private context(ctx: RequestContext, env: EmulatorEnv): ConditionContext {
    return (key) => {
      switch (key) {
        case 'acs:sourceip':
          return normalizeIp(ctx.req.socket.remoteAddress ?? '');
        case 'acs:securetransport':
          return isSecureTransport(ctx) ? 'true' : 'false';
        case 'acs:currenttime':
          return env.clock.now().toISOString();
        case 'acs:useragent':
          return header(ctx.req.headers, 'user-agent');
        case 'oss:prefix':
          return ctx.query.get('prefix') ?? (ctx.operation.startsWith('ListObjects') ? '' : undefined);
        case 'oss:delimiter':
          return ctx.query.get('delimiter');
        default:
          return undefined;
      }
    };
  }
}
