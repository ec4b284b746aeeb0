import { createHash, verify } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { inspect } from 'node:util';
import OSS from 'ali-oss';
import { createCloudClients, StsCredentials, type CloudClients } from '../../src/cloud';
import {
  AccessDeniedError,
  ControlPlaneError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from '../../src/errors';
import { createLogger } from '../../src/log';
import {
  CREATE_KEY,
  startCloudEmulator,
  type CloudEmulator,
  type Key,
  KMS,
} from '../emulator/control-plane/helpers';
import { expectOssError, uniqueBucket, type Client } from '../emulator/helpers';

let cloud: CloudEmulator;
let logged = '';
const delays: number[] = [];

function clients(key: Key, endpoint = cloud.endpoint, maxAttempts = 4): CloudClients {
  const stream = new PassThrough();
  stream.on('data', (d: Buffer) => (logged += d.toString()));
  return createCloudClients({
    endpoints: { sts: endpoint, kms: endpoint, actionTrail: endpoint },
    credentials: key,
    cloud: { timeoutMs: 2000, retry: { maxAttempts, baseDelayMs: 100, maxDelayMs: 2000 } },
    logger: createLogger({ level: 'debug', destination: stream }),
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
}

beforeAll(async () => {
  cloud = await startCloudEmulator();
});

afterAll(async () => {
  await cloud.stop();
});

beforeEach(() => {
  delays.length = 0;
  cloud.emu.handle.setFaults(null);
});

describe('StsClient', () => {
  it('assumeRole with a typed scope: the session reads its prefix and nothing else', async () => {
    const bucket = uniqueBucket('data-cloud');
    const root = cloud.emu.client({ bucket });
    await root.putBucket(bucket);
    await root.put('ex-7/report.pdf', Buffer.from('pdf'));
    await root.put('ex-8/other.pdf', Buffer.from('other'));
    const creds = await clients(cloud.svc).sts.assumeRole({
      roleArn: cloud.roleArn('reader'),
      sessionName: 'export-ex-7',
      durationSeconds: 3600,
      scope: { bucket, prefix: 'ex-7/', actions: ['GetObject'], sourceIp: '127.0.0.1' },
    });
    expect(creds).toBeInstanceOf(StsCredentials);
    expect(creds.accessKeyId).toMatch(/^STS\./);
    expect(creds.assumedRoleArn).toBe('acs:ram::1000000000000001:role/reader/export-ex-7');
    expect(creds.expiration.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const oss = new OSS({
      endpoint: cloud.emu.handle.url,
      region: cloud.emu.handle.region,
      sldEnable: true,
      bucket,
      accessKeyId: creds.accessKeyId,
      accessKeySecret: creds.accessKeySecret,
      stsToken: creds.securityToken,
      refreshSTSToken: async () => ({
        accessKeyId: creds.accessKeyId,
        accessKeySecret: creds.accessKeySecret,
        stsToken: creds.securityToken,
      }),
      refreshSTSTokenInterval: 24 * 3600_000,
    } as OSS.Options) as unknown as Client;
    expect((await oss.get('ex-7/report.pdf')).content.toString()).toBe('pdf');
    expect((await expectOssError(() => oss.get('ex-8/other.pdf'))).code).toBe('AccessDenied');
  });

  it('credentials never show their secret or token when logged, stringified or inspected', async () => {
    const creds = await clients(cloud.svc).sts.assumeRole({
      roleArn: cloud.roleArn('reader'),
      sessionName: 'log-check',
    });
    const shown = [JSON.stringify(creds), inspect(creds), JSON.stringify({ nested: { creds } })].join('\n');
    expect(shown).toContain(creds.accessKeyId);
    expect(shown).not.toContain(creds.accessKeySecret);
    expect(shown).not.toContain(creds.securityToken);
  });

  it('getCallerIdentity tells who the archive runs as', async () => {
    expect(await clients(cloud.svc).sts.getCallerIdentity()).toEqual({
      identityType: 'RAMUser',
      accountId: '1000000000000001',
      arn: 'acs:ram::1000000000000001:user/svc',
      principalId: expect.stringMatching(/^2\d{15}$/),
    });
  });

  it('refusals are typed errors carrying the cloud code and request id, never the upstream message', async () => {
    const err = await clients(cloud.nobody)
      .sts.assumeRole({ roleArn: cloud.roleArn('reader'), sessionName: 'nope' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect((err as AccessDeniedError).details).toEqual({
      service: 'Sts',
      action: 'AssumeRole',
      cloudCode: 'NoPermission',
      status: 403,
      requestId: expect.stringMatching(/^[0-9A-F-]{36}$/),
    });
    expect((err as Error).message).not.toMatch(/You are not authorized|URL|Signature|http:/);
    expect((err as Error).cause).toBeUndefined();
    const wrongSecret = await clients({ ...cloud.svc, accessKeySecret: 'wrong' })
      .sts.getCallerIdentity()
      .catch((e: unknown) => e);
    expect(wrongSecret).toBeInstanceOf(AccessDeniedError);
    expect((wrongSecret as Error).message).not.toContain('string to sign');
    const session = await clients(cloud.svc).sts.assumeRole({
      roleArn: cloud.roleArn('reader'),
      sessionName: 'chain-1',
    });
    const missing = await clients({
      accessKeyId: session.accessKeyId,
      accessKeySecret: session.accessKeySecret,
      securityToken: session.securityToken,
    })
      .sts.assumeRole({ roleArn: cloud.roleArn('ghost'), sessionName: 'x1' })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(delays).toEqual([]); // no 4xx was retried
  });

  it('checks its own input before calling', async () => {
    const sts = clients(cloud.svc).sts;
    await expect(
      sts.assumeRole({ roleArn: cloud.roleArn('reader'), sessionName: 'x' }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      sts.assumeRole({ roleArn: cloud.roleArn('reader'), sessionName: 'okay', durationSeconds: 60 }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      sts.assumeRole({
        roleArn: cloud.roleArn('reader'),
        sessionName: 'okay',
        scope: { bucket: 'b-1', key: 'a*b', actions: ['GetObject'] },
      }),
    ).rejects.toThrow(/RAM wildcards/);
  });
});

describe('retries', () => {
  it('throttling (400 Throttling.User) and 503 are retried with jittered, growing waits, then succeed', async () => {
    cloud.emu.handle.setFaults({
      seed: 3,
      rules: [
        { operation: 'GetCallerIdentity', probability: 1, error: { status: 400, code: 'Throttling.User' } },
      ],
    });
    const c = clients(cloud.svc);
    const failing = c.sts.getCallerIdentity();
    const err = await failing.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).details).toMatchObject({
      cloudCode: 'Throttling.User',
      status: 400,
      attempts: 4,
    });
    expect(delays).toHaveLength(3);
    delays.forEach((d, i) => expect(d).toBeLessThanOrEqual(100 * 2 ** i));
    expect(logged).toContain('control plane call failed; retrying');

    delays.length = 0;
    cloud.emu.handle.setFaults({
      seed: 5,
      rules: [
        {
          operation: 'GetCallerIdentity',
          probability: 0.5,
          error: { status: 503, code: 'ServiceUnavailable' },
        },
      ],
    });
    let ok = 0;
    for (let i = 0; i < 10; i++) if ((await c.sts.getCallerIdentity()).identityType === 'RAMUser') ok++;
    expect(ok).toBe(10);
    expect(delays.length).toBeGreaterThan(0);
  });

  it('a 4xx is never retried', async () => {
    cloud.emu.handle.setFaults({
      seed: 1,
      rules: [
        { operation: 'GetCallerIdentity', probability: 1, error: { status: 400, code: 'InvalidParameter' } },
      ],
    });
    const err = await clients(cloud.svc)
      .sts.getCallerIdentity()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlPlaneError);
    expect(delays).toEqual([]);
  });

  it('a lost connection and an unreachable endpoint are retried, then Unavailable', async () => {
    cloud.emu.handle.setFaults({
      seed: 1,
      rules: [{ operation: 'GetCallerIdentity', probability: 1, reset: true }],
    });
    const reset = await clients(cloud.svc, cloud.endpoint, 3)
      .sts.getCallerIdentity()
      .catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(UnavailableError);
    expect(delays).toHaveLength(2);
    cloud.emu.handle.setFaults(null);
    const closed = await clients(cloud.svc, 'http://127.0.0.1:9', 2)
      .sts.getCallerIdentity()
      .catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(UnavailableError);
    expect((closed as UnavailableError).details).toMatchObject({ cloudCode: 'ECONNREFUSED', attempts: 2 });
  });

  it('a slow answer times out and is retried', async () => {
    cloud.emu.handle.setFaults({
      seed: 1,
      rules: [{ operation: 'GetCallerIdentity', probability: 1, latencyMs: 3000 }],
    });
    const err = await clients(cloud.svc, cloud.endpoint, 2)
      .sts.getCallerIdentity()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).not.toContain('http://');
  });

  it('no secret, token or signature reaches the log of failed and retried calls', async () => {
    const session = await clients(cloud.svc).sts.assumeRole({
      roleArn: cloud.roleArn('reader'),
      sessionName: 'logs-1',
    });
    cloud.emu.handle.setFaults({
      seed: 2,
      rules: [{ operation: '*', probability: 1, error: { status: 500, code: 'InternalError' } }],
    });
    await clients({
      accessKeyId: session.accessKeyId,
      accessKeySecret: session.accessKeySecret,
      securityToken: session.securityToken,
    })
      .sts.getCallerIdentity()
      .catch(() => undefined);
    expect(logged).toContain('InternalError');
    for (const secret of [session.accessKeySecret, session.securityToken, cloud.svc.accessKeySecret])
      expect(logged).not.toContain(secret);
    expect(logged).not.toMatch(/Signature=|SecurityToken=/);
  });
});

describe('KmsClient and ActionTrailClient', () => {
  it('describes a key, gets its PEM and signs a digest that node:crypto verifies', async () => {
    const created = await cloud
      .rpc(KMS, cloud.root)
      .request<{ KeyMetadata: { KeyId: string; PrimaryKeyVersion: string } }>(
        'CreateKey',
        { KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' },
        CREATE_KEY,
      );
    const kms = clients(cloud.svc).kms;
    const info = await kms.describeKey(created.KeyMetadata.KeyId);
    expect(info).toMatchObject({
      keySpec: 'EC_P256',
      keyUsage: 'SIGN/VERIFY',
      keyState: 'Enabled',
      primaryKeyVersion: created.KeyMetadata.PrimaryKeyVersion,
    });
    const pem = await kms.getPublicKey(info.keyId, info.primaryKeyVersion);
    const message = Buffer.from('checkpoint body\n');
    const sig = await kms.asymmetricSign(
      info.keyId,
      info.primaryKeyVersion,
      'ECDSA_SHA_256',
      createHash('sha256').update(message).digest(),
    );
    expect(verify('sha256', message, pem, sig)).toBe(true);
    await expect(kms.describeKey('key-missing')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lookupEvents walks every page with NextToken', async () => {
    for (let i = 0; i < 7; i++)
      await clients(cloud.svc).sts.assumeRole({
        roleArn: cloud.roleArn('reader'),
        sessionName: `paging-${i}`,
      });
    const trail = clients(cloud.svc).actionTrail;
    const events = [];
    for await (const e of trail.lookupEvents({
      start: new Date(Date.now() - 3600_000),
      end: new Date(Date.now() + 60_000),
      attributes: [{ key: 'EventName', value: 'AssumeRole' }],
      pageSize: 2,
    }))
      events.push(e);
    const sessions = events.map(
      (e) => (e.raw.requestParameters as { RoleSessionName: string }).RoleSessionName,
    );
    for (let i = 0; i < 7; i++) expect(sessions).toContain(`paging-${i}`);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    expect(events[0]).toMatchObject({
      eventName: 'AssumeRole',
      serviceName: 'Sts',
      userIdentity: { type: 'ram-user', userName: 'svc' },
    });
    expect(events[0]?.eventTime).toBeInstanceOf(Date);
  });
});
