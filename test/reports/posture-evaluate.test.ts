import {
  DEFAULT_THRESHOLDS,
  available,
  evaluatePosture,
  postureJson,
  unavailable,
  type BucketFacts,
  type PostureFacts,
  type PostureReport,
} from '../../src/reports';
import { NOW, healthyFacts } from './posture-fixtures';

/** Status of each line by id. */
const statuses = (r: PostureReport): Record<string, string> =>
  Object.fromEntries(r.lines.map((l) => [l.id, l.status]));

/** Spoils one fact and returns the lines whose status changed from the healthy report. */
function changed(spoil: (f: PostureFacts) => void): { report: PostureReport; lines: Record<string, string> } {
  const base = statuses(evaluatePosture(healthyFacts()));
  const facts = healthyFacts();
  spoil(facts);
  const report = evaluatePosture(facts);
  const now = statuses(report);
  return { report, lines: Object.fromEntries(Object.entries(now).filter(([id, s]) => base[id] !== s)) };
}

function editBucket(f: PostureFacts, name: string, edit: (b: BucketFacts) => void): void {
  if (!f.buckets.available) throw new Error('fixture');
  const b = f.buckets.value.find((x) => x.bucket === name);
  if (!b) throw new Error(`no bucket ${name}`);
  edit(b);
}

