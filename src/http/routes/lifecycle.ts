/**
 * Legal holds (POST/GET /v1/holds, GET /v1/holds/:id, POST /v1/holds/:id/release) and fixity
 * reports (GET /v1/verifications, GET /v1/verifications/:id): issue 12. The services
 * (src/lifecycle) record their writes' audit events in their transactions; route() the reads'.
 */
import { Router } from 'express';
import type { Disposition, DispositionResult } from '../../catalog';
import type { DispositionService, LifecycleDeps } from '../../lifecycle';
import { csvCell } from '../../util/csv';
import { systemClock } from '../../util/clock';
import { catalogEntry } from '../schemas';
import { NotFoundError } from '../../errors';
import {
  ApproveDispositionSchema,
  DispositionQuerySchema,
  holdView,
  parseBody,
  parseIdParam,
  PlaceHoldSchema,
  ProposeDispositionSchema,
  ReleaseHoldSchema,
  RetentionEventSchema,
} from '../lifecycle-schemas';
import { readJsonBody } from '../middleware/json-body';
import { json, route, text } from '../route';
import type { AppDeps } from '../types';

/** Largest body of a hold or a release (a hold may name 10,000 record ids). */
const MAX_LIFECYCLE_BODY = 2 * 1024 * 1024;
/** Eligible records per page of GET /v1/disposition. */
const ELIGIBLE_PAGE = 1000;

export function lifecycleRouter(deps: AppDeps, life: LifecycleDeps): Router {
  const router = Router();

  router.post(
    '/holds',
    ...route(deps, 'holds.manage', async ({ req, audit, principal }) => {
      audit.note({ operation: 'hold.place' });
      const input = parseBody(PlaceHoldSchema, await readJsonBody(req, MAX_LIFECYCLE_BODY), 'hold');
      const hold = await life.holds.place(input, { principal, audit });
      return json({ hold: holdView(hold) }, { status: 201, headers: { Location: `/v1/holds/${hold.id}` } });
    }),
  );

  router.get(
    '/holds',
    ...route(deps, 'holds.read', async ({ audit }) => {
      audit.note({ operation: 'holds.list' });
      const holds = await life.holds.list();
      return json({ items: holds.map(holdView) });
    }),
  );

  router.get(
    '/holds/:id',
    ...route(deps, 'holds.read', async ({ req, audit }) => {
      audit.note({ operation: 'hold.get' });
      const id = parseIdParam(req.params.id, 'hold');
      audit.set({ target: id });
      const cursor =
        typeof req.query.cursor === 'string' ? parseIdParam(req.query.cursor, 'record') : undefined;
      const found = await life.holds.withRecords(id, cursor);
      return json({
        hold: holdView(found.hold),
        records: found.records.map(catalogEntry),
        ...(found.nextCursor !== undefined ? { nextCursor: found.nextCursor } : {}),
      });
    }),
  );

  router.post(
    '/holds/:id/release',
    ...route(deps, 'holds.manage', async ({ req, audit, principal }) => {
      audit.note({ operation: 'hold.release' });
      const id = parseIdParam(req.params.id, 'hold');
      audit.set({ target: id });
      const { reason } = parseBody(ReleaseHoldSchema, await readJsonBody(req, MAX_LIFECYCLE_BODY), 'release');
      const hold = await life.holds.release(id, reason, { principal, audit });
      return json({ hold: holdView(hold) });
    }),
  );

  router.post(
    '/retention-events',
    ...route(deps, 'retention.manage', async ({ req, audit, principal }) => {
      audit.note({ operation: 'retention.event' });
      if (!life.retention) throw new NotFoundError('retention events are not kept by this archive');
      const input = parseBody(
        RetentionEventSchema,
        await readJsonBody(req, MAX_LIFECYCLE_BODY),
        'retention event',
      );
      const result = await life.retention.record({ ...input, at: new Date(input.at) }, { principal, audit });
      return json(
        {
          event: {
            ...result.event,
            at: result.event.at.toISOString(),
            recordedAt: result.event.recordedAt.toISOString(),
          },
          changed: result.changed,
          unchanged: result.unchanged,
        },
        { status: 201 },
      );
    }),
  );

  router.get(
    '/verifications',
    ...route(deps, 'verifications.read', async ({ audit }) => {
      audit.note({ operation: 'verifications.list' });
      return json({ items: await life.verifications.list() });
    }),
  );

  router.get(
    '/verifications/:id',
    ...route(deps, 'verifications.read', async ({ req, audit }) => {
      audit.note({ operation: 'verification.get' });
      const id = parseIdParam(req.params.id, 'verification');
      audit.set({ target: id });
      return json(await life.verifications.get(id));
    }),
  );

  if (life.dispositions) router.use(dispositionRouter(deps, life.dispositions));
  return router;
}

