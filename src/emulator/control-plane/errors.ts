/**
 * Errors of the control plane, in the cloud's JSON shape: `{"RequestId", "HostId", "Code",
 * "Message"}` with a 4xx/5xx status. The one list of codes the emulator's STS, KMS and ActionTrail
 * answer with. Codes and messages are the cloud's where they are known (CONTROL-PLANE.md and the
 * public API references); where not, the comment says so.
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function isRpcError(err: unknown): err is RpcError {
  return err instanceof RpcError;
}

const e = (status: number, code: string, message: string): RpcError => new RpcError(status, code, message);

export const rpcErrors = {
  // The gateway: parameters, signature, replay
  missingParameter: (name: string) =>
    e(
      400,
      'MissingParameter',
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    ),
  invalidParameter: (name: string, why: string) =>
    e(400, 'InvalidParameter', `The specified parameter "${name}" is not valid: ${why}`),
  invalidVersion: () => e(400, 'InvalidVersion', 'Specified parameter Version is not valid.'),
  actionNotFound: () =>
    e(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.'),
  /** Not confirmed: the code the gateway answers for methods other than GET and POST. */
  unsupportedMethod: () => e(400, 'UnsupportedHTTPMethod', 'Only GET and POST are supported.'),
  /** Not confirmed: the gateway's answer to an oversized body. */
  bodyTooLarge: () => e(413, 'RequestEntityTooLarge', 'The request body is too large.'),
  invalidSignatureMethod: () =>
    e(400, 'InvalidSignatureMethod', 'Specified signature method is not valid: HMAC-SHA1 only.'),
  invalidSignatureVersion: () =>
    e(400, 'InvalidSignatureVersion', 'Specified signature version is not valid: 1.0 only.'),
  timestampFormat: () =>
    e(
      400,
      'InvalidTimeStamp.Format',
      'Specified time stamp or date value is not well formatted (YYYY-MM-DDThh:mm:ssZ).',
    ),
  timestampExpired: () =>
    e(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.'),
  nonceUsed: () => e(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  signatureMismatch: (stringToSign: string) =>
    e(
      400,
      'SignatureDoesNotMatch',
      `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
    ),
  accessKeyNotFound: () => e(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  accessKeyInactive: () => e(400, 'InvalidAccessKeyId.Inactive', 'Specified access key is disabled.'),
  missingSecurityToken: () => e(400, 'MissingSecurityToken', 'SecurityToken is mandatory for this action.'),
  tokenExpired: () => e(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.'),
  tokenMismatch: () =>
    e(
      400,
      'InvalidSecurityToken.MismatchWithAccessKey',
      'Specified SecurityToken mismatch with the AccessKey.',
    ),
  tokenMalformed: () => e(400, 'InvalidSecurityToken.Malformed', 'Specified SecurityToken is malformed.'),
  injected: (status: number, code: string) => e(status, code, `Injected fault: ${code}.`),
  internal: () => e(500, 'InternalError', 'The request processing has failed due to some unknown error.'),

  // STS
  noPermission: () =>
    e(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.'),
  rootCannotAssume: () =>
    e(
      403,
      'NoPermission',
      'Roles cannot be assumed with the AccessKey of an Alibaba Cloud account (root): use a RAM user.',
    ),
  roleNotFound: (arn: string) => e(404, 'EntityNotExist.Role', `The role not exists: ${arn}.`),
  invalidRoleArn: () => e(400, 'InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.'),
  invalidSessionName: () =>
    e(
      400,
      'InvalidParameter.RoleSessionName',
      'The parameter RoleSessionName is wrongly formed: 2-64 letters, digits, ".", "@", "-" or "_".',
    ),
  invalidDuration: (max: number) =>
    e(
      400,
      'InvalidParameter.DurationSeconds',
      `The Min/Max value of DurationSeconds is 15min/${max / 3600}hr.`,
    ),
  policyGrammar: (why: string) =>
    e(400, 'InvalidParameter.PolicyGrammar', `The parameter Policy has not passed grammar check: ${why}`),

  // KMS
  kmsForbidden: () =>
    e(
      403,
      'Forbidden.RAM',
      "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
    ),
  keyNotFound: () => e(404, 'Forbidden.KeyNotFound', 'The specified Key is not found.'),
  /** Not confirmed: the code for an unknown key version. */
  keyVersionNotFound: () => e(404, 'Forbidden.ResourceNotFound', 'The specified key version is not found.'),
  /** Not confirmed: the emulator supports signing keys only. */
  unsupportedKey: (why: string) => e(400, 'UnsupportedOperation', `This action is not supported: ${why}`),

  // ActionTrail
  trailForbidden: () =>
    e(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.'),
};
