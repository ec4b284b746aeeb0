/**
 * Signed URLs made by the real ali-oss client: signatureUrl (V1) and signatureUrlV4, sent over
 * HTTP to the capture server and authenticated as they arrived.
 */
import { authenticate } from '../../../src/emulator/auth';
import {
  ACCESS_KEY_ID,
  type CaptureServer,
  type Client,
  flipChar,
  makeClient,
  secretFor,
  sendSignedUrl,
  startCaptureServer,
  withHeader,
  wrongSecretFor,
} from './helpers';

let server: CaptureServer;
let client: Client;
beforeAll(async () => {
  server = await startCaptureServer();
  client = makeClient(server, { v4: false });
});
afterAll(async () => {
  await server.close();
});

function queryParam(rawUrl: string, name: string): string {
  const v = new URLSearchParams(rawUrl.slice(rawUrl.indexOf('?') + 1)).get(name);
  if (v === null) throw new Error(`${name} missing from ${rawUrl}`);
  return v;
}

/** Replaces the (encoded) value of one query parameter in a raw URL. */
function replaceParam(rawUrl: string, name: string, encodedValue: string): string {
  const re = new RegExp(`([?&]${name.replace(/[-]/g, '\\-')}=)[^&]*`);
  if (!re.test(rawUrl)) throw new Error(`${name} missing from ${rawUrl}`);
  return rawUrl.replace(re, `$1${encodedValue}`);
}

describe('V1 signatureUrl', () => {
  const key = 'dir/report 2024+final é.pdf';

  test('GET with response-* overrides and x-oss-process is accepted until Expires, refused after', async () => {
    const url = client.signatureUrl(key, {
      expires: 600,
      response: {
        'content-disposition': 'attachment; filename="report 2024.pdf"',
        'content-type': 'application/pdf',
      },
      process: 'image/resize,w_200',
    });
    const req = await sendSignedUrl(server, url, 'GET');
    expect(req.rawUrl).toContain('response-content-disposition=');
    expect(req.rawUrl).toContain('x-oss-process=');
    const expires = Number(queryParam(req.rawUrl, 'Expires'));

    expect(authenticate(req, secretFor, new Date())).toEqual({
      ok: true,
      accessKeyId: ACCESS_KEY_ID,
      scheme: 'v1-query',
    });
    expect(authenticate(req, secretFor, new Date(expires * 1000))).toMatchObject({ ok: true });

    const late = authenticate(req, secretFor, new Date(expires * 1000 + 1000));
    expect(late).toMatchObject({ ok: false, status: 403, code: 'AccessDenied' });
    if (late.ok) throw new Error('unreachable');
    expect(late.message).toMatch(/request has expired/i);
  });

  test('a changed response-* value, key, or signature character is a SignatureDoesNotMatch', async () => {
    const url = client.signatureUrl(key, { expires: 600, response: { 'content-disposition': 'attachment' } });
    const req = await sendSignedUrl(server, url, 'GET');
    const now = new Date();
    expect(authenticate(req, secretFor, now)).toMatchObject({ ok: true });

    const inline = { ...req, rawUrl: replaceParam(req.rawUrl, 'response-content-disposition', 'inline') };
    expect(authenticate(inline, secretFor, now)).toMatchObject({
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
    });

    const otherKey = { ...req, rawUrl: req.rawUrl.replace('/dir/report', '/dir/Report') };
    expect(authenticate(otherKey, secretFor, now)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });

    const sig = queryParam(req.rawUrl, 'Signature');
    const flipped = {
      ...req,
      rawUrl: replaceParam(req.rawUrl, 'Signature', encodeURIComponent(flipChar(sig, 5))),
    };
    expect(authenticate(flipped, secretFor, now)).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });

    expect(authenticate(req, wrongSecretFor, now)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
    expect(authenticate({ ...req, method: 'DELETE' }, secretFor, now)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
  });

  test('unsigned parameters may be added (V1 signs only sub-resources); signed ones may not', async () => {
    const url = client.signatureUrl(key, { expires: 600 });
    const req = await sendSignedUrl(server, url, 'GET');
    expect(authenticate({ ...req, rawUrl: req.rawUrl + '&foo=bar' }, secretFor, new Date())).toMatchObject({
      ok: true,
    });
    expect(authenticate({ ...req, rawUrl: req.rawUrl + '&acl' }, secretFor, new Date())).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
  });

  test('PUT URL signed with a Content-Type must be used with that Content-Type', async () => {
    const url = client.signatureUrl('uploads/in put.bin', {
      method: 'PUT',
      expires: 600,
      'Content-Type': 'text/plain',
    });
    const req = await sendSignedUrl(
      server,
      url,
      'PUT',
      { 'content-type': 'text/plain' },
      Buffer.from('hello'),
    );
    expect(authenticate(req, secretFor, new Date())).toMatchObject({ ok: true, scheme: 'v1-query' });
    expect(
      authenticate(withHeader(req, 'content-type', 'application/json'), secretFor, new Date()),
    ).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
  });

  test('STS: security-token travels in the URL and is signed', async () => {
    const sts = makeClient(server, { v4: false, stsToken: 'CAIS+sts/token==' });
    const url = sts.signatureUrl('a b.txt', { expires: 600 });
    const req = await sendSignedUrl(server, url, 'GET');
    expect(queryParam(req.rawUrl, 'security-token')).toBe('CAIS+sts/token==');
    expect(authenticate(req, secretFor, new Date())).toMatchObject({ ok: true, scheme: 'v1-query' });
    const forged = { ...req, rawUrl: replaceParam(req.rawUrl, 'security-token', 'CAIS-other') };
    expect(authenticate(forged, secretFor, new Date())).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
  });

  test('unknown access key id -> 403 InvalidAccessKeyId; missing Signature -> 403 AccessDenied', async () => {
    const stranger = makeClient(server, { v4: false, accessKeyId: 'LTAI5tNobodyKnowsMe' });
    const req = await sendSignedUrl(server, stranger.signatureUrl('a.txt', { expires: 600 }), 'GET');
    expect(authenticate(req, secretFor, new Date())).toMatchObject({
      ok: false,
      status: 403,
      code: 'InvalidAccessKeyId',
    });

    const unsigned = { ...req, rawUrl: req.rawUrl.replace(/&Signature=[^&]*/, '') };
    expect(authenticate(unsigned, secretFor, new Date())).toMatchObject({
      ok: false,
      status: 403,
      code: 'AccessDenied',
    });
  });
});

