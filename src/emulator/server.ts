import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { authenticate } from './auth';
import type { LogTarget } from './access-logs';
import { redactUri } from './access-logs';
import type { EmulatorEnv, RequestContext } from './context';
import type { Caller } from './iam/identity';
import { isOssError, ossErrors } from './errors';
import { ClientAbortError } from './persistence/body-receiver';
import { checkBucketName, checkObjectKey, parseTarget } from './request';
import { sendError } from './response';
import { resolveRoute } from './router';
import { XML_DECLARATION } from './xml';

const EMPTY_KEY = Buffer.alloc(0);
const V4_MAPPED = /^::ffff:/;
const OSS_PREFIX = /^oss-/;

/**
 * The request pipeline (node:http, no framework): parse the path-style target, authenticate,
 * route to an OSS operation, validate names, apply injected faults, run the handler, and turn
 * whatever it throws into an OSS error answer. Every answer carries x-oss-request-id; every
 * request to a bucket with logging enabled becomes an access-log line.
 */
export interface PipelineOptions {
  /** The user id of the caller that signed a request (RequesterAliyunID in the access log). */
  requesterIdFor: (caller: Caller) => string;
  /** The header a renamed Content-Length arrives in (see framing/request-framing.ts). */
  lengthMarker: string;
}

export class RequestPipeline {
  private readonly idPrefix = randomBytes(6).toString('hex').toUpperCase();
  private counter = 0;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly bucketArnPrefix: string;

