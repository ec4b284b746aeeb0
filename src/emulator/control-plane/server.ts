/**
 * The control plane's request pipeline: the RPC protocol as @alicloud/pop-core speaks it
 * (CONTROL-PLANE.md, "The RPC protocol"). One endpoint serves STS, KMS and ActionTrail; the
 * `Version` parameter names the service, `Action` the call.
 *
 *   GET /?<params>  or  POST / with the same string as an application/x-www-form-urlencoded body
 *   -> Version and Action known -> common parameters present -> Timestamp within 15 minutes ->
 *   access key (and STS token) valid -> HMAC-SHA1 signature -> nonce not seen -> the action,
 *   which checks the caller's policies itself -> JSON answer, or the cloud's JSON error.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { safeEqual } from '../auth/request';
import { normalizeIp } from '../iam/conditions';
import { identityType, type Caller } from '../iam/identity';
import type { TrailEvent } from '../trail/store';
import { actionTrailService, ACTIONTRAIL_VERSION } from './actiontrail';
import type { ActionDef, ActionResult, ControlPlaneEnv, RpcCall, ServiceDef } from './context';
import { isRpcError, rpcErrors, type RpcError } from './errors';
import { kmsService, KMS_VERSION } from './kms';
import { NonceCache, SKEW_MS } from './nonces';
import {
  FormError,
  formatTimestamp,
  parseForm,
  parseTimestamp,
  sign,
  stringToSign,
  type RpcParams,
} from './rpc';
import { stsService, STS_VERSION } from './sts';

const MAX_BODY_BYTES = 64 * 1024;
const SERVICES: Readonly<Record<string, ServiceDef>> = {
  [STS_VERSION]: stsService,
  [KMS_VERSION]: kmsService,
  [ACTIONTRAIL_VERSION]: actionTrailService,
};
const COMMON = [
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'Timestamp',
];

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

export class ControlPlanePipeline {
  private readonly nonces = new NonceCache();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly host: () => string,
  ) {}

  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.inFlight++;
    res.once('close', () => {
      if (--this.inFlight === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    });
    void this.handle(req, res);
  };

  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID().toUpperCase();
    let stage: { call: RpcCall; def: ActionDef; service: ServiceDef } | null = null;
    try {
      const params = await this.readParams(req);
      const { service, def, action } = this.route(params);
      const fault = this.env.faults.decide(action);
      if (fault !== null) {
        if (fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));
        if (fault.reset) {
          req.socket.destroy();
          return;
        }
        if (fault.error !== null) throw rpcErrors.injected(fault.error.status, fault.error.code);
      }
      const caller = this.authenticate(req, params);
      const call: RpcCall = {
        action,
        params,
        caller,
        requestId,
        sourceIp: normalizeIp(req.socket.remoteAddress ?? ''),
        userAgent: header(req, 'user-agent'),
      };
      stage = { call, def, service };
      const result = await def.handle(call, this.env);
      if (def.trail) await this.env.trail.append(this.event(service, def, call, result, null));
      this.send(res, 200, requestId, { RequestId: requestId, ...result });
    } catch (raw) {
      let err: RpcError;
      if (isRpcError(raw)) err = raw;
      else {
        this.env.logger.error({ err: raw, requestId }, 'control plane call failed');
        err = rpcErrors.internal();
      }
      if (stage !== null && stage.def.trail) {
        // Refused and failed management calls are events too, with their error code.
        this.env.trail.record(this.event(stage.service, stage.def, stage.call, null, err));
      }
      if (res.headersSent || res.destroyed) return;
      this.send(res, err.status, requestId, {
        RequestId: requestId,
        HostId: header(req, 'host') || this.host(),
        Code: err.code,
        Message: err.message,
      });
    }
  }

  private async readParams(req: IncomingMessage): Promise<RpcParams> {
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'POST') throw rpcErrors.unsupportedMethod();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path !== '/' && path !== '') throw rpcErrors.actionNotFound();
    try {
      const params = parseForm(q === -1 ? '' : url.slice(q + 1));
      if (method === 'POST') {
        const body = await readBody(req);
        if (body === null) throw rpcErrors.bodyTooLarge();
        const type = header(req, 'content-type').toLowerCase();
        if (body !== '' && type.startsWith('application/x-www-form-urlencoded')) parseForm(body, params);
      }
      return params;
    } catch (err) {
      if (err instanceof FormError) throw rpcErrors.invalidParameter('(query)', 'bad percent-encoding');
      throw err;
    }
  }

  private route(params: RpcParams): { service: ServiceDef; def: ActionDef; action: string } {
    const version = params.get('Version');
    if (version === undefined || version === '') throw rpcErrors.missingParameter('Version');
    const action = params.get('Action');
    if (action === undefined || action === '') throw rpcErrors.missingParameter('Action');
    const service = SERVICES[version];
    if (service === undefined) throw rpcErrors.invalidVersion();
    const def = Object.hasOwn(service.actions, action) ? service.actions[action] : undefined;
    if (def === undefined) throw rpcErrors.actionNotFound();
    return { service, def, action };
  }

  private authenticate(req: IncomingMessage, params: RpcParams): Caller {
    for (const name of COMMON) {
      const v = params.get(name);
      if (v === undefined || v === '') throw rpcErrors.missingParameter(name);
    }
    if (params.get('SignatureMethod') !== 'HMAC-SHA1') throw rpcErrors.invalidSignatureMethod();
    if (params.get('SignatureVersion') !== '1.0') throw rpcErrors.invalidSignatureVersion();
    const timestampMs = parseTimestamp(params.get('Timestamp') as string);
    if (Number.isNaN(timestampMs)) throw rpcErrors.timestampFormat();
    const wallNow = this.env.wallClock.now().getTime();
    if (Math.abs(wallNow - timestampMs) > SKEW_MS) throw rpcErrors.timestampExpired();

    const accessKeyId = params.get('AccessKeyId') as string;
    const token = params.get('SecurityToken');
    const resolved = this.env.directory.resolve(accessKeyId, token, this.env.clock.now().getTime());
    if (!resolved.ok) {
      switch (resolved.reason) {
        case 'unknown':
          throw rpcErrors.accessKeyNotFound();
        case 'inactive':
          throw rpcErrors.accessKeyInactive();
        case 'token-missing':
          throw rpcErrors.missingSecurityToken();
        case 'token-expired':
          throw rpcErrors.tokenExpired();
        case 'token-mismatch':
          throw rpcErrors.tokenMismatch();
        case 'token-malformed':
          throw rpcErrors.tokenMalformed();
      }
    }
    const toSign = stringToSign(req.method ?? 'GET', params);
    if (!safeEqual(params.get('Signature') as string, sign(resolved.secret, toSign)))
      throw rpcErrors.signatureMismatch(toSign);
    if (!this.nonces.use(accessKeyId, params.get('SignatureNonce') as string, timestampMs, wallNow))
      throw rpcErrors.nonceUsed();
    return resolved.caller;
  }

  private event(
    service: ServiceDef,
    def: ActionDef,
    call: RpcCall,
    result: ActionResult | null,
    err: RpcError | null,
  ): TrailEvent {
    const spec = def.trail as NonNullable<ActionDef['trail']>;
    const resource = spec.resource(call);
    const c = call.caller;
    const event: TrailEvent = {
      eventId: randomUUID().toUpperCase(),
      eventVersion: '1',
      eventName: call.action,
      eventSource: service.source,
      eventTime: formatTimestamp(this.env.clock.now().getTime()),
      eventType: 'ApiCall',
      eventRW: spec.rw,
      acsRegion: this.env.region,
      serviceName: service.name,
      sourceIpAddress: call.sourceIp,
      userAgent: call.userAgent,
      requestId: call.requestId,
      requestParameters: spec.requestParameters(call),
      responseElements: result === null ? null : spec.responseElements(result),
      userIdentity: {
        type: identityType(c),
        principalId: c.principalId,
        accountId: c.accountId,
        accessKeyId: c.accessKeyId,
        userName: c.userName,
      },
    };
    if (resource !== null) {
      event.resourceName = resource.name;
      event.resourceType = resource.type;
    }
    if (err !== null) {
      event.errorCode = err.code;
      event.errorMessage = err.message;
    }
    return event;
  }

  private send(res: ServerResponse, status: number, requestId: string, body: Record<string, unknown>): void {
    const payload = Buffer.from(JSON.stringify(body), 'utf8');
    res.writeHead(status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': payload.length,
      'x-acs-request-id': requestId,
    });
    res.end(payload);
  }
}
