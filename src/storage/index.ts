/**
 * Storage: the only part that talks to OSS. Everything else depends on its interfaces: the data
 * plane (ObjectStore) or bucket administration (BucketAdmin), never on the adapter itself.
 */
export type * from './types';
export { AliOssStore, createObjectStore, type AliOssStoreOptions } from './ali-oss-store';
export {
  translateError,
  isRetryable,
  storageDetails,
  ossCodeOf,
  type StorageErrorContext,
  type StorageErrorDetails,
} from './errors';
export { backoffDelay, type RetryPolicy } from './retry';
export { OSS_LIMITS, ACCESS_KEY_ID_PREFIX, newAccessKeyPair } from './limits';
export { adoptionMismatch, type SentObject } from './adoption';
