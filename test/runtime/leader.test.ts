import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { silentLogger } from '../../src/log';
import { LeaderJobs, PostgresLeaderLock, SqliteLeaderLock, type LeaderLock } from '../../src/runtime/leader';
import { TEST_DATABASE_URL } from '../catalog/harness';

const DIST_LEADER = path.resolve(__dirname, '../../dist/runtime/leader.js');

/** A child process that holds a lock until killed: prints "held" or "busy". */
function holder(
  kind: 'sqlite' | 'postgres',
  where: string,
  name: string,
): Promise<{ child: ChildProcess; held: boolean }> {
  const script = `
    const { SqliteLeaderLock, PostgresLeaderLock } = require(${JSON.stringify(DIST_LEADER)});
    const lock = ${kind === 'sqlite' ? 'new SqliteLeaderLock' : 'new PostgresLeaderLock'}(${JSON.stringify(where)});
    lock.tryAcquire(${JSON.stringify(name)}).then((held) => { console.log(held ? 'held' : 'busy'); setInterval(() => {}, 1000); });
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve({ child, held: out.startsWith('held') });
    });
    child.once('exit', (code) => reject(new Error(`holder exited (${code}) before answering`)));
  });
}

async function killed(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await gone;
}

function lockSuite(kind: 'sqlite' | 'postgres', make: () => { lock: () => LeaderLock; where: string }): void {
  const created: LeaderLock[] = [];
  let where: string;
  let lock: () => LeaderLock;
  beforeAll(() => {
    const m = make();
    where = m.where;
    lock = () => {
      const l = m.lock();
      created.push(l);
      return l;
    };
  });
  afterAll(async () => {
    for (const l of created) await l.close();
  });

  test('one holder at a time; released, another takes it; names are independent', async () => {
    const a = lock();
    const b = lock();
    expect(await a.tryAcquire('checkpointer')).toBe(true);
    expect(await a.tryAcquire('checkpointer')).toBe(true);
    expect(await b.tryAcquire('checkpointer')).toBe(false);
    expect(await b.tryAcquire('sealer')).toBe(true);
    await a.release('checkpointer');
    expect(await b.tryAcquire('checkpointer')).toBe(true);
    expect(await a.tryAcquire('checkpointer')).toBe(false);
  });

  test('a holder killed with SIGKILL loses the lock at once', async () => {
    const name = `job-${kind}-kill`;
    const { child, held } = await holder(kind, where, name);
    expect(held).toBe(true);
    const mine = lock();
    expect(await mine.tryAcquire(name)).toBe(false);
    await killed(child);
    let took = false;
    // PostgreSQL notices the broken connection within moments of the process's death.
    for (let i = 0; i < 50 && !took; i++) {
      took = await mine.tryAcquire(name);
      if (!took) await new Promise((r) => setTimeout(r, 100));
    }
    expect(took).toBe(true);
  });
}

describe('SQLite leader lock', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-leader-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  lockSuite('sqlite', () => ({ lock: () => new SqliteLeaderLock(dir), where: dir }));

  test('refuses a name that is not a plain file name', async () => {
    await expect(new SqliteLeaderLock(dir).tryAcquire('../x')).rejects.toThrow(/not \[a-z0-9-\]\+/);
  });
});

if (!TEST_DATABASE_URL)
  console.warn('leader: the PostgreSQL run was SKIPPED because TEST_DATABASE_URL is not set.');
const describePg = TEST_DATABASE_URL ? describe : describe.skip;
describePg('PostgreSQL leader lock', () => {
  lockSuite('postgres', () => ({
    lock: () => new PostgresLeaderLock(TEST_DATABASE_URL),
    where: TEST_DATABASE_URL,
  }));

  test('a holder whose session is terminated is no longer the leader, and another takes over', async () => {
    const a = new PostgresLeaderLock(TEST_DATABASE_URL);
    const b = new PostgresLeaderLock(TEST_DATABASE_URL);
    try {
      expect(await a.tryAcquire('terminated')).toBe(true);
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(
        `select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = hashtext('strongroom:terminated')::oid and granted`,
      );
      await admin.end();
      expect(await b.tryAcquire('terminated')).toBe(true);
      expect(await a.tryAcquire('terminated')).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('LeaderJobs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-jobs-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('only the leader runs a job; when it stops, the other takes over; runAtStop runs once more', async () => {
    const runs: string[] = [];
    const make = (who: string): LeaderJobs => {
      const jobs = new LeaderJobs(new SqliteLeaderLock(dir), silentLogger());
      jobs.add({
        name: 'tick',
        intervalMs: 20,
        runAtStop: true,
        run: () => {
          runs.push(who);
          return Promise.resolve();
        },
      });
      return jobs;
    };
    const first = make('first');
    const second = make('second');
    first.start();
    await new Promise((r) => setTimeout(r, 30));
    second.start();
    await new Promise((r) => setTimeout(r, 150));
    expect(runs.length).toBeGreaterThan(1);
    expect(new Set(runs)).toEqual(new Set(['first']));
    expect(second.states()[0]).toMatchObject({ leader: false, runs: 0 });
    expect(await second.runNow('tick')).toBe(false);

    const before = runs.length;
    await first.stop();
    expect(runs.length).toBe(before + 1); // the run at stop
    const deadline = Date.now() + 5000;
    while (!runs.slice(before).includes('second') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(runs.slice(before)).toContain('second');
    expect(await second.runNow('tick')).toBe(true);
    await second.stop();
  });

  test('a failing run is logged and counted; the job runs again', async () => {
    const jobs = new LeaderJobs(new SqliteLeaderLock(dir), silentLogger());
    let n = 0;
    jobs.add({
      name: 'flaky',
      intervalMs: 10,
      run: () => (++n === 1 ? Promise.reject(new Error('boom')) : Promise.resolve()),
    });
    jobs.start();
    const deadline = Date.now() + 5000;
    while (n < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await jobs.stop();
    expect(n).toBeGreaterThanOrEqual(3);
    expect(jobs.states()[0]).toMatchObject({ failures: 1, lastError: null });
  });

  test('an interval longer than a timer can hold waits, instead of firing at once (Node fires those after 1 ms)', async () => {
    const jobs = new LeaderJobs(new SqliteLeaderLock(dir), silentLogger());
    let late = 0;
    let soon = 0;
    jobs.add({
      name: 'all-but-off',
      intervalMs: 1e12,
      firstRunAfterMs: 1e12,
      run: () => {
        late++;
        return Promise.resolve();
      },
    });
    jobs.add({
      name: 'every-10ms',
      intervalMs: 10,
      run: () => {
        soon++;
        return Promise.resolve();
      },
    });
    jobs.start();
    const deadline = Date.now() + 5000;
    while (soon < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await jobs.stop();
    expect(soon).toBeGreaterThanOrEqual(5);
    expect(late).toBe(0);
  });
});
