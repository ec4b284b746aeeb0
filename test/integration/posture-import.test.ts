/**
 * The posture report's log-import and unknown-key lines from what a real import recorded: the
 * emulator's access logs and ActionTrail imported by the archive's importers, an access made
 * with an STS session the archive never registered (a key it does not know), then GET
 * /v1/posture.
 */
import OSS from 'ali-oss';
import { bucketPlan } from '../../src/config';
import { databases, getWith, principalWithToken, startTestArchive, type TestArchive } from './helpers';

interface Line {
  id: string;
  status: string;
  summary: string;
  evidence: string[];
}

describe.each(databases('integration/posture-import'))('posture of the importers, catalog on %s', (db) => {
  let t: TestArchive;
  let compliance: string;
  beforeAll(async () => {
    t = await startTestArchive({
      db,
      overrides: { audit: { sealSeconds: 3600, importSeconds: 3600 }, emulator: { logFlushSeconds: 3600 } },
    });
    compliance = (await principalWithToken(t.catalog, 'compliance')).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function lines(): Promise<Record<string, Line>> {
    const res = await getWith(`${t.url}/v1/posture?format=json`, compliance);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { lines: Line[] };
    return Object.fromEntries(body.lines.map((l) => [l.id, l]));
  }

  test('before any import: nothing imported (warning), no unknown keys; after: the positions, and the unknown key named', async () => {
    let l = await lines();
    expect(l['log-import']).toMatchObject({ status: 'warning', summary: 'no access log imported yet' });
    expect(l['log-import']?.evidence).toContain('actiontrail: nothing imported yet');
    expect(l['unknown-keys']?.status).toBe('ok');

    // A session of the export role that the archive did not obtain for an export: unknown to it.
    const plan = bucketPlan(t.config);
    const sts = t.archive.cloud.clients?.sts;
    if (!sts || !t.archive.cloud.exportRoleArn) throw new Error('the local control plane is expected');
    await t.store.putBuffer(plan.exports.bucket, 'exports/stray/bag.zip', Buffer.from('a bag'));
    const creds = await sts.assumeRole({ roleArn: t.archive.cloud.exportRoleArn, sessionName: 'stray' });
    const stray = new OSS({
      endpoint: t.archive.storeEndpoint,
      accessKeyId: creds.accessKeyId,
      accessKeySecret: creds.accessKeySecret,
      stsToken: creds.securityToken,
      bucket: plan.exports.bucket,
      region: 'oss-local',
      sldEnable: true,
    } as OSS.Options);
    expect((await stray.get('exports/stray/bag.zip')).res.status).toBe(200);

    await t.archive.storeHandle.emulator?.flushAccessLogs();
    const run = await t.archive.audit.importOnce();
    expect(run.ossAccessLogs.imported).toBeGreaterThan(0);
    expect(run.actionTrail).not.toBeNull();

    l = await lines();
    const exportsPosition = await t.catalog.importPosition(`oss-access-log:${plan.exports.bucket}`);
    const trailPosition = await t.catalog.importPosition('actiontrail');
    if (exportsPosition === undefined || trailPosition === undefined)
      throw new Error('no positions recorded');
    const [d, h, mi, s] = [exportsPosition.slice(0, 10), ...exportsPosition.slice(11).split('-')];
    const exportsIso = `${d}T${h}:${mi}:${s}.000Z`;
    expect(l['log-import']?.status).toBe('ok');
    expect(l['log-import']?.evidence).toEqual(
      expect.arrayContaining([
        `oss-access-log:${plan.exports.bucket}: ${exportsIso}`,
        `actiontrail: ${new Date(trailPosition).toISOString()}`,
      ]),
    );
    // The older of the two importers' positions.
    const upTo = /^imported up to (\S+);/.exec(l['log-import']?.evidence[0] ?? '')?.[1];
    expect(upTo).toBeDefined();
    expect(Date.parse(upTo as string)).toBeLessThanOrEqual(Date.parse(trailPosition));

    expect(l['unknown-keys']?.status).toBe('failing');
    expect(l['unknown-keys']?.summary).toMatch(/^1 accesses by unknown keys since /);
    expect(l['unknown-keys']?.evidence).toEqual([
      expect.stringContaining(
        `key ${creds.accessKeyId}: oss.GetObject on oss://${plan.exports.bucket}/exports/stray/bag.zip (allowed, oss-access-log)`,
      ),
    ]);
    // Never the session's secret or token.
    expect(JSON.stringify(l)).not.toContain(creds.accessKeySecret);
    expect(JSON.stringify(l)).not.toContain(creds.securityToken);
  });
});
