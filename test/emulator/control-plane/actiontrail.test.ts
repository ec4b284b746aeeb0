import { randomBytes } from 'node:crypto';
import { startEmulator } from '../../../src/emulator';
import { defaultIdentities } from '../../../src/emulator/iam/defaults';
import type { EmulatorHandle } from '../../../src/emulator/types';
import { OffsetClock } from '../../../src/util/clock';
import { expectOssError, makeClient, signedRaw, tempDir } from '../helpers';
import { call } from './independent-client';
import { CREATE_KEY, expectRpcError, KMS, STS, TRAIL, type Key } from './helpers';
import RPCClient from '@alicloud/pop-core';
import fs from 'node:fs';

/**
 * The emulator with its local default identities (infra/policies): the service user cannot
 * delete a record, delete a bucket or abort a retention policy, even talking to the emulator
 * directly, and every such refusal is an ActionTrail event with its error code.
 */
const ACCOUNT = '1000000000000007';
const PREFIX = `t${randomBytes(3).toString('hex')}`;
const RECORDS = `${PREFIX}-records-7y`;
const AUDIT = `${PREFIX}-audit`;
const root: Key = {
  accessKeyId: `LTAIroot${randomBytes(6).toString('hex')}`,
  accessKeySecret: randomBytes(18).toString('base64url'),
};
const svc: Key = {
  accessKeyId: `LTAIsvc${randomBytes(6).toString('hex')}`,
  accessKeySecret: randomBytes(18).toString('base64url'),
};
const clock = new OffsetClock();
const dataDir = tempDir('trail');
let handle: EmulatorHandle;

interface Event {
  eventId: string;
  eventName: string;
  eventRW: string;
  eventTime: string;
  serviceName: string;
  eventSource: string;
  sourceIpAddress: string;
  requestId: string;
  errorCode?: string;
  resourceName?: string;
  requestParameters: Record<string, unknown>;
  responseElements: Record<string, unknown> | null;
  userIdentity: {
    type: string;
    principalId: string;
    accountId: string;
    accessKeyId: string;
    userName: string;
  };
}

interface Page {
  Events: Event[];
  NextToken?: string;
  StartTime: string;
  EndTime: string;
}

async function start(): Promise<void> {
  handle = await startEmulator({
    dataDir,
    credentials: [{ accessKeyId: root.accessKeyId, accessKeySecret: root.accessKeySecret }],
    iam: defaultIdentities({
      accountId: ACCOUNT,
      bucketPrefix: PREFIX,
      serviceKey: { id: svc.accessKeyId, secret: svc.accessKeySecret },
    }),
    clock,
    region: 'oss-cn-hongkong',
  });
}

function rpc(version: string, key: Key): RPCClient {
  return new RPCClient({ endpoint: handle.controlPlaneUrl, apiVersion: version, ...key });
}

async function lookup(params: Record<string, string> = {}, key: Key = svc): Promise<Page> {
  return rpc(TRAIL, key).request<Page>('LookupEvents', params);
}

/** OSS events are delivered asynchronously (as ActionTrail's are): wait until `want` shows up. */
async function eventually(
  params: Record<string, string>,
  want: (events: Event[]) => boolean,
): Promise<Event[]> {
  for (let i = 0; i < 50; i++) {
    const events = (await lookup({ MaxResults: '50', ...params })).Events;
    if (want(events)) return events;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`events never matched for ${JSON.stringify(params)}`);
}

interface Credentials {
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
}

const toKey = (c: Credentials): Key => ({
  accessKeyId: c.AccessKeyId,
  accessKeySecret: c.AccessKeySecret,
  securityToken: c.SecurityToken,
});

const byName = (name: string): Record<string, string> => ({
  'LookupAttribute.1.Key': 'EventName',
  'LookupAttribute.1.Value': name,
});

beforeAll(async () => {
  await start();
  const admin = makeClient(handle.url, root.accessKeyId, root.accessKeySecret, {
    region: handle.region,
    bucket: RECORDS,
  });
  await admin.putBucket(RECORDS);
  await admin.putBucket(AUDIT);
  const { wormId } = await admin.initiateBucketWorm(RECORDS, 1);
  await admin.completeBucketWorm(RECORDS, wormId);
  await admin.initiateBucketWorm(AUDIT, 1);
  const service = makeClient(handle.url, svc.accessKeyId, svc.accessKeySecret, {
    region: handle.region,
    bucket: RECORDS,
    v4: true,
  });
  await service.put('trade/2026/01/02/T1.json', Buffer.from('{"id":"T1"}'));
});