describe('EDSP posture evaluation', () => {
  it('passes every line on a healthy deployment, answering 7(a) to 7(g)', () => {
    const r = evaluatePosture(healthyFacts());
    expect(r.overall).toBe('ok');
    expect(r.lines.every((l) => l.status === 'ok')).toBe(true);
    const refs = new Set(r.lines.map((l) => l.ref));
    for (const ref of ['7(a)/(b)', '7(c)', '7(d)', '7(e)(i)', '7(e)(ii)', '7(e)', '7(f)', '7(g)'])
      expect(refs).toContain(ref);
    expect(r.lines.every((l) => l.evidence.length > 0)).toBe(true);
    expect(JSON.parse(postureJson(r))).toMatchObject({
      report: 'posture',
      overall: 'ok',
      operator: 'Example Securities Limited',
    });
  });

  it('fails the access-logging line, and only it, for a bucket with logging off', () => {
    const { report, lines } = changed((f) =>
      editBucket(f, 'sr-records-6m', (b) => (b.logging = available(null))),
    );
    expect(lines).toEqual({ 'access-logging': 'failing' });
    const line = report.lines.find((l) => l.id === 'access-logging');
    expect(line?.ref).toBe('7(e)(i)');
    expect(line?.evidence).toContain('[failing] sr-records-6m: access logging is off');
    expect(report.overall).toBe('failing');
  });

  it('fails the retention line for an unlocked (InProgress) policy', () => {
    const { report, lines } = changed((f) =>
      editBucket(
        f,
        'sr-records-7y',
        (b) => (b.retention = available({ state: 'InProgress', days: 2557, since: NOW })),
      ),
    );
    expect(lines).toEqual({ retention: 'failing' });
    expect(report.lines.find((l) => l.id === 'retention')?.evidence.join(' ')).toMatch(
      /InProgress, not Locked/,
    );
  });

  it('fails the audit-retention line too when it is the audit bucket that is unlocked or short', () => {
    const { lines } = changed((f) =>
      editBucket(f, 'sr-audit', (b) => (b.retention = available({ state: 'Locked', days: 365, since: NOW }))),
    );
    expect(lines).toEqual({ retention: 'failing', 'audit-retention': 'failing' });
  });

  it('warns on the 7(g) line with one compliance principal, fails with none', () => {
    const one = changed((f) => {
      if (f.principals.available) f.principals.value[1] = { ...f.principals.value[1]!, active: false };
    });
    expect(one.lines).toEqual({ 'compliance-principals': 'warning' });
    expect(one.report.lines.find((l) => l.id === 'compliance-principals')).toMatchObject({
      ref: '7(g)',
      summary: '1 active named compliance principal, fewer than 2',
    });
    const none = changed((f) => {
      if (f.principals.available)
        f.principals.value = f.principals.value.filter((p) => p.role !== 'compliance');
    });
    expect(none.lines).toEqual({ 'compliance-principals': 'failing' });
    // A system principal with the compliance role is not a named person.
    const system = changed((f) => {
      if (f.principals.available) f.principals.value[1] = { ...f.principals.value[1]!, kind: 'system' };
    });
    expect(system.lines).toEqual({ 'compliance-principals': 'warning' });
  });

  it('fails the checkpoint line for a stale checkpoint', () => {
    const stale = new Date(
      Date.parse(NOW) - DEFAULT_THRESHOLDS.checkpointMaxAgeSeconds * 1000 - 60_000,
    ).toISOString();
    const { report, lines } = changed((f) => {
      if (f.checkpoint.available) f.checkpoint.value.last = { treeSize: 10, at: stale };
    });
    expect(lines).toEqual({ checkpoint: 'failing' });
    expect(report.lines.find((l) => l.id === 'checkpoint')?.ref).toBe('7(e)(ii)');
  });

  it('fails encryption and HTTPS lines, and the endpoint over plain HTTP', () => {
    expect(
      changed((f) => editBucket(f, 'sr-exports', (b) => (b.encryption = available(null)))).lines,
    ).toEqual({
      encryption: 'failing',
    });
    expect(changed((f) => editBucket(f, 'sr-exports', (b) => (b.httpsOnly = available(null)))).lines).toEqual(
      {
        'https-only': 'failing',
      },
    );
    expect(
      changed((f) => {
        if (f.edsp.available) f.edsp.value.endpoint = 'http://oss.example.com:9000';
      }).lines,
    ).toEqual({ 'https-only': 'failing' });
    // The local emulator over plain HTTP: a warning (not HTTPS-only), never ok.
    expect(
      changed((f) => {
        if (f.edsp.available) f.edsp.value.endpoint = 'http://127.0.0.1:9000';
      }).lines,
    ).toEqual({ 'https-only': 'warning' });
  });

  it('fails on unknown keys, failed fixity and an overdue ALP report; warns when one is due soon', () => {
    expect(
      changed((f) => (f.unknownKeyAccesses = available({ count: 2, since: NOW, examples: ['LTAIxx GET a'] })))
        .lines,
    ).toEqual({ 'unknown-keys': 'failing' });
    expect(
      changed((f) => {
        if (f.fixity.available) f.fixity.value[0]!.failures = 3;
      }).lines,
    ).toEqual({ fixity: 'failing' });
    const due = (state: 'warning' | 'overdue', archived: boolean | null) =>
      changed((f) => {
        if (f.alpReportsDue.available)
          f.alpReportsDue.value[0] = { ...f.alpReportsDue.value[0]!, state, archived };
      }).lines;
    expect(due('overdue', false)).toEqual({ 'alp-reports': 'failing' });
    expect(due('warning', null)).toEqual({ 'alp-reports': 'warning' });
    expect(due('overdue', true)).toEqual({});
  });

  it('turns a missing fact into a warning that says why, never into ok', () => {
    const { report, lines } = changed((f) => {
      f.checkpoint = unavailable('the evidence ledger (signed checkpoints) is not connected yet');
      f.buckets = unavailable('the store could not be reached');
    });
    expect(lines).toEqual({
      checkpoint: 'warning',
      retention: 'warning',
      encryption: 'warning',
      'https-only': 'warning',
      'access-logging': 'warning',
      'audit-retention': 'warning',
    });
    expect(report.lines.find((l) => l.id === 'checkpoint')?.evidence).toEqual([
      'not available: the evidence ledger (signed checkpoints) is not connected yet',
    ]);
    expect(report.overall).toBe('warning');
  });
});
