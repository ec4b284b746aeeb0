import { OssError } from './oss-error';

export { OssError, isOssError } from './oss-error';

/**
 * The one list of OSS errors the emulator produces (codes and messages as OSS words them).
 * Like Azurite's StorageErrorFactory: handlers never build an error body themselves.
 */
export const ossErrors = {
  noSuchBucket: (bucket: string) =>
    new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.', [['BucketName', bucket]]),
  noSuchKey: (key: string) =>
    new OssError(404, 'NoSuchKey', 'The specified key does not exist.', [['Key', key]]),
  noSuchUpload: (uploadId: string) =>
    new OssError(
      404,
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      [['UploadId', uploadId]],
    ),
  noSuchWorm: () => new OssError(404, 'NoSuchWORMConfiguration', 'The WORM Configuration does not exist.'),
  noSuchEncryption: () =>
    new OssError(
      404,
      'NoSuchServerSideEncryptionRule',
      'The server side encryption configuration was not found.',
    ),
  noSuchBucketPolicy: () => new OssError(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist.'),
  invalidPolicyDocument: (why: string) =>
    new OssError(400, 'InvalidPolicyDocument', `The content of the policy is not valid: ${why}`),
  noSuchTagging: () => new OssError(404, 'NoSuchTagSet', 'The TagSet does not exist.'),
  bucketAlreadyExists: (bucket: string) =>
    new OssError(409, 'BucketAlreadyExists', 'The requested bucket name is not available.', [
      ['BucketName', bucket],
    ]),
  bucketNotEmpty: (bucket: string) =>
    new OssError(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty.', [
      ['BucketName', bucket],
    ]),
  fileAlreadyExists: () =>
    new OssError(
      409,
      'FileAlreadyExists',
      'The object you specified already exists and can not be overwritten.',
    ),
  fileImmutable: () => new OssError(409, 'FileImmutable', 'The object you specified is immutable.'),
  wormLocked: () => new OssError(403, 'WORMConfigurationLocked', 'The WORM Configuration is locked.'),
  invalidWorm: (message: string) => new OssError(400, 'InvalidWORMConfiguration', message),
  /** Assumption: OSS's exact code for initiating a second policy is not documented publicly. */
  wormExists: () =>
    new OssError(409, 'WORMConfigurationExists', 'The bucket already has a WORM Configuration.'),
  invalidBucketName: (bucket: string) =>
    new OssError(400, 'InvalidBucketName', 'The specified bucket is not valid.', [['BucketName', bucket]]),
  keyTooLong: () => new OssError(400, 'KeyTooLong', 'Your key is too long.'),
  invalidObjectName: () => new OssError(400, 'InvalidObjectName', 'The specified object is not valid.'),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new OssError(
      400,
      'InvalidArgument',
      message,
      name !== undefined
        ? [
            ['ArgumentName', name],
            ['ArgumentValue', value ?? ''],
          ]
        : [],
    ),
  invalidDigest: (sent: string) =>
    new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.', [['Content-MD5', sent]]),
  malformedXml: () =>
    new OssError(
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema.',
    ),
  invalidPart: () =>
    new OssError(
      400,
      'InvalidPart',
      "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
    ),
  invalidPartOrder: () =>
    new OssError(
      400,
      'InvalidPartOrder',
      'The list of parts was not in ascending order. Parts list must specified in order by part number.',
    ),
  entityTooSmall: () =>
    new OssError(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.'),
  entityTooLarge: () =>
    new OssError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.'),
  incompleteBody: () =>
    new OssError(
      400,
      'IncompleteBody',
      'You did not provide the number of bytes specified by the Content-Length HTTP header.',
    ),
  missingContentLength: () =>
    new OssError(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.'),
  invalidTargetBucketForLogging: (message: string) =>
    new OssError(400, 'InvalidTargetBucketForLogging', message),
  invalidTag: (message: string) => new OssError(400, 'InvalidTag', message),
  invalidEncryptionAlgorithm: () =>
    new OssError(
      400,
      'InvalidEncryptionAlgorithmError',
      'The Encryption request you specified is not valid. Supported value: AES256/KMS/SM4',
    ),
  invalidRange: () => new OssError(416, 'InvalidRange', 'The requested range cannot be satisfied'),
  preconditionFailed: (condition: string) =>
    new OssError(
      412,
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold.',
      [['Condition', condition]],
    ),
  notModified: () => new OssError(304, 'NotModified', 'Not Modified'),
  methodNotAllowed: () =>
    new OssError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.'),
  notImplemented: (what: string) =>
    new OssError(501, 'NotImplemented', `${what} is not implemented by the strongroom emulator.`),
  accessDenied: (message: string) => new OssError(403, 'AccessDenied', message),
  internal: () => new OssError(500, 'InternalError', 'We encountered an internal error. Please try again.'),
  injected: (status: number, code: string) => new OssError(status, code, `Injected fault: ${code}.`),
};
