import type { Config } from '../config';
import { UnavailableError } from '../errors';
import type { DeleterFactory } from '../lifecycle';
import type { Logger } from '../log';
import { createObjectStore } from '../storage/ali-oss-store';
import type { CloudHandle } from './cloud';
import type { StoreHandle } from './store';

/**
 * Disposition's deletes (issue 12): STS credentials of the disposition role (RAM policy
 * infra/policies/disposition.json: oss:DeleteObject on the record buckets only) with a session
 * policy naming exactly the keys of the batch, so the session can delete those and nothing else.
 * The service identity itself has no delete right.
 */
export function dispositionDeleter(
  config: Config,
  storeHandle: StoreHandle,
  cloud: CloudHandle,
  logger: Logger,
): DeleterFactory {
  return async (dispositionId, bucket, keys) => {
    if (!cloud.clients || cloud.dispositionRoleArn === undefined)
      throw new UnavailableError('disposition needs the STS control plane and a disposition role', {
        hint: 'set cloud.dispositionRoleArn (and the control-plane endpoints outside the local profile)',
      });
    const credentials = await cloud.clients.sts.assumeRole({
      roleArn: cloud.dispositionRoleArn,
      sessionName: `disposition-${dispositionId}`.slice(0, 64),
      durationSeconds: 900,
      scope: { bucket, keys, actions: ['DeleteObject'] },
    });
    const store = createObjectStore(
      {
        ...config.oss,
        endpoint: storeHandle.endpoint,
        region: config.oss.endpoint ? config.oss.region : 'oss-local',
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
      },
      logger,
    );
    return { delete: (key) => store.delete(bucket, key) };
  };
}
