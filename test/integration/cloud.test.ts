import fs from 'node:fs';
import path from 'node:path';
import { bucketPlan } from '../../src/config';
import { AccessDeniedError } from '../../src/errors';
import { doctor } from '../../src/provision/doctor';
import { cloudFindings } from '../../src/runtime/cloud';
import { startTestArchive, type TestArchive } from './helpers';

/**
 * The local profile runs the archive as the service RAM user (infra/policies/archive-service.json)
 * while provisioning used the root key; the control plane of the embedded emulator is wired in.
 */
let t: TestArchive;

beforeAll(async () => {
  t = await startTestArchive({ db: 'sqlite' });
});

afterAll(async () => {
  await t.close();
});

describe('serve in the local profile', () => {
  it('talks to the control plane as the service user', async () => {
    const clients = t.archive.cloud.clients;
    expect(clients).not.toBeNull();
    expect(clients?.endpoints.sts).toBe(t.archive.storeHandle.controlPlaneUrl);
    expect(await clients?.sts.getCallerIdentity()).toMatchObject({
      identityType: 'RAMUser',
      arn: 'acs:ram::1000000000000000:user/strongroom-archive',
    });
  });

  it('its object store may not delete records or buckets, nor abort retention; the provisioning key did the setup', async () => {
    const store = t.archive.storeHandle.store;
    const plan = bucketPlan(t.config);
    await expect(store.deleteBucket(plan.logs.bucket)).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(store.abortRetention(plan.audit.bucket)).rejects.toBeInstanceOf(AccessDeniedError);
    await store.putBuffer(t.recordsBucket, 'it-cloud/probe.json', Buffer.from('{}'), {
      contentType: 'application/json',
    });
    await expect(store.delete(t.recordsBucket, 'it-cloud/probe.json')).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    expect((await store.getRetention(t.recordsBucket))?.state).toBe('Locked');
    const events = [];
    for await (const e of t.archive.cloud.clients?.actionTrail.lookupEvents({
      start: new Date(Date.now() - 3600_000),
      end: new Date(Date.now() + 60_000),
      attributes: [{ key: 'EventName', value: 'CompleteBucketWorm' }],
    }) ?? [])
      events.push(e);
    expect(events.length).toBe(bucketPlan(t.config).records.length + 3);
    expect(events.every((e) => e.userIdentity.type === 'root-account' && e.errorCode === undefined)).toBe(
      true,
    );
  });

  it('has a local Ed25519 checkpoint signer under the data directory', async () => {
    const signer = t.archive.cloud.signer;
    expect(signer.algorithm).toBe('ed25519');
    expect(fs.statSync(path.join(t.dataDir, 'keys', 'checkpoint-ed25519.pem')).mode & 0o777).toBe(0o600);
    expect((await signer.sign(Buffer.from('x'))).length).toBe(64);
  });

  it('doctor: the export role can be assumed, the signer signs, ActionTrail answers', async () => {
    const report = await doctor(t.archive.storeHandle.store, bucketPlan(t.config), t.config, {
      endpoint: t.archive.storeEndpoint,
      cloud: () => cloudFindings(t.config, t.archive.cloud),
    });
    const cloudRows = report.findings.filter((f) => f.bucket === '(control plane)');
    expect(cloudRows.map((f) => [f.check, f.severity])).toEqual([
      ['signer', 'ok'],
      ['identity', 'ok'],
      ['assume-role', 'ok'],
      ['actiontrail', 'ok'],
    ]);
    expect(cloudRows.find((f) => f.check === 'assume-role')?.message).toContain('strongroom-export-reader');
    expect(report.compliant).toBe(true);
  });
});
