/**
 * The control plane (STS, KMS, ActionTrail) as the archive uses it; the only part that imports
 * @alicloud/pop-core (rpc.ts). See README.md.
 */
import { ConfigError } from '../errors';
import type { Logger } from '../log';
import { ActionTrailClient, ACTIONTRAIL_API_VERSION } from './actiontrail';
import type { CloudConfig, CloudEndpoints } from './config';
import { KmsClient, KMS_API_VERSION } from './kms';
import { RpcTransport, type CloudCredentials } from './rpc';
import type { Signer } from './signer';
import { KmsSigner } from './signer-kms';
import { LocalEd25519Signer } from './signer-local';
import { StsClient, STS_API_VERSION } from './sts';

export type { Signer, SignatureAlgorithm } from './signer';
export {
  CloudConfigSchema,
  CLOUD_ENV_VARS,
  cloudConfigIssues,
  cloudEndpoints,
  type CloudConfig,
  type CloudEndpoints,
} from './config';
export { StsClient, StsCredentials, type AssumeRoleRequest, type CallerIdentity } from './sts';
export { KmsClient, type KmsKeyInfo, type KmsSignAlgorithm } from './kms';
export {
  ActionTrailClient,
  type CloudEvent,
  type LookupRequest,
  type LookupAttributeKey,
} from './actiontrail';
export { sessionPolicy, type SessionScope, type ScopedAction } from './session-policy';
export { LocalEd25519Signer } from './signer-local';
export { KmsSigner, toDerSignature } from './signer-kms';
export type { CloudCredentials } from './rpc';

export interface CloudClients {
  sts: StsClient;
  kms: KmsClient;
  actionTrail: ActionTrailClient;
  endpoints: CloudEndpoints;
}

export interface CloudClientOptions {
  endpoints: CloudEndpoints;
  credentials: CloudCredentials;
  cloud: Pick<CloudConfig, 'timeoutMs' | 'retry'>;
  logger: Logger;
  /** Tests: record backoff waits instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
}

export function createCloudClients(options: CloudClientOptions): CloudClients {
  const transport = (endpoint: string, apiVersion: string, service: string): RpcTransport =>
    new RpcTransport({
      endpoint,
      apiVersion,
      service,
      credentials: options.credentials,
      timeoutMs: options.cloud.timeoutMs,
      retry: options.cloud.retry,
      logger: options.logger,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
  return {
    sts: new StsClient(transport(options.endpoints.sts, STS_API_VERSION, 'Sts')),
    kms: new KmsClient(transport(options.endpoints.kms, KMS_API_VERSION, 'Kms')),
    actionTrail: new ActionTrailClient(
      transport(options.endpoints.actionTrail, ACTIONTRAIL_API_VERSION, 'Actiontrail'),
    ),
    endpoints: options.endpoints,
  };
}

/**
 * The checkpoint signer the configuration names: `local` (an Ed25519 key under the data
 * directory, made on first start) or `kms` (the configured KMS key; needs the clients).
 */
export function createSigner(
  cloud: Pick<CloudConfig, 'signer' | 'kmsKeyId' | 'kmsKeyVersionId'>,
  dataDir: string,
  clients: CloudClients | null,
): Signer {
  if (cloud.signer === 'local') return LocalEd25519Signer.open(dataDir);
  if (cloud.kmsKeyId === undefined) throw new ConfigError('signer "kms" needs cloud.kmsKeyId');
  if (clients === null)
    throw new ConfigError(
      'signer "kms" needs the control plane: set cloud.kmsEndpoint (no KMS endpoint is known)',
    );
  return new KmsSigner({
    kms: clients.kms,
    keyId: cloud.kmsKeyId,
    ...(cloud.kmsKeyVersionId !== undefined ? { keyVersionId: cloud.kmsKeyVersionId } : {}),
  });
}
