/**
 * Export bags (issue 11): the streamed BagIt writer, the legible index it carries, and the offline
 * verifier behind `strongroom verify bag`. Layout: ../shared/docs/EVIDENCE.md; choices:
 * docs/decisions/0009-export-bag.md.
 */
export { buildBag, BAG_FILES } from './bag-writer';
export type { BagBuild, BagRecord, BagRequest, BagResult, BuildBagInput } from './types';
export { bagPathProblem } from './paths';
export { verifyBag } from './verify-bag';
export type {
  BagProblem,
  BagSummary,
  BagVerification,
  EvidenceChecker,
  VerifyBagOptions,
} from './verify-bag';
