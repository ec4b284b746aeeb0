import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log';
import type { Clock } from '../util/clock';
import type { AccessLog } from './access-logs';
import type { FaultDecision, FaultInjector } from './faults';
import type { Caller, Resolution } from './iam/identity';
import type { OssAccess } from './iam/oss-access';
import type { BlobStore } from './persistence/blob-store';
import type { MetadataIndex } from './persistence/metadata-index';
import type { WriteQueue } from './persistence/write-queue';
import type { Query } from './request';

/** The emulator's services, shared by every request. */
export interface EmulatorEnv {
  index: MetadataIndex;
  writes: WriteQueue;
  blobs: BlobStore;
  clock: Clock;
  region: string;
  logger: Logger;
  faults: FaultInjector;
  accessLog: AccessLog;
  /** Bodies up to this many bytes are stored inside SQLite. */
  inlineMax: number;
  /** The single account that owns every bucket. */
  owner: { id: string; displayName: string };
  /** `localhost:PORT`, for Location elements and HostId. */
  host: () => string;
  /** RAM identities, policies and ActionTrail events of the data path. */
  access: OssAccess;
}

/** One request on its way through the server. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  method: string;
  rawUrl: string;
  bucket: string;
  key: string;
  /** UTF-8 bytes of key (set once the key is validated). */
  keyBytes: Buffer;
  query: Query;
  /** OSS operation name (PutObject, ...); 'Unknown' until routed. */
  operation: string;
  /**
   * The access key whose signature verified (header or signed URL, V1 or V4; STS keys too), or
   * null (anonymous, or authentication failed). Set by authentication; the access log writes it.
   */
  accessKeyId: string | null;
  /** Who signed the request, once authenticated (iam/oss-access.ts). */
  caller: Caller | null;
  /** Why the request's access key could not be resolved, when it could not. */
  accessRefusal: (Resolution & { ok: false })['reason'] | null;
  /** The user id of that key's owner (RequesterAliyunID in the access log), or null. */
  requesterId: string | null;
  fault: FaultDecision | null;
  /** performance.now() at arrival. */
  startMs: number;
  /** Set when the answer is an error (access log). */
  errorCode: string | null;
  /** Object size involved, when known (access log). */
  objectSize: number | null;
  /** Body bytes sent (access log). */
  sentBytes: number;
  /** How much the bucket's stored bytes changed (access log DeltaDataSize), when known. */
  deltaDataSize: number | null;
  /** The storage class of the object involved, when known (access log). */
  storageClass: string | null;
  /** The class an object was converted to (CopyObject with x-oss-storage-class; access log). */
  targetStorageClass: string | null;
}

export type Handler = (ctx: RequestContext, env: EmulatorEnv) => Promise<void>;