  constructor(
    private readonly env: EmulatorEnv,
    private readonly options: PipelineOptions,
  ) {
    // acs:oss:<region id>:<owner>:<bucket> (the region-id form is not confirmed for BucketARN).
    this.bucketArnPrefix = `acs:oss:${env.region.replace(OSS_PREFIX, '')}:${env.owner.id}:`;
  }

  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.inFlight++;
    const ctx: RequestContext = {
      req,
      res,
      requestId: this.nextRequestId(),
      method: req.method ?? 'GET',
      rawUrl: req.url ?? '/',
      bucket: '',
      key: '',
      keyBytes: EMPTY_KEY,
      query: new Map(),
      operation: 'Unknown',
      accessKeyId: null,
      caller: null,
      accessRefusal: null,
      requesterId: null,
      fault: null,
      startMs: performance.now(),
      errorCode: null,
      objectSize: null,
      sentBytes: 0,
      deltaDataSize: null,
      storageClass: null,
      targetStorageClass: null,
    };
    const arrival = this.env.clock.now();
    // A pipelined request queued behind an answer that closed the connection never gets a
    // socket, so Node never closes its answer: close it when the connection closes (a handler
    // waiting to write, see body-sender, wakes up on 'close' and stops).
    const socket = req.socket;
    const orphaned = (): void => {
      if (res.socket !== null || res.writableFinished) return;
      res.destroy();
      res.emit('close');
    };
    socket.once('close', orphaned);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      socket.off('close', orphaned);
      this.finished(ctx, arrival);
    };
    res.once('close', finish);
    void this.handle(ctx);
  };

  /**
   * Requests Node's HTTP parser refuses before they reach the listener (malformed request line,
   * headers too large): still an OSS-style answer with a request id, then the connection closes.
   */
  readonly clientError = (err: Error & { code?: string }, socket: Duplex): void => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const code = tooLarge ? 'RequestHeaderSectionTooLarge' : 'InvalidRequest';
    const requestId = this.nextRequestId();
    const body =
      XML_DECLARATION +
      `<Error><Code>${code}</Code><Message>The request could not be parsed.</Message><RequestId>${requestId}</RequestId><HostId>${this.env.host()}</HostId></Error>`;
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n` +
        `Server: AliyunOSS\r\nx-oss-request-id: ${requestId}\r\n\r\n${body}`,
    );
  };

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private nextRequestId(): string {
    this.counter = (this.counter + 1) % 0x1000000000000;
    return this.idPrefix + this.counter.toString(16).toUpperCase().padStart(12, '0');
  }

  /**
   * A request that came with both Content-Length and Transfer-Encoding: chunked (ali-oss
   * `put(stream)` with a length header; OSS accepts it). Its body was framed by its chunks; the
   * declared length is put back for the signature and checked against the body received. The
   * connection closes after the answer (such a message is a request-smuggling shape).
   */
  private restoreDeclaredLength(ctx: RequestContext): void {
    const headers = ctx.req.headers;
    const declared = headers[this.options.lengthMarker];
    if (declared === undefined) return;
    delete headers[this.options.lengthMarker];
    headers['content-length'] = Array.isArray(declared) ? declared[0] : declared;
    ctx.res.setHeader('connection', 'close');
  }

  private async handle(ctx: RequestContext): Promise<void> {
    const env = this.env;
    try {
      this.restoreDeclaredLength(ctx);
      const target = parseTarget(ctx.rawUrl);
      ctx.bucket = target.bucket;
      ctx.key = target.key;
      ctx.query = target.query;
      const auth = authenticate(
        { method: ctx.method, rawUrl: ctx.rawUrl, headers: ctx.req.headers },
        env.access.secretFor(ctx, env),
        env.clock.now(),
      );
      if (!auth.ok) throw env.access.failure(ctx, auth);
      ctx.accessKeyId = auth.accessKeyId;
      ctx.requesterId = ctx.caller ? this.options.requesterIdFor(ctx.caller) : null;
      const route = resolveRoute(
        ctx.method,
        ctx.bucket,
        ctx.key,
        ctx.query,
        ctx.req.headers['x-oss-copy-source'] !== undefined,
      );
      ctx.operation = route.operation;
      if (route.level !== 'service') checkBucketName(ctx.bucket);
      if (route.level === 'object') ctx.keyBytes = checkObjectKey(ctx.key);
      env.access.authorize(ctx, env, route.operation);
      const fault = env.faults.decide(route.operation);
      ctx.fault = fault;
      if (fault !== null) {
        if (fault.latencyMs > 0) await sleep(fault.latencyMs);
        if (fault.reset) {
          ctx.errorCode = 'InjectedReset';
          ctx.req.socket.destroy();
          return;
        }
        if (fault.error !== null) throw ossErrors.injected(fault.error.status, fault.error.code);
      }
      await route.handler(ctx, env);
    } catch (err) {
      this.fail(ctx, err);
    }
  }

  private fail(ctx: RequestContext, err: unknown): void {
    try {
      this.answerFailure(ctx, err);
    } catch (second) {
      // Not even an error answer could be sent: cut the connection rather than crash.
      this.env.logger.error({ err: second, requestId: ctx.requestId }, 'emulator could not answer');
      ctx.req.socket.destroy();
    }
  }

  private answerFailure(ctx: RequestContext, err: unknown): void {
    if (err instanceof ClientAbortError) {
      ctx.errorCode = 'ClientAborted';
      ctx.req.socket.destroy();
      return;
    }
    if (isOssError(err)) {
      sendError(ctx, this.env, err);
      return;
    }
    // Unexpected: log it (the URL without signatures), answer a generic 500 with no detail.
    this.env.logger.error(
      {
        err,
        requestId: ctx.requestId,
        operation: ctx.operation,
        method: ctx.method,
        url: redactUri(ctx.rawUrl),
      },
      'emulator request failed',
    );
    sendError(ctx, this.env, ossErrors.internal());
  }

  private finished(ctx: RequestContext, arrival: Date): void {
    this.inFlight--;
    if (this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
    const env = this.env;
    // null: no answer was sent (reset, client gone); the access log writes '-'.
    const status = ctx.res.headersSent ? ctx.res.statusCode : null;
    if (env.logger.isLevelEnabled('debug')) {
      env.logger.debug(
        {
          requestId: ctx.requestId,
          operation: ctx.operation,
          status,
          ms: Math.round(performance.now() - ctx.startMs),
          error: ctx.errorCode ?? undefined,
        },
        'emulator request',
      );
    }
    env.access.finished(ctx, env, status);
    if (ctx.bucket === '') return;
    let target: LogTarget | null = null;
    try {
      const bucket = env.index.getBucket(ctx.bucket);
      if (bucket && bucket.log_target !== null)
        target = { bucket: bucket.log_target, prefix: bucket.log_prefix ?? '' };
    } catch {
      return; // index closed (shutting down)
    }
    if (target === null) return;
    const elapsed = Math.round(performance.now() - ctx.startMs);
    const req = ctx.req;
    env.accessLog.record(ctx.bucket, target, {
      remoteIp: (req.socket.remoteAddress ?? '-').replace(V4_MAPPED, ''),
      time: arrival,
      method: ctx.method,
      uri: redactUri(ctx.rawUrl),
      httpVersion: req.httpVersion,
      status,
      sentBytes: ctx.sentBytes,
      requestTimeMs: elapsed,
      referer: headerString(req.headers.referer),
      userAgent: headerString(req.headers['user-agent']),
      host: headerString(req.headers.host),
      requestId: ctx.requestId,
      requesterId: ctx.requesterId,
      operation: ctx.operation,
      bucket: ctx.bucket,
      key: ctx.key,
      objectSize: ctx.objectSize,
      serverCostMs: elapsed,
      errorCode: ctx.errorCode,
      requestLength: requestLength(req),
      ownerId: env.owner.id,
      deltaDataSize: ctx.deltaDataSize,
      storageClass: ctx.storageClass,
      targetStorageClass: ctx.targetStorageClass,
      accessKeyId: ctx.accessKeyId,
      bucketArn: this.bucketArnPrefix + ctx.bucket,
    });
  }
}

function headerString(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/** Request line + headers + declared body length. */
function requestLength(req: IncomingMessage): number {
  let n = (req.method ?? '').length + (req.url ?? '').length + 12;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i++) n += (raw[i] as string).length + 2;
  const body = Number(req.headers['content-length'] ?? 0);
  return n + 2 + (Number.isFinite(body) ? body : 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