describe('V4 signatureUrlV4', () => {
  const key = 'dir/report 2024+final é.pdf';

  test('GET with response-content-disposition is accepted until x-oss-date + x-oss-expires, refused after', async () => {
    const url = await client.signatureUrlV4(
      'GET',
      900,
      { headers: {}, queries: { 'response-content-disposition': 'attachment; filename="report 2024.pdf"' } },
      key,
    );
    const req = await sendSignedUrl(server, url, 'GET');
    expect(queryParam(req.rawUrl, 'x-oss-signature-version')).toBe('OSS4-HMAC-SHA256');
    expect(queryParam(req.rawUrl, 'x-oss-credential')).toMatch(/\/cn-hongkong\/oss\/aliyun_v4_request$/);
    const date = queryParam(req.rawUrl, 'x-oss-date');
    const signedAt = Date.UTC(
      Number(date.slice(0, 4)),
      Number(date.slice(4, 6)) - 1,
      Number(date.slice(6, 8)),
      Number(date.slice(9, 11)),
      Number(date.slice(11, 13)),
      Number(date.slice(13, 15)),
    );

    expect(authenticate(req, secretFor, new Date())).toEqual({
      ok: true,
      accessKeyId: ACCESS_KEY_ID,
      scheme: 'v4-query',
    });
    expect(authenticate(req, secretFor, new Date(signedAt + 900_000))).toMatchObject({ ok: true });

    const late = authenticate(req, secretFor, new Date(signedAt + 901_000));
    expect(late).toMatchObject({ ok: false, status: 403, code: 'AccessDenied' });
    if (late.ok) throw new Error('unreachable');
    expect(late.message).toMatch(/request has expired/i);
  });

  test('PUT with signed headers and additional headers (host, cache-control)', async () => {
    const headers = {
      'Content-Type': 'application/pdf',
      'x-oss-forbid-overwrite': 'true',
      'x-oss-meta-case': '42',
      'Cache-Control': 'no-store',
      host: `localhost:${server.port}`,
    };
    const url = await client.signatureUrlV4('PUT', 600, { headers }, key, ['host', 'cache-control']);
    expect(url).toContain('x-oss-additional-headers=cache-control%3Bhost');
    const sent = { ...headers };
    const req = await sendSignedUrl(server, url, 'PUT', sent, Buffer.from('pdf'));
    expect(req.headers.host).toBe(`localhost:${server.port}`);
    const now = new Date();
    expect(authenticate(req, secretFor, now)).toMatchObject({ ok: true, scheme: 'v4-query' });

    expect(authenticate(withHeader(req, 'cache-control', 'no-cache'), secretFor, now)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
    expect(authenticate(withHeader(req, 'x-oss-meta-case', '43'), secretFor, now)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
    expect(authenticate(withHeader(req, 'host', 'evil.example:80'), secretFor, now)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
    // An x-oss-* header the signer did not see is signed by default, so adding one breaks the signature.
    expect(authenticate(withHeader(req, 'x-oss-object-acl', 'public-read'), secretFor, now)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
  });

  test('tampering: signature character, query value, key, extra parameter, wrong secret', async () => {
    const url = await client.signatureUrlV4(
      'GET',
      600,
      { headers: {}, queries: { 'response-content-type': 'text/csv' } },
      key,
    );
    const req = await sendSignedUrl(server, url, 'GET');
    const now = new Date();
    expect(authenticate(req, secretFor, now)).toMatchObject({ ok: true });

    const sig = queryParam(req.rawUrl, 'x-oss-signature');
    const cases = [
      replaceParam(req.rawUrl, 'x-oss-signature', flipChar(sig, 10)),
      replaceParam(req.rawUrl, 'response-content-type', 'text%2Fhtml'),
      req.rawUrl.replace('/dir/report', '/dir/Report'),
      req.rawUrl + '&prefix=x',
    ];
    for (const rawUrl of cases) {
      expect(authenticate({ ...req, rawUrl }, secretFor, now)).toMatchObject({
        ok: false,
        status: 403,
        code: 'SignatureDoesNotMatch',
      });
    }
    expect(authenticate(req, wrongSecretFor, now)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
  });

  test('x-oss-expires above 604800 seconds (7 days) is refused with 400 InvalidArgument', async () => {
    const ok = await sendSignedUrl(
      server,
      await client.signatureUrlV4('GET', 604800, { headers: {} }, key),
      'GET',
    );
    expect(authenticate(ok, secretFor, new Date())).toMatchObject({ ok: true });

    const tooLong = await sendSignedUrl(
      server,
      await client.signatureUrlV4('GET', 604801, { headers: {} }, key),
      'GET',
    );
    const outcome = authenticate(tooLong, secretFor, new Date());
    expect(outcome).toMatchObject({ ok: false, status: 400, code: 'InvalidArgument' });
    if (outcome.ok) throw new Error('unreachable');
    expect(outcome.message).toContain('x-oss-expires');
  });

  test('STS: x-oss-security-token travels in the URL and is signed', async () => {
    const sts = makeClient(server, { v4: true, stsToken: 'CAIS+sts/token==' });
    const req = await sendSignedUrl(
      server,
      await sts.signatureUrlV4('GET', 600, { headers: {} }, 'a b.txt'),
      'GET',
    );
    expect(queryParam(req.rawUrl, 'x-oss-security-token')).toBe('CAIS+sts/token==');
    expect(authenticate(req, secretFor, new Date())).toMatchObject({ ok: true, scheme: 'v4-query' });
  });

  test('unknown access key id -> 403 InvalidAccessKeyId', async () => {
    const stranger = makeClient(server, { v4: true, accessKeyId: 'LTAI5tNobodyKnowsMe' });
    const req = await sendSignedUrl(
      server,
      await stranger.signatureUrlV4('GET', 600, { headers: {} }, 'a.txt'),
      'GET',
    );
    expect(authenticate(req, secretFor, new Date())).toMatchObject({
      ok: false,
      status: 403,
      code: 'InvalidAccessKeyId',
    });
  });

  test('unsupported x-oss-signature-version -> 400 InvalidArgument', async () => {
    const req = await sendSignedUrl(
      server,
      await client.signatureUrlV4('GET', 600, { headers: {} }, 'a.txt'),
      'GET',
    );
    const rawUrl = replaceParam(req.rawUrl, 'x-oss-signature-version', 'OSS2');
    expect(authenticate({ ...req, rawUrl }, secretFor, new Date())).toMatchObject({
      ok: false,
      status: 400,
      code: 'InvalidArgument',
    });
  });
});
