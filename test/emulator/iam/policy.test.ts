import {
  compilePolicy,
  evaluate,
  evaluateSession,
  parsePolicy,
  PolicyGrammarError,
} from '../../../src/emulator/iam/policy';
import type { AccessRequest, ConditionContext } from '../../../src/emulator/iam/policy';
import { compileWildcard } from '../../../src/emulator/iam/wildcard';

const OBJ = (bucket: string, key: string): string => `acs:oss:cn-hongkong:1000000000000001:${bucket}/${key}`;

function ctx(values: Record<string, string> = {}): ConditionContext {
  const lower = Object.fromEntries(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]));
  return (key) => lower[key];
}

function req(action: string, resource: string, context: Record<string, string> = {}): AccessRequest {
  return { action, resource, context: ctx(context) };
}

function policy(...statements: unknown[]): ReturnType<typeof compilePolicy> {
  return compilePolicy({ Version: '1', Statement: statements }, 'identity');
}

describe('RAM policy evaluation', () => {
  const readPrefix = policy({
    Effect: 'Allow',
    Action: 'oss:GetObject',
    Resource: 'acs:oss:*:*:exports/ex-1/*',
  });

  it('default deny: nothing allows what no statement names', () => {
    expect(evaluate([], req('oss:GetObject', OBJ('exports', 'a')))).toBe('ImplicitDeny');
    expect(evaluate([readPrefix], req('oss:PutObject', OBJ('exports', 'ex-1/a')))).toBe('ImplicitDeny');
    expect(evaluate([readPrefix], req('oss:GetObject', OBJ('exports', 'ex-2/a')))).toBe('ImplicitDeny');
  });

  it('Allow with * matching any run, also across / and :', () => {
    expect(evaluate([readPrefix], req('oss:GetObject', OBJ('exports', 'ex-1/a/b/c.json')))).toBe('Allow');
    const all = policy({ Effect: 'Allow', Action: 'oss:*', Resource: '*' });
    expect(evaluate([all], req('oss:DeleteBucket', 'acs:oss:cn-hongkong:1:x'))).toBe('Allow');
    expect(evaluate([all], req('kms:AsymmetricSign', 'acs:kms:cn-hongkong:1:key/k'))).toBe('ImplicitDeny');
  });

  it('? matches exactly one character', () => {
    const p = policy({ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:b/file-?.txt' });
    expect(evaluate([p], req('oss:GetObject', OBJ('b', 'file-1.txt')))).toBe('Allow');
    expect(evaluate([p], req('oss:GetObject', OBJ('b', 'file-12.txt')))).toBe('ImplicitDeny');
    expect(evaluate([p], req('oss:GetObject', OBJ('b', 'file-.txt')))).toBe('ImplicitDeny');
  });

  it('wildcards in the middle and regex characters in patterns are literal except * and ?', () => {
    const p = policy({ Effect: 'Allow', Action: 'oss:Get*', Resource: 'acs:oss:*:*:b/a.(x)+*[y]' });
    expect(evaluate([p], req('oss:GetObject', OBJ('b', 'a.(x)+zz[y]')))).toBe('Allow');
    expect(evaluate([p], req('oss:GetObject', OBJ('b', 'aX(x)+zz[y]')))).toBe('ImplicitDeny');
  });

  it('several stars: pieces in order, never overlapping', () => {
    const m = compileWildcard('ab*c*ba', false);
    expect(['abcba', 'abXcYba', 'abccba', 'abcbaba'].map(m)).toEqual([true, true, true, true]);
    expect(['aba', 'abba', 'abcb', 'acba', 'abXba'].map(m)).toEqual([false, false, false, false, false]);
    const i = compileWildcard('OSS:*Object*', true);
    expect([i('oss:GetObject'), i('OSS:putobjecttagging'), i('oss:ListObjects'), i('kms:Object')]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(compileWildcard('*', false)('')).toBe(true);
    expect(compileWildcard('a*', false)('a')).toBe(true);
    expect(compileWildcard('*a', false)('ba')).toBe(true);
    expect(compileWildcard('*a*', false)('bbb')).toBe(false);
  });

  it('actions match without regard to case; resources exactly', () => {
    expect(evaluate([readPrefix], req('OSS:getobject', OBJ('exports', 'ex-1/a')))).toBe('Allow');
    expect(evaluate([readPrefix], req('oss:GetObject', OBJ('exports', 'EX-1/a')))).toBe('ImplicitDeny');
  });

  it('explicit Deny wins over any Allow, in the same or another policy, in any order', () => {
    const deny = policy({
      Effect: 'Deny',
      Action: 'oss:GetObject',
      Resource: 'acs:oss:*:*:exports/ex-1/secret/*',
    });
    const r = req('oss:GetObject', OBJ('exports', 'ex-1/secret/x'));
    expect(evaluate([readPrefix, deny], r)).toBe('ExplicitDeny');
    expect(evaluate([deny, readPrefix], r)).toBe('ExplicitDeny');
    const both = policy(
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'oss:DeleteObject', Resource: '*' },
    );
    expect(evaluate([both], req('oss:DeleteObject', OBJ('a', 'b')))).toBe('ExplicitDeny');
    expect(evaluate([both], req('oss:PutObject', OBJ('a', 'b')))).toBe('Allow');
  });

  it('lists of actions and resources: any entry may match', () => {
    const p = policy({
      Effect: 'Allow',
      Action: ['oss:GetObject', 'oss:PutObject'],
      Resource: ['acs:oss:*:*:a/*', 'acs:oss:*:*:b/*'],
    });
    expect(evaluate([p], req('oss:PutObject', OBJ('b', 'k')))).toBe('Allow');
    expect(evaluate([p], req('oss:PutObject', OBJ('c', 'k')))).toBe('ImplicitDeny');
  });

  describe('conditions', () => {
    const cond = (condition: unknown): ReturnType<typeof compilePolicy> =>
      policy({ Effect: 'Allow', Action: 'oss:*', Resource: '*', Condition: condition });
    const get = (c: Record<string, string>): AccessRequest => req('oss:GetObject', OBJ('a', 'b'), c);

    it('IpAddress and NotIpAddress with CIDR blocks, single addresses, IPv4-mapped IPv6 and IPv6', () => {
      const p = cond({ IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32'] } });
      expect(evaluate([p], get({ 'acs:SourceIp': '10.1.2.3' }))).toBe('Allow');
      expect(evaluate([p], get({ 'acs:SourceIp': '::ffff:10.1.2.3' }))).toBe('Allow');
      expect(evaluate([p], get({ 'acs:SourceIp': '192.168.1.7' }))).toBe('Allow');
      expect(evaluate([p], get({ 'acs:SourceIp': '192.168.1.8' }))).toBe('ImplicitDeny');
      expect(evaluate([p], get({ 'acs:SourceIp': '2001:db8::1' }))).toBe('Allow');
      expect(evaluate([p], get({ 'acs:SourceIp': 'not-an-ip' }))).toBe('ImplicitDeny');
      expect(evaluate([p], get({}))).toBe('ImplicitDeny');
      const not = cond({ NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } });
      expect(evaluate([not], get({ 'acs:SourceIp': '10.1.2.3' }))).toBe('ImplicitDeny');
      expect(evaluate([not], get({ 'acs:SourceIp': '11.1.2.3' }))).toBe('Allow');
    });

    it('Bool on acs:SecureTransport: the HTTPS-only Deny', () => {
      const httpsOnly = policy(
        { Effect: 'Allow', Action: 'oss:*', Resource: '*' },
        {
          Effect: 'Deny',
          Action: 'oss:*',
          Resource: '*',
          Condition: { Bool: { 'acs:SecureTransport': ['false'] } },
        },
      );
      expect(evaluate([httpsOnly], get({ 'acs:SecureTransport': 'false' }))).toBe('ExplicitDeny');
      expect(evaluate([httpsOnly], get({ 'acs:SecureTransport': 'true' }))).toBe('Allow');
      expect(
        evaluate([cond({ Bool: { 'acs:SecureTransport': true } })], get({ 'acs:SecureTransport': 'TRUE' })),
      ).toBe('Allow');
    });

    it('StringEquals, StringNotEquals, StringLike and StringNotLike on oss:Prefix', () => {
      const eq = cond({ StringEquals: { 'oss:Prefix': ['ex-1/', 'ex-2/'] } });
      expect(evaluate([eq], get({ 'oss:Prefix': 'ex-2/' }))).toBe('Allow');
      expect(evaluate([eq], get({ 'oss:Prefix': 'ex-3/' }))).toBe('ImplicitDeny');
      const like = cond({ StringLike: { 'oss:Prefix': 'ex-1/*' } });
      expect(evaluate([like], get({ 'oss:Prefix': 'ex-1/sub/' }))).toBe('Allow');
      expect(evaluate([like], get({ 'oss:Prefix': 'ex-10/' }))).toBe('ImplicitDeny');
      const notEq = cond({ StringNotEquals: { 'oss:Prefix': 'secret/' } });
      expect(evaluate([notEq], get({ 'oss:Prefix': 'public/' }))).toBe('Allow');
      expect(evaluate([notEq], get({ 'oss:Prefix': 'secret/' }))).toBe('ImplicitDeny');
      // A negated operator holds when the key is absent; a plain one does not.
      expect(evaluate([notEq], get({}))).toBe('Allow');
      expect(evaluate([eq], get({}))).toBe('ImplicitDeny');
      const notLike = cond({ StringNotLike: { 'acs:UserAgent': '*curl*' } });
      expect(evaluate([notLike], get({ 'acs:UserAgent': 'curl/8' }))).toBe('ImplicitDeny');
      expect(
        evaluate(
          [cond({ StringEqualsIgnoreCase: { 'acs:UserAgent': 'ABC' } })],
          get({ 'acs:UserAgent': 'abc' }),
        ),
      ).toBe('Allow');
    });

    it('DateLessThan and DateGreaterThan on acs:CurrentTime', () => {
      const window = cond({
        DateGreaterThan: { 'acs:CurrentTime': '2026-01-01T00:00:00Z' },
        DateLessThan: { 'acs:CurrentTime': '2026-02-01T00:00:00Z' },
      });
      expect(evaluate([window], get({ 'acs:CurrentTime': '2026-01-15T10:00:00.000Z' }))).toBe('Allow');
      expect(evaluate([window], get({ 'acs:CurrentTime': '2026-02-01T00:00:00.000Z' }))).toBe('ImplicitDeny');
      expect(evaluate([window], get({ 'acs:CurrentTime': '2025-12-31T23:59:59Z' }))).toBe('ImplicitDeny');
      expect(evaluate([window], get({ 'acs:CurrentTime': 'garbage' }))).toBe('ImplicitDeny');
    });

    it('operators and keys are ANDed, the values of one key ORed; key names ignore case', () => {
      const p = cond({
        IpAddress: { 'acs:SourceIp': '127.0.0.1' },
        StringLike: { 'oss:prefix': 'a/*' },
      });
      expect(evaluate([p], get({ 'acs:SourceIp': '127.0.0.1', 'oss:Prefix': 'a/b' }))).toBe('Allow');
      expect(evaluate([p], get({ 'acs:SourceIp': '127.0.0.2', 'oss:Prefix': 'a/b' }))).toBe('ImplicitDeny');
      expect(evaluate([p], get({ 'acs:SourceIp': '127.0.0.1', 'oss:Prefix': 'b/' }))).toBe('ImplicitDeny');
    });

    it('numeric operators', () => {
      const p = cond({ NumericLessThanEquals: { 'oss:max-keys': 100 } });
      expect(evaluate([p], get({ 'oss:max-keys': '100' }))).toBe('Allow');
      expect(evaluate([p], get({ 'oss:max-keys': '101' }))).toBe('ImplicitDeny');
      expect(evaluate([p], get({ 'oss:max-keys': 'many' }))).toBe('ImplicitDeny');
    });
  });

  describe('STS sessions: the role policy intersected with the session policy', () => {
    const role = policy({
      Effect: 'Allow',
      Action: ['oss:GetObject', 'oss:PutObject'],
      Resource: 'acs:oss:*:*:exports/*',
    });
    const session = policy({
      Effect: 'Allow',
      Action: 'oss:GetObject',
      Resource: 'acs:oss:*:*:exports/ex-1/*',
    });

    it('allows only what both allow', () => {
      expect(evaluateSession([role], session, req('oss:GetObject', OBJ('exports', 'ex-1/a')))).toBe('Allow');
      expect(evaluateSession([role], session, req('oss:GetObject', OBJ('exports', 'ex-2/a')))).toBe(
        'ImplicitDeny',
      );
      expect(evaluateSession([role], session, req('oss:PutObject', OBJ('exports', 'ex-1/a')))).toBe(
        'ImplicitDeny',
      );
    });

    it('a session policy cannot widen the role', () => {
      const wide = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
      expect(evaluateSession([role], wide, req('oss:DeleteObject', OBJ('exports', 'ex-1/a')))).toBe(
        'ImplicitDeny',
      );
    });

    it('without a session policy, the role alone; a Deny in the session policy wins', () => {
      expect(evaluateSession([role], null, req('oss:PutObject', OBJ('exports', 'a')))).toBe('Allow');
      const deny = policy({ Effect: 'Deny', Action: '*', Resource: '*' });
      expect(evaluateSession([role], deny, req('oss:GetObject', OBJ('exports', 'a')))).toBe('ExplicitDeny');
    });
  });

  describe('trust policies', () => {
    const trust = compilePolicy(
      {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { RAM: ['acs:ram::1000000000000001:user/svc'] },
          },
        ],
      },
      'trust',
    );
    const whole = compilePolicy(
      {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: '1000000000000001' } }],
      },
      'trust',
    );
    const assume = (principals: string[]): AccessRequest => ({
      ...req('sts:AssumeRole', 'acs:ram::1000000000000001:role/r'),
      principals,
    });

    it('admits the named user only', () => {
      expect(
        evaluate([trust], assume(['acs:ram::1000000000000001:user/svc', 'acs:ram::1000000000000001:root'])),
      ).toBe('Allow');
      expect(
        evaluate([trust], assume(['acs:ram::1000000000000001:user/eve', 'acs:ram::1000000000000001:root'])),
      ).toBe('ImplicitDeny');
    });

    it('a bare account id trusts every RAM identity of that account', () => {
      expect(
        evaluate([whole], assume(['acs:ram::1000000000000001:user/eve', 'acs:ram::1000000000000001:root'])),
      ).toBe('Allow');
      expect(
        evaluate([whole], assume(['acs:ram::2000000000000002:user/eve', 'acs:ram::2000000000000002:root'])),
      ).toBe('ImplicitDeny');
    });
  });

  describe('grammar: clear errors naming the place', () => {
    const bad: [unknown, RegExp][] = [
      [[], /a policy must be a JSON object/],
      [{ Version: '2', Statement: [] }, /Version: must be "1"/],
      [{ Version: '1', Statement: [] }, /at least one statement/],
      [
        { Version: '1', Statement: [{ Effect: 'Maybe', Action: 'a:b', Resource: '*' }] },
        /Statement\[0\]\.Effect/,
      ],
      [{ Version: '1', Statement: [{ Effect: 'Allow', Resource: '*' }] }, /Action is required/],
      [
        { Version: '1', Statement: [{ Effect: 'Allow', Action: 'GetObject', Resource: '*' }] },
        /not "service:ActionName"/,
      ],
      [{ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject' }] }, /Resource is required/],
      [
        { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'bucket/*' }] },
        /neither "\*" nor an ARN/,
      ],
      [
        { Version: '1', Statement: [{ Effect: 'Allow', Action: 'a:b', Resource: '*', Sid: 'x' }] },
        /unknown key "Sid"/,
      ],
      [
        {
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: 'a:b', Resource: '*', Principal: { RAM: '1' } }],
        },
        /names no Principal/,
      ],
      [
        {
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: 'a:b', Resource: '*', Condition: { Fuzzy: { k: 'v' } } }],
        },
        /unknown condition operator "Fuzzy"/,
      ],
      [
        {
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'a:b',
              Resource: '*',
              Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/40' } },
            },
          ],
        },
        /Statement\[0\]\.Condition\.IpAddress\.acs:SourceIp: "10\.0\.0\.0\/40" has an invalid prefix length/,
      ],
      [
        {
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'a:b',
              Resource: '*',
              Condition: { DateLessThan: { 'acs:CurrentTime': 'soon' } },
            },
          ],
        },
        /not an ISO 8601 date/,
      ],
      [
        {
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: 'a:b', Resource: '*', Condition: { Bool: { k: 'yes' } } }],
        },
        /"yes" is not true or false/,
      ],
      [{ Version: '1', Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] }, /must not be empty/],
    ];
    it.each(bad)('%j', (doc, message) => {
      expect(() => compilePolicy(doc, 'identity')).toThrow(PolicyGrammarError);
      expect(() => compilePolicy(doc, 'identity')).toThrow(message);
    });

    it('trust policies need a Principal and take no Resource; text that is not JSON is refused', () => {
      expect(() =>
        compilePolicy({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }, 'trust'),
      ).toThrow(/Principal is required/);
      expect(() =>
        compilePolicy(
          {
            Version: '1',
            Statement: [
              { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*', Principal: { RAM: '1' } },
            ],
          },
          'trust',
        ),
      ).toThrow(/names no Resource/);
      expect(() => parsePolicy('{"Version":', 'identity')).toThrow(/not valid JSON/);
    });
  });
});
