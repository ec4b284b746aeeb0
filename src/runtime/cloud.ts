/**
 * Wiring of the control plane for the composition root and the CLI: the clients (STS, KMS,
 * ActionTrail) with the archive's own key, the checkpoint signer the configuration names, and
 * the role ARNs. Local profile with the embedded emulator: its control plane, the service
 * user's key and the default roles; production: the region's endpoints and the configured key.
 */
import { createCloudClients, createSigner, cloudEndpoints, type CloudClients, type Signer } from '../cloud';
import { cloudChecks, type CloudFinding } from '../cloud/doctor';
import { bucketPlan, type Config } from '../config';
import type { Logger } from '../log';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import { localIdentities } from './local-identities';
import { emulatorDir, localCredentials, type StoreHandle } from './store';

export interface CloudHandle {
  /** Null when no control-plane endpoint is known (local profile against an external OSS emulator). */
  clients: CloudClients | null;
  signer: Signer;
  exportRoleArn: string | undefined;
  dispositionRoleArn: string | undefined;
}

export function openCloud(config: Config, store: StoreHandle, logger: Logger): CloudHandle {
  const endpoints = cloudEndpoints(config.profile, config.cloud, store.controlPlaneUrl);
  const clients =
    endpoints === null
      ? null
      : createCloudClients({
          endpoints,
          credentials: store.credentials,
          cloud: config.cloud,
          logger: logger.child({ component: 'cloud' }),
        });
  // The default roles exist only in the embedded emulator's account.
  const local =
    !config.oss.endpoint && store.controlPlaneUrl !== undefined
      ? localIdentities(config, localCredentials(config), emulatorDir(config))
      : null;
  return {
    clients,
    signer: createSigner(config.cloud, config.dataDir, clients),
    exportRoleArn: config.cloud.exportRoleArn ?? local?.exportRoleArn,
    dispositionRoleArn: config.cloud.dispositionRoleArn ?? local?.dispositionRoleArn,
  };
}

/** doctor's control-plane findings for this deployment. */
export function cloudFindings(
  config: Config,
  cloud: CloudHandle,
  clock: Clock = systemClock,
): Promise<CloudFinding[]> {
  return cloudChecks({
    profile: config.profile,
    clients: cloud.clients,
    signer: cloud.signer,
    exportRoleArn: cloud.exportRoleArn,
    exportsBucket: bucketPlan(config).exports.bucket,
    now: clock.now(),
  });
}
