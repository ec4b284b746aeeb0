import { failureOf, isRetryableFailure, translateCloudError } from '../../src/cloud/errors';
import { AccessDeniedError, ControlPlaneError, NotFoundError, UnavailableError } from '../../src/errors';

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
