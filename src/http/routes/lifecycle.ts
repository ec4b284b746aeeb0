/**
 * Legal holds (POST/GET /v1/holds, GET /v1/holds/:id, POST /v1/holds/:id/release) and fixity
 * reports (GET /v1/verifications, GET /v1/verifications/:id): issue 12. The services
 * (src/lifecycle) record their writes' audit events in their transactions; route() the reads'.
 */
import { Router } from 'express';
import type { LifecycleDeps } from '../../lifecycle';
import { catalogEntry } from '../schemas';
import { NotFoundError } from '../../errors';
import {
  holdView,
  parseBody,
  parseIdParam,
  PlaceHoldSchema,
  ReleaseHoldSchema,
  RetentionEventSchema,
} from '../lifecycle-schemas';
import { readJsonBody } from '../middleware/json-body';
import { json, route } from '../route';
import type { AppDeps } from '../types';

/** Largest body of a hold or a release (a hold may name 10,000 record ids). */
const MAX_LIFECYCLE_BODY = 2 * 1024 * 1024;

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

  return router;
}
