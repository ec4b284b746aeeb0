/**
 * The evidence ledger (issue 10, shapes pinned): GET /v1/ledger/checkpoint (the latest signed
 * checkpoint, as stored), /v1/ledger/checkpoints, /v1/ledger/key, /v1/ledger/entries/:index,
 * /v1/ledger/proof/inclusion, /v1/ledger/proof/consistency, GET /v1/records/:id/proof (a C2SP
 * tlog-proof; 409 with Retry-After until the record is in a checkpoint), POST
 * /v1/ledger/checkpoint (admin: checkpoint now). Hashes only: no record content.
 */
import { Router } from 'express';
import { UnavailableError, ValidationError } from '../../errors';
import { parseIndex, type EvidenceLedger } from '../../evidence';
import type { CheckpointRow } from '../../catalog';
import { json, route, text } from '../route';
import { parseRecordIdParam } from '../schemas';
import type { AppDeps } from '../types';

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' };
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

export function checkpointItem(c: CheckpointRow): {
  treeSize: number;
  rootHash: string;
  createdAt: string;
  key: string;
} {
  return { treeSize: c.treeSize, rootHash: c.rootHash, createdAt: c.createdAt.toISOString(), key: c.key };
}

function optionalIndex(name: string, value: unknown, min = 0): number | undefined {
  return value === undefined ? undefined : parseIndex(name, value, { min });
}

export function ledgerRouter(deps: AppDeps): Router {
  const router = Router();
  const ledger = (): EvidenceLedger => {
    if (!deps.evidence) throw new UnavailableError('this server has no evidence ledger configured');
    return deps.evidence.ledger;
  };

  router.get(
    '/ledger/checkpoint',
    ...route(deps, 'ledger.read', async ({ audit }) => {
      audit.note({ operation: 'ledger.checkpoint' });
      const latest = await ledger().mustLatest();
      audit.note({ treeSize: latest.row.treeSize });
      return text(latest.note, { headers: TEXT });
    }),
  );

  router.get(
    '/ledger/checkpoints',
    ...route(deps, 'ledger.read', async ({ req, audit }) => {
      audit.note({ operation: 'ledger.checkpoints' });
      const afterSize = optionalIndex('cursor', req.query.cursor);
      const limit = optionalIndex('limit', req.query.limit, 1) ?? DEFAULT_PAGE;
      if (limit > MAX_PAGE)
        throw new ValidationError(`limit must be from 1 to ${MAX_PAGE}`, {
          details: { issues: [{ path: ['limit'], message: `at most ${MAX_PAGE}` }] },
        });
      const rows = await ledger().checkpoints({ ...(afterSize !== undefined ? { afterSize } : {}), limit });
      const last = rows.at(-1);
      return json({
        items: rows.map(checkpointItem),
        ...(rows.length === limit && last ? { nextCursor: String(last.treeSize) } : {}),
      });
    }),
  );

  router.get(
    '/ledger/key',
    ...route(deps, 'ledger.read', async ({ audit }) => {
      audit.note({ operation: 'ledger.key' });
      return text(`${await ledger().verifierKeyText()}\n`, { headers: TEXT });
    }),
  );

  router.get(
    '/ledger/entries/:index',
    ...route(deps, 'ledger.read', async ({ req, audit }) => {
      audit.note({ operation: 'ledger.entry' });
      const index = parseIndex('index', req.params.index);
      audit.set({ target: `ledger:${index}` });
      return json(await ledger().entry(index));
    }),
  );

  router.get(
    '/ledger/proof/inclusion',
    ...route(deps, 'ledger.read', async ({ req, audit }) => {
      audit.note({ operation: 'ledger.proof.inclusion' });
      const index = parseIndex('index', req.query.index);
      const treeSize = optionalIndex('treeSize', req.query.treeSize, 1);
      audit.set({ target: `ledger:${index}` });
      return json(await ledger().inclusion(index, treeSize));
    }),
  );

  router.get(
    '/ledger/proof/consistency',
    ...route(deps, 'ledger.read', async ({ req, audit }) => {
      audit.note({ operation: 'ledger.proof.consistency' });
      const from = parseIndex('from', req.query.from, { min: 1 });
      const to = parseIndex('to', req.query.to, { min: 1 });
      return json(await ledger().consistency(from, to));
    }),
  );

  router.get(
    '/records/:id/proof',
    ...route(deps, 'records.read', async ({ req, audit }) => {
      audit.note({ operation: 'record.proof' });
      const id = parseRecordIdParam(req.params.id);
      audit.set({ target: id });
      const { index, proof } = await ledger().recordProof(id);
      audit.note({ ledgerIndex: index });
      return text(proof, { headers: TEXT });
    }),
  );

  router.post(
    '/ledger/checkpoint',
    ...route(deps, 'ledger.checkpoint', async ({ audit }) => {
      audit.note({ operation: 'ledger.checkpoint.now' });
      if (!deps.evidence) throw new UnavailableError('this server has no evidence ledger configured');
      const latest = await deps.evidence.checkpointNow();
      audit.note({ treeSize: latest.row.treeSize });
      return json({ ...checkpointItem(latest.row), checkpoint: latest.note });
    }),
  );

  return router;
}
