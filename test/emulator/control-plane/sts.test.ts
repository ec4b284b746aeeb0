import { OffsetClock } from '../../../src/util/clock';
import { call } from './independent-client';
import { ACCOUNT, assume, expectRpcError, startCloudEmulator, STS, type CloudEmulator } from './helpers';

let cloud: CloudEmulator;
const clock = new OffsetClock();

beforeAll(async () => {
  cloud = await startCloudEmulator({ clock });
});

afterAll(async () => {
  await cloud.stop();
});

describe('STS AssumeRole', () => {
  it('gives STS.-prefixed credentials for the role, expiring after DurationSeconds (default 3600) on the emulator clock', async () => {
    const before = Math.floor(clock.now().getTime() / 1000) * 1000;
    const { answer } = await assume(cloud, cloud.svc, 'reader');
    expect(answer.AssumedRoleUser).toEqual({
      Arn: `acs:ram::${ACCOUNT}:role/reader/test-session`,
      AssumedRoleId: expect.stringMatching(/^3\d{15}:test-session$/),
    });
    expect(answer.Credentials.AccessKeyId).toMatch(/^STS\.[A-Za-z0-9]{20,}$/);
    expect(answer.Credentials.AccessKeySecret.length).toBeGreaterThanOrEqual(30);
    expect(answer.Credentials.SecurityToken.length).toBeGreaterThan(50);
    expect(answer.Credentials.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const expires = Date.parse(answer.Credentials.Expiration);
    expect(expires - before).toBeGreaterThanOrEqual(3600_000);
    expect(expires - before).toBeLessThanOrEqual(3602_000);
    const long = await assume(cloud, cloud.svc, 'reader', { DurationSeconds: 43200 });
    expect(Date.parse(long.answer.Credentials.Expiration) - before).toBeGreaterThanOrEqual(43200_000);
  });

  it('the independent client gets the same kind of answer, through GET and POST', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const r = await call(
        cloud.endpoint,
        cloud.svc,
        STS,
        'AssumeRole',
        { RoleArn: cloud.roleArn('reader'), RoleSessionName: 'ind' },
        { method },
      );
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        RequestId: expect.any(String),
        AssumedRoleUser: { Arn: `acs:ram::${ACCOUNT}:role/reader/ind` },
        Credentials: { AccessKeyId: expect.stringMatching(/^STS\./) },
      });
    }
  });

  it('refuses the root account, callers without sts:AssumeRole, and callers the trust policy does not name', async () => {
    const root = await expectRpcError(assume(cloud, cloud.root, 'reader'));
    expect([root.code, root.entry.response.statusCode]).toEqual(['NoPermission', 403]);
    const nobody = await expectRpcError(assume(cloud, cloud.nobody, 'reader'));
    expect(nobody.code).toBe('NoPermission');
    // svc may call AssumeRole on `untrusting`, but that role trusts `nobody` only.
    const untrusted = await expectRpcError(assume(cloud, cloud.svc, 'untrusting'));
    expect(untrusted.code).toBe('NoPermission');
  });

  it('names a missing role once the caller may assume roles at all', async () => {
    const { key } = await assume(cloud, cloud.svc, 'reader');
    const missing = await expectRpcError(assume(cloud, key, 'ghost'));
    expect([missing.code, missing.entry.response.statusCode]).toEqual(['EntityNotExist.Role', 404]);
    const foreign = await expectRpcError(
      cloud
        .rpc(STS, key)
        .request('AssumeRole', { RoleArn: 'acs:ram::2000000000000002:role/reader', RoleSessionName: 'x1' }),
    );
    expect(foreign.code).toBe('EntityNotExist.Role');
  });

  it('checks DurationSeconds (900 up to the role maximum), RoleSessionName and RoleArn', async () => {
    for (const d of ['899', '43201', 'abc', '-900', '1e3']) {
      const err = await expectRpcError(assume(cloud, cloud.svc, 'reader', { DurationSeconds: d }));
      expect([d, err.code]).toEqual([d, 'InvalidParameter.DurationSeconds']);
    }
    expect((await expectRpcError(assume(cloud, cloud.svc, 'short', { DurationSeconds: 3601 }))).code).toBe(
      'InvalidParameter.DurationSeconds',
    );
    expect(
      (await assume(cloud, cloud.svc, 'short', { DurationSeconds: 900 })).answer.Credentials.AccessKeyId,
    ).toMatch(/^STS\./);
    for (const name of ['a', 'has space', 'x'.repeat(65), 'semi;colon']) {
      const err = await expectRpcError(assume(cloud, cloud.svc, 'reader', { RoleSessionName: name }));
      expect([name, err.code]).toEqual([name, 'InvalidParameter.RoleSessionName']);
    }
    const arn = await expectRpcError(
      cloud
        .rpc(STS, cloud.svc)
        .request('AssumeRole', { RoleArn: 'arn:aws:iam::1:role/x', RoleSessionName: 'ok-name' }),
    );
    expect(arn.code).toBe('InvalidParameter.RoleArn');
    const none = await expectRpcError(
      cloud.rpc(STS, cloud.svc).request('AssumeRole', { RoleSessionName: 'ok-name' }),
    );
    expect(none.code).toBe('MissingParameter');
  });

  it('checks the session Policy grammar and its length (2048 characters)', async () => {
    const grammar = await expectRpcError(
      assume(cloud, cloud.svc, 'reader', { Policy: '{"Version":"1","Statement":[{"Effect":"Perhaps"}]}' }),
    );
    expect(grammar.code).toBe('InvalidParameter.PolicyGrammar');
    expect(grammar.data.Message).toContain('Statement[0].Effect');
    const notJson = await expectRpcError(assume(cloud, cloud.svc, 'reader', { Policy: 'allow everything' }));
    expect(notJson.code).toBe('InvalidParameter.PolicyGrammar');
    const resources = Array.from({ length: 60 }, (_, i) => `acs:oss:*:*:data-x/prefix-number-${i}/*`);
    const long = JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: resources }],
    });
    expect(long.length).toBeGreaterThan(2048);
    const tooLong = await expectRpcError(assume(cloud, cloud.svc, 'reader', { Policy: long }));
    expect([tooLong.code, tooLong.data.Message]).toEqual([
      'InvalidParameter.PolicyGrammar',
      expect.stringContaining('2048'),
    ]);
  });
});

