import type { Logger } from '../../log';
import type { Clock } from '../../util/clock';
import type { FaultInjector } from '../faults';
import type { Caller, IdentityDirectory } from '../iam/identity';
import type { ConditionContext } from '../iam/policy';
import type { TrailStore } from '../trail/store';
import { rpcErrors, type RpcError } from './errors';
import type { KmsStore } from './kms-store';
import type { RpcParams } from './rpc';

/** The control plane's services, shared by every call. */
export interface ControlPlaneEnv {
  directory: IdentityDirectory;
  trail: TrailStore;
  kms: KmsStore;
  /** The emulator's (injectable) clock: session expiry, event times, key creation dates. */
  clock: Clock;
  /** Real time: the Timestamp skew check and the nonce window (see decision 0005). */
  wallClock: Clock;
  /** Region id without the `oss-` prefix, e.g. `cn-hongkong`. */
  region: string;
  logger: Logger;
  faults: FaultInjector;
}

/** One authenticated call on its way to its handler. */
export interface RpcCall {
  action: string;
  params: RpcParams;
  caller: Caller;
  requestId: string;
  sourceIp: string;
  userAgent: string;
}

export type ActionResult = Record<string, unknown>;

/** What an action contributes to its ActionTrail event. */
export interface TrailSpec {
  rw: 'Read' | 'Write';
  resource(call: RpcCall): { name: string; type: string } | null;
  /** Parameters worth keeping (never signatures, tokens or secrets). */
  requestParameters(call: RpcCall): Record<string, unknown>;
  /** What the answer may show in the event (never secrets). */
  responseElements(result: ActionResult): Record<string, unknown> | null;
}

export interface ActionDef {
  handle(call: RpcCall, env: ControlPlaneEnv): Promise<ActionResult> | ActionResult;
  /** Present for actions that become ActionTrail events (management calls). */
  trail?: TrailSpec;
}

export interface ServiceDef {
  /** ActionTrail's serviceName. */
  name: string;
  /** ActionTrail's eventSource. */
  source: string;
  actions: Readonly<Record<string, ActionDef>>;
}

/** The condition keys of a control-plane call (plus any the action adds, e.g. sts:ExternalId). */
export function callContext(
  call: RpcCall,
  env: ControlPlaneEnv,
  extra: Record<string, string> = {},
): ConditionContext {
  return (key) => {
    switch (key) {
      case 'acs:sourceip':
        return call.sourceIp;
      case 'acs:securetransport':
        return 'false';
      case 'acs:currenttime':
        return env.clock.now().toISOString();
      case 'acs:useragent':
        return call.userAgent;
      default:
        return extra[key];
    }
  };
}

/**
 * Checks the caller's policies for `action` on `resource`; throws `denied` (the service's own
 * refusal code) when they do not allow it.
 */
export function requirePermission(
  call: RpcCall,
  env: ControlPlaneEnv,
  action: string,
  resource: string,
  denied: () => RpcError,
  extra?: Record<string, string>,
): void {
  const decision = env.directory.authorize(call.caller, {
    action,
    resource,
    context: callContext(call, env, extra),
  });
  if (decision !== 'Allow') throw denied();
}

export function requiredParam(call: RpcCall, name: string): string {
  const v = call.params.get(name);
  if (v === undefined || v === '') throw rpcErrors.missingParameter(name);
  return v;
}
