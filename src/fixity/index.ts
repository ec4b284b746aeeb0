/**
 * Fixity sweeps (issue 12): checks of the records at rest, resumable, reported create-only to
 * the audit bucket, sealed in the ledger, audited, alerted.
 */
export { FixitySweeper, sampled, type FixityDeps, type SweepOutcome } from './sweep';
export { renderReportHtml, reportKeys } from './report';
export { fixityPosture, fixityMetrics } from './posture';
export type * from './types';
export { fixityJobs } from './schedule';
