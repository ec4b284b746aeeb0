import { fixityJobs } from '../../src/fixity';
import { trade } from '../../src/records/fixtures';
import { ManualClock } from '../../src/util/clock';
import { getWith, postJson, startTestArchive, type TestArchive } from '../integration/helpers';

/** The sweeps serve schedules: due by the days since the last finished sweep of the kind, resumed first. */
describe('scheduled fixity sweeps', () => {
  let t: TestArchive;
  beforeAll(async () => {
    t = await startTestArchive({ db: 'sqlite' });
    expect((await postJson(`${t.url}/v1/records`, trade('SCH-1'), t.ingestToken)).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  test('a HEAD sweep runs when none has, then again only after headDays; deepDays 0 schedules none', async () => {
    const clock = new ManualClock(new Date());
    const stop = new AbortController();
    const config = { headDays: 7, deepDays: 0, rate: 1000, concurrency: 2, checkSeconds: 60 };
    const jobs = fixityJobs({
      sweeper: t.archive.fixity,
      catalog: t.catalog,
      config,
      signal: stop.signal,
      clock,
    });
    expect(jobs.map((j) => [j.name, j.intervalMs])).toEqual([['fixity-head', 60_000]]);
    const finished = async () =>
      (await t.catalog.fixitySweeps({ kind: 'head', limit: 50 })).filter((s) => s.result);
    // The attempt at start looks for nothing: a start is not also a sweep.
    await jobs[0]!.run();
    expect(await t.catalog.fixitySweeps({ limit: 5 })).toEqual([]);
    await jobs[0]!.run();
    expect(await finished()).toHaveLength(1);
    clock.advance(6 * 86_400_000);
    await jobs[0]!.run();
    expect(await finished()).toHaveLength(1);
    clock.advance(2 * 86_400_000);
    await jobs[0]!.run();
    expect(await finished()).toHaveLength(2);
    expect(JSON.parse((await t.catalog.fixitySweeps({ limit: 1 }))[0]!.sweep.initiated)).toBe('schedule');
    // The last sweep's age and problems, per kind, on /metrics.
    const metrics = await (await getWith(`${t.url}/metrics`, t.adminToken)).text();
    expect(metrics).toMatch(/strongroom_fixity_last_sweep_problems\{kind="head"\} 0/);
    expect(metrics).toMatch(/strongroom_fixity_last_sweep_age_seconds\{kind="head"\} \d/);
  });

  test('a clean stop ends a scheduled sweep at its next page; the next run resumes it', async () => {
    const stop = new AbortController();
    stop.abort();
    const config = { headDays: 1, deepDays: 1, rate: 1000, concurrency: 2, checkSeconds: 60 };
    const clock = new ManualClock(new Date(Date.now() + 30 * 86_400_000));
    const [, deep] = fixityJobs({
      sweeper: t.archive.fixity,
      catalog: t.catalog,
      config,
      signal: stop.signal,
      clock,
      skipFirst: false,
    });
    await deep!.run();
    const unfinished = await t.catalog.unfinishedFixitySweep('deep');
    expect(unfinished).toBeDefined();
    const again = fixityJobs({
      sweeper: t.archive.fixity,
      catalog: t.catalog,
      config,
      signal: new AbortController().signal,
      clock,
      skipFirst: false,
    });
    await again[1]!.run();
    expect((await t.catalog.fixitySweep(unfinished!.id))?.result).not.toBeNull();
  });
});
