import { sessionPolicy, MAX_SESSION_POLICY_CHARS } from '../../src/cloud/session-policy';
import { ValidationError } from '../../src/errors';
import { evaluate, parsePolicy } from '../../src/emulator/iam/policy';

const arn = (p: string): string => `acs:oss:cn-hongkong:1000000000000001:${p}`;

function decide(
  policy: string,
  action: string,
  resource: string,
  context: Record<string, string> = {},
): string {
  return evaluate([parsePolicy(policy, 'identity')], { action, resource, context: (k) => context[k] });
}

describe('session policies from a typed scope', () => {
  it('one key: exactly that object, those actions', () => {
    const p = sessionPolicy({ bucket: 'acme-exports', key: 'ex-1/bag.zip', actions: ['GetObject'] });
    expect(JSON.parse(p)).toEqual({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:acme-exports/ex-1/bag.zip'] },
      ],
    });
    expect(decide(p, 'oss:GetObject', arn('acme-exports/ex-1/bag.zip'))).toBe('Allow');
    expect(decide(p, 'oss:GetObject', arn('acme-exports/ex-1/bag.zip.bak'))).toBe('ImplicitDeny');
    expect(decide(p, 'oss:PutObject', arn('acme-exports/ex-1/bag.zip'))).toBe('ImplicitDeny');
  });

  it('a prefix, with ListObjects limited to that prefix and a source address', () => {
    const p = sessionPolicy({
      bucket: 'acme-exports',
      prefix: 'ex-2/',
      actions: ['GetObject', 'ListObjects'],
      sourceIp: ['10.0.0.0/8'],
    });
    const from = { 'acs:sourceip': '10.2.3.4' };
    expect(decide(p, 'oss:GetObject', arn('acme-exports/ex-2/a/b'), from)).toBe('Allow');
    expect(decide(p, 'oss:GetObject', arn('acme-exports/ex-2/a/b'), { 'acs:sourceip': '192.168.0.1' })).toBe(
      'ImplicitDeny',
    );
    expect(decide(p, 'oss:ListObjects', arn('acme-exports'), { ...from, 'oss:prefix': 'ex-2/a' })).toBe(
      'Allow',
    );
    expect(decide(p, 'oss:ListObjects', arn('acme-exports'), { ...from, 'oss:prefix': 'ex-3/' })).toBe(
      'ImplicitDeny',
    );
  });

  it('several exact keys (disposition)', () => {
    const p = sessionPolicy({
      bucket: 'acme-records-7y',
      keys: ['a/1.json', 'a/2.json'],
      actions: ['DeleteObject'],
    });
    expect(decide(p, 'oss:DeleteObject', arn('acme-records-7y/a/2.json'))).toBe('Allow');
    expect(decide(p, 'oss:DeleteObject', arn('acme-records-7y/a/3.json'))).toBe('ImplicitDeny');
  });

  it('refuses what it cannot express safely, and policies STS would refuse as too long', () => {
    const bad = [
      { bucket: 'Bad_Bucket', key: 'k', actions: ['GetObject'] as const },
      { bucket: 'b-1', actions: ['GetObject'] as const },
      { bucket: 'b-1', key: 'k', prefix: 'p/', actions: ['GetObject'] as const },
      { bucket: 'b-1', key: 'k', actions: [] as const },
      { bucket: 'b-1', key: 'a?b', actions: ['GetObject'] as const },
      { bucket: 'b-1', prefix: 'p*', actions: ['GetObject'] as const },
      { bucket: 'b-1', key: 'k', actions: ['ListObjects'] as const },
      { bucket: 'b-1', keys: [] as string[], actions: ['DeleteObject'] as const },
    ];
    for (const scope of bad) expect(() => sessionPolicy(scope)).toThrow(ValidationError);
    const many = Array.from({ length: 100 }, (_, i) => `trade/2026/01/02/T-${i}.json`);
    expect(() => sessionPolicy({ bucket: 'acme-records-7y', keys: many, actions: ['DeleteObject'] })).toThrow(
      new RegExp(`more than STS accepts \\(${MAX_SESSION_POLICY_CHARS}\\)`),
    );
  });
});
