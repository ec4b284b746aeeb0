/**
 * The EDSP posture evaluation: the facts, answered paragraph by paragraph against the SFC
 * circular on external electronic data storage (../shared/docs/REGULATORY.md, table 7(a)-7(g)),
 * plus the ALP reports of Code of Conduct Schedule 8 27(d). Each line is ok, warning or failing,
 * with the evidence it rests on. A fact that is not available makes its line a warning ("cannot
 * be shown"), never ok and never invented.
 */
import { storageChecks } from './checks-storage';
import { trailChecks } from './checks-trail';
import { DEFAULT_THRESHOLDS, type PostureFacts, type PostureThresholds } from './facts';
import { worst, type PostureLine, type PostureStatus } from './lines';

export type { PostureLine, PostureStatus } from './lines';

export interface PostureReport {
  report: 'posture';
  version: 1;
  generatedAt: string;
  operator: string | null;
  overall: PostureStatus;
  counts: Record<PostureStatus, number>;
  lines: PostureLine[];
  thresholds: PostureThresholds;
  facts: PostureFacts;
}

export function evaluatePosture(
  facts: PostureFacts,
  thresholds: PostureThresholds = DEFAULT_THRESHOLDS,
): PostureReport {
  const now = facts.gatheredAt;
  const lines: PostureLine[] = [];
  const ctx = {
    facts,
    thresholds,
    now,
    line: (
      id: string,
      ref: string,
      requirement: string,
      result: Omit<PostureLine, 'id' | 'ref' | 'requirement'>,
    ) => {
      lines.push({ id, ref, requirement, ...result });
    },
  };
  storageChecks(ctx);
  trailChecks(ctx);
  const counts = { ok: 0, warning: 0, failing: 0 };
  for (const l of lines) counts[l.status]++;
  return {
    report: 'posture',
    version: 1,
    generatedAt: now,
    operator: facts.operator.available ? facts.operator.value : null,
    overall: worst(lines.map((l) => l.status)),
    counts,
    lines,
    thresholds,
    facts,
  };
}
