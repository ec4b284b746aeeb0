import { createHash } from 'node:crypto';
import type { AlertSink } from '../alerts/types';
import { descriptionKeyOf, type Catalog, type FixityRecord, type FixitySweepRow } from '../catalog';
import { timeOrderedUuid } from '../catalog/legible';
import { ChecksumMismatchError, NotFoundError, SweepRunningError, ValidationError } from '../errors';
import type { Logger } from '../log';
import { CONTENT_META } from '../records';
import type { ObjectInfo, ObjectStore } from '../storage/types';
import { systemClock, type Clock } from '../util/clock';
import { Semaphore } from '../util/semaphore';
import { RateLimiter } from './rate';
import { renderReportHtml, reportKeys } from './report';
import type { FixityProblem, FixityReport, SweepCounts, SweepOptions, SweepResult } from './types';

/** Records read from the catalog, and listed objects looked up, per page (a progress checkpoint each). */
const PAGE = 200;
const LIST_PAGE = 1000;
/** Pages of the check phase in flight at once: one being committed, the next one's checks queued. */
const PIPELINE = 2;

export interface FixityDeps {
  catalog: Catalog;
  /** The data plane: HEAD, GET, LIST of the record buckets, the create-only PUT of reports. */
  store: ObjectStore;
  /** Every records bucket of the plan (LIST walks them all, or the one asked for). */
  recordBuckets: readonly string[];
  /** Where reports go (create-only). */
  auditBucket: string;
  /** Problems raise alerts here (src/alerts/types.ts); absent: logged at error only. */
  alerts?: AlertSink;
  logger: Logger;
  clock?: Clock;
}

/** A sweep's saved state (fixity_progress.state, JSON): where it is, what it counted. */
interface SweepState {
  phase: 'check' | 'list' | 'report';
  /** Records checked up to this ledger seq. */
  afterSeq: number;
  /** The bucket being listed (index in the sweep's buckets) and the last key done in it. */
  bucketIndex: number;
  listAfter: string | null;
  counts: SweepCounts;
  /** Problems found so far (their order in the report). */
  position: number;
  resumed: number;
  /** Fixed when the report phase starts, so that a retried report has the same bytes. */
  finishedAt: string | null;
}

export type SweepOutcome = ({ status: 'finished' } & SweepResult) | { status: 'stopped'; sweepId: string };

/** Sweeps running in this process, by kind (a second one of a kind is refused). */
const running = new Set<string>();

/**
 * Fixity sweeps (issue 12): the HEAD sweep compares every catalogued object's size, CRC-64 and
 * SHA-256 metadata with the catalog; the deep sweep reads every byte and hashes it. Both LIST
 * the record buckets for objects the catalog does not know. A sweep saves its place after every
 * page (the catalog's fixity_progress) and the next sweep of its kind resumes it; its report
 * (JSON and HTML) is written create-only to the audit bucket, becomes ledger leaf
 * `verification_report` and audit event `fixity.sweep`, and each problem raises an alert.
 */
export class FixitySweeper {
  private readonly clock: Clock;

