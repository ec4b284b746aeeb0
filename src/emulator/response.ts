import type { OutgoingHttpHeaders } from 'node:http';
import type { EmulatorEnv, RequestContext } from './context';
import type { OssError } from './errors';
import { el, escapeXml, XML_DECLARATION } from './xml';

/** Headers on every answer. */
export function baseHeaders(ctx: RequestContext): OutgoingHttpHeaders {
  return { server: 'AliyunOSS', 'x-oss-request-id': ctx.requestId };
}

/** Sends a complete answer (body may be empty). */
export function send(
  ctx: RequestContext,
  status: number,
  headers: OutgoingHttpHeaders,
  body?: Buffer | string,
): void {
  const res = ctx.res;
  const payload =
    body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  headers['x-oss-request-id'] = ctx.requestId;
  headers['server'] = 'AliyunOSS';
  if (headers['content-length'] === undefined) headers['content-length'] = payload ? payload.length : 0;
  ctx.sentBytes = payload && ctx.method !== 'HEAD' ? payload.length : 0;
  res.writeHead(status, headers);
  if (payload && ctx.method !== 'HEAD') res.end(payload);
  else res.end();
}

export function sendXml(
  ctx: RequestContext,
  status: number,
  xml: string,
  headers: OutgoingHttpHeaders = {},
): void {
  headers['content-type'] = 'application/xml';
  send(ctx, status, headers, XML_DECLARATION + xml);
}

export function sendEmpty(ctx: RequestContext, status: number, headers: OutgoingHttpHeaders = {}): void {
  send(ctx, status, headers);
}

/** The OSS error document. */
export function errorXml(ctx: RequestContext, env: EmulatorEnv, err: OssError): string {
  const ec = err.ec;
  let xml = '<Error>' + el('Code', err.code) + el('Message', err.message) + el('RequestId', ctx.requestId);
  xml += el('HostId', ctx.bucket !== '' ? `${ctx.bucket}.${env.host()}` : env.host());
  for (const [name, value] of err.extra) xml += `<${name}>${escapeXml(value)}</${name}>`;
  if (ec !== undefined) xml += el('EC', ec);
  return XML_DECLARATION + xml + '</Error>';
}

/**
 * Answers with an OSS error: XML body, or for HEAD (no body) the base64 of that XML in
 * `x-oss-err`, which is where ali-oss looks for it.
 */
export function sendError(ctx: RequestContext, env: EmulatorEnv, err: OssError): void {
  const ec = err.ec;
  ctx.errorCode = err.code;
  if (ctx.res.headersSent) {
    // The answer already started (a body stream failed half way): all we can do is cut it.
    ctx.res.destroy();
    return;
  }
  const xml = errorXml(ctx, env, err);
  const headers: OutgoingHttpHeaders = { 'content-type': 'application/xml' };
  if (ec !== undefined) headers['x-oss-ec'] = ec;
  if (err.status === 304) {
    send(ctx, 304, {});
    return;
  }
  if (ctx.method === 'HEAD') {
    headers['x-oss-err'] = Buffer.from(xml, 'utf8').toString('base64');
    send(ctx, err.status, headers);
    return;
  }
  send(ctx, err.status, headers, xml);
}

/** The CRC-64 header value after the fault rules had their say (undefined: omit the header). */
export function crcHeaderValue(ctx: RequestContext, crc: string): string | undefined {
  const fault = ctx.fault;
  if (fault === null) return crc;
  if (fault.dropCrc) return undefined;
  if (fault.wrongCrc) return (BigInt(crc) ^ 0x5a5an).toString();
  return crc;
}

export function setCrc(ctx: RequestContext, headers: OutgoingHttpHeaders, crc: string): void {
  const value = crcHeaderValue(ctx, crc);
  if (value !== undefined) headers['x-oss-hash-crc64ecma'] = value;
}
