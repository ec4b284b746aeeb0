/**
 * OSS errors as the emulator answers them: an HTTP status, an OSS error code, a message, and
 * optional extra elements (Key, BucketName, UploadId...) that OSS adds to the XML body.
 * Handlers throw these; the server turns them into the XML body (or, for bodiless answers,
 * the base64 `x-oss-err` header). Anything else thrown becomes 500 InternalError.
 */
export class OssError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra child elements of <Error>, in order (e.g. Key, BucketName, HostId is added by the server). */
  readonly extra: ReadonlyArray<readonly [string, string]>;
  /** OSS's error-centre code (`EC` element, `x-oss-ec` header), when known. */
  readonly ec: string | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: ReadonlyArray<readonly [string, string]> = [],
    ec?: string,
  ) {
    super(message);
    this.name = 'OssError';
    this.status = status;
    this.code = code;
    this.extra = extra;
    this.ec = ec;
  }
}

export function isOssError(err: unknown): err is OssError {
  return err instanceof OssError;
}
