/**
 * Records: POST /v1/records (one record), GET /v1/records/:id (catalog entry and receipt),
 * GET /v1/records/:id/content (the stored bytes, streamed), GET /v1/records (search).
 */
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import { NotFoundError, StorageProtocolError } from '../../errors';
import type { RequestContext } from '../../ingest/types';
import type { HttpMetrics } from '../metrics';
import {
  addAuditDetails,
  auditAfterAnswer,
  auditAllowed,
  auditedByWritePath,
  markAudited,
} from '../middleware/audit';
import { guard } from '../middleware/auth';
import { readJsonBody } from '../middleware/json-body';
import { requestState } from '../middleware/request';
import { toReceipt } from '../../ingest/receipt';
import { catalogEntry, parseRecordIdParam, parseSearchQuery } from '../schemas';
import type { AppDeps, HttpLimits } from '../types';

/** Who is asking, for the write path (requires guard() to have run). */
export function requestContextOf(req: Request, res: Response): RequestContext {
  const state = requestState(res);
  if (!state.principal) throw new Error('http: no principal on a guarded route');
  return { principal: state.principal, requestId: state.requestId, ip: state.ip ?? '' };
}

/** A record id as an audit target or log field: bounded, whatever the sender wrote. */
export function targetOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 160) : undefined;
}

function recordIdOf(input: unknown): unknown {
  return typeof input === 'object' && input !== null && !Array.isArray(input)
    ? (input as { recordId?: unknown }).recordId
    : undefined;
}

/** RFC 6266 Content-Disposition for a stored file name (ASCII fallback plus the UTF-8 name). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function quotedEtag(etag: string): string {
  return etag.startsWith('"') || etag.startsWith('W/"') ? etag : `"${etag}"`;
}

export function recordsRouter(deps: AppDeps, limits: HttpLimits, metrics: HttpMetrics): Router {
  const router = Router();

  router.post('/records', guard(deps.authenticator, 'records.write'), async (req, res) => {
    const input = await readJsonBody(req, limits.maxRecordBytes);
    const state = requestState(res);
    state.target = targetOf(recordIdOf(input));
    addAuditDetails(res, { operation: 'record.ingest' });
    let result;
    try {
      result = await deps.ingest.ingestRecord(input, requestContextOf(req, res));
    } catch (err) {
      if (auditedByWritePath(err)) markAudited(res);
      throw err;
    }
    // The write path appended the audit event (inside its transaction when the record was created).
    markAudited(res);
    metrics.ingestedRecord(result.receipt.recordType, result.status, result.receipt.size, 'record');
    res
      .status(result.status === 'created' ? 201 : 200)
      .location(`/v1/records/${encodeURIComponent(result.receipt.recordId)}`)
      .json(result);
  });

  router.get('/records', guard(deps.authenticator, 'records.read'), async (req, res) => {
    addAuditDetails(res, { operation: 'records.search' });
    const q = parseSearchQuery(req.query);
    addAuditDetails(res, { query: q });
    const page = await deps.catalog.searchRecords({
      recordType: q.type,
      fromDate: q.from,
      toDate: q.to,
      clientId: q.clientId,
      accountId: q.accountId,
      instrument: q.instrument,
      orderId: q.orderId,
      tradeId: q.tradeId,
      cursor: q.cursor,
      limit: q.limit === undefined ? undefined : Number(q.limit),
    });
    await auditAllowed(deps, req, res, { results: page.records.length });
    res.json({
      items: page.records.map(catalogEntry),
      ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
    });
  });

  router.get('/records/:id', guard(deps.authenticator, 'records.read'), async (req, res) => {
    addAuditDetails(res, { operation: 'record.get' });
    const state = requestState(res);
    state.target = targetOf(req.params.id);
    const id = parseRecordIdParam(req.params.id);
    const record = await deps.catalog.getRecord(id);
    if (!record) throw new NotFoundError(`no record ${id}`);
    const corrections = await deps.catalog.corrections(id);
    await auditAllowed(deps, req, res);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      record: catalogEntry(record),
      receipt: toReceipt(record),
      correctedBy: corrections.map((c) => c.recordId),
    });
  });

  router.get('/records/:id/content', guard(deps.authenticator, 'records.read'), async (req, res) => {
    addAuditDetails(res, { operation: 'record.content' });
    const state = requestState(res);
    state.target = targetOf(req.params.id);
    const id = parseRecordIdParam(req.params.id);
    const record = await deps.catalog.getRecord(id);
    if (!record) throw new NotFoundError(`no record ${id}`);
    let object;
    try {
      object = await deps.store.get(record.bucket, record.objectKey);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      state.logger.error(
        { err, bucket: record.bucket, key: record.objectKey },
        'a catalogued record has no object in the store',
      );
      throw new StorageProtocolError(`record ${id} is catalogued but its object is missing from the store`);
    }
    const { info, body } = object;
    try {
      await auditAllowed(deps, req, res, { bytes: info.size });
    } catch (err) {
      body.destroy();
      throw err;
    }
    res.status(200);
    res.setHeader('Content-Type', record.contentType || info.contentType || 'application/octet-stream');
    res.setHeader('Content-Length', String(info.size));
    res.setHeader('ETag', quotedEtag(info.etag));
    res.setHeader('x-strongroom-sha256', record.sha256);
    res.setHeader('x-strongroom-crc64', record.crc64);
    res.setHeader('Cache-Control', 'no-store');
    // Stored documents may be HTML or anything else: never let a browser run or sniff them here.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
    if (record.fileName) res.setHeader('Content-Disposition', contentDisposition(record.fileName));
    if (req.method === 'HEAD') {
      body.destroy();
      res.end();
      return;
    }
    let storeError: unknown;
    body.once('error', (err) => {
      storeError = err;
    });
    try {
      await pipeline(body, res);
    } catch (err) {
      if (storeError === undefined) {
        state.logger.info({ err: (err as Error).message }, 'client went away during a content download');
        return;
      }
      // The answer is cut (pipeline destroyed it), so the client cannot take a partial object for a whole one.
      state.logger.error(
        { err: storeError, bucket: record.bucket, key: record.objectKey },
        'content stream failed half-way',
      );
      await auditAfterAnswer(deps, req, res, 'error', { status: 200, code: 'StreamFailed' });
    }
  });

  return router;
}
