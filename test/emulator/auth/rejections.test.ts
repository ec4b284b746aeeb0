/**
 * What must be refused: requests signed by ali-oss (V1 and V4 headers), then altered; unknown keys;
 * anonymous and malformed requests.
 */
import { authenticate, type SignedRequest } from '../../../src/emulator/auth';
import {
  ACCESS_KEY_SECRET,
  BUCKET,
  captureCall,
  type CaptureServer,
  flipChar,
  makeClient,
  secretFor,
  startCaptureServer,
  userMeta,
  withHeader,
  wrongSecretFor,
} from './helpers';

let server: CaptureServer;
beforeAll(async () => {
  server = await startCaptureServer();
});
afterAll(async () => {
  await server.close();
});

async function signedPut(v4: boolean, key = 'records/a b+c.json'): Promise<SignedRequest> {
  const client = makeClient(server, { v4 });
  const got = await captureCall(server, () =>
    client.put(key, Buffer.from('{"a":1}'), {
      meta: userMeta({ owner: 'compliance' }),
      headers: { 'x-oss-forbid-overwrite': 'true' },
    }),
  );
  const req = got[0];
  if (got.length !== 1 || req === undefined) throw new Error('expected one request');
  return req;
}

function authHeader(req: SignedRequest): string {
  const v = req.headers.authorization;
  if (typeof v !== 'string') throw new Error('no authorization header');
  return v;
}

const mismatch = { ok: false, status: 403, code: 'SignatureDoesNotMatch' };

