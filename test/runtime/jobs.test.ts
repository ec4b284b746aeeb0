import { silentLogger } from '../../src/log';
import { BackgroundJobs } from '../../src/runtime/jobs';
import { SqliteLeaderLock } from '../../src/runtime/leader';
import { tempCatalog, type TempCatalog } from '../helpers/common';

/** serve's job registry: one leader runs a job; a request from another instance reaches it through the catalog. */
describe('BackgroundJobs', () => {
  let t: TempCatalog;
  beforeEach(async () => {
    t = await tempCatalog(undefined, 'jobs');
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const until = async (cond: () => boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  test('a request made on an instance that does not lead is run by the leader; a clean stop runs runAtStop jobs', async () => {
    const runs = { a: 0, b: 0 };
    const make = (who: 'a' | 'b') => {
      const jobs = new BackgroundJobs({
        lock: new SqliteLeaderLock(t.dir),
        logger: silentLogger(),
        catalog: t.catalog,
        requestPollMs: 50,
      });
      jobs.register({
        name: 'checkpoint',
        intervalMs: 3_600_000,
        runAtStop: true,
        run: async () => {
          runs[who]++;
        },
      });
      return jobs;
    };
    const a = make('a');
    a.start();
    await until(() => runs.a === 1); // the first attempt at start: a leads
    const b = make('b');
    b.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(runs.b).toBe(0);
    expect(b.leads('checkpoint')).toBe(false);
    expect(() => b.register({ name: 'late', intervalMs: 1000, run: async () => undefined })).toThrow(
      /before start/,
    );

    expect(await b.request('checkpoint')).toBe(false);
    await until(() => runs.a === 2);
    expect(await a.request('checkpoint')).toBe(true);
    expect(runs.a).toBe(3);
    await expect(a.request('nothing')).rejects.toThrow(/no background job/);

    await b.stop();
    expect(runs.b).toBe(0);
    await a.stop();
    expect(runs.a).toBe(4);
    expect(a.states()[0]).toMatchObject({ name: 'checkpoint', leader: true, failures: 0 });
  });
});
