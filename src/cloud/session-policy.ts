/**
 * Session policies built from a typed scope, never from strings pasted together by callers: the
 * STS session may then do at most this (intersected with the role's own policy).
 *
 *   {bucket: 'acme-exports', prefix: 'ex-42/', actions: ['GetObject']}
 *   -> Allow oss:GetObject on acs:oss:*:*:acme-exports/ex-42/*
 *
 * RAM has no escape for its wildcards, so keys and prefixes containing `*` or `?` are refused
 * (the archive's own keys never contain them).
 */
import { ValidationError } from '../errors';

export type ScopedAction = 'GetObject' | 'PutObject' | 'DeleteObject' | 'ListObjects';

export interface SessionScope {
  bucket: string;
  /** Exactly one of key, keys or prefix. */
  key?: string;
  keys?: readonly string[];
  prefix?: string;
  actions: readonly ScopedAction[];
  /** Only from these addresses or CIDR blocks (acs:SourceIp). */
  sourceIp?: string | readonly string[];
}

/** STS accepts session policies of at most this many characters. */
export const MAX_SESSION_POLICY_CHARS = 2048;

const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const WILDCARD = /[*?]/;

function checkText(what: string, value: string): void {
  if (WILDCARD.test(value))
    throw new ValidationError(`${what} must not contain * or ? (RAM wildcards): ${JSON.stringify(value)}`);
}

export function sessionPolicy(scope: SessionScope): string {
  if (!BUCKET.test(scope.bucket))
    throw new ValidationError(`not a bucket name: ${JSON.stringify(scope.bucket)}`);
  const given = [scope.key !== undefined, scope.keys !== undefined, scope.prefix !== undefined].filter(
    Boolean,
  ).length;
  if (given !== 1) throw new ValidationError('a session scope names exactly one of key, keys or prefix');
  if (scope.actions.length === 0) throw new ValidationError('a session scope needs at least one action');
  const keys = scope.key !== undefined ? [scope.key] : scope.keys !== undefined ? [...scope.keys] : [];
  if (scope.keys !== undefined && keys.length === 0)
    throw new ValidationError('a session scope needs at least one key');
  for (const k of keys) {
    if (k === '') throw new ValidationError('an object key must not be empty');
    checkText('an object key', k);
  }
  if (scope.prefix !== undefined) checkText('a prefix', scope.prefix);

  const bucketArn = `acs:oss:*:*:${scope.bucket}`;
  const objects =
    scope.prefix !== undefined ? [`${bucketArn}/${scope.prefix}*`] : keys.map((k) => `${bucketArn}/${k}`);
  const condition: Record<string, unknown> = {};
  if (scope.sourceIp !== undefined) {
    const ips = typeof scope.sourceIp === 'string' ? [scope.sourceIp] : [...scope.sourceIp];
    if (ips.length === 0) throw new ValidationError('sourceIp must name at least one address');
    condition.IpAddress = { 'acs:SourceIp': ips };
  }
  const withCondition = (s: Record<string, unknown>): Record<string, unknown> =>
    Object.keys(condition).length > 0 ? { ...s, Condition: condition } : s;

  const statements: Record<string, unknown>[] = [];
  const objectActions = scope.actions.filter((a) => a !== 'ListObjects').map((a) => `oss:${a}`);
  if (objectActions.length > 0)
    statements.push(withCondition({ Effect: 'Allow', Action: objectActions, Resource: objects }));
  if (scope.actions.includes('ListObjects')) {
    if (scope.prefix === undefined)
      throw new ValidationError('ListObjects is scoped by a prefix, not by keys');
    const listCondition = { ...condition, StringLike: { 'oss:Prefix': [`${scope.prefix}*`] } };
    statements.push({
      Effect: 'Allow',
      Action: ['oss:ListObjects'],
      Resource: [bucketArn],
      Condition: listCondition,
    });
  }
  const text = JSON.stringify({ Version: '1', Statement: statements });
  if (text.length > MAX_SESSION_POLICY_CHARS) {
    throw new ValidationError(
      `the session policy would be ${text.length} characters, more than STS accepts (${MAX_SESSION_POLICY_CHARS}): name fewer keys per session`,
    );
  }
  return text;
}
