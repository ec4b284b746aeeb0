/**
 * The evidence ledger: an RFC 9162 Merkle log kept as C2SP tiles in the audit bucket, with C2SP
 * signed checkpoints and tlog-proof files. Pure code apart from the TileStore. See README.md.
 */
export { EMPTY_ROOT, HASH_SIZE, hashChildren, hashLeaf, type NodeId } from './hash';
export { consistencyProof, inclusionProof, treeRoot, type HashSource } from './proof';
export {
  rootFromConsistencyProof,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
  type ProofCheck,
  type ProofProblem,
} from './verify-proof';
export {
  checkpointKey,
  CHECKPOINT_PREFIX,
  decodeEntryBundle,
  decodeHashTile,
  encodeEntryBundle,
  encodeHashTile,
  entriesKey,
  LEDGER_PREFIX,
  parseCheckpointKey,
  parseTileKey,
  tileKey,
} from './tiles';
export { MemoryTileStore, type TileStore } from './tile-store';
export { ObjectTileStore, type LedgerObjectStore } from './object-tile-store';
export { integrate, readEdge, type Integrated, type IntegrateOptions } from './integrate';
export { readEntryBundle, readLeaves, TileReader } from './reader';
export { LEAF_KINDS, parseLeafData, type LeafEntry } from './leaf';
export {
  NOTE_TYPE_ECDSA,
  NOTE_TYPE_ED25519,
  noteKeyId,
  openNote,
  parseVerifierKey,
  signerVerifierKey,
  signNote,
  verifierKey,
  type OpenedNote,
  type VerifierKey,
} from './note';
export {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  type Checkpoint,
  type OpenedCheckpoint,
} from './checkpoint';
export {
  formatTlogProof,
  makeTlogProof,
  tlogProver,
  parseTlogProof,
  verifyTlogProof,
  type TlogProofCheck,
} from './tlog-proof';
export {
  latestCheckpoint,
  listCheckpoints,
  publishCheckpoint,
  readCheckpoint,
  type Published,
  type StoredCheckpoint,
} from './log';
export { verifyLog, type LogProblem, type LogReport, type VerifyLogOptions } from './log-verify';
