/**
 * The RAM policy language (docs CONTROL-PLANE.md, "RAM policy language"), the one evaluator the
 * emulator uses for identity policies (users and roles), session policies (AssumeRole `Policy`)
 * and trust policies (who may assume a role).
 *
 *   {"Version": "1", "Statement": [{"Effect": "Allow" | "Deny", "Action": [...], "Resource": [...],
 *    "Principal": {...} (trust and bucket policies), "Condition": {...}}]}
 *
 * Evaluation: an explicit Deny in any statement wins; otherwise any Allow allows; otherwise the
 * request is denied (default deny). A statement applies when its Action, Resource (and Principal)
 * match and its Condition holds. Actions match without regard to case, resources exactly, both
 * with `*` and `?` wildcards. Policies are compiled once (at start, or once per STS session).
 */
import { compileConditions, type ConditionContext, type ConditionTest } from './conditions';
import { PolicyGrammarError } from './errors';
import { anyMatch, compileWildcard, type Matcher } from './wildcard';

export { PolicyGrammarError } from './errors';
export type { ConditionContext } from './conditions';

/** identity: users' and roles' policies, session policies. trust: a role's assume-role policy. */
export type PolicyKind = 'identity' | 'trust' | 'bucket';

interface CompiledStatement {
  effect: 'Allow' | 'Deny';
  actions: Matcher[];
  /** null: the statement names no Resource (trust policies). */
  resources: Matcher[] | null;
  /** null: the statement names no Principal (identity policies). */
  principals: Matcher[] | null;
  condition: ConditionTest | null;
}

export interface CompiledPolicy {
  readonly kind: PolicyKind;
  readonly statements: readonly CompiledStatement[];
  /** The statements whose Action matches `action` (memoised: the data path asks for a few actions only). */
  forAction(action: string): readonly CompiledStatement[];
}

const FOR_ACTION_CACHE_MAX = 512;

function withActionIndex(kind: PolicyKind, statements: CompiledStatement[]): CompiledPolicy {
  const byAction = new Map<string, CompiledStatement[]>();
  return {
    kind,
    statements,
    forAction(action) {
      let hit = byAction.get(action);
      if (hit === undefined) {
        hit = statements.filter((s) => anyMatch(s.actions, action));
        if (byAction.size >= FOR_ACTION_CACHE_MAX) byAction.clear();
        byAction.set(action, hit);
      }
      return hit;
    },
  };
}

export interface AccessRequest {
  /** `oss:GetObject`, `sts:AssumeRole`, `kms:AsymmetricSign`, ... */
  action: string;
  /** The resource's ARN, e.g. `acs:oss:cn-hongkong:1000000000000001:bucket/key`. */
  resource: string;
  /** Condition keys (acs:SourceIp, acs:SecureTransport, acs:CurrentTime, oss:Prefix, ...). */
  context: ConditionContext;
  /** Trust and bucket policies: the names the caller is known by (its ARN, its account's root ARN). */
  principals?: readonly string[];
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

const STATEMENT_KEYS = new Set(['Effect', 'Action', 'Resource', 'Principal', 'Condition']);
const ACTION = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, where: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) throw new PolicyGrammarError(`${where}: must not be empty`);
  for (const item of list) {
    if (typeof item !== 'string' || item === '')
      throw new PolicyGrammarError(`${where}: expected a non-empty string or a list of them`);
  }
  return list as string[];
}

/** A bare account id in a trust policy's RAM principal stands for the whole account. */
function principalPattern(p: string): string {
  return /^\d{1,20}$/.test(p) ? `acs:ram::${p}:root` : p;
}

function compilePrincipal(v: unknown, where: string, kind: PolicyKind): Matcher[] {
  if (kind === 'bucket') {
    if (v === '*') return [() => true];
    return stringList(v, where).map((p) => compileWildcard(p, false));
  }
  if (!isPlainObject(v))
    throw new PolicyGrammarError(`${where}: expected {"RAM": [...]} or {"Service": [...]}`);
  const out: Matcher[] = [];
  for (const [type, list] of Object.entries(v)) {
    const names = stringList(list, `${where}.${type}`);
    if (type === 'RAM') out.push(...names.map((p) => compileWildcard(principalPattern(p), false)));
    else if (type === 'Service' || type === 'Federated') {
      // Cloud services and identity providers never call the emulator: such entries match nobody.
    } else
      throw new PolicyGrammarError(`${where}: unknown principal type "${type}" (RAM, Service, Federated)`);
  }
  return out;
}

