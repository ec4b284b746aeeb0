import http from 'node:http';
import { call, send, signedPayload } from './independent-client';
import { expectRpcError, startCloudEmulator, STS, KMS, type CloudEmulator } from './helpers';

let cloud: CloudEmulator;

beforeAll(async () => {
  cloud = await startCloudEmulator();
});

afterAll(async () => {
  await cloud.stop();
});

function rawRequest(url: string, method: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the RPC protocol', () => {
  it('prints its URL on the handle; pop-core needs nothing but the endpoint', async () => {
    expect(cloud.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const who = await cloud.rpc(STS, cloud.root).request<Record<string, string>>('GetCallerIdentity', {});
    expect(who).toMatchObject({
      IdentityType: 'Account',
      AccountId: '1000000000000001',
      Arn: 'acs:ram::1000000000000001:root',
    });
    expect(who.RequestId).toMatch(/^[0-9A-F-]{36}$/);
  });

  it('answers GET (query) and POST (form body) alike, for pop-core and for the independent client', async () => {
    const viaGet = await cloud.rpc(STS, cloud.svc).request<Record<string, string>>('GetCallerIdentity', {});
    const viaPost = await cloud
      .rpc(STS, cloud.svc)
      .request<Record<string, string>>('GetCallerIdentity', {}, { method: 'POST' });
    const indGet = await call(cloud.endpoint, cloud.svc, STS, 'GetCallerIdentity');
    const indPost = await call(cloud.endpoint, cloud.svc, STS, 'GetCallerIdentity', {}, { method: 'POST' });
    const strip = (o: Record<string, unknown>): Record<string, unknown> => ({ ...o, RequestId: undefined });
    expect(indGet.status).toBe(200);
    expect(indPost.status).toBe(200);
    for (const answer of [viaPost, indGet.body, indPost.body]) expect(strip(answer)).toEqual(strip(viaGet));
    expect(viaGet).toMatchObject({ IdentityType: 'RAMUser', Arn: 'acs:ram::1000000000000001:user/svc' });
    expect(indGet.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('signs values that need encoding the same way on both clients (spaces, unicode, reserved characters)', async () => {
    const tricky = "a b*c'(d)!~é/+=&%";
    const viaPop = await expectRpcError(
      cloud.rpc(KMS, cloud.svc).request('DescribeKey', { KeyId: tricky }, { method: 'POST' }),
    );
    const viaInd = await call(cloud.endpoint, cloud.svc, KMS, 'DescribeKey', { KeyId: tricky });
    // The signature was accepted by both (the key simply does not exist).
    expect(viaPop.code).toBe('Forbidden.KeyNotFound');
    expect(viaInd.body.Code).toBe('Forbidden.KeyNotFound');
    expect(viaInd.status).toBe(404);
  });

  it('errors have the cloud JSON shape with RequestId, HostId, Code and Message', async () => {
    const err = await expectRpcError(
      cloud
        .rpc(STS, { accessKeyId: cloud.svc.accessKeyId, accessKeySecret: 'wrong' })
        .request('GetCallerIdentity', {}),
    );
    expect(err.code).toBe('SignatureDoesNotMatch');
    expect(err.entry.response.statusCode).toBe(400);
    expect(Object.keys(err.data).sort()).toEqual(['Code', 'HostId', 'Message', 'RequestId']);
    expect(err.data.Message).toContain('server string to sign is:GET&%2F&');
    expect(err.data.Message).not.toContain(cloud.svc.accessKeySecret);
  });

  it('refuses a tampered signature, an unknown key and missing common parameters', async () => {
    const tampered = await call(
      cloud.endpoint,
      cloud.svc,
      STS,
      'GetCallerIdentity',
      {},
      { tamper: (s) => 'x' + s.slice(1) },
    );
    expect([tampered.status, tampered.body.Code]).toEqual([400, 'SignatureDoesNotMatch']);
    const unknown = await call(
      cloud.endpoint,
      { accessKeyId: 'LTAIunknown000', accessKeySecret: 'x' },
      STS,
      'GetCallerIdentity',
    );
    expect([unknown.status, unknown.body.Code]).toEqual([404, 'InvalidAccessKeyId.NotFound']);
    for (const name of ['SignatureNonce', 'Timestamp', 'AccessKeyId']) {
      const missing = await call(cloud.endpoint, cloud.svc, STS, 'GetCallerIdentity', {}, { omit: name });
      expect([missing.status, missing.body.Code, missing.body.Message]).toEqual([
        400,
        'MissingParameter',
        expect.stringContaining(`"${name}"`),
      ]);
    }
  });

  it('refuses a replayed SignatureNonce (same request twice), but not a fresh one', async () => {
    const payload = signedPayload('GET', cloud.svc, STS, 'GetCallerIdentity', {});
    const first = await send(cloud.endpoint, 'GET', payload);
    const replay = await send(cloud.endpoint, 'GET', payload);
    expect(first.status).toBe(200);
    expect([replay.status, replay.body.Code]).toEqual([400, 'SignatureNonceUsed']);
    const fresh = await call(cloud.endpoint, cloud.svc, STS, 'GetCallerIdentity');
    expect(fresh.status).toBe(200);
  });

  it('a nonce used by one key stays usable by another, and an invalid signature does not burn a nonce', async () => {
    const nonce = `shared-${Date.now()}`;
    const bad = await call(
      cloud.endpoint,
      cloud.svc,
      STS,
      'GetCallerIdentity',
      {},
      { nonce, tamper: (s) => s.split('').reverse().join('') },
    );
    expect(bad.body.Code).toBe('SignatureDoesNotMatch');
    expect((await call(cloud.endpoint, cloud.svc, STS, 'GetCallerIdentity', {}, { nonce })).status).toBe(200);
    expect((await call(cloud.endpoint, cloud.root, STS, 'GetCallerIdentity', {}, { nonce })).status).toBe(
      200,
    );
  });

  it('refuses a Timestamp more than 15 minutes off either way, and a malformed one', async () => {
    const at = (offsetMs: number): string => new Date(Date.now() + offsetMs).toISOString().slice(0, 19) + 'Z';
    for (const off of [-16 * 60_000, 16 * 60_000]) {
      const r = await call(cloud.endpoint, cloud.svc, STS, 'GetCallerIdentity', {}, { timestamp: at(off) });
      expect([r.status, r.body.Code]).toEqual([400, 'InvalidTimeStamp.Expired']);
    }
    for (const off of [-14 * 60_000, 14 * 60_000]) {
      const r = await call(cloud.endpoint, cloud.svc, STS, 'GetCallerIdentity', {}, { timestamp: at(off) });
      expect(r.status).toBe(200);
    }
    for (const bad of ['2026-13-01T00:00:00Z', 'yesterday', '2026-04-31T10:00:00Z', '2026-01-01 10:00:00']) {
      const r = await call(cloud.endpoint, cloud.svc, STS, 'GetCallerIdentity', {}, { timestamp: bad });
      expect([bad, r.body.Code]).toEqual([bad, 'InvalidTimeStamp.Format']);
    }
  });

  it('names unknown versions and actions with the cloud codes', async () => {
    const version = await call(cloud.endpoint, cloud.svc, '2099-01-01', 'GetCallerIdentity');
    expect([version.status, version.body.Code]).toEqual([400, 'InvalidVersion']);
    const action = await call(cloud.endpoint, cloud.svc, STS, 'DeleteEverything');
    expect([action.status, action.body.Code]).toEqual([404, 'InvalidAction.NotFound']);
    const proto = await call(cloud.endpoint, cloud.svc, STS, 'constructor');
    expect(proto.body.Code).toBe('InvalidAction.NotFound');
    const popCore = await expectRpcError(cloud.rpc(STS, cloud.svc).request('AssumeRoleWithSAML', {}));
    expect(popCore.code).toBe('InvalidAction.NotFound');
  });

  it('bad input never crashes it: garbage, bad encoding, huge bodies, other methods', async () => {
    const garbage = await rawRequest(`${cloud.endpoint}/?%E0%A4%A`, 'GET');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({ Code: 'InvalidParameter' });
    const nothing = await rawRequest(`${cloud.endpoint}/`, 'GET');
    expect(JSON.parse(nothing.body)).toMatchObject({ Code: 'MissingParameter' });
    const big = await rawRequest(`${cloud.endpoint}/`, 'POST', 'a='.padEnd(70 * 1024, 'x'));
    expect([big.status, JSON.parse(big.body).Code]).toEqual([413, 'RequestEntityTooLarge']);
    const put = await rawRequest(`${cloud.endpoint}/`, 'PUT', 'x');
    expect(JSON.parse(put.body)).toMatchObject({ Code: 'UnsupportedHTTPMethod' });
    const path = await rawRequest(`${cloud.endpoint}/other?Action=x`, 'GET');
    expect(path.status).toBe(404);
    // Still serving.
    expect((await call(cloud.endpoint, cloud.svc, STS, 'GetCallerIdentity')).status).toBe(200);
  });

  it('answers injected faults in the cloud shape (Throttling, 503), per action', async () => {
    cloud.emu.handle.setFaults({
      seed: 1,
      rules: [
        { operation: 'GetCallerIdentity', probability: 1, error: { status: 400, code: 'Throttling.User' } },
      ],
    });
    try {
      const err = await expectRpcError(cloud.rpc(STS, cloud.svc).request('GetCallerIdentity', {}));
      expect([err.code, err.entry.response.statusCode]).toEqual(['Throttling.User', 400]);
    } finally {
      cloud.emu.handle.setFaults(null);
    }
  });
});
