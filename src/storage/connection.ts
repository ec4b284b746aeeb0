import https from 'node:https';
import tls from 'node:tls';
import { isIP } from 'node:net';
import type OSS from 'ali-oss';
import { ConfigError, UnavailableError, type StrongroomError } from '../errors';
import { silentLogger, type Logger } from '../log';
import { createOssClient, type OssClient } from './client';
import { isRetryable, ossCodeOf, translateError, type StorageErrorContext } from './errors';
import { checkBucket } from './headers';
import { isPartSize, OSS_LIMITS } from './limits';
import { realSleep, withRetry, type RetryPolicy } from './retry';

export interface AliOssStoreOptions {
  /** `https://oss-cn-hongkong.aliyuncs.com`, or the emulator's `http://localhost:PORT`. */
  endpoint: string;
  /** `oss-cn-hongkong`; V4 signatures use it without the `oss-` prefix. */
  region: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token: sent as x-oss-security-token (and security-token in signed URLs). */
  securityToken?: string;
  /** Header signature version. */
  authVersion: 'v1' | 'v4';
  timeoutMs: number;
  retry: RetryPolicy;
  /** Streams larger than this go up as multipart uploads. */
  multipartThresholdBytes: number;
  /** Multipart part size, at least 100 KiB (OSS minimum for all parts but the last). */
  partSizeBytes: number;
  /** Signed-URL expiries above this are clamped to it (at most 7 days). */
  maxSignedUrlSeconds: number;
  logger?: Logger;
  /** Injectable for tests (backoff waits). */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests (jitter): uniform in [0, 1). */
  random?: () => number;
  /** Parts uploaded at once by putStream (1..4, default 3); memory is about (this + 1) parts. */
  partConcurrency?: number;
  /**
   * Path-style requests (`/bucket/key`, ali-oss `sldEnable`). Default: on for every endpoint not
   * under aliyuncs.com (the emulator, other local OSS-compatible servers).
   */
  pathStyle?: boolean;
  /**
   * PEM certificate(s) trusted besides the system's for an `https://` endpoint (a private CA, or
   * the local emulator's TLS listener).
   */
  tlsCa?: string | Buffer;
}

/**
 * What every half of the adapter shares: the checked options, the ali-oss clients and one way to
 * make a call (translated errors, retries with backoff, a hook for a lost answer).
 *
 * One ali-oss client per bucket (ali-oss keeps the bucket in the client's options, so switching
 * it with useBucket under concurrent calls would race), plus one without a bucket for account
 * and bucket-level calls.
 */
export class OssConnection {
  private readonly clients = new Map<string, OssClient>();
  /** The client without a bucket (account- and bucket-level calls). */
  readonly service: OssClient;
  readonly logger: Logger;
  readonly partConcurrency: number;
  private readonly baseOptions: OSS.Options;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(readonly options: AliOssStoreOptions) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new ConfigError(`oss.endpoint is not a URL: ${JSON.stringify(options.endpoint)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ConfigError('oss.endpoint must be http(s)');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      // ali-oss rewrites Host to bucket.oss-<region>.aliyuncs.com for IP endpoints and cannot sign URLs for them.
      throw new ConfigError(
        `oss.endpoint must use a host name, not an IP address (use http://localhost:${url.port || 80} for a local emulator)`,
      );
    }
    if (!options.accessKeyId || !options.accessKeySecret)
      throw new ConfigError('OSS needs accessKeyId and accessKeySecret');
    if (!isPartSize(options.partSizeBytes)) {
      throw new ConfigError(
        `oss.partSizeBytes must be an integer from ${OSS_LIMITS.minPartBytes} to ${OSS_LIMITS.maxPartBytes} (OSS part sizes)`,
      );
    }
    if (!Number.isSafeInteger(options.multipartThresholdBytes) || options.multipartThresholdBytes < 0) {
      throw new ConfigError('oss.multipartThresholdBytes must be a non-negative integer');
    }
    const maxExpiry = OSS_LIMITS.maxSignedUrlSeconds;
    if (!(options.maxSignedUrlSeconds >= 1 && options.maxSignedUrlSeconds <= maxExpiry)) {
      throw new ConfigError(`oss.maxSignedUrlSeconds must be 1..${maxExpiry}`);
    }
    if (!(options.retry.maxAttempts >= 1)) throw new ConfigError('oss.retry.maxAttempts must be at least 1');

    this.logger = (options.logger ?? silentLogger()).child({ component: 'storage' });
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.partConcurrency = Math.min(4, Math.max(1, Math.floor(options.partConcurrency ?? 3)));
    const pathStyle = options.pathStyle ?? !/(^|\.)aliyuncs\.com$/i.test(host);
    this.baseOptions = {
      endpoint: url.origin,
      region: options.region,
      accessKeyId: options.accessKeyId,
      accessKeySecret: options.accessKeySecret,
      secure: url.protocol === 'https:',
      sldEnable: pathStyle,
      authorizationV4: options.authVersion === 'v4',
      timeout: options.timeoutMs,
      // Retries are ours (typed, with backoff and lost-answer handling); ali-oss's own are off.
      retryMax: 0,
    };
    if (options.tlsCa !== undefined) {
      // ali-oss hands `httpsAgent` to urllib for https endpoints (lib/client.js); @types lacks it.
      Object.assign(this.baseOptions, {
        httpsAgent: new https.Agent({
          keepAlive: true,
          ca: [...tls.rootCertificates, options.tlsCa.toString()],
        }),
      });
    }
    if (options.securityToken) {
      this.baseOptions.stsToken = options.securityToken;
      // Never used (no refreshSTSToken function); set so ali-oss does not console.warn about it.
      this.baseOptions.refreshSTSTokenInterval = Number.MAX_SAFE_INTEGER;
    }
    this.service = createOssClient({ ...this.baseOptions });
  }

  get timeout(): number {
    return this.options.timeoutMs;
  }

  clientFor(bucket: string): OssClient {
    checkBucket(bucket);
    let client = this.clients.get(bucket);
    if (!client) {
      client = createOssClient({ ...this.baseOptions, bucket });
      this.clients.set(bucket, client);
    }
    return client;
  }

  /**
   * One OSS call with translation and retries. `afterLostAnswer` is asked when a non-retryable
   * error follows a retryable failure (an earlier attempt may have been carried out): a value
   * settles the call as done, undefined lets the error through.
   */
  run<T>(
    ctx: StorageErrorContext,
    call: () => Promise<T>,
    afterLostAnswer?: (err: StrongroomError) => Promise<T | undefined>,
  ): Promise<T> {
    return withRetry<T, StrongroomError>(
      () => call(),
      this.options.retry,
      { sleep: this.sleep, random: this.random },
      {
        translate: (err) => translateError(err, ctx),
        isRetryable,
        exhausted: (last, attempts) => {
          const details = { ...(last.details as object), attempts };
          return new UnavailableError(
            `${last.message}; gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}`,
            { details },
          );
        },
        ...(afterLostAnswer ? { afterLostAnswer } : {}),
        onRetry: (err, failures, delayMs) => {
          this.logger.warn(
            { ...ctx, attempt: failures, delayMs, ossCode: ossCodeOf(err) },
            'OSS call failed, retrying',
          );
        },
      },
    );
  }
}
