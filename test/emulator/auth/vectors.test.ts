/**
 * Hand-computed vectors: requests as other SDKs send them (Date header, no x-oss-date), checked
 * against signatures computed independently with openssl, and the StringToSign OSS reports back.
 */
import { authenticate } from '../../../src/emulator/auth';
import * as signUtils from 'ali-oss/lib/common/signUtils';

const AK = 'LTAI4ExampleKeyId';
const SECRET = 'OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV';
const secretFor = (id: string): string | undefined => (id === AK ? SECRET : undefined);

describe('V1 header with a Date header (as other SDKs sign)', () => {
  // StringToSign written out by hand:
  const stringToSign =
    'PUT\n' +
    'eB5eJF1ptWaXm4bijSPyxw==\n' +
    'text/html\n' +
    'Wed, 28 Dec 2022 10:27:41 GMT\n' +
    'x-oss-magic:abracadabra\n' +
    'x-oss-meta-author:alice@example.com\n' +
    '/examplebucket/nelson/a b+c.txt';
  // printf '<stringToSign>' | openssl dgst -sha1 -hmac '<SECRET>' -binary | base64
  const signature = '1YjFlcd4MTk4YVLpoGSnWexYLvM=';

  const request = (sig: string) => ({
    method: 'PUT',
    rawUrl: '/examplebucket/nelson/a%20b+c.txt',
    headers: {
      'content-md5': 'eB5eJF1ptWaXm4bijSPyxw==',
      'content-type': 'text/html',
      date: 'Wed, 28 Dec 2022 10:27:41 GMT',
      'x-oss-meta-author': '  alice@example.com ',
      'x-oss-magic': 'abracadabra',
      host: 'localhost:1234',
      authorization: `OSS ${AK}:${sig}`,
    },
  });

  test('is accepted (raw "+" in the path stays "+", x-oss-* values trimmed, Date in the DATE slot)', () => {
    expect(authenticate(request(signature), secretFor, new Date('2030-01-01T00:00:00Z'))).toEqual({
      ok: true,
      accessKeyId: AK,
      scheme: 'v1-header',
    });
  });

  test('a wrong signature reports exactly this StringToSign (in details, not in the message)', () => {
    const outcome = authenticate(request('AAAAAAAAAAAAAAAAAAAAAAAAAAA='), secretFor, new Date());
    expect(outcome).toMatchObject({ ok: false, status: 403, code: 'SignatureDoesNotMatch' });
    if (outcome.ok) throw new Error('unreachable');
    expect(outcome.details?.StringToSign).toBe(stringToSign);
    expect(outcome.details?.StringToSignBytes?.startsWith('50 55 54 0A ')).toBe(true);
    expect(outcome.message).not.toContain('examplebucket');
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
  });

  test('x-oss-date, when present, takes the DATE slot instead of Date', () => {
    const withOssDate = request(signature);
    withOssDate.headers = {
      ...withOssDate.headers,
      'x-oss-date': 'Wed, 28 Dec 2022 10:27:41 GMT',
    } as typeof withOssDate.headers;
    const outcome = authenticate(withOssDate, secretFor, new Date());
    // x-oss-date is also a canonicalized x-oss-* header, so the old signature no longer fits...
    expect(outcome).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
    if (outcome.ok) throw new Error('unreachable');
    // ...and the DATE slot shows x-oss-date's value.
    expect(outcome.details?.StringToSign).toBe(
      'PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\n' +
        'x-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-magic:abracadabra\nx-oss-meta-author:alice@example.com\n' +
        '/examplebucket/nelson/a b+c.txt',
    );
  });

  test('without Date or x-oss-date the request is refused', () => {
    const noDate = request(signature);
    const headers: Record<string, string> = { ...noDate.headers };
    delete headers.date;
    expect(authenticate({ ...noDate, headers }, secretFor, new Date())).toMatchObject({
      ok: false,
      status: 403,
      code: 'AccessDenied',
    });
  });
});

