import { OssError } from './oss-error';

/**
 * OSS errors of STS credentials and RAM policies (CONTROL-PLANE.md, "OSS requests with STS
 * credentials"), kept apart from the main list in index.ts.
 */
export const accessErrors = {
  tokenExpired: () =>
    new OssError(403, 'SecurityTokenExpired', 'The security token you provided has expired.'),
  /** Unknown, mismatched or missing token for an `STS.` key. */
  tokenInvalid: () =>
    new OssError(403, 'InvalidSecurityToken', 'The security token you provided is invalid.'),
  /** A RAM user's access key that is disabled (message not confirmed). */
  keyInactive: (accessKeyId: string) =>
    new OssError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided is disabled.', [
      ['OSSAccessKeyId', accessKeyId],
    ]),
  /**
   * The caller's RAM policies do not allow the request. OSS answers 403 AccessDenied; its exact
   * message for a RAM refusal is not confirmed.
   */
  denied: (action: string, resource: string, explicit: boolean) =>
    new OssError(
      403,
      'AccessDenied',
      `You are not authorized to do ${action} on ${resource}: ${explicit ? 'explicitly denied' : 'no policy allows it'}.`,
    ),
};
