import { failureOf, isRetryableFailure, translateCloudError } from '../../src/cloud/errors';
import { PassThrough } from 'node:stream';
import { AccessDeniedError, ControlPlaneError, NotFoundError, UnavailableError } from '../../src/errors';
import { createLogger, redactUrl } from '../../src/log';

/** What pop-core throws for a cloud error answer (lib/rpc.js), with the signed URL in its message. */
function popCoreError(status: number, code: string): Error {
  const url =
    'https://sts.cn-hongkong.aliyuncs.com/?AccessKeyId=LTAIsecretid&Signature=abc%3D&SecurityToken=TOKEN';
  return Object.assign(new Error(`upstream words, URL: ${url}`), {
    name: `${code}Error`,
    code,
    url,
    data: { RequestId: 'REQ-1', HostId: 'sts.aliyuncs.com', Code: code, Message: 'upstream words' },
    entry: { request: { headers: {} }, response: { statusCode: status, headers: {} } },
  });
}

describe('translating pop-core errors', () => {
  const ctx = { service: 'Sts', action: 'AssumeRole' };
  const cases: [number, string, unknown][] = [
    [403, 'NoPermission', AccessDeniedError],
    [403, 'Forbidden.RAM', AccessDeniedError],
    [404, 'InvalidAccessKeyId.NotFound', AccessDeniedError],
    [400, 'InvalidSecurityToken.Expired', AccessDeniedError],
    [400, 'SignatureDoesNotMatch', AccessDeniedError],
    [404, 'EntityNotExist.Role', NotFoundError],
    [404, 'Forbidden.KeyNotFound', NotFoundError],
    [400, 'InvalidParameter.PolicyGrammar', ControlPlaneError],
    [400, 'InvalidTimeStamp.Expired', ControlPlaneError],
    [400, 'Throttling.User', UnavailableError],
    [400, 'Throttling', UnavailableError],
    [503, 'ServiceUnavailable', UnavailableError],
    [500, 'SomethingNew', UnavailableError],
  ];
  it.each(cases)('%d %s', (status, code, type) => {
    const err = translateCloudError(popCoreError(status, code), ctx);
    expect(err).toBeInstanceOf(type as new () => Error);
    expect(err.details).toMatchObject({ ...ctx, cloudCode: code, status, requestId: 'REQ-1' });
    expect(err.message).toContain(code);
    expect(err.message).not.toMatch(/upstream|LTAIsecretid|Signature=|TOKEN|https:/);
    expect(err.cause).toBeUndefined();
  });

  it('network failures and non-JSON answers are retryable and carry no URL', () => {
    const reset = Object.assign(new Error('socket hang up GET https://x/?Signature=s failed.'), {
      code: 'ECONNRESET',
    });
    const timeout = Object.assign(new Error('ReadTimeout(3000). https://x/?Signature=s'), {
      name: 'RequestTimeoutError',
    });
    const html = new SyntaxError('Unexpected token < in JSON');
    for (const raw of [reset, timeout, html]) {
      expect(isRetryableFailure(failureOf(raw))).toBe(true);
      const err = translateCloudError(raw, ctx, 3);
      expect(err).toBeInstanceOf(UnavailableError);
      expect(err.message).toMatch(/after 3 attempts/);
      expect(err.message).not.toContain('Signature');
    }
    expect(failureOf(reset).code).toBe('ECONNRESET');
    expect(failureOf(timeout).code).toBe('RequestTimeoutError');
  });
});

describe('pino redaction of control-plane secrets', () => {
  it('blanks STS credentials as the cloud spells them, and RPC signatures and tokens in URLs', () => {
    let out = '';
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => (out += d.toString()));
    const log = createLogger({ level: 'info', destination: stream });
    log.info(
      {
        answer: {
          Credentials: { AccessKeyId: 'STS.x', AccessKeySecret: 'SECRET1', SecurityToken: 'TOKEN1' },
        },
      },
      'sts',
    );
    log.info({ SecurityToken: 'TOKEN2', Signature: 'SIG2' }, 'params');
    expect(out).not.toMatch(/SECRET1|TOKEN1|TOKEN2|SIG2/);
    expect(redactUrl('https://sts/?AccessKeyId=LTAI1&SecurityToken=T&Signature=S&Action=AssumeRole')).toBe(
      'https://sts/?AccessKeyId=[Redacted]&SecurityToken=[Redacted]&Signature=[Redacted]&Action=AssumeRole',
    );
  });
});
