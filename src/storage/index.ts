/**
 * Storage: the only part that talks to OSS. Everything else depends on the ObjectStore interface.
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
