import type { Logger } from '../log';
import type { Clock } from '../util/clock';
import type { IamFile } from './iam/config';

/** A key pair the emulator accepts, like a RAM user's AccessKey. */
export interface EmulatorCredential {
  accessKeyId: string;
  accessKeySecret: string;
  /**
   * The user id the key belongs to (RequesterAliyunID in access-log lines); default the
   * account's id, as for an account's own AccessKey.
   */
  userId?: string;
}

/**
 * One fault rule. Faults are off unless rules are given; decisions come from a PRNG seeded with
 * `FaultConfig.seed`, so a test with the same seed and the same request order sees the same faults.
 */
export interface FaultRule {
  /** OSS operation name (PutObject, GetObject, HeadObject, UploadPart, CompleteMultipartUpload, ...) or '*'. */
  operation: string;
  /** 0..1: the chance the rule fires for a matching request. */
  probability: number;
  /** Answer with this HTTP status and OSS error code instead of doing the operation. */
  error?: { status: number; code: string };
  /** Delay the answer by this many milliseconds. */
  latencyMs?: number;
  /** Destroy the connection without an answer (the operation is not performed). */
  reset?: boolean;
  /** GET only: flip one byte of the body (the stored object is untouched). */
  flipByte?: boolean;
  /** Omit the x-oss-hash-crc64ecma header from the answer. */
  dropCrc?: boolean;
  /** Send a wrong x-oss-hash-crc64ecma header in the answer. */
  wrongCrc?: boolean;
}

export interface FaultConfig {
  seed: number;
  rules: FaultRule[];
}

export interface EmulatorOptions {
  /** Where objects and the metadata index live. Created if missing. */
  dataDir: string;
  /** The account's root key(s): full access, as today's single key. */
  credentials: EmulatorCredential[];
  /**
   * RAM users, roles and policies (the `--iam FILE` shape; the local defaults come from
   * `defaultIdentities` in iam/defaults.ts). Absent: an account with its root key(s) only.
   */
  iam?: IamFile;
  /** Port of the control plane (STS, KMS, ActionTrail); 0 (default) picks a free one. */
  controlPlanePort?: number;
  /**
   * Real time, for the RPC Timestamp check and the nonce window (default: the system clock).
   * `clock` decides everything else, STS session expiry included.
   */
  wallClock?: Clock;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  clock?: Clock;
  /**
   * Seconds between deliveries of access-log lines into their target buckets (default 3600; the
   * CLI's `--log-flush-seconds`). Lines not yet delivered are kept in the index and survive a kill.
   */
  logFlushSeconds?: number;
  faults?: FaultConfig;
  region?: string;
  logger?: Logger;
  /**
   * A second, TLS listener on the same host (PEM key and certificate; the CLI's `--tls-key` and
   * `--tls-cert`). Requests that arrive on it count as secure transport (`acs:SecureTransport`
   * true in bucket and RAM policies); requests on the plain listener never do.
   */
  tls?: { key: string | Buffer; cert: string | Buffer; port?: number };
}

export interface EmulatorHandle {
  /** `http://localhost:PORT`: give it to ali-oss as `endpoint` with `sldEnable: true`. */
  url: string;
  port: number;
  /** `https://localhost:PORT` when the `tls` option was given: the TLS listener. */
  tlsUrl?: string;
  /** The control plane (STS, KMS, ActionTrail): give it to @alicloud/pop-core as `endpoint`. */
  controlPlaneUrl: string;
  /** The emulated account's id (owner of every bucket). */
  accountId: string;
  host: string;
  region: string;
  clock: Clock;
  /** Replace the fault rules at run time (null turns faults off). */
  setFaults(faults: FaultConfig | null): void;
  /** Deliver pending access-log lines now; resolves when their objects are stored. */
  flushAccessLogs(): Promise<void>;
  /** Stop accepting, finish in-flight requests, flush logs, close the index. */
  close(): Promise<void>;
}