function compileStatement(raw: unknown, where: string, kind: PolicyKind): CompiledStatement {
  if (!isPlainObject(raw)) throw new PolicyGrammarError(`${where}: a statement must be an object`);
  for (const key of Object.keys(raw)) {
    if (!STATEMENT_KEYS.has(key)) {
      throw new PolicyGrammarError(
        `${where}: unknown key "${key}" (a statement has Effect, Action, Resource, Principal, Condition)`,
      );
    }
  }
  const effect = raw.Effect;
  if (effect !== 'Allow' && effect !== 'Deny')
    throw new PolicyGrammarError(`${where}.Effect: must be "Allow" or "Deny"`);
  if (raw.Action === undefined) throw new PolicyGrammarError(`${where}: Action is required`);
  const actions = stringList(raw.Action, `${where}.Action`).map((a) => {
    if (!ACTION.test(a))
      throw new PolicyGrammarError(`${where}.Action: "${a}" is not "service:ActionName" (wildcards * and ?)`);
    return compileWildcard(a, true);
  });

  let resources: Matcher[] | null = null;
  if (kind === 'trust') {
    if (raw.Resource !== undefined)
      throw new PolicyGrammarError(`${where}: a trust policy names no Resource`);
  } else {
    if (raw.Resource === undefined) throw new PolicyGrammarError(`${where}: Resource is required`);
    resources = stringList(raw.Resource, `${where}.Resource`).map((r) => {
      if (r !== '*' && !r.startsWith('acs:'))
        throw new PolicyGrammarError(`${where}.Resource: "${r}" is neither "*" nor an ARN (acs:...)`);
      return compileWildcard(r, false);
    });
  }

  let principals: Matcher[] | null = null;
  if (kind === 'identity') {
    if (raw.Principal !== undefined)
      throw new PolicyGrammarError(`${where}: an identity or session policy names no Principal`);
  } else {
    if (raw.Principal === undefined) throw new PolicyGrammarError(`${where}: Principal is required`);
    principals = compilePrincipal(raw.Principal, `${where}.Principal`, kind);
  }

  return {
    effect,
    actions,
    resources,
    principals,
    condition: compileConditions(raw.Condition, `${where}.Condition`),
  };
}

/** Compiles a parsed policy document; throws PolicyGrammarError naming the first problem. */
export function compilePolicy(doc: unknown, kind: PolicyKind): CompiledPolicy {
  if (!isPlainObject(doc)) throw new PolicyGrammarError('a policy must be a JSON object');
  for (const key of Object.keys(doc)) {
    if (key !== 'Version' && key !== 'Statement')
      throw new PolicyGrammarError(`unknown key "${key}" (a policy has Version and Statement)`);
  }
  if (doc.Version !== '1') throw new PolicyGrammarError('Version: must be "1"');
  const raw = doc.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0) throw new PolicyGrammarError('Statement: at least one statement is required');
  return withActionIndex(
    kind,
    list.map((s, i) => compileStatement(s, `Statement[${i}]`, kind)),
  );
}

/** Parses and compiles policy text (JSON). */
export function parsePolicy(text: string, kind: PolicyKind): CompiledPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new PolicyGrammarError('the policy is not valid JSON');
  }
  return compilePolicy(doc, kind);
}

/** `s` already matches the request's action. */
function applies(s: CompiledStatement, req: AccessRequest): boolean {
  if (s.resources !== null && !anyMatch(s.resources, req.resource)) return false;
  if (s.principals !== null) {
    const names = req.principals ?? [];
    if (!names.some((n) => anyMatch(s.principals as Matcher[], n))) return false;
  }
  return s.condition === null || s.condition(req.context);
}

/** One set of policies together: explicit Deny wins, then Allow, else default deny. */
export function evaluate(policies: readonly CompiledPolicy[], req: AccessRequest): Decision {
  let allowed = false;
  for (const p of policies) {
    for (const s of p.forAction(req.action)) {
      if (s.effect === 'Allow' && allowed) continue; // only a Deny can still change the answer
      if (!applies(s, req)) continue;
      if (s.effect === 'Deny') return 'ExplicitDeny';
      allowed = true;
    }
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/**
 * An STS session: what the role's policies allow, intersected with the session policy (when the
 * session has one). A Deny in either is an explicit deny.
 */
export function evaluateSession(
  rolePolicies: readonly CompiledPolicy[],
  sessionPolicy: CompiledPolicy | null,
  req: AccessRequest,
): Decision {
  const role = evaluate(rolePolicies, req);
  if (role === 'ExplicitDeny' || sessionPolicy === null) return role;
  const session = evaluate([sessionPolicy], req);
  if (session === 'ExplicitDeny') return session;
  return role === 'Allow' && session === 'Allow' ? 'Allow' : 'ImplicitDeny';
}
