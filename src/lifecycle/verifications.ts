import type { Catalog, FixityResultRow, FixitySweepRow } from '../catalog';
import { NotFoundError } from '../errors';
import type { FixityProblem } from '../fixity';

export interface VerificationView {
  id: string;
  kind: 'head' | 'deep';
  bucket: string | null;
  sample: number;
  initiated: string;
  startedAt: string;
  finished: boolean;
  finishedAt: string | null;
  problems: number | null;
  counts: Record<string, number> | null;
  report: { bucket: string; key: string; sha256: string; ledgerSeq: number } | null;
}

/** Fixity sweeps and their sealed reports, as GET /v1/verifications shows them. */
export class VerificationReader {
  constructor(private readonly deps: { catalog: Catalog; auditBucket: string }) {}

  async list(limit = 100): Promise<VerificationView[]> {
    const sweeps = await this.deps.catalog.fixitySweeps({ limit });
    return sweeps.map(({ sweep, result }) => this.view(sweep, result));
  }

  /** The sweep, and every problem found so far (all of them once finished). */
  async get(id: string): Promise<{ verification: VerificationView; problems: FixityProblem[] }> {
    const found = await this.deps.catalog.fixitySweep(id);
    if (!found)
      throw new NotFoundError(`no verification ${id}`, { hint: 'GET /v1/verifications lists them' });
    const problems = (await this.deps.catalog.fixityProblems(id)).map(
      (p) => JSON.parse(p.problem) as FixityProblem,
    );
    return { verification: this.view(found.sweep, found.result), problems };
  }

  private view(sweep: FixitySweepRow, result: FixityResultRow | null): VerificationView {
    return {
      id: sweep.id,
      kind: sweep.kind,
      bucket: sweep.bucket,
      sample: sweep.samplePpm / 1_000_000,
      initiated: JSON.parse(sweep.initiated) as string,
      startedAt: sweep.startedAt.toISOString(),
      finished: result !== null,
      finishedAt: result ? result.finishedAt.toISOString() : null,
      problems: result ? result.problems : null,
      counts: result ? (JSON.parse(result.summary) as Record<string, number>) : null,
      report: result
        ? {
            bucket: this.deps.auditBucket,
            key: result.reportKey,
            sha256: result.reportSha256,
            ledgerSeq: result.ledgerSeq,
          }
        : null,
    };
  }
}