  constructor(private readonly deps: FixityDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  async run(opts: SweepOptions): Promise<SweepOutcome> {
    const sample = opts.sample ?? 1;
    if (!(sample > 0 && sample <= 1))
      throw new ValidationError('--sample must be a rate in (0, 1], e.g. 0.1');
    const concurrency = opts.concurrency ?? 8;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
      throw new ValidationError('--concurrency must be a whole number from 1 to 256');
    if (opts.bucket !== undefined && !this.deps.recordBuckets.includes(opts.bucket))
      throw new ValidationError(`${opts.bucket} is not a records bucket`, {
        hint: `records buckets: ${this.deps.recordBuckets.join(', ')}`,
      });
    if (running.has(opts.kind)) throw new SweepRunningError(`a ${opts.kind} fixity sweep is running already`);
    running.add(opts.kind);
    try {
      return await this.sweep(opts, sample, concurrency);
    } finally {
      running.delete(opts.kind);
    }
  }

  private async sweep(opts: SweepOptions, sample: number, concurrency: number): Promise<SweepOutcome> {
    const { catalog } = this.deps;
    let sweep = await catalog.unfinishedFixitySweep(opts.kind);
    let state: SweepState;
    let step: number;
    if (sweep) {
      const saved = await catalog.fixityProgress(sweep.id);
      state = saved ? (JSON.parse(saved.state) as SweepState) : this.freshState(await this.count(sweep));
      state.resumed += 1;
      step = (saved?.step ?? 0) + 1;
      this.deps.logger.info(
        { sweepId: sweep.id, kind: sweep.kind, phase: state.phase },
        'fixity sweep resumed',
      );
    } else {
      sweep = await catalog.startFixitySweep({
        id: `fx_${timeOrderedUuid(this.clock.now().getTime())}`,
        kind: opts.kind,
        bucket: opts.bucket ?? null,
        samplePpm: Math.max(1, Math.round(sample * 1_000_000)),
        initiated: JSON.stringify(opts.initiated),
      });
      state = this.freshState(await this.count(sweep));
      step = 1;
    }
    const save = async (): Promise<void> => {
      await catalog.saveFixityProgress(sweep.id, step++, JSON.stringify(state));
    };
    const addProblems = async (found: FixityProblem[]): Promise<void> => {
      if (found.length === 0) return;
      const rows = found.map((p) => ({
        key: `${p.kind}\n${p.bucket}\n${p.key}`,
        position: state.position++,
        problem: JSON.stringify(p),
      }));
      state.counts.problems += await catalog.addFixityProblems(sweep.id, rows);
    };
    const buckets = sweep.bucket !== null ? [sweep.bucket] : [...this.deps.recordBuckets];
    const limiter = new RateLimiter(opts.rate);
    const slots = new Semaphore(concurrency);
    const stopped = (): boolean => opts.signal?.aborted === true;

    if (state.phase === 'check') {
      const checkPhase = await this.checkPhase(sweep, state, opts, {
        save,
        addProblems,
        stopped,
        check: (r, counts) =>
          slots.run(async () => {
            await limiter.take();
            return opts.kind === 'deep' ? this.deepCheck(r, counts) : this.headCheck(r, counts);
          }),
      });
      if (checkPhase === 'stopped') return { status: 'stopped', sweepId: sweep.id };
    }

    while (state.phase === 'list') {
      const bucket = buckets[state.bucketIndex];
      if (bucket === undefined) {
        state.phase = 'report';
        state.finishedAt = this.clock.now().toISOString();
        await save();
        break;
      }
      let batch: { key: string; size: number; etag: string }[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        await addProblems(await this.unknownObjects(bucket, batch));
        state.counts.listed += batch.length;
        state.listAfter = batch[batch.length - 1]!.key;
        batch = [];
        await save();
        opts.onProgress?.({
          phase: 'list',
          done: state.counts.listed,
          total: 0,
          problems: state.counts.problems,
        });
      };
      for await (const o of this.deps.store.list(bucket, {
        pageSize: Math.min(LIST_PAGE, opts.pageSize ?? LIST_PAGE),
        ...(state.listAfter !== null ? { startAfter: state.listAfter } : {}),
      })) {
        batch.push(o);
        if (batch.length >= (opts.pageSize ?? LIST_PAGE)) {
          await flush();
          if (stopped()) return { status: 'stopped', sweepId: sweep.id };
        }
      }
      await flush();
      state.bucketIndex += 1;
      state.listAfter = null;
      await save();
      if (stopped()) return { status: 'stopped', sweepId: sweep.id };
    }

    return { status: 'finished', ...(await this.finish(sweep, state, buckets, opts)) };
  }

  /**
   * The check phase as one pipeline: the checks of a page are queued as soon as the page is
   * read, so the slots never wait for a page's slowest object, the next page's catalog read or
   * the progress save. Pages still commit in order (their problems, counts and position saved
   * together, after every check of the page): a resume starts after the last committed page,
   * and the checks of a page that did not commit run again. At most PIPELINE pages are in flight.
   */
  private async checkPhase(
    sweep: FixitySweepRow,
    state: SweepState,
    opts: SweepOptions,
    io: {
      save: () => Promise<void>;
      addProblems: (found: FixityProblem[]) => Promise<void>;
      stopped: () => boolean;
      check: (r: FixityRecord, counts: SweepCounts) => Promise<FixityProblem[]>;
    },
  ): Promise<'done' | 'stopped'> {
    const read = (afterSeq: number): Promise<FixityRecord[]> =>
      this.deps.catalog.fixityRecords({
        ...(sweep.bucket !== null ? { bucket: sweep.bucket } : {}),
        afterSeq,
        limit: opts.pageSize ?? PAGE,
      });
    const inFlight: Promise<void>[] = [];
    let committed: Promise<void> = Promise.resolve();
    let next: Promise<FixityRecord[]> | null = read(state.afterSeq);
    let exhausted = false;
    try {
      while (!io.stopped()) {
        const page: FixityRecord[] = await next;
        next = null;
        if (page.length === 0) {
          exhausted = true;
          break;
        }
        const lastSeq = page[page.length - 1]!.ledgerSeq;
        next = read(lastSeq);
        const chosen = page.filter((r) => sampled(sweep.id, r.recordId, sweep.samplePpm));
        // This page's share, added to the sweep's counts when the page commits.
        const counts: SweepCounts = { records: 0, checked: 0, objects: 0, bytes: 0, listed: 0, problems: 0 };
        const checks = Promise.all(chosen.map((r) => io.check(r, counts)));
        // Observed through `committed`; never an unhandled rejection when an earlier page failed.
        checks.catch(() => undefined);
        committed = committed.then(async () => {
          const found = await checks;
          state.counts.objects += counts.objects;
          state.counts.bytes += counts.bytes;
          await io.addProblems(found.flat());
          state.counts.checked += chosen.length;
          state.afterSeq = lastSeq;
          await io.save();
          opts.onProgress?.({
            phase: 'check',
            done: state.counts.checked,
            total: Math.ceil(state.counts.records * (sweep.samplePpm / 1_000_000)),
            problems: state.counts.problems,
          });
        });
        inFlight.push(committed);
        if (inFlight.length >= PIPELINE) await inFlight.shift();
      }
      await committed;
    } catch (err) {
      // Nothing keeps running once run() has failed: wait for the pages in flight to settle.
      await Promise.allSettled([...inFlight, next ?? Promise.resolve()]);
      throw err;
    }
    // A page read ahead before a stop is dropped (read again on resume).
    await next?.catch(() => undefined);
    if (!exhausted) return 'stopped';
    state.phase = 'list';
    await io.save();
    return 'done';
  }

  private freshState(records: number): SweepState {
    return {
      phase: 'check',
      afterSeq: -1,
      bucketIndex: 0,
      listAfter: null,
      counts: { records, checked: 0, objects: 0, bytes: 0, listed: 0, problems: 0 },
      position: 0,
      resumed: 0,
      finishedAt: null,
    };
  }

  private count(sweep: FixitySweepRow): Promise<number> {
    return this.deps.catalog.countFixityRecords(sweep.bucket ?? undefined);
  }

  /** HEAD: size, CRC-64 and the SHA-256 metadata against the catalog. */
  private async headCheck(r: FixityRecord, counts: SweepCounts): Promise<FixityProblem[]> {
    const problems: FixityProblem[] = [];
    counts.objects += 1;
    const info = await this.look(r, r.objectKey, problems);
    if (info) {
      if (info.size !== r.size)
        problems.push(problem('size_mismatch', r, r.objectKey, `${r.size} bytes`, `${info.size} bytes`));
      if (info.crc64 !== undefined && info.crc64 !== r.crc64)
        problems.push(problem('crc64_mismatch', r, r.objectKey, r.crc64, info.crc64));
      if (r.recordType !== 'document' && info.meta['sha256'] !== r.sha256)
        problems.push(
          problem('sha256_metadata_mismatch', r, r.objectKey, r.sha256, info.meta['sha256'] ?? 'absent'),
        );
    }
    problems.push(...(await this.descriptionCheck(r, counts)));
    return problems;
  }

  /** GET: every byte read and hashed (streaming); size, SHA-256 and CRC-64 against the catalog. */
  private async deepCheck(r: FixityRecord, counts: SweepCounts): Promise<FixityProblem[]> {
    const problems: FixityProblem[] = [];
    counts.objects += 1;
    let got: Awaited<ReturnType<ObjectStore['get']>>;
    try {
      got = await this.deps.store.get(r.bucket, r.objectKey);
    } catch (err) {
      problems.push(unreachable(err, r, r.objectKey));
      return [...problems, ...(await this.descriptionCheck(r, counts))];
    }
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of got.body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
      }
      counts.bytes += size;
      const sha = hash.digest('hex');
      if (size !== r.size)
        problems.push(problem('size_mismatch', r, r.objectKey, `${r.size} bytes`, `${size} bytes`));
      if (sha !== r.sha256) problems.push(problem('sha256_mismatch', r, r.objectKey, r.sha256, sha));
    } catch (err) {
      counts.bytes += size;
      // The adapter checks the CRC-64 of a whole-object stream at its end.
      if (err instanceof ChecksumMismatchError)
        problems.push(
          problem('crc64_mismatch', r, r.objectKey, r.crc64, `bytes read do not match: ${err.message}`),
        );
      else problems.push(unreachable(err, r, r.objectKey));
    }
    problems.push(...(await this.descriptionCheck(r, counts)));
    return problems;
  }

  /** A document's description: present, and its metadata names the catalogued file. */
  private async descriptionCheck(r: FixityRecord, counts: SweepCounts): Promise<FixityProblem[]> {
    const key = descriptionKeyOf(r);
    if (key === null) return [];
    counts.objects += 1;
    const problems: FixityProblem[] = [];
    const info = await this.look(r, key, problems);
    if (!info) return problems;
    const meta = info.meta;
    if (meta[CONTENT_META.sha256] !== r.sha256)
      problems.push(
        problem('sha256_metadata_mismatch', r, key, r.sha256, meta[CONTENT_META.sha256] ?? 'absent'),
      );
    if (meta[CONTENT_META.size] !== String(r.size))
      problems.push(
        problem(
          'size_mismatch',
          r,
          key,
          `${r.size} bytes`,
          `${meta[CONTENT_META.size] ?? 'absent'} (description)`,
        ),
      );
    return problems;
  }

  private async look(r: FixityRecord, key: string, problems: FixityProblem[]): Promise<ObjectInfo | null> {
    try {
      return await this.deps.store.head(r.bucket, key);
    } catch (err) {
      problems.push(unreachable(err, r, key));
      return null;
    }
  }

  /** Listed objects the catalog does not know. */
  private async unknownObjects(
    bucket: string,
    listed: { key: string; size: number; etag: string }[],
  ): Promise<FixityProblem[]> {
    const known = await this.deps.catalog.cataloguedObjects(
      bucket,
      listed.map((o) => o.key),
    );
    const keys = new Set(known.map((k) => k.key));
    return listed
      .filter((o) => !keys.has(o.key))
      .map((o) => ({
        kind: 'unknown_object' as const,
        bucket,
        key: o.key,
        recordId: null,
        expected: 'no object (the catalog does not know this key)',
        found: `${o.size} bytes, ETag ${o.etag}`,
      }));
  }

  private async finish(
    sweep: FixitySweepRow,
    state: SweepState,
    buckets: string[],
    opts: SweepOptions,
  ): Promise<SweepResult> {
    const { catalog, store, logger } = this.deps;
    const problems = (await catalog.fixityProblems(sweep.id)).map(
      (p) => JSON.parse(p.problem) as FixityProblem,
    );
    const finishedAt = state.finishedAt ?? this.clock.now().toISOString();
    const report: FixityReport = {
      format: 'strongroom-fixity-report-v1',
      sweepId: sweep.id,
      kind: sweep.kind,
      bucket: sweep.bucket,
      buckets,
      sample: sweep.samplePpm / 1_000_000,
      initiated: JSON.parse(sweep.initiated) as string,
      startedAt: sweep.startedAt.toISOString(),
      finishedAt,
      durationMs: Date.parse(finishedAt) - sweep.startedAt.getTime(),
      resumed: state.resumed,
      counts: { ...state.counts, problems: problems.length },
      problems,
    };
    const json = Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8');
    const sha = createHash('sha256').update(json).digest('hex');
    const page = Buffer.from(renderReportHtml(report), 'utf8');
    const keys = reportKeys(sweep.id, sweep.startedAt);
    // Create-only; a retry after a crash finds its own bytes there (same state, same report) and adopts them.
    await store.putBuffer(this.deps.auditBucket, keys.json, json, {
      contentType: 'application/json',
      meta: { sha256: sha, 'fixity-sweep': sweep.id },
      adopt: { sameMeta: ['sha256', 'fixity-sweep'] },
    });
    const pageSha = createHash('sha256').update(page).digest('hex');
    await store.putBuffer(this.deps.auditBucket, keys.html, page, {
      contentType: 'text/html; charset=utf-8',
      meta: { sha256: pageSha, 'fixity-sweep': sweep.id },
      adopt: { sameMeta: ['sha256', 'fixity-sweep'] },
    });
    // Alerts before the result: raising one again is harmless (dedupe key), losing one is not.
    if (problems.length > 0) {
      logger.error(
        { sweepId: sweep.id, kind: sweep.kind, problems: problems.length, report: keys.json },
        'fixity sweep found problems',
      );
      for (const p of problems) await this.alert(p, sweep.id, keys.json);
    }
    const result = await catalog.finishFixitySweep(
      {
        sweepId: sweep.id,
        reportKey: keys.json,
        reportSha256: sha,
        summary: JSON.stringify(report.counts),
        problems: problems.length,
      },
      {
        principalId: opts.principalId ?? null,
        action: 'fixity.sweep',
        target: sweep.id,
        outcome: 'allowed',
        details: {
          kind: sweep.kind,
          bucket: sweep.bucket,
          initiated: report.initiated,
          checked: report.counts.checked,
          listed: report.counts.listed,
          problems: problems.length,
          report: keys.json,
          reportSha256: sha,
        },
      },
    );
    logger.info({ sweepId: sweep.id, kind: sweep.kind, counts: report.counts }, 'fixity sweep finished');
    return {
      report,
      reportKey: keys.json,
      htmlKey: keys.html,
      reportSha256: sha,
      ledgerSeq: result.ledgerSeq,
    };
  }

  private async alert(p: FixityProblem, sweepId: string, reportKey: string): Promise<void> {
    if (!this.deps.alerts) return;
    try {
      await this.deps.alerts.raise({
        source: 'fixity',
        kind: p.kind,
        summary: `fixity: ${p.kind.replace(/_/g, ' ')} at ${p.bucket}/${p.key}`,
        details: { ...p, sweepId, report: reportKey },
        dedupeKey: `fixity:${p.kind}:${p.bucket}/${p.key}`,
      });
    } catch (err) {
      this.deps.logger.error({ err, sweepId, problem: p }, 'fixity: the alert could not be raised');
    }
  }
}

/** Whether a record is in the sweep's sample: a stable choice per sweep (the same after a resume). */
export function sampled(sweepId: string, recordId: string, samplePpm: number): boolean {
  if (samplePpm >= 1_000_000) return true;
  const h = createHash('sha256').update(`${sweepId}\n${recordId}`).digest();
  return h.readUInt32BE(0) % 1_000_000 < samplePpm;
}

function problem(
  kind: FixityProblem['kind'],
  r: FixityRecord,
  key: string,
  expected: string,
  found: string,
): FixityProblem {
  return { kind, bucket: r.bucket, key, recordId: r.recordId, expected, found };
}

function unreachable(err: unknown, r: FixityRecord, key: string): FixityProblem {
  if (err instanceof NotFoundError) return problem('missing', r, key, 'the object', 'absent (404)');
  const message = err instanceof Error ? err.message : String(err);
  return problem('unreadable', r, key, 'the object', message);
}