describe.each([{ v4: false }, { v4: true }])('header-signed requests (authorizationV4: $v4)', ({ v4 }) => {
  let req: SignedRequest;
  beforeAll(async () => {
    req = await signedPut(v4);
    expect(authenticate(req, secretFor, new Date())).toMatchObject({ ok: true });
  });

  test('wrong secret -> 403 SignatureDoesNotMatch, with the StringToSign but never the secret', () => {
    const outcome = authenticate(req, wrongSecretFor, new Date());
    expect(outcome).toMatchObject(mismatch);
    if (outcome.ok) throw new Error('unreachable');
    expect(outcome.message).toBe(
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
    expect(outcome.details?.StringToSign).toEqual(expect.any(String));
    expect(outcome.details?.StringToSign).toContain(
      v4 ? 'OSS4-HMAC-SHA256\n' : `/${BUCKET}/records/a b+c.json`,
    );
    expect(JSON.stringify(outcome)).not.toContain(ACCESS_KEY_SECRET);
  });

  test('one changed character in the signature -> SignatureDoesNotMatch', () => {
    const auth = authHeader(req);
    for (const i of [auth.length - 1, auth.length - 10, auth.length - 20]) {
      const flipped = flipChar(auth, i);
      expect(flipped).not.toBe(auth);
      expect(authenticate(withHeader(req, 'authorization', flipped), secretFor, new Date())).toMatchObject(
        mismatch,
      );
    }
  });

  test.each([
    ['x-oss-meta-owner', 'someone-else'],
    ['x-oss-forbid-overwrite', 'false'],
    ['x-oss-date', v4 ? '20200101T000000Z' : 'Wed, 01 Jan 2020 00:00:00 GMT'],
    ['content-type', 'application/octet-stream'],
    ['content-md5', '1B2M2Y8AsgTpgAmY7PhCfg=='],
  ])('changed header %s -> SignatureDoesNotMatch', (name, value) => {
    expect(req.headers[name]).toBeDefined();
    expect(authenticate(withHeader(req, name, value), secretFor, new Date())).toMatchObject(mismatch);
  });

  test('removed signed header -> SignatureDoesNotMatch', () => {
    expect(
      authenticate(withHeader(req, 'x-oss-forbid-overwrite', undefined), secretFor, new Date()),
    ).toMatchObject(mismatch);
    expect(authenticate(withHeader(req, 'content-md5', undefined), secretFor, new Date())).toMatchObject(
      mismatch,
    );
  });

  test('added x-oss-* header -> SignatureDoesNotMatch; other headers are not signed', () => {
    expect(
      authenticate(withHeader(req, 'x-oss-object-acl', 'public-read'), secretFor, new Date()),
    ).toMatchObject(mismatch);
    expect(authenticate(withHeader(req, 'user-agent', 'curl/8'), secretFor, new Date())).toMatchObject({
      ok: true,
    });
  });

  test.each([
    ['another key', `/${BUCKET}/records/a b+d.json`],
    ['a different bucket', `/other-bucket/records/a%20b%2Bc.json`],
    ['"+" meaning space', `/${BUCKET}/records/a+b%2Bc.json`],
    ['a signed sub-resource added', `/${BUCKET}/records/a%20b%2Bc.json?acl`],
  ])('changed target (%s) -> SignatureDoesNotMatch', (_label, rawUrl) => {
    expect(rawUrl).not.toBe(req.rawUrl);
    expect(
      authenticate({ ...req, rawUrl: rawUrl.replace(/ /g, '%20') }, secretFor, new Date()),
    ).toMatchObject(mismatch);
  });

  test('an unsigned query parameter: ignored by V1, signed by V4', () => {
    const outcome = authenticate({ ...req, rawUrl: req.rawUrl + '?prefix=x' }, secretFor, new Date());
    expect(outcome).toMatchObject(v4 ? mismatch : { ok: true });
  });

  test('changed method -> SignatureDoesNotMatch', () => {
    expect(authenticate({ ...req, method: 'POST' }, secretFor, new Date())).toMatchObject(mismatch);
  });

  test('unknown access key id -> 403 InvalidAccessKeyId', async () => {
    expect(authenticate(req, () => undefined, new Date())).toMatchObject({
      ok: false,
      status: 403,
      code: 'InvalidAccessKeyId',
    });
    const stranger = makeClient(server, { v4, accessKeyId: 'LTAI5tNobodyKnowsMe' });
    const got = await captureCall(server, () => stranger.head('a.txt'));
    const head = got[0];
    if (head === undefined) throw new Error('no request captured');
    const outcome = authenticate(head, secretFor, new Date());
    expect(outcome).toMatchObject({ ok: false, status: 403, code: 'InvalidAccessKeyId' });
    if (outcome.ok) throw new Error('unreachable');
    expect(outcome.details?.OSSAccessKeyId).toBe('LTAI5tNobodyKnowsMe');
  });

  test('anonymous (authorization removed) -> 403 AccessDenied', () => {
    expect(authenticate(withHeader(req, 'authorization', undefined), secretFor, new Date())).toMatchObject({
      ok: false,
      status: 403,
      code: 'AccessDenied',
    });
  });
});

describe('anonymous and malformed requests', () => {
  test('no credentials at all -> 403 AccessDenied, for objects, buckets and ListBuckets', () => {
    for (const rawUrl of ['/b/k.txt', '/b/', '/b?acl', '/', '/b/k?prefix=a&OSSAccessKey=typo']) {
      expect(authenticate({ method: 'GET', rawUrl, headers: {} }, secretFor, new Date())).toMatchObject({
        ok: false,
        status: 403,
        code: 'AccessDenied',
      });
    }
  });

  test.each([
    'OSS',
    'OSS ',
    'OSS AKONLY',
    'OSS AK:',
    'OSS :sig',
    'Bearer abc.def',
    'AWS AK:sig',
    'OSS4-HMAC-SHA256 ',
    'OSS4-HMAC-SHA256 Signature=abcd',
    'OSS4-HMAC-SHA256 Credential=AK/20250101/cn-hongkong/oss/aliyun_v4_request',
    'OSS4-HMAC-SHA256 Credential=AK/20250101/cn-hongkong/s3/aws4_request,Signature=abcd',
    'OSS4-HMAC-SHA256 Credential=AK/2025/cn-hongkong/oss/aliyun_v4_request,Signature=abcd',
    'OSS4-HMAC-SHA256 Credential=AK/20250101/cn-hongkong/oss/aliyun_v4_request,Bogus=1,Signature=abcd',
  ])('malformed Authorization %j -> 400 InvalidArgument', (authorization) => {
    const outcome = authenticate(
      { method: 'GET', rawUrl: '/b/k', headers: { authorization, 'x-oss-date': '20250101T000000Z' } },
      (id) => (id === 'AK' ? 'secret' : undefined),
      new Date(),
    );
    expect(outcome).toMatchObject({ ok: false, status: 400, code: 'InvalidArgument' });
  });

  test('V4 header without a valid x-oss-date -> 400 InvalidArgument', () => {
    const authorization =
      'OSS4-HMAC-SHA256 Credential=AK/20250101/cn-hongkong/oss/aliyun_v4_request,Signature=' + 'a'.repeat(64);
    for (const date of [undefined, 'Wed, 01 Jan 2025 00:00:00 GMT', '20250231T000000Z', '20250101T250000Z']) {
      const headers: Record<string, string> = { authorization };
      if (date !== undefined) headers['x-oss-date'] = date;
      expect(
        authenticate({ method: 'GET', rawUrl: '/b/k', headers }, () => 'secret', new Date()),
      ).toMatchObject({
        ok: false,
        status: 400,
        code: 'InvalidArgument',
      });
    }
  });

  test('undecodable percent-encoding -> 400 InvalidURI', () => {
    for (const rawUrl of ['/b/%E0%A4%A', '/b/k?response-content-type=%ZZ', '/b/%C3%28']) {
      expect(
        authenticate(
          { method: 'GET', rawUrl, headers: { authorization: 'OSS AK:sig' } },
          secretFor,
          new Date(),
        ),
      ).toMatchObject({ ok: false, status: 400, code: 'InvalidURI' });
    }
  });

  test('V1 signed URL with a non-numeric Expires -> 400 InvalidArgument', () => {
    const rawUrl = '/b/k?OSSAccessKeyId=AK&Expires=tomorrow&Signature=abc%3D';
    expect(authenticate({ method: 'GET', rawUrl, headers: {} }, () => 'secret', new Date())).toMatchObject({
      ok: false,
      status: 400,
      code: 'InvalidArgument',
    });
  });

  test('V4 signed URL missing x-oss-expires, or with x-oss-expires 0 -> 400 InvalidArgument', () => {
    const base =
      '/b/k?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=AK%2F20250101%2Fcn-hongkong%2Foss%2Faliyun_v4_request' +
      '&x-oss-date=20250101T000000Z&x-oss-signature=' +
      'a'.repeat(64);
    for (const rawUrl of [
      base,
      base + '&x-oss-expires=0',
      base + '&x-oss-expires=-5',
      base + '&x-oss-expires=1e3',
    ]) {
      expect(authenticate({ method: 'GET', rawUrl, headers: {} }, () => 'secret', new Date())).toMatchObject({
        ok: false,
        status: 400,
        code: 'InvalidArgument',
      });
    }
  });
});
