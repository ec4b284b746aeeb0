import type { LedgerEntryKind } from '../catalog/types';

/**
 * Reading `strongroom-leaf-v1` leaf data back (the format is written by leafData in
 * src/catalog/hashing.ts): what `reindex` needs to restore ledger order from entry bundles.
 */

export const LEAF_KINDS: readonly LedgerEntryKind[] = [
  'record',
  'audit_segment',
  'export',
  'verification_report',
  'disposition',
];

export interface LeafEntry {
  kind: LedgerEntryKind;
  id: string;
  sha256: string;
}

export type LeafParse = { ok: true; entry: LeafEntry } | { ok: false; message: string };

const LEAF = /^strongroom-leaf-v1\n([a-z_]+)\n([^\n\r]+)\n([0-9a-f]{64})\n$/;

export function parseLeafData(data: Uint8Array): LeafParse {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return { ok: false, message: 'leaf data is not UTF-8' };
  }
  const m = LEAF.exec(text);
  if (!m) return { ok: false, message: 'leaf data is not strongroom-leaf-v1' };
  const kind = m[1] as LedgerEntryKind;
  if (!LEAF_KINDS.includes(kind)) return { ok: false, message: `unknown leaf kind ${kind}` };
  return { ok: true, entry: { kind, id: m[2] as string, sha256: m[3] as string } };
}