describe('STS GetCallerIdentity', () => {
  it('tells the root account, a RAM user and a session apart', async () => {
    const root = await cloud.rpc(STS, cloud.root).request<Record<string, string>>('GetCallerIdentity', {});
    expect(root).toMatchObject({
      IdentityType: 'Account',
      AccountId: ACCOUNT,
      PrincipalId: ACCOUNT,
      UserId: ACCOUNT,
    });
    const user = await cloud.rpc(STS, cloud.svc).request<Record<string, string>>('GetCallerIdentity', {});
    expect(user).toMatchObject({
      IdentityType: 'RAMUser',
      Arn: `acs:ram::${ACCOUNT}:user/svc`,
      UserId: expect.stringMatching(/^2\d{15}$/),
    });
    expect(user.PrincipalId).toBe(user.UserId);
    const { key, answer } = await assume(cloud, cloud.svc, 'reader', { RoleSessionName: 'who-am-i' });
    const session = await cloud.rpc(STS, key).request<Record<string, string>>('GetCallerIdentity', {});
    expect(session).toMatchObject({
      IdentityType: 'AssumedRoleUser',
      Arn: answer.AssumedRoleUser.Arn,
      PrincipalId: answer.AssumedRoleUser.AssumedRoleId,
      RoleId: answer.AssumedRoleUser.AssumedRoleId.split(':')[0],
    });
  });
});

describe('STS credentials on the control plane', () => {
  it('need their token: missing, altered, another session’s, or expired are refused with the cloud codes', async () => {
    const { key } = await assume(cloud, cloud.svc, 'reader', { DurationSeconds: 900 });
    const other = await assume(cloud, cloud.svc, 'reader');
    const noToken = await call(
      cloud.endpoint,
      { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret },
      STS,
      'GetCallerIdentity',
    );
    expect(noToken.body.Code).toBe('MissingSecurityToken');
    const altered = await call(
      cloud.endpoint,
      { ...key, securityToken: (key.securityToken as string).slice(0, -2) + 'xx' },
      STS,
      'GetCallerIdentity',
    );
    expect(altered.body.Code).toBe('InvalidSecurityToken.Malformed');
    const swapped = await call(
      cloud.endpoint,
      { ...key, securityToken: other.key.securityToken as string },
      STS,
      'GetCallerIdentity',
    );
    expect(swapped.body.Code).toBe('InvalidSecurityToken.MismatchWithAccessKey');
    const wrongSecret = await call(
      cloud.endpoint,
      { ...key, accessKeySecret: 'guess' },
      STS,
      'GetCallerIdentity',
    );
    expect(wrongSecret.body.Code).toBe('SignatureDoesNotMatch');
    expect(
      (await cloud.rpc(STS, key).request<Record<string, string>>('GetCallerIdentity', {})).IdentityType,
    ).toBe('AssumedRoleUser');
    clock.advance(901_000);
    const expired = await expectRpcError(cloud.rpc(STS, key).request('GetCallerIdentity', {}));
    expect(expired.code).toBe('InvalidSecurityToken.Expired');
    // The longer session is still good.
    expect(
      (await cloud.rpc(STS, other.key).request<Record<string, string>>('GetCallerIdentity', {})).IdentityType,
    ).toBe('AssumedRoleUser');
  });
});