afterAll(async () => {
  await handle.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('least privilege: the service user through ali-oss and through a raw signed request', () => {
  it('can write and read records', async () => {
    const service = makeClient(handle.url, svc.accessKeyId, svc.accessKeySecret, {
      region: handle.region,
      bucket: RECORDS,
    });
    expect((await service.get('trade/2026/01/02/T1.json')).content.toString()).toBe('{"id":"T1"}');
    expect((await service.getBucketWorm(RECORDS)).state).toBe('Locked');
  });

  it('cannot delete a record, delete a bucket, abort a retention policy or turn logging off', async () => {
    const service = makeClient(handle.url, svc.accessKeyId, svc.accessKeySecret, {
      region: handle.region,
      bucket: RECORDS,
    });
    const del = await expectOssError(() => service.delete('trade/2026/01/02/T1.json'));
    expect([del.status, del.code]).toEqual([403, 'AccessDenied']);
    const multi = await expectOssError(() => service.deleteMulti(['trade/2026/01/02/T1.json']));
    expect([multi.status, multi.code]).toEqual([403, 'AccessDenied']);
    const bucket = await expectOssError(() => service.deleteBucket(AUDIT));
    expect([bucket.status, bucket.code]).toEqual([403, 'AccessDenied']);
    // ali-oss never throws for abortBucketWorm: the status says it.
    expect((await service.abortBucketWorm(AUDIT)).status).toBe(403);
    expect((await expectOssError(() => service.putBucketLogging(RECORDS, 'x/'))).code).toBe('AccessDenied');
    expect((await expectOssError(() => service.putBucket(`${PREFIX}-records-new`))).code).toBe(
      'AccessDenied',
    );
    // The same through a client that signs by itself.
    const raw = await signedRaw(
      handle.url,
      svc.accessKeyId,
      svc.accessKeySecret,
      'DELETE',
      RECORDS,
      'trade/2026/01/02/T1.json',
    );
    expect(raw.status).toBe(403);
    expect(raw.body.toString()).toContain('<Code>AccessDenied</Code>');
    const rawAbort = await signedRaw(handle.url, svc.accessKeyId, svc.accessKeySecret, 'DELETE', AUDIT, '', {
      subresource: 'worm',
    });
    expect(rawAbort.status).toBe(403);
    // Nothing changed.
    const admin = makeClient(handle.url, root.accessKeyId, root.accessKeySecret, {
      region: handle.region,
      bucket: RECORDS,
    });
    expect((await admin.head('trade/2026/01/02/T1.json')).status).toBe(200);
    expect((await admin.getBucketWorm(AUDIT)).state).toBe('InProgress');
  });

  it('the refusals are ActionTrail events with their error codes and the service user as caller', async () => {
    const deletes = await eventually(byName('DeleteObject'), (e) => e.length >= 2);
    for (const e of deletes) {
      expect(e).toMatchObject({
        eventName: 'DeleteObject',
        serviceName: 'Oss',
        eventRW: 'Write',
        errorCode: 'AccessDenied',
        resourceName: `${RECORDS}/trade/2026/01/02/T1.json`,
        userIdentity: {
          type: 'ram-user',
          accessKeyId: svc.accessKeyId,
          userName: `${PREFIX}-archive`,
          accountId: ACCOUNT,
        },
      });
    }
    const abort = await eventually(byName('AbortBucketWorm'), (e) => e.length >= 2);
    expect(abort.every((e) => e.errorCode === 'AccessDenied' && e.resourceName === AUDIT)).toBe(true);
    const delBucket = await eventually(byName('DeleteBucket'), (e) => e.length >= 1);
    expect(delBucket[0]?.errorCode).toBe('AccessDenied');
    expect((await eventually(byName('DeleteMultipleObjects'), (e) => e.length >= 1))[0]?.errorCode).toBe(
      'AccessDenied',
    );
  });

  it("the root key's provisioning calls are events too, without an error code", async () => {
    const events = await eventually(
      { 'LookupAttribute.1.Key': 'User', 'LookupAttribute.1.Value': 'root' },
      (e) =>
        ['PutBucket', 'InitiateBucketWorm', 'CompleteBucketWorm'].every((n) =>
          e.some((x) => x.eventName === n),
        ),
    );
    const complete = events.find((e) => e.eventName === 'CompleteBucketWorm') as Event;
    expect(complete).toMatchObject({
      resourceName: RECORDS,
      userIdentity: { type: 'root-account', principalId: ACCOUNT, accessKeyId: root.accessKeyId },
      requestParameters: { BucketName: RECORDS, WormId: expect.any(String) },
    });
    expect(complete.errorCode).toBeUndefined();
    expect(complete.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('control-plane events', () => {
  it('AssumeRole (granted and refused), CreateKey and AsymmetricSign become events; no secret reaches them', async () => {
    const granted = await rpc(STS, svc).request<{
      Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string };
    }>('AssumeRole', {
      RoleArn: `acs:ram::${ACCOUNT}:role/${PREFIX}-export-reader`,
      RoleSessionName: 'export-1',
      DurationSeconds: 900,
    });
    const refused = await expectRpcError(
      rpc(STS, root).request('AssumeRole', {
        RoleArn: `acs:ram::${ACCOUNT}:role/${PREFIX}-export-reader`,
        RoleSessionName: 'root-try',
      }),
    );
    expect(refused.code).toBe('NoPermission');
    const key = await rpc(KMS, root).request<{ KeyMetadata: { KeyId: string; PrimaryKeyVersion: string } }>(
      'CreateKey',
      { KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' },
      CREATE_KEY,
    );
    await rpc(KMS, svc).request('AsymmetricSign', {
      KeyId: key.KeyMetadata.KeyId,
      KeyVersionId: key.KeyMetadata.PrimaryKeyVersion,
      Algorithm: 'ECDSA_SHA_256',
      Digest: Buffer.alloc(32, 7).toString('base64'),
    });

    const assumed = await eventually(byName('AssumeRole'), (e) => e.length >= 2);
    const ok = assumed.find((e) => e.errorCode === undefined) as Event;
    expect(ok).toMatchObject({
      serviceName: 'Sts',
      eventSource: 'sts.aliyuncs.com',
      resourceName: `acs:ram::${ACCOUNT}:role/${PREFIX}-export-reader`,
      requestParameters: { RoleSessionName: 'export-1', DurationSeconds: '900' },
      responseElements: {
        Credentials: { AccessKeyId: granted.Credentials.AccessKeyId, Expiration: expect.any(String) },
      },
      userIdentity: { type: 'ram-user', accessKeyId: svc.accessKeyId },
    });
    expect(assumed.find((e) => e.errorCode === 'NoPermission')?.userIdentity.type).toBe('root-account');
    const created = await eventually(byName('CreateKey'), (e) => e.length >= 1);
    expect(created[0]?.responseElements).toEqual({
      KeyMetadata: { KeyId: key.KeyMetadata.KeyId, PrimaryKeyVersion: key.KeyMetadata.PrimaryKeyVersion },
    });
    const signed = await eventually(byName('AsymmetricSign'), (e) => e.length >= 1);
    expect(signed[0]).toMatchObject({
      resourceName: key.KeyMetadata.KeyId,
      requestParameters: { Algorithm: 'ECDSA_SHA_256' },
    });

    const everything = JSON.stringify((await lookup({ MaxResults: '50' })).Events);
    for (const secret of [
      granted.Credentials.AccessKeySecret,
      granted.Credentials.SecurityToken,
      svc.accessKeySecret,
      root.accessKeySecret,
    ])
      expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/"Signature"|SecurityToken|PRIVATE KEY/);
  });

  it('a session calling the control plane is an assumed-role caller', async () => {
    const r = await rpc(STS, svc).request<{
      Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string };
    }>('AssumeRole', {
      RoleArn: `acs:ram::${ACCOUNT}:role/${PREFIX}-disposition`,
      RoleSessionName: 'dispose-1',
    });
    const session = toKey(r.Credentials);
    // The disposition role may not assume roles: refused, and recorded with the session as caller.
    const err = await expectRpcError(
      rpc(STS, session).request('AssumeRole', {
        RoleArn: `acs:ram::${ACCOUNT}:role/${PREFIX}-export-reader`,
        RoleSessionName: 'chain',
      }),
    );
    expect(err.code).toBe('NoPermission');
    const events = await eventually(
      { 'LookupAttribute.1.Key': 'EventAccessKeyId', 'LookupAttribute.1.Value': session.accessKeyId },
      (e) => e.length >= 1,
    );
    expect(events[0]?.userIdentity).toMatchObject({
      type: 'assumed-role',
      userName: `${PREFIX}-disposition:dispose-1`,
      accessKeyId: session.accessKeyId,
    });
  });
});

describe('LookupEvents', () => {
  it('pages with NextToken (absent on the last page), newest first by default, oldest first FORWARD', async () => {
    const all = (await lookup({ MaxResults: '50' })).Events;
    expect(all.length).toBeGreaterThan(5);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await lookup({ MaxResults: '2', ...(token ? { NextToken: token } : {}) });
      expect(page.Events.length).toBeLessThanOrEqual(2);
      seen.push(...page.Events.map((e) => e.eventId));
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual(all.map((e) => e.eventId));
    const times = all.map((e) => e.eventTime);
    expect([...times].sort().reverse()).toEqual(times);
    const forward = (await lookup({ MaxResults: '50', Direction: 'FORWARD' })).Events.map((e) => e.eventId);
    expect(forward).toEqual([...seen].reverse());
  });

  it('ANDs two lookup attributes, refuses a third, and checks its parameters', async () => {
    const both = await lookup({
      MaxResults: '50',
      'LookupAttribute.1.Key': 'EventName',
      'LookupAttribute.1.Value': 'DeleteObject',
      'LookupAttribute.2.Key': 'EventAccessKeyId',
      'LookupAttribute.2.Value': svc.accessKeyId,
    });
    expect(both.Events.length).toBeGreaterThanOrEqual(2);
    expect(
      both.Events.every(
        (e) => e.eventName === 'DeleteObject' && e.userIdentity.accessKeyId === svc.accessKeyId,
      ),
    ).toBe(true);
    const three = await expectRpcError(
      lookup({
        'LookupAttribute.1.Key': 'EventName',
        'LookupAttribute.1.Value': 'a',
        'LookupAttribute.2.Key': 'EventRW',
        'LookupAttribute.2.Value': 'Write',
        'LookupAttribute.3.Key': 'User',
        'LookupAttribute.3.Value': 'x',
      }),
    );
    expect(three.code).toBe('InvalidParameter');
    const bads: Record<string, string>[] = [
      { MaxResults: '51' },
      { NextToken: 'bm9wZQ' },
      { StartTime: 'last week' },
      { Direction: 'SIDEWAYS' },
      { 'LookupAttribute.1.Key': 'Colour' },
    ];
    for (const bad of bads)
      expect([bad, (await expectRpcError(lookup(bad))).code]).toEqual([bad, 'InvalidParameter']);
    // The independent client gets the same page.
    const viaPop = await lookup({ MaxResults: '3' });
    const viaInd = await call(handle.controlPlaneUrl, svc, TRAIL, 'LookupEvents', { MaxResults: '3' });
    expect((viaInd.body.Events as Event[]).map((e) => e.eventId)).toEqual(
      viaPop.Events.map((e) => e.eventId),
    );
  });

  it('needs actiontrail:LookupEvents', async () => {
    const r = await rpc(STS, svc).request<{ Credentials: Credentials }>('AssumeRole', {
      RoleArn: `acs:ram::${ACCOUNT}:role/${PREFIX}-export-reader`,
      RoleSessionName: 'reader-1',
    });
    const err = await expectRpcError(lookup({}, toKey(r.Credentials)));
    expect([err.code, err.entry.response.statusCode]).toEqual(['NoPermission', 403]);
  });

  it('keeps events across a restart, and for 90 days of the emulator clock', async () => {
    const before = (await lookup({ MaxResults: '50' })).Events.map((e) => e.eventId);
    await handle.close();
    await start();
    expect((await lookup({ MaxResults: '50' })).Events.map((e) => e.eventId)).toEqual(before);
    clock.advance(89 * 24 * 3600_000);
    const old = (await lookup({ MaxResults: '50', StartTime: '2000-01-01T00:00:00Z' })).Events;
    expect(old.length).toBe(before.length);
    clock.advance(2 * 24 * 3600_000);
    expect((await lookup({ MaxResults: '50', StartTime: '2000-01-01T00:00:00Z' })).Events).toEqual([]);
  });
});
