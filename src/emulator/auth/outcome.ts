/**
 * The result of authenticating one request, and the OSS errors it can end in.
 *
 * Codes and messages follow what OSS answers (see ../shared/docs/OSS-PROTOCOL.md from the repository root and the
 * OSS error centre pages quoted next to each constructor). Where OSS's exact answer is not known,
 * the comment says so.
 */

export type AuthScheme = 'v1-header' | 'v1-query' | 'v4-header' | 'v4-query';

export interface AuthSuccess {
  ok: true;
  accessKeyId: string;
  scheme: AuthScheme;
}

export interface AuthFailure {
  ok: false;
  status: number;
  code: string;
  message: string;
  /**
   * Extra elements OSS puts in the error XML after Code/Message (e.g. OSSAccessKeyId,
   * SignatureProvided, StringToSign, StringToSignBytes for a V1 signature mismatch; Expires and
   * ServerTime for an expired URL). Element name -> text. Never contains a secret. Optional: a
   * server may ignore it.
   */
  details?: Readonly<Record<string, string>>;
  /** OSS's `EC` error-centre code when it is known for this failure (e.g. '0002-00000040'). */
  ec?: string;
}

export type AuthOutcome = AuthSuccess | AuthFailure;

function failure(
  status: number,
  code: string,
  message: string,
  details?: Record<string, string>,
  ec?: string,
): AuthFailure {
  const f: AuthFailure = { ok: false, status, code, message };
  if (details !== undefined) f.details = details;
  if (ec !== undefined) f.ec = ec;
  return f;
}

/** No Authorization header and no signature in the URL. OSS: 403 AccessDenied. */
export function anonymousDenied(listBuckets: boolean): AuthFailure {
  // OSS answers anonymous access to a private bucket with this message; ListBuckets has no
  // bucket ACL and is refused for anonymous callers outright (message not confirmed).
  return failure(
    403,
    'AccessDenied',
    listBuckets
      ? 'Anonymous access is forbidden for this operation.'
      : 'You have no right to access this object because of bucket acl.',
  );
}

/** The access key id is not known. OSS: 403 InvalidAccessKeyId. */
export function unknownAccessKey(accessKeyId: string): AuthFailure {
  return failure(
    403,
    'InvalidAccessKeyId',
    'The OSS Access Key Id you provided does not exist in our records.',
    { OSSAccessKeyId: accessKeyId },
  );
}

/**
 * The signature does not match. OSS: 403 SignatureDoesNotMatch with the fixed message below; the
 * server's StringToSign travels in separate XML elements (not in Message).
 */
export function signatureMismatch(
  accessKeyId: string,
  signatureProvided: string,
  stringToSign: Buffer,
  version: 1 | 4,
  canonicalRequest?: string,
): AuthFailure {
  const details: Record<string, string> = {
    OSSAccessKeyId: accessKeyId,
    SignatureProvided: signatureProvided,
    // The signed bytes shown as UTF-8 text (a debugging aid); the exact bytes follow in hex.
    StringToSign: stringToSign.toString('utf8'),
    StringToSignBytes: hexBytes(stringToSign),
  };
  // OSS documents returning StringToSign for V4 mismatches; CanonicalRequest is what S3 adds and
  // is given here as a debugging aid (not confirmed for OSS).
  if (canonicalRequest !== undefined) details.CanonicalRequest = canonicalRequest;
  return failure(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    details,
    version === 1 ? '0002-00000040' : '0002-00000201',
  );
}

/** A signed URL used after its expiry. OSS: 403 AccessDenied "Request has expired." */
export function requestExpired(expiresAtMs: number, now: Date, version: 1 | 4): AuthFailure {
  return failure(
    403,
    'AccessDenied',
    'Request has expired.',
    { Expires: new Date(expiresAtMs).toISOString(), ServerTime: now.toISOString() },
    version === 1 ? '0002-00000069' : '0002-00000236',
  );
}

/**
 * A malformed Authorization header or signed-URL parameter. OSS's exact code for each of these is
 * not documented; 400 InvalidArgument is used throughout, with a message naming the problem.
 */
export function invalidArgument(message: string, ec?: string): AuthFailure {
  return failure(400, 'InvalidArgument', message, undefined, ec);
}

/**
 * V1 signed URL lacking one of its three parameters. The message is OSS's (seen in the wild);
 * the 403 AccessDenied status follows S3, which OSS mirrors here (not confirmed).
 */
export function queryAuthIncomplete(): AuthFailure {
  return failure(
    403,
    'AccessDenied',
    'Query string authentication requires the Signature, Expires and OSSAccessKeyId parameters',
  );
}

/** The request URI has bad percent-encoding. Code follows S3 (not confirmed for OSS). */
export function invalidUri(): AuthFailure {
  return failure(400, 'InvalidURI', "Couldn't parse the specified URI.");
}

/** 'PUT' -> '50 55 54 ' : the signed bytes as OSS prints them in StringToSignBytes. */
function hexBytes(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16).toUpperCase() + ' ';
  return out;
}
