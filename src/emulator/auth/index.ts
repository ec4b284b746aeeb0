/**
 * Request authentication for the local OSS emulator: OSS Signature V1 and V4, each in the
 * Authorization header or in a signed URL, verified exactly as OSS does (see
 * ../shared/docs/OSS-PROTOCOL.md from the repository root, "Signature V1", "Signed URLs"; ali-oss 6.23 signUtils.js).
 *
 * Requests are path style: '/bucket/key', '/bucket/' (bucket level), '/' (ListBuckets).
 *
 * Header authentication is never checked against the clock (tests move the emulator's clock by
 * days); signed URLs are checked for expiry against `now`.
 */
import { anonymousDenied, AuthOutcome, invalidArgument, invalidUri } from './outcome';
import { HeaderMap, headerValue, ParsedTarget, parseTarget, queryValue, UriError } from './request';
import { verifyV1Header, verifyV1Query } from './v1';
import { V4_ALGORITHM, verifyV4Header, verifyV4Query } from './v4';

export type { AuthFailure, AuthOutcome, AuthScheme, AuthSuccess } from './outcome';

export interface SignedRequest {
  /** 'GET', 'PUT', ... */
  method: string;
  /** Path + query exactly as received on the wire, still percent-encoded: '/bucket/dir/a%20b.txt?uploads&x=1'. */
  rawUrl: string;
  /** Node's IncomingMessage.headers (lower-cased names). */
  headers: Record<string, string | string[] | undefined>;
}

const V1_PREFIX = 'OSS ';
const V4_PREFIX = V4_ALGORITHM + ' ';

/**
 * Authenticates one request. secretFor returns the secret of a known access key id, or undefined.
 * now: the emulator's (injectable) clock, used only for signed-URL expiry.
 */
export function authenticate(
  req: SignedRequest,
  secretFor: (accessKeyId: string) => string | undefined,
  now: Date,
): AuthOutcome {
  const headers: HeaderMap = req.headers;
  let target: ParsedTarget;
  try {
    target = parseTarget(req.rawUrl);
  } catch (err) {
    if (err instanceof UriError) return invalidUri();
    throw err;
  }

  const authorization = headerValue(headers, 'authorization');
  if (authorization !== undefined && authorization !== '') {
    if (authorization.startsWith(V4_PREFIX)) {
      return verifyV4Header(req.method, headers, authorization, target, secretFor);
    }
    if (authorization.startsWith(V1_PREFIX)) {
      return verifyV1Header(req.method, headers, authorization, target, secretFor);
    }
    return invalidArgument(
      'Authorization header is invalid: expected "OSS AccessKeyId:Signature" or "OSS4-HMAC-SHA256 Credential=...".',
    );
  }

  if (target.query.length > 0) {
    if (queryValue(target.query, 'x-oss-signature-version') !== undefined) {
      return verifyV4Query(req.method, headers, target, secretFor, now);
    }
    if (
      queryValue(target.query, 'OSSAccessKeyId') !== undefined ||
      queryValue(target.query, 'Signature') !== undefined ||
      queryValue(target.query, 'Expires') !== undefined
    ) {
      return verifyV1Query(req.method, headers, target, secretFor, now);
    }
  }
  return anonymousDenied(target.bucket === undefined);
}
