import {
  AccessDeniedError,
  AlreadyExistsError,
  BucketNotEmptyError,
  ChecksumMismatchError,
  ImmutableError,
  NotFoundError,
  RetentionPolicyError,
  StorageConflictError,
  StorageProtocolError,
  UnavailableError,
  ValidationError,
} from '../../src/errors';
import { isRetryable, ossCodeOf, storageDetails, translateError } from '../../src/storage/errors';

/** An error shaped like ali-oss's requestError() output for an answered request. */
function ossErr(status: number, code: string, message = 'upstream message'): Error {
  const err = new Error(message) as Error & { status: number; code: string; requestId: string };
  err.name = `${code}Error`;
  err.status = status;
  err.code = code;
  err.requestId = '5F1234ABCD';
  return err;
}

/** Like ali-oss's error for a failure without an answer (urllib status -1 / -2). */
function netErr(name: string, status: number | undefined, message: string): Error {
  const err = new Error(message) as Error & { status?: number; code?: string };
  err.name = name;
  if (status !== undefined) {
    err.status = status;
    err.code = name;
  }
  return err;
}

const ctx = { operation: 'PutObject', bucket: 'records-7y', key: 'trade/T-1.json' };

describe('translateError', () => {
  it.each([
    [404, 'NoSuchKey', NotFoundError],
    [404, 'NoSuchBucket', NotFoundError],
    [404, 'NoSuchUpload', NotFoundError],
    [404, 'NoSuchWORMConfiguration', NotFoundError],
    [409, 'FileAlreadyExists', AlreadyExistsError],
    [409, 'BucketAlreadyExists', AlreadyExistsError],
    [409, 'FileImmutable', ImmutableError],
    [400, 'InvalidDigest', ChecksumMismatchError],
    [403, 'AccessDenied', AccessDeniedError],
    [403, 'SignatureDoesNotMatch', AccessDeniedError],
    [403, 'InvalidAccessKeyId', AccessDeniedError],
    [403, 'WORMConfigurationLocked', RetentionPolicyError],
    [400, 'InvalidWORMConfiguration', RetentionPolicyError],
    [409, 'BucketNotEmpty', BucketNotEmptyError],
    [409, 'SomethingNew', StorageConflictError],
    [500, 'InternalError', UnavailableError],
    [503, 'ServiceUnavailable', UnavailableError],
    [502, 'SomethingNew', UnavailableError],
    [404, 'SomethingNew', NotFoundError],
    [403, 'SomethingNew', AccessDeniedError],
    [400, 'InvalidArgument', StorageProtocolError],
    [400, 'MalformedXML', StorageProtocolError],
  ])('%i %s becomes %p', (status, code, type) => {
    const err = translateError(ossErr(status, code), ctx);
    expect(err).toBeInstanceOf(type);
    expect(ossCodeOf(err)).toBe(code);
    expect(storageDetails(err)).toMatchObject({ ...ctx, status, requestId: '5F1234ABCD' });
    expect(err.message).toContain('5F1234ABCD');
    expect(err.message).toContain('records-7y/trade/T-1.json');
  });

  it.each([
    ['ResponseError', -1, 'socket hang up (req "error"), PUT http://localhost:1/b/k -1'],
    ['RequestError', -1, 'connect ECONNREFUSED 127.0.0.1:1'],
    ['ConnectionTimeoutError', -2, 'Connect timeout for 1000ms'],
    ['ResponseTimeoutError', undefined, 'Response timeout for 60000ms, please increase the timeout'],
    ['Error', undefined, 'read ECONNRESET'],
  ])('network failure %s becomes Unavailable (retryable)', (name, status, message) => {
    const err = translateError(netErr(name, status, message), ctx);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(isRetryable(err)).toBe(true);
  });

  it('a Node system error code counts as a network failure', () => {
    const sys = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    expect(translateError(sys, ctx)).toBeInstanceOf(UnavailableError);
  });

  it('only Unavailable is retryable', () => {
    expect(isRetryable(translateError(ossErr(409, 'FileAlreadyExists'), ctx))).toBe(false);
    expect(isRetryable(translateError(ossErr(403, 'AccessDenied'), ctx))).toBe(false);
    expect(isRetryable(translateError(ossErr(400, 'InvalidDigest'), ctx))).toBe(false);
    expect(isRetryable(translateError(ossErr(500, 'InternalError'), ctx))).toBe(true);
  });

  it('never repeats upstream messages (they can hold signatures, keys and URLs)', () => {
    const leaky =
      'The request signature we calculated does not match. StringToSign: PUT\n\n\nOSS LTAIsecretid:c2lnbmF0dXJl Signature=abc&OSSAccessKeyId=LTAIsecretid';
    for (const e of [
      ossErr(403, 'SignatureDoesNotMatch', leaky),
      netErr('ResponseError', -1, `socket hang up ${leaky}`),
      new Error(leaky),
    ]) {
      const t = translateError(e, ctx);
      expect(t.message).not.toContain('LTAIsecretid');
      expect(t.message).not.toContain('Signature=');
      expect(JSON.stringify(t.details)).not.toContain('LTAIsecretid');
      expect(t.cause).toBeUndefined();
    }
  });

  it('passes typed errors through and turns unknown throwables into StorageProtocolError', () => {
    const typed = new ValidationError('bad');
    expect(translateError(typed, ctx)).toBe(typed);
    expect(translateError('a string', ctx)).toBeInstanceOf(StorageProtocolError);
    expect(translateError(new TypeError('x is not a function'), ctx)).toBeInstanceOf(StorageProtocolError);
  });

  it('writes bucket-level context without a key', () => {
    const err = translateError(ossErr(403, 'WORMConfigurationLocked'), {
      operation: 'AbortBucketWorm',
      bucket: 'audit',
    });
    expect(err.message).toMatch(
      /^AbortBucketWorm audit: the retention policy is locked \(OSS WORMConfigurationLocked, status 403, request id 5F1234ABCD\)$/,
    );
  });
});
