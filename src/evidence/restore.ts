import type { TileLeaf } from '../ingest/recovery';
import { latestCheckpoint, parseLeafData, readLeaves, type TileStore, type VerifierKey } from '../ledger';
import { LedgerConflictError } from '../errors';

/**
 * reindex's ledger order: the leaves of the latest checkpoint's tree past the catalog's ledger,
 * read from the entry bundles in the bucket (the checkpoint verified with the archive's key).
 * An entry that is not strongroom-leaf-v1 stops the restore: the tiles are the system of record.
 */
export async function tileLeavesPast(
  store: TileStore,
  key: VerifierKey,
  catalogSize: number,
): Promise<{ leaves: TileLeaf[]; checkpointSize: number }> {
  const latest = await latestCheckpoint(store, key);
  if (!latest || latest.size <= BigInt(catalogSize))
    return { leaves: [], checkpointSize: Number(latest?.size ?? 0n) };
  const leaves: TileLeaf[] = [];
  for await (const { index, data } of readLeaves(store, latest.size, { from: BigInt(catalogSize) })) {
    const parsed = parseLeafData(data);
    if (!parsed.ok) throw new LedgerConflictError(`ledger entry ${index} in the bucket: ${parsed.message}`);
    leaves.push({ seq: Number(index), ...parsed.entry });
  }
  return { leaves, checkpointSize: Number(latest.size) };
}
