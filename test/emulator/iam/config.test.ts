import fs from 'node:fs';
import path from 'node:path';
import { buildIam } from '../../../src/emulator/iam/config';
import {
  defaultIdentities,
  loadPolicyTemplate,
  POLICY_DIR,
  POLICY_FILES,
  renderPolicyTemplate,
} from '../../../src/emulator/iam/defaults';
import { IamConfigError } from '../../../src/emulator/iam/errors';
import { compilePolicy, evaluate } from '../../../src/emulator/iam/policy';

const ROOT = new Map([['LTAIroot0000000', 'root-secret']]);
const doc = (action: string, resource = '*'): unknown => ({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: action, Resource: resource }],
});

describe('IAM descriptions (--iam FILE)', () => {
  it('accepts the documented shape and derives ARNs and stable numeric ids', () => {
    const iam = buildIam(
      {
        accountId: '1000000000000001',
        users: [
          { name: 'svc', accessKeys: [{ id: 'LTAIsvc0001', secret: 's3cret' }], policies: ['svc-policy'] },
        ],
        roles: [
          {
            name: 'export-reader',
            trustedUsers: ['svc'],
            maxSessionSeconds: 43200,
            policies: ['read-exports'],
          },
        ],
        policies: { 'svc-policy': doc('sts:AssumeRole'), 'read-exports': doc('oss:GetObject') },
      },
      ROOT,
    );
    const user = iam.users.get('svc');
    expect(user?.arn).toBe('acs:ram::1000000000000001:user/svc');
    expect(user?.userId).toMatch(/^2\d{15}$/);
    expect(iam.userKeys.get('LTAIsvc0001')?.user.name).toBe('svc');
    const role = iam.roles.get('export-reader');
    expect(role?.arn).toBe('acs:ram::1000000000000001:role/export-reader');
    expect(role?.roleId).toMatch(/^3\d{15}$/);
    expect(role?.maxSessionSeconds).toBe(43200);
    const again = buildIam({ accountId: '1000000000000001', users: [{ name: 'svc' }] }, ROOT);
    expect(again.users.get('svc')?.userId).toBe(user?.userId);
  });

  it('lists every problem it finds, each with its place', () => {
    let message = '';
    try {
      buildIam(
        {
          accountId: '1000000000000001',
          users: [
            { name: 'svc', accessKeys: [{ id: 'LTAIroot0000000', secret: 'x' }], policies: ['missing'] },
            { name: 'svc', policies: ['bad'] },
          ],
          roles: [
            { name: 'r1', trustedUsers: ['ghost'], policies: [] },
            { name: 'r2', policies: [] },
            { name: 'r3', trustedUsers: ['svc'], trustPolicy: {}, policies: [] },
          ],
          policies: {
            bad: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'nope', Resource: '*' }] },
          },
        },
        ROOT,
        'IAM file test.json',
      );
    } catch (err) {
      expect(err).toBeInstanceOf(IamConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/^IAM file test\.json is invalid:/);
    for (const part of [
      'users[0].accessKeys[0].id: access key id "LTAIroot0000000" is used twice',
      'users[0].policies: no policy named "missing"',
      'users[1].name: duplicate user "svc"',
      'policies.bad: Statement[0].Action: "nope" is not "service:ActionName"',
      'roles[0].trustedUsers: no user named "ghost"',
      'roles[1]: trustedUsers or trustPolicy is required',
      'roles[2]: give trustedUsers or trustPolicy, not both',
    ])
      expect(message).toContain(part);
  });

  it('refuses wrong types with the path of the field', () => {
    expect(() => buildIam({ accountId: '42' }, ROOT)).toThrow(
      /accountId: an Alibaba Cloud account id: 16 digits/,
    );
    expect(() => buildIam({ accountId: '1000000000000001', users: [{ name: 'x', extra: 1 }] }, ROOT)).toThrow(
      /users\.0: Unrecognized key/,
    );
    expect(() =>
      buildIam(
        {
          accountId: '1000000000000001',
          users: [],
          roles: [{ name: 'r', trustedUsers: [], maxSessionSeconds: 60 }],
        },
        ROOT,
      ),
    ).toThrow(/roles\.0\.maxSessionSeconds/);
    expect(() =>
      buildIam(
        { accountId: '1000000000000001', users: [{ name: 'u', accessKeys: [{ id: 'short', secret: 'x' }] }] },
        ROOT,
      ),
    ).toThrow(/accessKeys\.0\.id: 8-128 letters and digits/);
  });
});