function dispositionView(d: Disposition): Record<string, unknown> {
  return {
    ...d,
    proposedAt: d.proposedAt.toISOString(),
    asOf: d.asOf.toISOString(),
    approval: d.approval ? { ...d.approval, approvedAt: d.approval.approvedAt.toISOString() } : null,
  };
}

const resultView = (r: DispositionResult) => ({ ...r, at: r.at.toISOString() });

const CSV_COLUMNS = [
  'recordId',
  'bucket',
  'key',
  'sha256',
  'retentionClass',
  'retainUntil',
  'protectedUntil',
] as const;

/** Disposition: the eligible list (JSON or CSV), proposals, approvals (issue 12). */
export function dispositionRouter(deps: AppDeps, service: DispositionService): Router {
  const router = Router();
  const clock = deps.clock ?? systemClock;

  router.get(
    '/disposition',
    ...route(deps, 'dispositions.read', async ({ req, audit }) => {
      audit.note({ operation: 'disposition.eligible' });
      const q = parseBody(DispositionQuerySchema, req.query ?? {}, 'query');
      const asOf = q.asOf !== undefined ? new Date(`${q.asOf}T00:00:00Z`) : clock.now();
      const items = await service.eligible(asOf, {
        ...(q.cursor !== undefined ? { afterRecordId: q.cursor } : {}),
        limit: ELIGIBLE_PAGE,
      });
      audit.note({ asOf: asOf.toISOString(), results: items.length });
      const nextCursor = items.length === ELIGIBLE_PAGE ? items[items.length - 1]!.recordId : undefined;
      if (q.format === 'csv') {
        const lines = [
          CSV_COLUMNS.join(','),
          ...items.map((i) => CSV_COLUMNS.map((c) => csvCell(i[c] ?? '')).join(',')),
        ];
        return text(`${lines.join('\r\n')}\r\n`, {
          headers: {
            'Content-Type': 'text/csv; charset=utf-8',
            ...(nextCursor !== undefined ? { 'X-Next-Cursor': nextCursor } : {}),
          },
        });
      }
      return json({ asOf: asOf.toISOString(), items, ...(nextCursor !== undefined ? { nextCursor } : {}) });
    }),
  );

  router.post(
    '/dispositions',
    ...route(deps, 'dispositions.manage', async ({ req, audit, principal }) => {
      audit.note({ operation: 'disposition.propose' });
      const input = parseBody(
        ProposeDispositionSchema,
        await readJsonBody(req, MAX_LIFECYCLE_BODY),
        'disposition',
      );
      const d = await service.propose(
        {
          reason: input.reason,
          ...(input.recordIds !== undefined ? { recordIds: input.recordIds } : {}),
          ...(input.asOf !== undefined ? { asOf: new Date(`${input.asOf}T00:00:00Z`) } : {}),
        },
        { principal, audit },
      );
      return json(
        { disposition: dispositionView(d) },
        { status: 201, headers: { Location: `/v1/dispositions/${d.id}` } },
      );
    }),
  );

  router.get(
    '/dispositions',
    ...route(deps, 'dispositions.read', async ({ audit }) => {
      audit.note({ operation: 'dispositions.list' });
      return json({ items: (await service.list()).map(dispositionView) });
    }),
  );

  router.get(
    '/dispositions/:id',
    ...route(deps, 'dispositions.read', async ({ req, audit }) => {
      audit.note({ operation: 'disposition.get' });
      const id = parseIdParam(req.params.id, 'disposition');
      audit.set({ target: id });
      const found = await service.get(id);
      return json({
        disposition: dispositionView(found.disposition),
        items: found.items,
        results: found.results.map(resultView),
      });
    }),
  );

  router.post(
    '/dispositions/:id/approve',
    ...route(deps, 'dispositions.manage', async ({ req, audit, principal }) => {
      const id = parseIdParam(req.params.id, 'disposition');
      const { note } = parseBody(
        ApproveDispositionSchema,
        await readJsonBody(req, MAX_LIFECYCLE_BODY),
        'approval',
      );
      const done = await service.approve(id, note, { principal, audit });
      return json({ disposition: dispositionView(done.disposition), results: done.results.map(resultView) });
    }),
  );

  return router;
}
