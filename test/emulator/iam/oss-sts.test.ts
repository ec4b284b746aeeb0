import OSS from 'ali-oss';
import { OffsetClock } from '../../../src/util/clock';
import { assume, startCloudEmulator, type CloudEmulator, type Key } from '../control-plane/helpers';
import { expectOssError, uniqueBucket, type Client } from '../helpers';

/**
 * The acceptance test: an ali-oss client with STS credentials from AssumeRole (session
 * policy: GetObject on one prefix) reads inside the prefix, is refused outside it and for writes,
 * and gets SecurityTokenExpired once the session is over (emulator clock); V1 and V4 signed URLs
 * made with those credentials behave the same.
 */
let cloud: CloudEmulator;
const clock = new OffsetClock();
const bucket = uniqueBucket('data-sts');
let session: Key;
let sessionExpiresMs: number;

function stsClient(key: Key, v4: boolean): Client {
  const creds = {
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    stsToken: key.securityToken as string,
  };
  return new OSS({
    endpoint: cloud.emu.handle.url,
    region: cloud.emu.handle.region,
    sldEnable: true,
    authorizationV4: v4,
    bucket,
    ...creds,
    // A refresher keeps ali-oss quiet; the tests never run long enough to need it.
    refreshSTSToken: async () => ({ ...creds, securityToken: creds.stsToken }),
    refreshSTSTokenInterval: 24 * 3600_000,
  } as OSS.Options) as unknown as Client;
}

beforeAll(async () => {
  cloud = await startCloudEmulator({ clock, logFlushSeconds: 3600 });
  const root = cloud.emu.client({ bucket });
  await root.putBucket(bucket);
  await root.putBucketLogging(bucket, 'log/');
  await root.put('ex-1/a.txt', Buffer.from('inside'));
  await root.put('ex-1/sub/b.txt', Buffer.from('inside too'));
  await root.put('ex-2/c.txt', Buffer.from('outside'));
  const policy = JSON.stringify({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['oss:GetObject'], Resource: [`acs:oss:*:*:${bucket}/ex-1/*`] }],
  });
  const { key, answer } = await assume(cloud, cloud.svc, 'reader', {
    Policy: policy,
    DurationSeconds: 900,
    RoleSessionName: 'export-ex-1',
  });
  session = key;
  sessionExpiresMs = Date.parse(answer.Credentials.Expiration);
});

afterAll(async () => {
  await cloud.stop();
});

describe.each([
  ['V1', false],
  ['V4', true],
])('ali-oss with STS credentials, %s header signatures', (_name, v4) => {
  it('reads inside the prefix (GET and HEAD)', async () => {
    const c = stsClient(session, v4);
    expect((await c.get('ex-1/a.txt')).content.toString()).toBe('inside');
    expect((await c.get('ex-1/sub/b.txt')).content.toString()).toBe('inside too');
    expect((await c.head('ex-1/a.txt')).status).toBe(200);
  });

  it('is refused outside the prefix, for writes, deletes and listing, with 403 AccessDenied', async () => {
    const c = stsClient(session, v4);
    for (const attempt of [
      () => c.get('ex-2/c.txt'),
      () => c.put('ex-1/new.txt', Buffer.from('x')),
      () => c.delete('ex-1/a.txt'),
      () => c.list({ prefix: 'ex-1/' }),
    ]) {
      const err = await expectOssError(attempt);
      expect([err.status, err.code]).toEqual([403, 'AccessDenied']);
    }
    const head = await expectOssError(() => c.head('ex-2/c.txt'));
    expect(head.status).toBe(403);
  });

  it('a wrong or missing token is InvalidSecurityToken', async () => {
    const forged = stsClient(
      {
        ...session,
        securityToken: (session.securityToken as string).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      },
      v4,
    );
    expect((await expectOssError(() => forged.get('ex-1/a.txt'))).code).toBe('InvalidSecurityToken');
    const bare = new OSS({
      endpoint: cloud.emu.handle.url,
      region: cloud.emu.handle.region,
      sldEnable: true,
      authorizationV4: v4,
      bucket,
      accessKeyId: session.accessKeyId,
      accessKeySecret: session.accessKeySecret,
    } as OSS.Options) as unknown as Client;
    const err = await expectOssError(() => bare.get('ex-1/a.txt'));
    expect([err.status, err.code]).toEqual([403, 'InvalidSecurityToken']);
  });
});

describe('signed URLs made with STS credentials', () => {
  const fetchStatus = async (url: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(url);
    return { status: res.status, text: await res.text() };
  };

  it('V1 (security-token in the URL) and V4 (x-oss-security-token) work inside the prefix only', async () => {
    const c = stsClient(session, false);
    const v1In = c.signatureUrl('ex-1/a.txt', { expires: 600 });
    expect(new URL(v1In).searchParams.get('security-token')).toBe(session.securityToken);
    expect(await fetchStatus(v1In)).toEqual({ status: 200, text: 'inside' });
    const v1Out = await fetchStatus(c.signatureUrl('ex-2/c.txt', { expires: 600 }));
    expect(v1Out.status).toBe(403);
    expect(v1Out.text).toContain('<Code>AccessDenied</Code>');

    const v4In = await c.signatureUrlV4('GET', 600, undefined, 'ex-1/a.txt');
    expect(new URL(v4In).searchParams.get('x-oss-security-token')).toBe(session.securityToken);
    expect(await fetchStatus(v4In)).toEqual({ status: 200, text: 'inside' });
    expect((await fetchStatus(await c.signatureUrlV4('GET', 600, undefined, 'ex-2/c.txt'))).status).toBe(403);
    // A PUT URL signed by the session is refused too.
    const putUrl = await c.signatureUrlV4('PUT', 600, undefined, 'ex-1/put.txt');
    expect((await fetch(putUrl, { method: 'PUT', body: 'x' })).status).toBe(403);
  });

  it('the access log attributes every request, signed URLs included, to the STS access key id', async () => {
    await cloud.emu.handle.flushAccessLogs();
    const root = cloud.emu.client({ bucket });
    const listed = await root.list({ prefix: 'log/' });
    let lines: string[] = [];
    for (const o of listed.objects)
      lines = lines.concat((await root.get(o.name)).content.toString().trim().split('\n'));
    const bySession = lines.filter((l) => l.includes(session.accessKeyId));
    // GETs, HEADs, refusals and signed-URL fetches made above, all with the session's key id.
    expect(bySession.length).toBeGreaterThanOrEqual(10);
    expect(bySession.some((l) => l.includes(' 403 ') && l.includes('AccessDenied'))).toBe(true);
    // Never the token itself.
    expect(lines.join('\n')).not.toContain(session.securityToken as string);
  });
});

describe('after the session ends (emulator clock)', () => {
  it('header-signed requests and signed URLs get 403 SecurityTokenExpired', async () => {
    const c1 = stsClient(session, false);
    const c4 = stsClient(session, true);
    const v1 = c1.signatureUrl('ex-1/a.txt', { expires: 1800 });
    const v4 = await c1.signatureUrlV4('GET', 1800, undefined, 'ex-1/a.txt');
    clock.advance(sessionExpiresMs - clock.now().getTime() + 1000);
    for (const c of [c1, c4]) {
      const err = await expectOssError(() => c.get('ex-1/a.txt'));
      expect([err.status, err.code]).toEqual([403, 'SecurityTokenExpired']);
    }
    for (const url of [v1, v4]) {
      const res = await fetch(url);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('<Code>SecurityTokenExpired</Code>');
    }
  });
});