describe('V1 signed URL: the example StringToSign of OSS-PROTOCOL.md', () => {
  // GET\n\n\n1795312709\n/mybucket/dir/a b.txt?response-content-disposition=attachment&security-token=STSTOK
  // printf '...' | openssl dgst -sha1 -hmac '<SECRET>' -binary | base64
  const signature = 'sFgKmE/eH9VMar2TYBGYsBUG4jo=';
  const rawUrl =
    `/mybucket/dir/a%20b.txt?OSSAccessKeyId=${AK}&Expires=1795312709&Signature=${encodeURIComponent(signature)}` +
    '&security-token=STSTOK&response-content-disposition=attachment&prefix=ignored';

  test('is accepted before expiry (unsigned parameters such as prefix are ignored)', () => {
    expect(
      authenticate({ method: 'GET', rawUrl, headers: {} }, secretFor, new Date(1795312709 * 1000)),
    ).toEqual({
      ok: true,
      accessKeyId: AK,
      scheme: 'v1-query',
    });
  });

  test('is refused one second after Expires with 403 AccessDenied "Request has expired."', () => {
    const outcome = authenticate(
      { method: 'GET', rawUrl, headers: {} },
      secretFor,
      new Date(1795312710 * 1000),
    );
    expect(outcome).toMatchObject({ ok: false, status: 403, code: 'AccessDenied' });
    if (outcome.ok) throw new Error('unreachable');
    expect(outcome.message).toMatch(/expired/i);
    expect(outcome.details).toEqual({
      Expires: '2026-11-22T01:58:29.000Z',
      ServerTime: '2026-11-22T01:58:30.000Z',
    });
  });
});

describe('V4 header: a hand-computed vector', () => {
  // CanonicalRequest (spaces, '+', quotes; query sent unsorted with a bare key):
  //   GET\n/examplebucket/dir/a%20b%2Bc.txt\n
  //   acl&response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22\n
  //   content-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20250101T120000Z\n\n\nUNSIGNED-PAYLOAD
  // StringToSign: OSS4-HMAC-SHA256\n20250101T120000Z\n20250101/cn-hongkong/oss/aliyun_v4_request\nsha256hex(CanonicalRequest)
  // Signature computed with openssl's HMAC-SHA256 chain over 'aliyun_v4' + secret.
  const signature = 'f99a2860c0c3d80fc912f29014462adacbf07becbd6bf01f6a7ad2deed296a21';
  const req = {
    method: 'GET',
    rawUrl:
      '/examplebucket/dir/a%20b%2Bc.txt?response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22&acl',
    headers: {
      'content-type': 'text/plain',
      'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-oss-date': '20250101T120000Z',
      'user-agent': 'not-signed/1.0',
      authorization: `OSS4-HMAC-SHA256 Credential=${AK}/20250101/cn-hongkong/oss/aliyun_v4_request, Signature=${signature}`,
    },
  };

  test('is accepted, whatever the clock says', () => {
    expect(authenticate(req, secretFor, new Date('2031-06-01T00:00:00Z'))).toEqual({
      ok: true,
      accessKeyId: AK,
      scheme: 'v4-header',
    });
  });

  test('the query may arrive encoded differently (lower-case hex, "=" on the bare key) and still match', () => {
    const rawUrl =
      '/examplebucket/dir/a%20b%2bc.txt?acl=&response-content-disposition=attachment%3b%20filename%3d%22a%20b.txt%22';
    expect(authenticate({ ...req, rawUrl }, secretFor, new Date())).toMatchObject({ ok: true });
  });

  test('an unsigned extra query parameter breaks a V4 signature (all parameters are signed)', () => {
    expect(authenticate({ ...req, rawUrl: req.rawUrl + '&prefix=x' }, secretFor, new Date())).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
  });
});

describe('dot segments', () => {
  test('a path that arrives with "../" verbatim is authenticated as that key, not normalized', () => {
    // Signed by ali-oss's own signing code for the resource '/examplebucket/../x.txt'.
    const headers = { 'x-oss-date': 'Wed, 28 Dec 2022 10:27:41 GMT' };
    const stringToSign = signUtils.buildCanonicalString('GET', '/examplebucket/../x.txt', { headers });
    const sig = signUtils.computeSignature(SECRET, stringToSign);
    const req = {
      method: 'GET',
      rawUrl: '/examplebucket/../x.txt',
      headers: { ...headers, authorization: `OSS ${AK}:${sig}` },
    };
    expect(authenticate(req, secretFor, new Date())).toMatchObject({ ok: true, scheme: 'v1-header' });
    // The normalized form is a different resource.
    expect(authenticate({ ...req, rawUrl: '/x.txt' }, secretFor, new Date())).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
  });
});
