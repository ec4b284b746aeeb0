/**
 * Records: POST /v1/records (one record), GET /v1/records/:id (catalog entry and receipt),
 * GET /v1/records/:id/content (the stored bytes, streamed), GET /v1/records (search).
 * Lookups and the stored bytes come from the record read service (src/reads/record-reader.ts).
 */
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { recordIdOf } from '../../records';
import type { ContentIntegrity } from '../../reads/record-reader';
import type { HttpMetrics } from '../metrics';
import { readJsonBody } from '../middleware/json-body';
import { auditBeforeAnswer, json, route, SENT } from '../route';
import { holdView } from '../lifecycle-schemas';
import { catalogEntry, parseRecordIdParam, parseSearchQuery } from '../schemas';
import type { AppDeps, HttpLimits } from '../types';

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

/** The integrity facts of stored bytes as the answer's headers. */
export function integrityHeaders(i: ContentIntegrity): Record<string, string> {
  return {
    'Content-Type': i.contentType,
    'Content-Length': String(i.size),
    ETag: quotedEtag(i.etag),
    'x-strongroom-sha256': i.sha256,
    'x-strongroom-crc64': i.crc64,
    ...(i.fileName ? { 'Content-Disposition': contentDisposition(i.fileName) } : {}),
  };
}

/** A answered ingest: 201 when stored now, 200 for a repeat, with the record's location. */
export function ingestAnswer(result: { status: 'created' | 'existing'; receipt: { recordId: string } }) {
  return json(result, {
    status: result.status === 'created' ? 201 : 200,
    headers: { Location: `/v1/records/${encodeURIComponent(result.receipt.recordId)}` },
  });
}

export function recordsRouter(deps: AppDeps, limits: HttpLimits, metrics: HttpMetrics): Router {
  const router = Router();

  router.post(
    '/records',
    ...route(deps, 'records.write', async ({ req, audit, principal }) => {
      audit.note({ operation: 'record.ingest' });
      const input = await readJsonBody(req, limits.maxRecordBytes);
      const id = recordIdOf(input);
      if (id !== undefined) audit.set({ target: id });
      // The write path records the event (in its catalog transaction when the record is new).
      const result = await deps.ingest.ingestRecord(input, { principal, audit });
      metrics.ingestedRecord(result.receipt.recordType, result.status, result.receipt.size, 'record');
      return ingestAnswer(result);
    }),
  );

  router.get(
    '/records',
    ...route(deps, 'records.read', async ({ req, audit }) => {
      audit.note({ operation: 'records.search' });
      const q = parseSearchQuery(req.query);
      audit.note({ query: q });
      const page = await deps.records.search({
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
      audit.note({ results: page.records.length });
      return json({
        items: page.records.map(catalogEntry),
        ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
      });
    }),
  );

  router.get(
    '/records/:id',
    ...route(deps, 'records.read', async ({ req, audit }) => {
      audit.note({ operation: 'record.get' });
      const view = await deps.records.describe(parseRecordIdParam(req.params.id));
      // Legal holds whose criteria cover the record (active or released), when the archive keeps them.
      const holds = deps.lifecycle
        ? (await deps.lifecycle.holds.onRecord(view.record.recordId)).map(holdView)
        : undefined;
      // Its retain-until as retention events moved it (only ever later), with each change.
      const retention = deps.lifecycle?.retention
        ? await deps.lifecycle.retention.ofRecord(view.record.recordId, view.record.retainUntil)
        : undefined;
      return json(
        {
          record: catalogEntry(view.record),
          receipt: view.receipt,
          correctedBy: view.correctedBy,
          ...(holds !== undefined ? { holds } : {}),
          ...(retention !== undefined
            ? {
                retention: {
                  retainUntil: retention.retainUntil,
                  changes: retention.changes.map((c) => ({
                    retentionEventId: c.retentionEventId,
                    previous: c.previous.toISOString(),
                    retainUntil: c.retainUntil.toISOString(),
                    changedAt: c.changedAt.toISOString(),
                  })),
                },
              }
            : {}),
        },
        { headers: { 'Cache-Control': 'no-store' } },
      );
    }),
  );

  router.get(
    '/records/:id/content',
    ...route(deps, 'records.read', async (ctx) => {
      const { req, res, audit, logger } = ctx;
      audit.note({ operation: 'record.content' });
      const content = await deps.records.open(parseRecordIdParam(req.params.id), { logger });
      const { info, body, record } = content;
      try {
        await auditBeforeAnswer(ctx, { bytes: info.size });
      } catch (err) {
        body.destroy();
        throw err;
      }
      res.status(200);
      for (const [name, value] of Object.entries(integrityHeaders(content.integrity)))
        res.setHeader(name, value);
      res.setHeader('Cache-Control', 'no-store');
      // Stored documents may be HTML or anything else: never let a browser run or sniff them here.
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
      if (req.method === 'HEAD') {
        body.destroy();
        res.end();
        return SENT;
      }
      let storeError: unknown;
      body.once('error', (err) => {
        storeError = err;
      });
      try {
        await pipeline(body, res);
      } catch (err) {
        if (storeError === undefined) {
          logger.info({ err: (err as Error).message }, 'client went away during a content download');
          return SENT;
        }
        // The answer is cut (pipeline destroyed it), so the client cannot take a partial object for a whole one.
        logger.error(
          { err: storeError, bucket: record.bucket, key: record.objectKey },
          'content stream failed half-way',
        );
        const failure = await audit.appendAnother('error', { status: 200, code: 'StreamFailed' });
        if (failure !== undefined)
          logger.error({ err: failure }, 'audit trail unavailable: could not record a request');
      }
      return SENT;
    }),
  );

  return router;
}
