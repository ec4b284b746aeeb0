/**
 * The one module that imports @alicloud/pop-core (as src/storage is for ali-oss): one RPCClient
 * per endpoint, API version and identity, every call a POST (so no token or signature ever sits
 * in a URL), with a timeout, retries with full jitter for throttling, 5xx and lost answers (never
 * for a 4xx), and errors translated at the edge (errors.ts).
 */
import RPCClient from '@alicloud/pop-core';
import type { Logger } from '../log';
import { backoffDelay, realSleep, type RetryPolicy } from '../storage/retry';
import { failureOf, isRetryableFailure, translateCloudError } from './errors';

/** An access key (a RAM user's, or an STS session's with its token). */
export interface CloudCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface RpcTransportOptions {
  endpoint: string;
  apiVersion: string;
  /** For errors and logs: Sts, Kms, Actiontrail. */
  service: string;
  credentials: CloudCredentials;
  timeoutMs: number;
  retry: RetryPolicy;
  logger: Logger;
  /** Injected in tests to record the waits instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface CallOptions {
  /** false for calls that must not run twice if an answer is lost (CreateKey). Default true. */
  retry?: boolean;
}

export class RpcTransport {
  private readonly client: RPCClient;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: RpcTransportOptions) {
    this.client = new RPCClient({
      endpoint: options.endpoint,
      apiVersion: options.apiVersion,
      accessKeyId: options.credentials.accessKeyId,
      accessKeySecret: options.credentials.accessKeySecret,
      ...(options.credentials.securityToken !== undefined
        ? { securityToken: options.credentials.securityToken }
        : {}),
    });
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  get service(): string {
    return this.options.service;
  }

  /** One action; resolves with the cloud's JSON answer, or throws a typed error. */
  async call<T>(action: string, params: Record<string, unknown>, callOptions: CallOptions = {}): Promise<T> {
    const { retry, timeoutMs, logger, service } = this.options;
    const maxAttempts = callOptions.retry === false ? 1 : Math.max(1, Math.floor(retry.maxAttempts));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.request<T>(action, params, { method: 'POST', timeout: timeoutMs });
      } catch (err) {
        const failure = failureOf(err);
        // A lost answer to a call that must not repeat is not retried either.
        if (!isRetryableFailure(failure) || attempt >= maxAttempts) {
          throw translateCloudError(
            err,
            { service, action },
            isRetryableFailure(failure) ? attempt : undefined,
          );
        }
        const delayMs = backoffDelay(attempt, retry, this.random);
        logger.warn(
          {
            service,
            action,
            cloudCode: failure.code,
            status: failure.status,
            requestId: failure.requestId,
            attempt,
            delayMs,
          },
          'control plane call failed; retrying',
        );
        await this.sleep(delayMs);
      }
    }
  }
}
