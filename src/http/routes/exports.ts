/**
 * SFC access requests (issue 11): POST /v1/exports (a dry run with ?dryRun=true), GET /v1/exports,
 * GET /v1/exports/:id, POST /v1/exports/:id/links. The service is src/export/service.ts; the URL
 * a link answers with goes to the caller only (never in the audit event, a log or the catalog).
 */
import { Router } from 'express';
import type { ExportRow } from '../../catalog';
import { UnavailableError, ValidationError } from '../../errors';
import { parseTtlMinutes } from '../../export/links';
import { parseExportRequest } from '../../export/selection';
import type { ExportService } from '../../export/service';
import { readJsonBody } from '../middleware/json-body';
import { json, route } from '../route';
import type { AppDeps } from '../types';

const EXPORT_ID = /^ex-[0-9]{8}-[0-9a-f]{12}$/;
const MAX_BODY = 256 * 1024;

function exportIdParam(value: unknown): string {
  if (typeof value !== 'string' || !EXPORT_ID.test(value))
    throw new ValidationError('not an export id', { hint: 'export ids look like ex-20261201-0123456789ab' });
  return value;
}

function summary(row: ExportRow): Record<string, unknown> {
  return {
    id: row.exportId,
    status: row.status,
    ...(row.failure !== null ? { reason: row.failure } : {}),
    reference: row.reference,
    recipient: row.recipient,
    createdAt: row.createdAt.toISOString(),
    counts: { records: row.recordCount, bytes: row.recordBytes },
  };
}

export function exportsRouter(deps: AppDeps): Router {
  const router = Router();
  const service = (): ExportService => {
    if (!deps.exports) throw new UnavailableError('exports are not available on this server');
    return deps.exports;
  };

  router.post(
    '/exports',
    ...route(deps, 'exports.create', async ({ req, audit, principal }) => {
      const dryRun = req.query.dryRun === 'true';
      audit.note({ operation: dryRun ? 'export.dry_run' : 'export.create' });
      const input = parseExportRequest(await readJsonBody(req, MAX_BODY));
      audit.note({ reference: input.reference, recipient: input.recipient.name, criteria: input.criteria });
      if (dryRun) {
        const m = await service().measure(input);
        audit.note({ records: m.records, bytes: m.bytes });
        return json({ dryRun: true, counts: { records: m.records, bytes: m.bytes } });
      }
      // The service records the event with the export's row, in one transaction.
      const row = await service().create(input, principal.id, audit);
      return json(
        { export: await service().view(row) },
        { status: 202, headers: { Location: `/v1/exports/${row.exportId}` } },
      );
    }),
  );

  router.get(
    '/exports',
    ...route(deps, 'exports.read', async ({ req, audit }) => {
      audit.note({ operation: 'exports.list' });
      const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new ValidationError('limit must be a whole number from 1 to 1000');
      const before = req.query.before === undefined ? undefined : exportIdParam(req.query.before);
      const rows = await service().list({ limit, ...(before !== undefined ? { before } : {}) });
      const last = rows.length === limit ? rows[rows.length - 1] : undefined;
      return json({ items: rows.map(summary), ...(last ? { nextBefore: last.exportId } : {}) });
    }),
  );

  router.get(
    '/exports/:id',
    ...route(deps, 'exports.read', async ({ req, audit }) => {
      audit.note({ operation: 'export.get' });
      const id = exportIdParam(req.params.id);
      audit.set({ target: id });
      const row = await service().find(id);
      return json({ export: await service().view(row) }, { headers: { 'Cache-Control': 'no-store' } });
    }),
  );

  router.post(
    '/exports/:id/links',
    ...route(deps, 'exports.create', async ({ req, audit, principal }) => {
      audit.note({ operation: 'export.link' });
      const id = exportIdParam(req.params.id);
      audit.set({ target: id });
      const body = await readJsonBody(req, MAX_BODY);
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw new ValidationError('send a JSON object: {"ttlMinutes": 720}');
      const extra = Object.keys(body).filter((k) => k !== 'ttlMinutes');
      if (extra.length > 0) throw new ValidationError(`unknown field(s): ${extra.join(', ')}`);
      const ttl = parseTtlMinutes((body as { ttlMinutes?: unknown }).ttlMinutes);
      const row = await service().find(id);
      const link = await service().link(id, ttl, principal.id);
      // The event names the recipient and the expiry; the URL and its credentials stay out of it.
      audit.note({
        recipient: row.recipient.name,
        organisation: row.recipient.organisation,
        ttlMinutes: ttl,
        expiresAt: link.expiresAt.toISOString(),
      });
      return json(
        { url: link.url, expiresAt: link.expiresAt.toISOString() },
        { status: 201, headers: { 'Cache-Control': 'no-store' } },
      );
    }),
  );
  return router;
}