describe('infra/policies: the production layout, rendered as Terraform would', () => {
  const vars = { bucket_prefix: 'acme', account_id: '1000000000000001' };
  const arn = (p: string): string => `acs:oss:cn-hongkong:1000000000000001:${p}`;
  const ctx = (): undefined => undefined;

  it('every file is a valid policy once rendered; placeholders are substituted, unknown ones refused', () => {
    const files = fs.readdirSync(POLICY_DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.values(POLICY_FILES).sort());
    for (const file of files) {
      const rendered = loadPolicyTemplate(file, { ...vars, bucket_name: 'acme-audit' });
      expect(JSON.stringify(rendered)).not.toContain('${');
      const kind = file.endsWith('-trust.json')
        ? 'trust'
        : file.startsWith('bucket-')
          ? 'bucket'
          : 'identity';
      expect(() => compilePolicy(rendered, kind)).not.toThrow();
    }
    expect(() => renderPolicyTemplate('{"a":"${nope}"}', vars)).toThrow(
      /no value for placeholder \$\{nope\}/,
    );
    expect(renderPolicyTemplate('{"a":"$${literal}"}', vars)).toEqual({ a: '${literal}' });
  });

  it("the service user's policy allows what the archive needs and nothing else", () => {
    const p = compilePolicy(loadPolicyTemplate(POLICY_FILES.archiveService, vars), 'identity');
    const decide = (action: string, resource: string): string =>
      evaluate([p], { action, resource, context: ctx });
    // What the archive does.
    expect(decide('oss:PutObject', arn('acme-records-7y/trade/2026/01/02/T1.json'))).toBe('Allow');
    expect(decide('oss:GetObject', arn('acme-audit/ledger/checkpoint/1'))).toBe('Allow');
    expect(decide('oss:PutObject', arn('acme-exports/ex-1/bag.zip'))).toBe('Allow');
    expect(decide('oss:GetObject', arn('acme-logs/access-log/x'))).toBe('Allow');
    expect(decide('oss:AbortMultipartUpload', arn('acme-records-7y/doc/x.pdf'))).toBe('Allow');
    for (const a of [
      'oss:ListObjects',
      'oss:GetBucketInfo',
      'oss:GetBucketWorm',
      'oss:GetBucketLogging',
      'oss:GetBucketEncryption',
      'oss:GetBucketPolicy',
    ])
      expect(decide(a, arn('acme-records-aml-5y'))).toBe('Allow');
    expect(decide('sts:AssumeRole', 'acs:ram::1000000000000001:role/acme-export-reader')).toBe('Allow');
    expect(decide('kms:AsymmetricSign', 'acs:kms:cn-hongkong:1000000000000001:key/key-abc')).toBe('Allow');
    expect(decide('actiontrail:LookupEvents', 'acs:actiontrail:cn-hongkong:1000000000000001:*')).toBe(
      'Allow',
    );
    // What it must never do: explicitly denied (a later broad grant cannot undo it).
    for (const a of [
      'oss:DeleteObject',
      'oss:DeleteBucket',
      'oss:AbortBucketWorm',
      'oss:PutBucketLogging',
      'oss:DeleteBucketPolicy',
    ])
      expect([a, decide(a, arn('acme-records-7y/x'))]).toEqual([a, 'ExplicitDeny']);
    expect(decide('oss:DeleteBucket', arn('acme-records-7y'))).toBe('ExplicitDeny');
    expect(decide('oss:AbortBucketWorm', arn('acme-audit'))).toBe('ExplicitDeny');
    // Provisioning is the root key's (or an admin's) job, not the service's.
    for (const a of [
      'oss:PutBucket',
      'oss:InitiateBucketWorm',
      'oss:CompleteBucketWorm',
      'oss:ExtendBucketWorm',
    ])
      expect([a, decide(a, arn('acme-records-7y'))]).toEqual([a, 'ImplicitDeny']);
    // Other deployments' buckets and other roles are out of reach.
    expect(decide('oss:GetObject', arn('other-records-7y/x'))).toBe('ImplicitDeny');
    expect(decide('sts:AssumeRole', 'acs:ram::1000000000000001:role/admin')).toBe('ImplicitDeny');
  });

  it('the export reader reads exports only; the disposition role deletes records only', () => {
    const reader = compilePolicy(loadPolicyTemplate(POLICY_FILES.exportReader, vars), 'identity');
    expect(
      evaluate([reader], { action: 'oss:GetObject', resource: arn('acme-exports/ex-1/a'), context: ctx }),
    ).toBe('Allow');
    expect(
      evaluate([reader], { action: 'oss:GetObject', resource: arn('acme-records-7y/a'), context: ctx }),
    ).toBe('ImplicitDeny');
    expect(
      evaluate([reader], { action: 'oss:PutObject', resource: arn('acme-exports/ex-1/a'), context: ctx }),
    ).toBe('ImplicitDeny');
    const disposal = compilePolicy(loadPolicyTemplate(POLICY_FILES.disposition, vars), 'identity');
    expect(
      evaluate([disposal], { action: 'oss:DeleteObject', resource: arn('acme-records-7y/a'), context: ctx }),
    ).toBe('Allow');
    expect(
      evaluate([disposal], { action: 'oss:DeleteObject', resource: arn('acme-audit/a'), context: ctx }),
    ).toBe('ImplicitDeny');
    expect(
      evaluate([disposal], { action: 'oss:DeleteBucket', resource: arn('acme-records-7y'), context: ctx }),
    ).toBe('ImplicitDeny');
  });

  it('the trust policies admit the service user only', () => {
    for (const file of [POLICY_FILES.exportReaderTrust, POLICY_FILES.dispositionTrust]) {
      const trust = compilePolicy(loadPolicyTemplate(file, vars), 'trust');
      const by = (principal: string): string =>
        evaluate([trust], {
          action: 'sts:AssumeRole',
          resource: 'acs:ram::1000000000000001:role/x',
          principals: [principal, 'acs:ram::1000000000000001:root'],
          context: ctx,
        });
      expect(by('acs:ram::1000000000000001:user/acme-archive')).toBe('Allow');
      expect(by('acs:ram::1000000000000001:user/someone-else')).toBe('ImplicitDeny');
    }
  });

  it('the HTTPS-only bucket policy denies every plain-HTTP request to its bucket', () => {
    const p = compilePolicy(
      loadPolicyTemplate(POLICY_FILES.bucketHttpsOnly, { ...vars, bucket_name: 'acme-audit' }),
      'bucket',
    );
    const at = (secure: string, resource: string): string =>
      evaluate([p], {
        action: 'oss:GetObject',
        resource,
        principals: ['203456789012345'],
        context: (k) => (k === 'acs:securetransport' ? secure : undefined),
      });
    expect(at('false', arn('acme-audit/x'))).toBe('ExplicitDeny');
    expect(at('false', arn('acme-audit'))).toBe('ExplicitDeny');
    expect(at('true', arn('acme-audit/x'))).toBe('ImplicitDeny');
    expect(at('false', arn('acme-exports/x'))).toBe('ImplicitDeny');
  });

  it('the default identities build: the service user, and two roles that trust it', () => {
    const iam = buildIam(
      defaultIdentities({
        accountId: '1000000000000001',
        bucketPrefix: 'acme',
        serviceKey: { id: 'LTAIservice0001', secret: 's' },
      }),
      ROOT,
    );
    expect([...iam.users.keys()]).toEqual(['acme-archive']);
    expect([...iam.roles.keys()]).toEqual(['acme-export-reader', 'acme-disposition']);
    expect(iam.roles.get('acme-export-reader')?.maxSessionSeconds).toBe(43200);
    expect(path.basename(POLICY_DIR)).toBe('policies');
  });
});
